#include "deeprg/io/npy.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <limits>

#include "deeprg/core/error.hpp"
#include "deeprg/io/atomic_file.hpp"

namespace deeprg::io {

namespace {

constexpr std::string_view kMagic = "\x93NUMPY";
/// Magic string, version and the longest (format 2.0 and 3.0) header-length field.
constexpr std::size_t kNpyPrefixSize = 12;

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

/// The shape as numpy prints it: "(3, 4)", "(5,)", "()".
std::string shape_text(const std::vector<std::size_t>& shape) {
  std::string text = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) text += ", ";
    text += std::to_string(shape[i]);
  }
  return text + (shape.size() == 1 ? ",)" : ")");
}

/// Bytes of data the header declares, computed without wrapping. As numpy does, the product of
/// the non-zero dimensions and the item size must fit a signed 64-bit size; a zero dimension
/// then makes the array empty.
std::uint64_t data_size(const NpyArray& array, std::size_t item, const std::string& name) {
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  std::uint64_t bytes = item;
  bool empty = false;
  for (const std::size_t dim : array.shape) {
    if (dim == 0) {
      empty = true;
    } else if (dim > kMax / bytes) {
      fail(name, "shape " + shape_text(array.shape) + " of '" + array.descr +
                     "' declares more than " + std::to_string(kMax) + " bytes of data");
    } else {
      bytes *= dim;
    }
  }
  return empty ? 0 : bytes;
}

/// The header of a .npy input, without looking at its data section.
NpyHeader header_from(const InputFile& in) {
  const std::string& name = in.name();
  const std::string prefix =
      in.read(0, static_cast<std::size_t>(std::min<std::uint64_t>(in.size(), kNpyPrefixSize)));
  if (prefix.size() < 10 || std::string_view(prefix).substr(0, kMagic.size()) != kMagic)
    fail(name, "bad magic string");
  const auto major = static_cast<unsigned char>(prefix[6]);
  std::size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(prefix[8]) |
                 (static_cast<std::size_t>(static_cast<unsigned char>(prefix[9])) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (prefix.size() < kNpyPrefixSize) fail(name, "truncated header");
    for (int i = 0; i < 4; ++i)
      header_len |= static_cast<std::size_t>(static_cast<unsigned char>(prefix[8 + i])) << (8 * i);
    offset = kNpyPrefixSize;
  } else {
    fail(name, "unsupported format version " + std::to_string(major));
  }
  if (header_len > kNpyMaxHeaderLength)
    fail(name, "header length " + std::to_string(header_len) + " exceeds the limit of " +
                   std::to_string(kNpyMaxHeaderLength) + " bytes");
  if (in.size() < offset + header_len) fail(name, "truncated header");
  NpyHeader header;
  bool fortran = false;
  HeaderParser(in.read(offset, header_len), name).parse(header.array, fortran);
  if (fortran) fail(name, "Fortran order is not supported; save with np.ascontiguousarray");
  const std::size_t item = descr_item_size(header.array.descr);
  if (item == 0) fail(name, "unsupported dtype '" + header.array.descr + "'");
  header.data_offset = offset + header_len;
  header.data_bytes = data_size(header.array, item, name);
  return header;
}

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

NpyHeader parse_npy_header(std::string_view prefix, const std::string& name) {
  return header_from(InputFile(prefix, name));
}

NpyHeader read_npy_header(const InputFile& in) {
  NpyHeader header = header_from(in);
  const std::uint64_t available = in.size() - header.data_offset;
  if (available < header.data_bytes)
    fail(in.name(), "truncated: " + std::to_string(available) + " data bytes, shape " +
                        shape_text(header.array.shape) + " needs " +
                        std::to_string(header.data_bytes));
  if (available > header.data_bytes)
    fail(in.name(), "trailing bytes after the data: " + std::to_string(available) +
                        " data bytes, shape " + shape_text(header.array.shape) + " needs " +
                        std::to_string(header.data_bytes));
  return header;
}

NpyArray read_npy(const InputFile& in) {
  NpyHeader header = read_npy_header(in);
  // Checked against the input's real size, so the allocation is what the data need.
  header.array.data = in.read(header.data_offset, static_cast<std::size_t>(header.data_bytes));
  return std::move(header.array);
}

NpyArray parse_npy(std::string_view bytes, const std::string& name) {
  return read_npy(InputFile(bytes, name));
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

NpyArray read_npy(const std::filesystem::path& path) { return read_npy(InputFile(path)); }

void write_npy(const std::filesystem::path& path, const NpyArray& array) {
  write_file_atomic(path, format_npy(array));
}

}  // namespace deeprg::io
