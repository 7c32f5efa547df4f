#pragma once
/// What every fuzz target shares: the input as bytes, and calls whose only allowed failure is
/// the error that the parser documents.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "deeprg/core/error.hpp"

namespace deeprg::fuzz {

/// libFuzzer's input as the bytes the parsers take.
inline std::string_view bytes_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// The result of `f`, or nothing when it throws `E` (any other exception reaches libFuzzer,
/// which reports it as a crash).
template <class E = IoError, class F>
auto attempt(F f) -> std::optional<decltype(f())> {
  try {
    return f();
  } catch (const E&) {
    return std::nullopt;
  }
}

/// Whether `f` returns, false when it throws `E`: attempt for calls that return nothing.
template <class E = IoError, class F>
bool succeeds(F f) {
  try {
    f();
    return true;
  } catch (const E&) {
    return false;
  }
}

}  // namespace deeprg::fuzz
