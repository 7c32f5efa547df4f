#include "deeprg/io/npz.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <limits>

#include "deeprg/core/error.hpp"
#include "deeprg/io/atomic_file.hpp"

namespace deeprg::io {

namespace {

// Record signatures and fixed sizes from PKWARE's APPNOTE.TXT (sections 4.3.7 – 4.3.16).
constexpr std::uint32_t kLocalSig = 0x04034b50;
constexpr std::uint32_t kCentralSig = 0x02014b50;
constexpr std::uint32_t kEocdSig = 0x06054b50;
constexpr std::uint32_t kZip64EocdSig = 0x06064b50;
constexpr std::uint32_t kZip64LocatorSig = 0x07064b50;
constexpr std::size_t kLocalSize = 30;
constexpr std::size_t kCentralSize = 46;
constexpr std::size_t kEocdSize = 22;
constexpr std::size_t kZip64EocdSize = 56;
constexpr std::size_t kZip64LocatorSize = 20;
constexpr std::uint32_t kMax32 = 0xFFFFFFFF;
constexpr std::uint16_t kMax16 = 0xFFFF;
constexpr std::uint16_t kZip64ExtraId = 0x0001;
constexpr std::uint16_t kMethodStored = 0;
constexpr std::uint16_t kMethodDeflate = 8;
// Largest chunk handed to zlib at once: its counters are 32-bit (uInt).
constexpr std::size_t kZlibChunk = std::size_t{1} << 30;

[[noreturn]] void fail(const std::string& name, const std::string& what) {
  throw IoError(name + ": not a valid .npz archive (" + what + ")");
}

[[noreturn]] void fail_member(const std::string& name, std::string_view member,
                              const std::string& what) {
  throw IoError(name + ": member '" + std::string(member) + "': " + what);
}

// Little-endian reads; callers check bounds first.
std::uint16_t u16(std::string_view b, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(b[at]) |
                                    (static_cast<unsigned char>(b[at + 1]) << 8));
}
std::uint32_t u32(std::string_view b, std::size_t at) {
  return static_cast<std::uint32_t>(u16(b, at)) |
         (static_cast<std::uint32_t>(u16(b, at + 2)) << 16);
}
std::uint64_t u64(std::string_view b, std::size_t at) {
  return static_cast<std::uint64_t>(u32(b, at)) |
         (static_cast<std::uint64_t>(u32(b, at + 4)) << 32);
}

void put16(std::string& out, std::uint16_t v) {
  out += static_cast<char>(v & 0xff);
  out += static_cast<char>(v >> 8);
}
void put32(std::string& out, std::uint32_t v) {
  put16(out, static_cast<std::uint16_t>(v & 0xffff));
  put16(out, static_cast<std::uint16_t>(v >> 16));
}

std::uint32_t crc32_of(std::string_view bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  for (std::size_t at = 0; at < bytes.size(); at += kZlibChunk) {
    const std::size_t n = std::min(kZlibChunk, bytes.size() - at);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + at), static_cast<uInt>(n));
  }
  return static_cast<std::uint32_t>(crc);
}

