// Hostile input to the readers: special files, sparse files of many gigabytes, sizes that wrap,
// zip bombs. Each must be refused with an IoError naming the file, at once and without
// allocating what it declares.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "deeprg/core/error.hpp"
#include "deeprg/io/atomic_file.hpp"
#include "deeprg/io/input_file.hpp"
#include "deeprg/io/memory.hpp"
#include "deeprg/io/npy.hpp"
#include "deeprg/io/npz.hpp"
#include "deeprg/io/spin_file.hpp"
#include "zip_builder.hpp"

namespace deeprg::io {
namespace {

namespace fs = std::filesystem;
using test_zip::crc32_reference;
using test_zip::one_member_zip;
using test_zip::ZipMember;

constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;

/// A fresh directory for one test.
fs::path temp_dir() {
  const auto* info = ::testing::UnitTest::GetInstance();
  const fs::path dir =
      fs::temp_directory_path() / ("deeprg_hostile_test_" + std::to_string(::getpid()) + "_" +
                                   info->current_test_info()->name());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

/// Peak resident memory of this process so far, in bytes.
std::uint64_t peak_rss() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;
}

/// Runs `read`, which must throw an IoError whose message names `file` and contains `words`,
/// within a second and without raising the peak memory by more than 64 MiB: hostile input must
/// be refused before what it declares is allocated or read.
void expect_refused(const std::string& file, const std::string& words,
                    const std::function<void()>& read) {
  SCOPED_TRACE(file);
  const std::uint64_t rss_before = peak_rss();
  const auto start = std::chrono::steady_clock::now();
  std::string message;
  try {
    read();
    ADD_FAILURE() << "no IoError";
  } catch (const IoError& e) {
    message = e.what();
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  EXPECT_NE(message.find(file), std::string::npos) << message;
  EXPECT_NE(message.find(words), std::string::npos) << message;
  EXPECT_LT(took.count(), 1.0) << message;
  EXPECT_LT(peak_rss() - rss_before, std::uint64_t{64} << 20) << message;
}

/// A .npy file's bytes up to its data: a format 1.0 header declaring `descr` and `shape`.
std::string npy_header(const std::string& descr, const std::string& shape) {
  std::string header =
      "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  header.append(63 - (10 + header.size()) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\0';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  return out + header;
}

/// Writes `head` to a new file and extends it, sparsely, to `size` bytes: it reads as `head`
/// followed by zeros, but occupies almost no disk.
void write_sparse(const fs::path& path, const std::string& head, std::uint64_t size) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, head.data(), head.size()), static_cast<ssize_t>(head.size()));
  ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(size)), 0);
  ::close(fd);
}

/// A raw deflate stream (as ZIP stores it) of `prefix` followed by `zeros` zero bytes, built in
/// no time: after a full flush, each further MiB of zeros compresses to the same bytes, so the
/// stream repeats them. 1 GiB of zeros takes about 1 MiB. Unless `finish`, the stream stops
/// after a complete block, where another block may follow.
std::string deflate_zeros(const std::string& prefix, std::uint64_t zeros, bool finish = true) {
  constexpr std::size_t kMiB = std::size_t{1} << 20;
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY), Z_OK);
  auto step = [&](const std::string& in, int flush) {
    std::string out(deflateBound(&zs, static_cast<uLong>(in.size())) + 64, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    deflate(&zs, flush);
    out.resize(out.size() - zs.avail_out);
    return out;
  };
  std::string stream = step(prefix, Z_FULL_FLUSH);
  const std::string mib = step(std::string(kMiB, '\0'), Z_FULL_FLUSH);
  for (std::uint64_t n = 0; n < zeros / kMiB; ++n) stream += mib;
  stream += step(std::string(zeros % kMiB, '\0'), finish ? Z_FINISH : Z_FULL_FLUSH);
  deflateEnd(&zs);
  return stream;
}

