#pragma once
/// Sizes a user asks for, checked before they are allocated. Every count that comes from outside
/// (a flag, a configuration key, a keyword argument) is turned into the bytes it will need with
/// arithmetic that saturates instead of wrapping, and compared with the memory this process may
/// use, so that an absurd request is refused with a message naming the key and the memory it
/// would need instead of ending in std::bad_alloc (or the kernel's OOM killer) later.
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>

namespace deeprg::io {

/// A byte count that saturates at the largest uint64_t: a size that would wrap stays "too large".
class Bytes {
 public:
  static constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

  constexpr Bytes() = default;
  constexpr explicit Bytes(std::uint64_t value) : value_(value) {}
  /// The product of `factors` (counts and an element size), saturating.
  static constexpr Bytes product(std::initializer_list<std::uint64_t> factors) {
    std::uint64_t p = 1;
    for (const std::uint64_t f : factors) {
      if (f == 0) return Bytes(0);
      p = p > kMax / f ? kMax : p * f;
    }
    return Bytes(p);
  }
  constexpr Bytes& operator+=(Bytes other) {
    value_ = value_ > kMax - other.value_ ? kMax : value_ + other.value_;
    return *this;
  }
  friend constexpr Bytes operator+(Bytes a, Bytes b) { return a += b; }
  friend constexpr auto operator<=>(const Bytes&, const Bytes&) = default;
  constexpr std::uint64_t value() const { return value_; }

 private:
  std::uint64_t value_ = 0;
};

/// "512 B", "1.5 GiB", "16 EiB": binary units, three significant digits.
std::string format_bytes(Bytes bytes);

/// The memory this process may allocate: the smallest of the machine's physical memory, the
/// address-space and data-segment limits (ulimit -v, -d) and a cgroup's memory.max.
Bytes memory_limit();

/// "" when `bytes` fit in memory_limit(), else the message require_memory throws (without its
/// key): for checks that report rather than throw.
std::string memory_shortfall(Bytes bytes, const std::string& what);

/// Throws ConfigError(key, what + " would need at least N of memory; this machine allows M")
/// when `bytes` exceeds memory_limit(). `what` says what the key asked for ("20000 samples of
/// 40x40 spins"); `bytes` should be a lower bound of what it needs, so that nothing that would
/// fit is refused.
void require_memory(const std::string& key, Bytes bytes, const std::string& what);

}  // namespace deeprg::io