/// Inflates a raw deflate stream (no zlib or gzip wrapper, as ZIP stores it) step by step, so
/// that memory grows with the bytes that actually arrive rather than with a size field.
class Inflater {
 public:
  Inflater(std::string_view in, const std::string& name, std::string_view member)
      : in_(in), name_(name), member_(member) {
    if (inflateInit2(&zs_, -15) != Z_OK) fail_member(name_, member_, "zlib inflateInit2 failed");
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  ~Inflater() { inflateEnd(&zs_); }

  /// Inflates until `out` holds `target` bytes or the stream ends; returns whether it ended.
  bool inflate_to(std::string& out, std::size_t target) {
    std::size_t produced = out.size();
    while (produced < target && !ended_) {
      if (out.size() == produced) {
        const std::size_t step = std::min(target - produced, std::max(produced, kFirstStep));
        resize_for(out, produced + step, name_ + ":" + std::string(member_));
      }
      const std::size_t room = std::min(out.size() - produced, kZlibChunk);
      zs_.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
      zs_.avail_out = static_cast<uInt>(room);
      if (zs_.avail_in == 0) {
        const std::size_t n = std::min(kZlibChunk, in_.size() - fed_);
        zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in_.data() + fed_));
        zs_.avail_in = static_cast<uInt>(n);
        fed_ += n;
      }
      const int ret = inflate(&zs_, Z_NO_FLUSH);
      produced += room - zs_.avail_out;
      if (ret == Z_STREAM_END) {
        ended_ = true;
      } else if (ret == Z_BUF_ERROR) {
        // With room for output, no progress means the input ran out.
        if (zs_.avail_in == 0 && fed_ == in_.size())
          fail_member(name_, member_, "truncated deflate stream");
      } else if (ret != Z_OK) {
        fail_member(
            name_, member_,
            std::string("corrupt deflate data (") + (zs_.msg ? zs_.msg : "zlib error") + ")");
      }
    }
    out.resize(produced);
    return ended_;
  }

 private:
  static constexpr std::size_t kFirstStep = std::size_t{1} << 16;

  std::string_view in_;
  const std::string& name_;
  std::string_view member_;
  z_stream zs_{};
  std::size_t fed_ = 0;  ///< input bytes handed to zlib so far
  bool ended_ = false;
};

/// Inflates a member whose central directory entry declares `size` bytes uncompressed. The
/// claim is checked before its memory is spent: against deflate's largest expansion, then
/// against the size that the .npy header (inflated first) needs. Inflating stops at the
/// declared size; any disagreement with it is an error.
std::string inflate_member(std::string_view in, std::uint64_t size, const std::string& name,
                           std::string_view member) {
  // Deflate cannot expand data more than 1032:1, so a larger claim is corruption or a bomb.
  if (size / 1032 > in.size() + 1)
    fail_member(name, member,
                "declared size " + std::to_string(size) + " is implausible for " +
                    std::to_string(in.size()) + " compressed bytes");
  Inflater inflater(in, name, member);
  std::string out;
  const std::size_t window = kNpyMaxHeaderLength + 12;
  inflater.inflate_to(out, static_cast<std::size_t>(std::min<std::uint64_t>(size, window)));
  const NpyHeader header = parse_npy_header(out, name + ":" + std::string(member));
  if (header.data_offset + header.data_bytes != size)
    fail_member(name, member,
                "declares " + std::to_string(size) + " bytes uncompressed, but its .npy header " +
                    "needs " + std::to_string(header.data_offset + header.data_bytes));
  const bool ended = inflater.inflate_to(out, static_cast<std::size_t>(size));
  if (out.size() < size)
    fail_member(name, member,
                "inflates to " + std::to_string(out.size()) +
                    " bytes, the central directory says " + std::to_string(size));
  if (!ended) {
    std::string beyond;  // one byte more than declared is enough to know
    inflater.inflate_to(beyond, 1);
    if (!beyond.empty())
      fail_member(name, member,
                  "inflates to more than the declared " + std::to_string(size) + " bytes");
  }
  return out;
}

/// Where the central directory lies and how many entries it has.
struct Directory {
  std::uint64_t entries = 0;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  std::size_t end = 0;  ///< first byte of the (zip64) end record: the directory must end by here
};