TEST(IoSpecialFiles, AreRefusedBeforeBeingOpened) {
  const fs::path dir = temp_dir();
  const fs::path fifo = dir / "fifo.npy";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  // Opening a FIFO without a writer for reading would block this test forever.
  expect_refused(fifo.string(), "FIFO", [&] { read_npy(fifo); });
  expect_refused(fifo.string(), "FIFO", [&] { read_npz(fifo); });
  expect_refused(fifo.string(), "FIFO", [&] { read_spins(fifo); });
  expect_refused(fifo.string(), "FIFO", [&] { read_spin_rows(fifo); });
  expect_refused(fifo.string(), "FIFO", [&] { read_file(fifo); });
  const fs::path fifo_json = dir / "data.npy.json";
  ASSERT_EQ(::mkfifo(fifo_json.c_str(), 0644), 0);
  expect_refused(fifo_json.string(), "FIFO", [&] { read_sidecar(dir / "data.npy"); });
  // A link to one is the same.
  fs::create_symlink(fifo, dir / "link.npy");
  expect_refused((dir / "link.npy").string(), "FIFO", [&] { read_npy(dir / "link.npy"); });

  // /dev/zero never ends: reading it whole is what filled memory.
  expect_refused("/dev/zero", "character device", [] { read_npy("/dev/zero"); });
  expect_refused("/dev/zero", "character device", [] { read_npz("/dev/zero"); });
  expect_refused("/dev/zero", "character device", [] { read_spins("/dev/zero"); });
  expect_refused("/dev/zero", "character device", [] { read_file("/dev/zero"); });

  expect_refused(dir.string(), "directory", [&] { read_npy(dir); });
  expect_refused(dir.string(), "directory", [&] { read_npz(dir); });
  expect_refused((dir / "missing.npy").string(), "no such file",
                 [&] { read_npy(dir / "missing.npy"); });
  fs::remove_all(dir);
}

TEST(NpySizes, ShapesThatWrapAreRefusedWithTheDeclaredSize) {
  const fs::path dir = temp_dir();
  // 2**62 × 4 × 4 int8 elements wrap to 0 in 64 bits; 2**32 × 65536 × 65536 doubles to 0 too.
  const std::string wraps[] = {npy_header("|i1", "(4611686018427387904, 4, 4)"),
                               npy_header("<f8", "(4294967296, 65536, 65536)"),
                               npy_header("<f8", "(9223372036854775807,)"),
                               npy_header("|i1", "(0, 9223372036854775808)")};
  for (const std::string& bytes : wraps) {
    const fs::path file = dir / "wrap.npy";
    write_file_atomic(file, bytes);
    expect_refused(file.string(), "declares more than 9223372036854775807 bytes",
                   [&] { read_npy(file); });
    expect_refused(file.string(), "declares more than", [&] { read_spins(file); });
    expect_refused(file.string(), "declares more than", [&] { read_spin_rows(file); });
    expect_refused("memory.npy", "declares more than", [&] { parse_npy(bytes, "memory.npy"); });
  }
  // A size that fits 64 bits but not the file: the message states what the shape needs.
  const fs::path big = dir / "big.npy";
  write_file_atomic(big, npy_header("<f4", "(1099511627776, 4)") + std::string(64, '\0'));
  expect_refused(big.string(), "needs 17592186044416", [&] { read_npy(big); });
  // Digits beyond 64 bits, and a header length field far beyond any header.
  expect_refused("digits.npy", "shape overflows", [&] {
    parse_npy(npy_header("|i1", "(123456789012345678901234567890,)"), "digits.npy");
  });
  std::string long_header = "\x93NUMPY\x02";
  long_header += std::string("\0\xff\xff\xff\x7f", 5);
  const fs::path huge_header = dir / "header.npy";
  write_sparse(huge_header, long_header, 3 * kGiB);
  expect_refused(huge_header.string(), "header length", [&] { read_npy(huge_header); });
  fs::remove_all(dir);
}

