#include "deeprg/io/npy.hpp"

#include <cctype>
#include <cstring>
#include <limits>

#include "deeprg/core/error.hpp"
#include "deeprg/io/atomic_file.hpp"

namespace deeprg::io {

namespace {

constexpr std::string_view kMagic = "\x93NUMPY";

[[noreturn]] void fail(const std::string& name, const std::string& what) {
  throw IoError(name + ": not a valid .npy file (" + what + ")");
}

/// Minimal reader of the Python dict literal in a .npy header, e.g.
/// {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& name) : s_(text), name_(name) {}

  void parse(NpyArray& out, bool& fortran) {
    bool have_descr = false, have_order = false, have_shape = false;
    expect('{');
    while (true) {
      skip_space();
      if (peek() == '}') break;
      const std::string key = string_literal();
      expect(':');
      if (key == "descr") {
        out.descr = string_literal();
        have_descr = true;
      } else if (key == "fortran_order") {
        fortran = boolean();
        have_order = true;
      } else if (key == "shape") {
        out.shape = tuple();
        have_shape = true;
      } else {
        fail(name_, "unexpected header key '" + key + "'");
      }
      skip_space();
      if (peek() == ',') ++pos_;
    }
    if (!have_descr || !have_order || !have_shape)
      fail(name_, "header lacks descr, fortran_order or shape");
  }

 private:
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  void expect(char c) {
    skip_space();
    if (peek() != c) fail(name_, std::string("malformed header, expected '") + c + "'");
    ++pos_;
  }
  std::string string_literal() {
    skip_space();
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail(name_, "malformed header, expected a string");
    const std::size_t end = s_.find(quote, pos_ + 1);
    if (end == std::string_view::npos) fail(name_, "malformed header, unterminated string");
    std::string value(s_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return value;
  }
  bool boolean() {
    skip_space();
    if (s_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (s_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    fail(name_, "malformed header, expected True or False");
  }
  std::vector<std::size_t> tuple() {
    expect('(');
    std::vector<std::size_t> dims;
    while (true) {
      skip_space();
      if (peek() == ')') {
        ++pos_;
        break;
      }
      if (!std::isdigit(static_cast<unsigned char>(peek()))) fail(name_, "malformed shape");
      std::size_t value = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        const std::size_t digit = static_cast<std::size_t>(s_[pos_++] - '0');
        if (value > (std::numeric_limits<std::size_t>::max() - digit) / 10)
          fail(name_, "shape overflows");
        value = value * 10 + digit;
      }
      dims.push_back(value);
      skip_space();
      if (peek() == ',') ++pos_;
    }
    return dims;
  }

  std::string_view s_;
  const std::string& name_;
  std::size_t pos_ = 0;
};

}  // namespace

std::size_t NpyArray::size() const {
  std::size_t n = 1;
  for (const std::size_t d : shape) n *= d;
  return n;
}

std::size_t descr_item_size(std::string_view descr) {
  if (descr == "|i1" || descr == "|u1" || descr == "|b1") return 1;
  if (descr == "<i4" || descr == "<u4" || descr == "<f4") return 4;
  if (descr == "<i8" || descr == "<u8" || descr == "<f8") return 8;
  return 0;
}

NpyArray parse_npy(std::string_view bytes, const std::string& name) {
  if (bytes.size() < 10 || bytes.substr(0, kMagic.size()) != kMagic) fail(name, "bad magic string");
  const auto major = static_cast<unsigned char>(bytes[6]);
  std::size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) |
                 (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail(name, "truncated header");
    for (int i = 0; i < 4; ++i)
      header_len |= static_cast<std::size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    offset = 12;
  } else {
    fail(name, "unsupported format version " + std::to_string(major));
  }
  if (bytes.size() < offset + header_len) fail(name, "truncated header");
  NpyArray array;
  bool fortran = false;
  HeaderParser(bytes.substr(offset, header_len), name).parse(array, fortran);
  if (fortran) fail(name, "Fortran order is not supported; save with np.ascontiguousarray");
  const std::size_t item = descr_item_size(array.descr);
  if (item == 0) fail(name, "unsupported dtype '" + array.descr + "'");
  const std::size_t count = array.size();
  if (item != 0 && count > std::numeric_limits<std::size_t>::max() / item)
    fail(name, "shape overflows");
  const std::size_t expected = count * item;
  const std::size_t available = bytes.size() - offset - header_len;
  if (available < expected)
    fail(name, "truncated: " + std::to_string(available) + " data bytes, shape needs " +
                   std::to_string(expected));
  if (available > expected) fail(name, "trailing bytes after the data");
  array.data.assign(bytes.substr(offset + header_len, expected));
  return array;
}

std::string format_npy(const NpyArray& array) {
  if (descr_item_size(array.descr) == 0) throw IoError("cannot write dtype '" + array.descr + "'");
  if (array.data.size() != array.size() * descr_item_size(array.descr))
    throw ShapeError("npy: data size does not match shape");
  std::string header = "{'descr': '" + array.descr + "', 'fortran_order': False, 'shape': (";
  for (std::size_t i = 0; i < array.shape.size(); ++i) {
    header += std::to_string(array.shape[i]);
    if (i + 1 < array.shape.size() || array.shape.size() == 1) header += ",";
    if (i + 1 < array.shape.size()) header += " ";
  }
  header += "), }";
  // Pad with spaces so that magic + length field + header is a multiple of 64, ending in '\n'.
  const bool v2 = header.size() + 11 > 65535;
  const std::size_t prefix = v2 ? 12 : 10;
  const std::size_t total = ((prefix + header.size() + 1 + 63) / 64) * 64;
  header.append(total - prefix - header.size() - 1, ' ');
  header += '\n';
  std::string out(kMagic);
  out += static_cast<char>(v2 ? 2 : 1);
  out += '\0';
  const std::size_t len = header.size();
  out += static_cast<char>(len & 0xff);
  out += static_cast<char>((len >> 8) & 0xff);
  if (v2) {
    out += static_cast<char>((len >> 16) & 0xff);
    out += static_cast<char>((len >> 24) & 0xff);
  }
  out += header;
  out += array.data;
  return out;
}

NpyArray read_npy(const std::filesystem::path& path) {
  return parse_npy(read_file(path), path.string());
}

void write_npy(const std::filesystem::path& path, const NpyArray& array) {
  write_file_atomic(path, format_npy(array));
}

}  // namespace deeprg::io
