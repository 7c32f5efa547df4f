#pragma once
/// ZIP archives built byte by byte for the io tests, so that members, sizes and CRCs can be
/// anything a damaged or hostile file might hold, independently of the code under test.
#include <cstdint>
#include <string>
#include <string_view>

namespace deeprg::io::test_zip {

/// Bitwise CRC-32 (the ZIP polynomial), independent of zlib.
inline std::uint32_t crc32_reference(std::string_view bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const char c : bytes) {
    crc ^= static_cast<unsigned char>(c);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

/// Appends `v` as `bytes` little-endian bytes.
inline void put(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

/// A member as its central directory entry describes it.
struct ZipMember {
  std::string name;
  std::string raw;           ///< the bytes as stored (compressed for deflate)
  std::uint16_t method = 0;  ///< 0 stored, 8 deflate
  std::uint32_t usize = 0;   ///< declared uncompressed size
  std::uint32_t crc = 0;     ///< declared CRC-32 of the uncompressed bytes
};

/// A one-member ZIP archive with exactly the declared fields of `m`.
inline std::string one_member_zip(const ZipMember& m) {
  std::string out;
  put(out, 0x04034b50, 4);
  put(out, 20, 2);
  put(out, 0, 2);
  put(out, m.method, 2);
  put(out, 0, 4);  // time, date
  put(out, m.crc, 4);
  put(out, m.raw.size(), 4);
  put(out, m.usize, 4);
  put(out, m.name.size(), 2);
  put(out, 0, 2);
  out += m.name + m.raw;
  const std::size_t cd = out.size();
  put(out, 0x02014b50, 4);
  put(out, 20, 2);
  put(out, 20, 2);
  put(out, 0, 2);
  put(out, m.method, 2);
  put(out, 0, 4);
  put(out, m.crc, 4);
  put(out, m.raw.size(), 4);
  put(out, m.usize, 4);
  put(out, m.name.size(), 2);
  put(out, 0, 6);  // extra, comment, disk
  put(out, 0, 6);  // attributes
  put(out, 0, 4);  // local header offset
  out += m.name;
  const std::size_t cd_size = out.size() - cd;
  put(out, 0x06054b50, 4);
  put(out, 0, 4);
  put(out, 1, 2);
  put(out, 1, 2);
  put(out, cd_size, 4);
  put(out, cd, 4);
  put(out, 0, 2);
  return out;
}

/// A one-member stored ZIP, so that member contents need not be valid .npy.
inline std::string stored_zip(const std::string& member, const std::string& contents) {
  return one_member_zip({member, contents, 0, static_cast<std::uint32_t>(contents.size()),
                         crc32_reference(contents)});
}

}  // namespace deeprg::io::test_zip
