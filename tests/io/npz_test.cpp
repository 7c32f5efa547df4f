#include "deeprg/io/npz.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <vector>

#include "deeprg/core/error.hpp"
#include "deeprg/io/atomic_file.hpp"
#include "zip_builder.hpp"

namespace deeprg::io {
namespace {

namespace fs = std::filesystem;
using test_zip::stored_zip;

fs::path temp_dir() {
  const auto* info = ::testing::UnitTest::GetInstance();
  const fs::path dir =
      fs::temp_directory_path() / ("deeprg_npz_test_" + std::to_string(info->random_seed()) + "_" +
                                   info->current_test_info()->name());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

bool have_numpy() { return std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0; }

int run_python(const fs::path& dir, const std::string& script) {
  { std::ofstream(dir / "check.py") << script; }
  return std::system(
      ("/usr/bin/python3 " + (dir / "check.py").string() + " " + dir.string()).c_str());
}

std::uint32_t get32(const std::string& s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

NpzArchive sample_archive() {
  NpzArchive a;
  const std::vector<double> f8{0.5, -1.25, 1e-300, 3.0, -0.0, 7.75};
  const std::vector<float> f4{1.5f, -2.5f};
  const std::vector<std::int8_t> i1{-128, -1, 0, 1, 127};
  const std::vector<std::uint8_t> u1{0, 255, 7};
  a["f64"] = make_npy(std::span<const double>(f8), {2, 3});
  a["f32"] = make_npy(std::span<const float>(f4), {2});
  a["i8"] = make_npy(std::span<const std::int8_t>(i1), {5});
  a["u8"] = make_npy(std::span<const std::uint8_t>(u1), {3});
  a["layer_1/W"] = make_npy(std::span<const float>(f4), {1, 2});
  a["empty"] = make_npy(std::span<const float>(), {0, 4});
  a["scalar"] = make_npy(std::span<const double>(f8).first(1), {});
  return a;
}

void expect_same(const NpzArchive& a, const NpzArchive& b) {
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [key, array] : a) {
    ASSERT_TRUE(b.contains(key)) << key;
    EXPECT_EQ(b.at(key).descr, array.descr) << key;
    EXPECT_EQ(b.at(key).shape, array.shape) << key;
    EXPECT_EQ(b.at(key).data, array.data) << key;
  }
}

/// The IoError message of `f`, or a test failure when it does not throw one.
std::string io_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const IoError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no IoError";
  return {};
}

TEST(Npz, RoundTripKeepsEveryArray) {
  const NpzArchive a = sample_archive();
  const std::string bytes = format_npz(a);
  EXPECT_EQ(bytes.substr(0, 4), std::string("PK\x03\x04", 4));
  EXPECT_EQ(format_npz(a), bytes) << "output must be reproducible";
  expect_same(a, parse_npz(bytes, "memory"));
  EXPECT_TRUE(parse_npz(format_npz({}), "empty").empty());

  const fs::path dir = temp_dir();
  write_npz(dir / "a.npz", a);
  expect_same(a, read_npz(dir / "a.npz"));
  EXPECT_THROW(format_npz({{"", a.at("f32")}}), IoError);
  fs::remove_all(dir);
}

TEST(Npz, CorruptArchivesNameTheFile) {
  const fs::path dir = temp_dir();
  const std::string good = format_npz(sample_archive());
  auto load = [&](const std::string& file, const std::string& bytes) {
    write_file_atomic(dir / file, bytes);
    return io_error([&] { read_npz(dir / file); });
  };
  for (const std::size_t cut :
       {good.size() - 1, good.size() - 30, good.size() / 2, std::size_t{100}, std::size_t{3}}) {
    const std::string msg = load("cut.npz", good.substr(0, cut));
    EXPECT_NE(msg.find((dir / "cut.npz").string()), std::string::npos) << msg;
    if (cut > 4) {
      EXPECT_NE(msg.find("truncated"), std::string::npos) << cut << ": " << msg;
    }
  }

  // A flipped byte inside the first member's data (past the 30-byte header and its name).
  std::string flipped = good;
  flipped[30 + std::string("empty.npy").size() + 20] ^= 0x01;
  std::string msg = load("flip.npz", flipped);
  EXPECT_NE(msg.find((dir / "flip.npz").string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("CRC"), std::string::npos) << msg;
  EXPECT_NE(msg.find("empty.npy"), std::string::npos) << msg;

  msg = load("garbage.npz", std::string(1000, 'x') + "not a zip file at all");
  EXPECT_NE(msg.find((dir / "garbage.npz").string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("not a ZIP"), std::string::npos) << msg;
  EXPECT_NE(load("empty.npz", "").find("not a ZIP"), std::string::npos);
  fs::remove_all(dir);
}

TEST(Npz, RejectsEncryptionUnsupportedMethodsAndInvalidMembers) {
  const std::string good = format_npz(sample_archive());
  const std::size_t cd = get32(good, good.size() - 22 + 16);
  std::string encrypted = good;
  encrypted[cd + 8] = 0x01;
  EXPECT_NE(io_error([&] { parse_npz(encrypted, "enc.npz"); }).find("encrypted"),
            std::string::npos);
  std::string bzip2 = good;
  bzip2[cd + 10] = 12;
  const std::string msg = io_error([&] { parse_npz(bzip2, "bz.npz"); });
  EXPECT_NE(msg.find("unsupported compression method 12"), std::string::npos) << msg;

  const std::string not_npy = io_error([&] { parse_npz(stored_zip("x.npy", "hello"), "bad.npz"); });
  EXPECT_NE(not_npy.find("bad.npz:x.npy"), std::string::npos) << not_npy;
  // The hand-built archive itself is fine: a valid .npy member parses.
  const std::string npy = format_npy(sample_archive().at("i8"));
  EXPECT_EQ(parse_npz(stored_zip("x.npy", npy), "ok.npz").at("x").data,
            sample_archive().at("i8").data);
}

TEST(Npz, NumpyReadsOursAndWeReadNumpysStoredCompressedAndZip64) {
  if (!have_numpy()) GTEST_SKIP() << "Debian's python3-numpy is not installed";
  const fs::path dir = temp_dir();
  write_npz(dir / "ours.npz", sample_archive());
  const std::string script = R"PY(
import sys, zipfile
import numpy as np
d = sys.argv[1]
z = np.load(d + '/ours.npz')
assert sorted(z.files) == sorted(['f64', 'f32', 'i8', 'u8', 'layer_1/W', 'empty', 'scalar']), z.files
assert z['f64'].dtype == np.float64 and z['f64'].shape == (2, 3)
assert z['f64'].ravel().tolist() == [0.5, -1.25, 1e-300, 3.0, -0.0, 7.75]
assert z['f32'].dtype == np.float32 and z['f32'].tolist() == [1.5, -2.5]
assert z['i8'].dtype == np.int8 and z['i8'].tolist() == [-128, -1, 0, 1, 127]
assert z['u8'].dtype == np.uint8 and z['u8'].tolist() == [0, 255, 7]
assert z['layer_1/W'].shape == (1, 2) and z['empty'].shape == (0, 4)
assert z['scalar'].shape == () and float(z['scalar']) == 0.5
assert zipfile.ZipFile(d + '/ours.npz').testzip() is None

rng = np.random.default_rng(5)
arrays = dict(f32=rng.standard_normal((3, 4)).astype(np.float32),
              f64=rng.standard_normal(7),
              i8=np.array([-128, -1, 0, 1, 127], dtype=np.int8),
              u8=np.arange(256, dtype=np.uint8).reshape(16, 16),
              big=np.repeat(np.arange(1000, dtype=np.float64), 300))
for k, v in arrays.items():
    np.save(d + '/' + k + '.npy', v)
np.savez(d + '/stored.npz', **arrays)
np.savez_compressed(d + '/compressed.npz', **arrays)
# Lowering zipfile's limits makes it write what it writes for huge archives: zip64 extras in
# the central directory and the zip64 end-of-central-directory record and locator.
zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = -1, 0
np.savez_compressed(d + '/zip64.npz', **arrays)
zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = (1 << 31) - 1, (1 << 16) - 1
raw = open(d + '/zip64.npz', 'rb').read()
assert b'PK\x06\x06' in raw and b'PK\x06\x07' in raw
assert np.array_equal(np.load(d + '/zip64.npz')['big'], arrays['big'])
)PY";
  ASSERT_EQ(run_python(dir, script), 0);
  for (const char* file : {"stored.npz", "compressed.npz", "zip64.npz"}) {
    const NpzArchive theirs = read_npz(dir / file);
    NpzArchive expected;
    for (const char* key : {"f32", "f64", "i8", "u8", "big"})
      expected[key] = read_npy(dir / (std::string(key) + ".npy"));
    SCOPED_TRACE(file);
    expect_same(expected, theirs);
  }
  EXPECT_LT(fs::file_size(dir / "compressed.npz"), fs::file_size(dir / "stored.npz") / 2);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace deeprg::io
