#include "deeprg/io/npy.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "deeprg/core/error.hpp"
#include "deeprg/io/atomic_file.hpp"
#include "deeprg/io/spin_file.hpp"

namespace deeprg::io {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir() {
  const fs::path dir =
      fs::temp_directory_path() /
      ("deeprg_npy_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
       "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
  fs::create_directories(dir);
  return dir;
}

bool have_numpy() { return std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0; }

TEST(Npy, RoundTripKeepsDescrShapeAndBytes) {
  const std::vector<double> values{1.5, -2.0, 3.25, 0.0, 1e-300, -7.0};
  const NpyArray a = make_npy(std::span<const double>(values), {2, 3});
  const NpyArray b = parse_npy(format_npy(a), "memory");
  EXPECT_EQ(b.descr, "<f8");
  EXPECT_EQ(b.shape, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(b.data, a.data);
}

TEST(Npy, HeaderIsPaddedToSixtyFourBytes) {
  const std::vector<std::int8_t> v{1, -1, 1};
  const std::string bytes = format_npy(make_npy(std::span<const std::int8_t>(v), {3}));
  EXPECT_EQ((bytes.size() - v.size()) % 64, 0u);
  EXPECT_EQ(bytes[bytes.size() - v.size() - 1], '\n');
}

TEST(Npy, RejectsGarbageTruncationAndTrailingBytes) {
  const std::vector<float> v{1, 2, 3, 4};
  const std::string good = format_npy(make_npy(std::span<const float>(v), {4}));
  EXPECT_THROW(parse_npy("hello world, not numpy", "g.npy"), IoError);
  EXPECT_THROW(parse_npy(good.substr(0, good.size() - 1), "t.npy"), IoError);
  EXPECT_THROW(parse_npy(good.substr(0, 20), "t.npy"), IoError);
  EXPECT_THROW(parse_npy(good + "x", "x.npy"), IoError);
  try {
    parse_npy(good.substr(0, good.size() - 3), "cut.npy");
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("cut.npy"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos);
  }
}

TEST(Npy, RejectsFortranOrderAndUnknownDtype) {
  std::string bytes = format_npy(make_npy(std::span<const float>(std::vector<float>{1, 2}), {2}));
  std::string fortran = bytes;
  fortran.replace(fortran.find("False"), 5, "True ");
  EXPECT_THROW(parse_npy(fortran, "f.npy"), IoError);
  std::string complex = bytes;
  complex.replace(complex.find("<f4"), 3, "<c8");
  EXPECT_THROW(parse_npy(complex, "c.npy"), IoError);
}

TEST(SpinFile, ValidatesDtypeShapeAndValues) {
  const std::vector<std::int8_t> ok{1, -1, -1, 1, 1, 1, -1, -1};
  EXPECT_NO_THROW(spins_from_npy(make_npy(std::span<const std::int8_t>(ok), {2, 2, 2}), "ok"));
  const SpinSamples chain = spins_from_npy(make_npy(std::span<const std::int8_t>(ok), {2, 4}), "c");
  EXPECT_EQ(chain.lattice.dim, 1);
  EXPECT_EQ(chain.count, 2u);
  std::vector<std::int8_t> bad = ok;
  bad[5] = 0;
  try {
    spins_from_npy(make_npy(std::span<const std::int8_t>(bad), {2, 2, 2}), "bad.npy");
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("sample 1, site 1"), std::string::npos) << e.what();
  }
  const std::vector<float> floats(8, 1.0f);
  EXPECT_THROW(spins_from_npy(make_npy(std::span<const float>(floats), {2, 2, 2}), "f"), IoError);
  EXPECT_THROW(spins_from_npy(make_npy(std::span<const std::int8_t>(ok), {8}), "1d"), IoError);
}

TEST(SpinFile, RowsAcceptAnySampleShape) {
  std::vector<std::int8_t> v(2 * 2 * 3 * 2, 1);
  v[13] = -1;
  const SpinRows rows =
      spin_rows_from_npy(make_npy(std::span<const std::int8_t>(v), {2, 2, 3, 2}), "4d");
  EXPECT_EQ(rows.count, 2u);
  EXPECT_EQ(rows.spins_per_sample, 12u);
  EXPECT_EQ(rows.spins[13], -1);
  v[5] = 3;
  EXPECT_THROW(spin_rows_from_npy(make_npy(std::span<const std::int8_t>(v), {2, 12}), "bad"),
               IoError);
}

TEST(AtomicFile, LeavesNothingBehindWhenNotCommitted) {
  const fs::path dir = temp_dir();
  {
    AtomicFile f(dir / "out.bin");
    f.write("partial");
  }
  EXPECT_TRUE(fs::is_empty(dir));
  write_file_atomic(dir / "out.bin", "done");
  EXPECT_EQ(read_file(dir / "out.bin"), "done");
  EXPECT_THROW(write_file_atomic(dir / "missing" / "x.bin", "x"), IoError);
  fs::remove_all(dir);
}

TEST(Npy, NumpyReadsWhatWeWriteAndWeReadWhatNumpyWrites) {
  if (!have_numpy()) GTEST_SKIP() << "Debian's python3-numpy is not installed";
  const fs::path dir = temp_dir();
  const std::vector<std::int8_t> spins{1, -1, -1, 1, 1, 1, -1, -1, 1, -1, 1, -1};
  write_npy(dir / "ours.npy", make_npy(std::span<const std::int8_t>(spins), {3, 2, 2}));
  const std::string script =
      "import numpy as np, sys\n"
      "a = np.load(sys.argv[1] + '/ours.npy')\n"
      "assert a.dtype == np.int8 and a.shape == (3, 2, 2), (a.dtype, a.shape)\n"
      "assert a.ravel().tolist() == [1,-1,-1,1,1,1,-1,-1,1,-1,1,-1]\n"
      "np.save(sys.argv[1] + '/theirs.npy', np.arange(24, dtype=np.float32).reshape(2, 3, 4))\n";
  { std::ofstream(dir / "check.py") << script; }
  ASSERT_EQ(
      std::system(("/usr/bin/python3 " + (dir / "check.py").string() + " " + dir.string()).c_str()),
      0);
  const NpyArray theirs = read_npy(dir / "theirs.npy");
  EXPECT_EQ(theirs.descr, "<f4");
  EXPECT_EQ(theirs.shape, (std::vector<std::size_t>{2, 3, 4}));
  const auto* f = reinterpret_cast<const float*>(theirs.data.data());
  for (int i = 0; i < 24; ++i) EXPECT_EQ(f[i], static_cast<float>(i));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace deeprg::io