TEST(NpySizes, SparseFilesOfManyGigabytesAreRefusedWithoutBeingRead) {
  const fs::path dir = temp_dir();
  // A valid header for 16 bytes, then 4 GiB of nothing: refused by the file's size alone.
  const fs::path tail = dir / "tail.npy";
  write_sparse(tail, npy_header("|i1", "(4, 4)"), 4 * kGiB);
  expect_refused(tail.string(), "trailing bytes", [&] { read_npy(tail); });
  expect_refused(tail.string(), "trailing bytes", [&] { read_spins(tail); });
  // A header whose shape needs exactly the 4 GiB of zeros that follow: a valid .npy file for
  // read_npy, but no spin file, which its first chunk shows.
  const fs::path zeros = dir / "zeros.npy";
  const std::string head = npy_header("|i1", "(262144, 128, 128)");
  write_sparse(zeros, head, head.size() + 4 * kGiB);
  expect_refused(zeros.string(), "value 0 at sample 0, site 0", [&] { read_spins(zeros); });
  expect_refused(zeros.string(), "value 0 at sample 0, site 0", [&] { read_spin_rows(zeros); });
  // A shape that needs more than the file holds is refused before anything is allocated.
  const fs::path cut = dir / "cut.npy";
  write_sparse(cut, npy_header("<f4", "(1073741824, 8)"), 4 * kGiB);
  expect_refused(cut.string(), "truncated", [&] { read_npy(cut); });
  // Archives and text files: the end record is missing; a sidecar is never that large.
  const fs::path npz = dir / "sparse.npz";
  write_sparse(npz, "PK\x03\x04", 4 * kGiB);
  expect_refused(npz.string(), "truncated: no end-of-central-directory record",
                 [&] { read_npz(npz); });
  const fs::path sidecar = dir / "data.npy.json";
  write_sparse(sidecar, "{", 2 * kGiB);
  expect_refused(sidecar.string(), "more than", [&] { read_sidecar(dir / "data.npy"); });
  expect_refused(sidecar.string(), "more than", [&] { read_file(sidecar); });
  fs::remove_all(dir);
}

TEST(NpzBombs, DeclaredSizesAreCheckedBeforeInflating) {
  const fs::path dir = temp_dir();
  auto refused = [&](const std::string& file, const std::string& words, const ZipMember& m) {
    const std::string bytes = one_member_zip(m);
    write_file_atomic(dir / file, bytes);
    expect_refused((dir / file).string(), words, [&] { read_npz(dir / file); });
    expect_refused(file, words, [&] { parse_npz(bytes, file); });
  };
  const std::string small = npy_header("<f4", "(16,)");
  const std::uint32_t gib = 1u << 30;

  // 1 GiB of zeros behind a header for 64 bytes, declared honestly as 1 GiB: the .npy header
  // shows the declared size is not what the array needs.
  refused(
      "bomb.npz", "its .npy header needs 192",
      {"W.npy", deflate_zeros(small, gib), 8, gib + static_cast<std::uint32_t>(small.size()), 0});
  // The same stream declared as the 192 bytes its header needs: inflating stops there.
  const std::string stream = deflate_zeros(small + std::string(64, '\0'), gib);
  refused("liar.npz", "inflates to more than the declared 192 bytes",
          {"W.npy", stream, 8, 192, crc32_reference(small + std::string(64, '\0'))});
  // A declared 4 GiB from a few bytes exceeds what deflate can expand to.
  refused("ratio.npz", "implausible", {"W.npy", deflate_zeros(small, 64), 8, 0xFFFFFFF0u, 0});
  // A consistent 1 GiB claim whose stream breaks after 4 MiB (then a block of invalid type 3,
  // padded to a size that makes the claim possible) costs what arrived, not 1 GiB.
  const std::string big = npy_header("|i1", "(1073741824,)");
  const std::string broken =
      deflate_zeros(big, std::uint64_t{4} << 20, false) + std::string(1100000, '\x07');
  refused("broken.npz", "corrupt deflate data",
          {"W.npy", broken, 8, gib + static_cast<std::uint32_t>(big.size()), 0});
  // A stored member whose header needs more than it holds.
  const std::string cut = npy_header("<f8", "(1000000,)") + std::string(8, '\0');
  refused("stored.npz", "truncated",
          {"W.npy", cut, 0, static_cast<std::uint32_t>(cut.size()), crc32_reference(cut)});
  fs::remove_all(dir);
}

TEST(IoInputFile, ReadsBuffersAndFilesAlike) {
  const fs::path dir = temp_dir();
  write_file_atomic(dir / "f.bin", "hello, world");
  InputFile file(dir / "f.bin");
  const std::string bytes = "hello, world";
  InputFile memory(bytes, "memory");
  for (InputFile* in : {&file, &memory}) {
    EXPECT_EQ(in->size(), 12u);
    EXPECT_EQ(in->read(7, 5), "world");
    EXPECT_EQ(in->view(), "hello, world");
    EXPECT_EQ(in->read(0, 5), "hello");  // after mapping too
    expect_refused(in->name(), "truncated", [&] { in->read(8, 5); });
    expect_refused(in->name(), "truncated", [&] { in->read(std::uint64_t{1} << 62, 1); });
  }
  EXPECT_EQ(read_file(dir / "f.bin"), "hello, world");
  expect_refused((dir / "f.bin").string(), "more than the 4", [&] { read_file(dir / "f.bin", 4); });
  fs::remove_all(dir);
}