Directory find_directory(std::string_view bytes, const std::string& name) {
  const bool looks_like_zip = bytes.substr(0, 4) == std::string_view("PK\x03\x04", 4) ||
                              bytes.substr(0, 4) == std::string_view("PK\x05\x06", 4);
  auto missing = [&]() -> void {
    if (looks_like_zip) fail(name, "truncated: no end-of-central-directory record");
    fail(name, "not a ZIP archive");
  };
  if (bytes.size() < kEocdSize) missing();
  // The end record sits at the very end, followed only by its comment (at most 65535 bytes);
  // requiring the comment to reach exactly to the end rejects signatures that merely occur
  // inside member data of a truncated file.
  const std::size_t lowest =
      bytes.size() > kEocdSize + kMax16 ? bytes.size() - kEocdSize - kMax16 : 0;
  std::size_t eocd = std::string_view::npos;
  for (std::size_t pos = bytes.size() - kEocdSize + 1; pos-- > lowest;) {
    if (u32(bytes, pos) == kEocdSig && pos + kEocdSize + u16(bytes, pos + 20) == bytes.size()) {
      eocd = pos;
      break;
    }
  }
  if (eocd == std::string_view::npos) missing();

  Directory dir;
  std::uint32_t disk = u16(bytes, eocd + 4), cd_disk = u16(bytes, eocd + 6);
  dir.entries = u16(bytes, eocd + 10);
  dir.size = u32(bytes, eocd + 12);
  dir.offset = u32(bytes, eocd + 16);
  dir.end = eocd;
  // Python's zipfile writes the zip64 end record only when a count or offset overflows, but
  // readers must use it whenever its locator is present (APPNOTE 4.3.15).
  if (eocd >= kZip64LocatorSize && u32(bytes, eocd - kZip64LocatorSize) == kZip64LocatorSig) {
    const std::size_t locator = eocd - kZip64LocatorSize;
    const std::uint64_t at = u64(bytes, locator + 8);
    if (at > locator || locator - at < kZip64EocdSize)
      fail(name, "zip64 end-of-central-directory record lies outside the file (truncated?)");
    const auto z64 = static_cast<std::size_t>(at);
    if (u32(bytes, z64) != kZip64EocdSig)
      fail(name, "bad zip64 end-of-central-directory signature");
    disk = u32(bytes, z64 + 16);
    cd_disk = u32(bytes, z64 + 20);
    dir.entries = u64(bytes, z64 + 32);
    dir.size = u64(bytes, z64 + 40);
    dir.offset = u64(bytes, z64 + 48);
    dir.end = z64;
  }
  if (disk != 0 || cd_disk != 0) fail(name, "multi-disk archives are not supported");
  if (dir.offset > dir.end || dir.size > dir.end - dir.offset)
    fail(name, "truncated: the central directory lies beyond the data");
  if (dir.entries > dir.size / kCentralSize)
    fail(name, "central directory is too small for " + std::to_string(dir.entries) + " entries");
  return dir;
}

/// The array of one member: `raw` as stored, `size` bytes uncompressed with CRC-32 `crc`.
NpyArray read_member(std::string_view raw, std::uint16_t method, std::uint64_t size,
                     std::uint32_t crc, const std::string& name, std::string_view member) {
  const std::string where = name + ":" + std::string(member);
  auto check_crc = [&](std::string_view contents) {
    const std::uint32_t actual = crc32_of(contents);
    if (actual != crc)
      fail_member(name, member,
                  "bad CRC-32 (archive is corrupt): stored " + std::to_string(crc) + ", computed " +
                      std::to_string(actual));
  };
  if (method == kMethodStored) {
    if (raw.size() != size)
      fail_member(name, member,
                  "stored member has compressed size " + std::to_string(raw.size()) +
                      " but uncompressed size " + std::to_string(size));
    // The header first, so that a member whose data its shape does not match is refused without
    // reading them; but a corrupt archive is reported as such where the damage breaks the .npy.
    try {
      read_npy_header(InputFile(raw, where));
    } catch (const IoError&) {
      check_crc(raw);
      throw;
    }
    check_crc(raw);
    return parse_npy(raw, where);
  }
  std::string contents = inflate_member(raw, size, name, member);
  check_crc(contents);
  // inflate_member checked the header against the size; the data follow it. Erasing the header
  // in place avoids a second copy of the data.
  NpyHeader header = parse_npy_header(contents, where);
  contents.erase(0, static_cast<std::size_t>(header.data_offset));
  header.array.data = std::move(contents);
  return std::move(header.array);
}

}  // namespace