TEST(MemoryBudget, SizesSaturateAndAreCheckedBeforeAllocating) {
  EXPECT_EQ(Bytes::product({3, 5, 8}).value(), 120u);
  EXPECT_EQ(Bytes::product({std::uint64_t{1} << 40, std::uint64_t{1} << 40}).value(), Bytes::kMax);
  EXPECT_EQ(Bytes::product({Bytes::kMax, 0}).value(), 0u);
  EXPECT_EQ((Bytes(Bytes::kMax - 1) + Bytes(5)).value(), Bytes::kMax);
  EXPECT_EQ(format_bytes(Bytes(512)), "512 B");
  EXPECT_EQ(format_bytes(Bytes(3 * kGiB / 2)), "1.5 GiB");
  EXPECT_EQ(format_bytes(Bytes(Bytes::kMax)), "16 EiB");
  EXPECT_NO_THROW(require_memory("samples", Bytes(1 << 20), "a megabyte"));
  try {
    require_memory("samples", Bytes::product({std::uint64_t{1} << 40, 1 << 20}), "20 samples");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "samples");
    EXPECT_NE(std::string(e.what()).find("20 samples would need at least 1 EiB of memory"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(memory_shortfall(Bytes(Bytes::kMax), "it").empty());
  EXPECT_TRUE(memory_shortfall(Bytes(1), "it").empty());
}

TEST(AtomicWrites, RefuseToReplaceADeviceOrAPipe) {
  const fs::path dir = temp_dir();
  const fs::path fifo = dir / "out.npy";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  fs::create_symlink(fifo, dir / "link.npy");
  for (const fs::path& target : {fifo, dir / "link.npy"}) {
    expect_refused(target.string(), "not a regular file", [&] { write_file_atomic(target, "x"); });
    EXPECT_TRUE(fs::is_fifo(target)) << target << " was replaced";
  }
  EXPECT_TRUE(fs::is_symlink(dir / "link.npy"));
  fs::remove_all(dir);
}

TEST(AtomicWrites, RemoveTheTemporaryFilesOfWritersThatAreGone) {
  const fs::path dir = temp_dir();
  const pid_t gone = [] {
    const pid_t child = fork();
    if (child == 0) _exit(0);
    waitpid(child, nullptr, 0);
    return child;
  }();
  const fs::path stale = dir / ("a.npy.tmp." + std::to_string(gone) + ".7");
  const std::vector<fs::path> kept = {
      dir / ("b.npz.tmp." + std::to_string(getppid()) + ".0"),           // its writer is alive
      dir / ("c.npz.tmp." + std::to_string(getpid()) + ".0"),            // this process's own
      dir / "notes.tmp.1.x", dir / ".tmp.123.4", dir / "d.tmp.0123.4"};  // not our pattern
  for (const auto& f : kept) std::ofstream(f) << "x";
  std::ofstream(stale) << "x";
  fs::create_directories(dir / ("e.tmp." + std::to_string(gone) + ".1"));  // not a file
  remove_stale_temp_files(dir);
  EXPECT_FALSE(fs::exists(stale));
  for (const auto& f : kept) EXPECT_TRUE(fs::exists(f)) << f;
  EXPECT_TRUE(fs::exists(dir / ("e.tmp." + std::to_string(gone) + ".1")));
  fs::remove_all(dir);
}

TEST(SpinFiles, AreWrittenWithTheirSidecarOrNotAtAll) {
  const fs::path dir = temp_dir();
  SpinSamples samples{ising::Lattice::square(2, 2), 1, {1, -1, 1, 1}};
  fs::create_directories(sidecar_path(dir / "s.npy"));  // the sidecar cannot be written
  EXPECT_THROW(write_spins(dir / "s.npy", samples, {{"T", 2.0}}), IoError);
  EXPECT_FALSE(fs::exists(dir / "s.npy"));
  fs::remove(sidecar_path(dir / "s.npy"));
  write_spins(dir / "s.npy", samples, {{"T", 2.0}});
  EXPECT_EQ(read_spins(dir / "s.npy").spins, samples.spins);
  EXPECT_EQ(read_sidecar(dir / "s.npy")["T"], 2.0);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace deeprg::io