NpzArchive parse_npz(std::string_view bytes, const std::string& name) {
  const Directory dir = find_directory(bytes, name);
  NpzArchive archive;
  auto p = static_cast<std::size_t>(dir.offset);
  const auto cd_end = static_cast<std::size_t>(dir.offset + dir.size);
  for (std::uint64_t e = 0; e < dir.entries; ++e) {
    if (cd_end - p < kCentralSize || u32(bytes, p) != kCentralSig)
      fail(name, "corrupt central directory entry " + std::to_string(e + 1));
    const std::uint16_t flags = u16(bytes, p + 8);
    const std::uint16_t method = u16(bytes, p + 10);
    const std::uint32_t crc = u32(bytes, p + 16);
    std::uint64_t csize = u32(bytes, p + 20);
    std::uint64_t usize = u32(bytes, p + 24);
    const std::size_t name_len = u16(bytes, p + 28);
    const std::size_t extra_len = u16(bytes, p + 30);
    const std::size_t comment_len = u16(bytes, p + 32);
    std::uint32_t disk_start = u16(bytes, p + 34);
    std::uint64_t local = u32(bytes, p + 42);
    if (cd_end - p - kCentralSize < name_len + extra_len + comment_len)
      fail(name, "corrupt central directory entry " + std::to_string(e + 1));
    const std::string_view member = bytes.substr(p + kCentralSize, name_len);

    // The zip64 extra holds, in this order, exactly those fields whose 32-bit (16-bit for the
    // disk) slot above is saturated (APPNOTE 4.5.3).
    std::string_view extra = bytes.substr(p + kCentralSize + name_len, extra_len);
    while (extra.size() >= 4) {
      const std::uint16_t id = u16(extra, 0);
      const std::size_t len = u16(extra, 2);
      if (extra.size() - 4 < len) fail_member(name, member, "malformed extra field");
      if (id == kZip64ExtraId) {
        std::string_view z = extra.substr(4, len);
        auto take64 = [&](std::uint64_t& field) {
          if (z.size() < 8) fail_member(name, member, "malformed zip64 extra field");
          field = u64(z, 0);
          z.remove_prefix(8);
        };
        if (usize == kMax32) take64(usize);
        if (csize == kMax32) take64(csize);
        if (local == kMax32) take64(local);
        if (disk_start == kMax16) {
          if (z.size() < 4) fail_member(name, member, "malformed zip64 extra field");
          disk_start = u32(z, 0);
        }
      }
      extra.remove_prefix(4 + len);
    }
    p += kCentralSize + name_len + extra_len + comment_len;

    // Directory entries carry no data; some zip tools add them for "layer_1/".
    if (!member.empty() && member.back() == '/' && usize == 0) continue;
    if (disk_start != 0) fail_member(name, member, "multi-disk archives are not supported");
    if (flags & 0x41)
      fail_member(name, member, "is encrypted; encrypted archives are not supported");
    if (method != kMethodStored && method != kMethodDeflate)
      fail_member(name, member,
                  "unsupported compression method " + std::to_string(method) +
                      " (only stored and deflate, as numpy writes, are supported)");

    if (local > bytes.size() || bytes.size() - local < kLocalSize)
      fail_member(name, member, "truncated: local header lies beyond the end of the file");
    const auto lh = static_cast<std::size_t>(local);
    if (u32(bytes, lh) != kLocalSig) fail_member(name, member, "bad local header signature");
    // Sizes in the local header may be placeholders (numpy forces a zip64 local header and
    // streamed writers use data descriptors), so only its name and extra lengths are used.
    const std::size_t local_name_len = u16(bytes, lh + 26);
    const std::size_t local_extra_len = u16(bytes, lh + 28);
    const std::size_t data = lh + kLocalSize + local_name_len + local_extra_len;
    if (data > bytes.size() || bytes.size() - data < csize)
      fail_member(name, member, "truncated: data extend beyond the end of the file");
    if (bytes.substr(lh + kLocalSize, local_name_len) != member)
      fail_member(name, member, "local header names a different file");
    const std::string_view raw = bytes.substr(data, static_cast<std::size_t>(csize));

    std::string key(member);
    if (key.size() >= 4 && key.ends_with(".npy")) key.resize(key.size() - 4);
    if (archive.contains(key)) fail_member(name, member, "duplicate member");
    archive.emplace(std::move(key), read_member(raw, method, usize, crc, name, member));
  }
  return archive;
}

NpzArchive read_npz(const std::filesystem::path& path) {
  // Mapped rather than read: the parser touches the end record, the central directory and the
  // members it accepts, so a large file that is no archive costs neither time nor memory.
  InputFile in(path);
  return parse_npz(in.view(), in.name());
}

std::string format_npz(const NpzArchive& archive) {
  // A fixed MS-DOS timestamp (1980-01-01 00:00) keeps output reproducible.
  constexpr std::uint16_t kDosTime = 0, kDosDate = (1 << 5) | 1;
  constexpr std::uint16_t kVersion = 20;                  // 2.0: what stored/deflate need
  constexpr std::uint16_t kMadeBy = (3 << 8) | kVersion;  // Unix, so the mode below applies
  constexpr std::uint32_t kFileMode = 0100644u << 16;     // regular file, rw-r--r--
  if (archive.size() >= kMax16) throw IoError("npz: too many arrays (ZIP64 is not written)");
  std::string out, central;
  for (const auto& [key, array] : archive) {
    if (key.empty()) throw IoError("npz: an array has an empty name");
    const std::string member = key + ".npy";
    if (member.size() > kMax16) throw IoError("npz: array name '" + key + "' is too long");
    const std::string data = format_npy(array);
    if (data.size() >= kMax32 || out.size() >= kMax32 ||
        out.size() + kLocalSize + member.size() + data.size() >= kMax32)
      throw IoError("npz: archive too large (4 GiB or more; ZIP64 is not written)");
    const std::uint32_t crc = crc32_of(data);
    const auto size = static_cast<std::uint32_t>(data.size());
    const auto offset = static_cast<std::uint32_t>(out.size());
    // Bit 11 declares UTF-8 names; without it readers decode non-ASCII names as CP437.
    const bool ascii = std::all_of(member.begin(), member.end(),
                                   [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    const std::uint16_t flags = ascii ? 0 : 0x0800;

    put32(out, kLocalSig);
    put16(out, kVersion);
    put16(out, flags);
    put16(out, kMethodStored);
    put16(out, kDosTime);
    put16(out, kDosDate);
    put32(out, crc);
    put32(out, size);
    put32(out, size);
    put16(out, static_cast<std::uint16_t>(member.size()));
    put16(out, 0);
    out += member;
    out += data;

    put32(central, kCentralSig);
    put16(central, kMadeBy);
    put16(central, kVersion);
    put16(central, flags);
    put16(central, kMethodStored);
    put16(central, kDosTime);
    put16(central, kDosDate);
    put32(central, crc);
    put32(central, size);
    put32(central, size);
    put16(central, static_cast<std::uint16_t>(member.size()));
    put16(central, 0);  // extra
    put16(central, 0);  // comment
    put16(central, 0);  // disk
    put16(central, 0);  // internal attributes
    put32(central, kFileMode);
    put32(central, offset);
    central += member;
  }
  if (out.size() + central.size() + kEocdSize >= kMax32)
    throw IoError("npz: archive too large (4 GiB or more; ZIP64 is not written)");
  const auto cd_offset = static_cast<std::uint32_t>(out.size());
  const auto cd_size = static_cast<std::uint32_t>(central.size());
  out += central;
  put32(out, kEocdSig);
  put16(out, 0);
  put16(out, 0);
  put16(out, static_cast<std::uint16_t>(archive.size()));
  put16(out, static_cast<std::uint16_t>(archive.size()));
  put32(out, cd_size);
  put32(out, cd_offset);
  put16(out, 0);  // comment
  return out;
}

void write_npz(const std::filesystem::path& path, const NpzArchive& archive) {
  std::string bytes;
  try {
    bytes = format_npz(archive);
  } catch (const IoError& e) {
    throw IoError(path.string() + ": " + e.what());
  }
  write_file_atomic(path, bytes);
}

}  // namespace deeprg::io
