#pragma once
/// Matrix products for training, on the fastest kernel this CPU has: oneDNN's (which dispatches
/// on the CPU's features: AVX-512, its bf16 dot products, AMX) where the CPU has AVX-512, and
/// OpenBLAS single-precision GEMM elsewhere. oneDNN runs every product on the calling thread
/// (OpenBLAS does so when set single-threaded, as training sets it), so a caller that splits a
/// product into fixed blocks gets the same bits for any thread count.
///
/// Precision: `fp32` multiplies floats; `bf16` rounds both operands to bfloat16 (8 significant
/// bits) and accumulates in fp32, which is exact for {0, 1} and ±1 states and rounds weights
/// and probabilities by at most 2⁻⁸ relative. Where the CPU multiplies bf16 natively
/// (avx512_bf16) that is twice the fp32 rate.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace deeprg {

/// The arithmetic of training's products.
enum class Precision { fp32, bf16 };

/// "fp32" or "bf16".
std::string to_string(Precision precision);

/// Reads "fp32", "bf16" or "auto" (bf16 where the CPU multiplies it natively, else fp32).
/// Throws ConfigError(key) for other names, and for "bf16" where this build or CPU cannot
/// multiply bf16 at full speed (emulated bf16 would be slower than fp32).
Precision resolve_precision(const std::string& name, const std::string& key = "precision");

/// Whether "bf16" resolves here: oneDNN is built in and the CPU has avx512_bf16 (or AMX).
bool native_bf16() noexcept;

/// The kernels products run on, for provenance: "oneDNN 2.6.3 (avx512_core_bf16)" or
/// "OpenBLAS".
std::string matmul_kernel();

/// A bfloat16 number: the upper half of a float's bits.
struct Bf16 {
  std::uint16_t bits = 0;
};

/// Rounds to the nearest bfloat16, ties to even (NaN stays NaN).
inline Bf16 to_bf16(float x) {
  std::uint32_t u = 0;
  __builtin_memcpy(&u, &x, sizeof u);
  if ((u & 0x7fffffffu) > 0x7f800000u) return {static_cast<std::uint16_t>((u >> 16) | 0x40u)};
  u += 0x7fffu + ((u >> 16) & 1u);
  return {static_cast<std::uint16_t>(u >> 16)};
}

inline float to_float(Bf16 x) {
  const std::uint32_t u = static_cast<std::uint32_t>(x.bits) << 16;
  float f = 0;
  __builtin_memcpy(&f, &u, sizeof f);
  return f;
}

/// The shape of C = α op(A) op(B) + β C, row-major: op(A) is m × k, op(B) is k × n, C is m × n,
/// with leading dimensions (elements between rows as stored; a transposed operand is stored
/// k × m or n × k).
struct MatmulShape {
  std::size_t m = 0, n = 0, k = 0;
  bool transpose_a = false, transpose_b = false;
  std::size_t lda = 0, ldb = 0, ldc = 0;
};

/// One prepared product with fixed shape, precision and scalars, reusable for any operands;
/// preparing costs tens of microseconds, running it none besides the product. oneDNN runs its
/// fast kernels on operands without gaps between rows (ld equal to the row length): split
/// products by whole rows of A and C. One Matmul runs on one thread at a time (it keeps the
/// operands' descriptions); prepare one per thread for concurrent products.
class Matmul {
 public:
  /// Throws ConfigError("precision") for bf16 where native_bf16() is false, ShapeError for a
  /// leading dimension shorter than its row or sizes beyond int.
  Matmul(const MatmulShape& shape, Precision precision, float alpha, float beta);
  ~Matmul();
  Matmul(Matmul&&) noexcept;
  Matmul& operator=(Matmul&&) noexcept;

  /// C = α op(A) op(B) + β C with fp32 operands (an fp32 product).
  void operator()(const float* a, const float* b, float* c) const;
  /// The same with bf16 operands (a bf16 product).
  void operator()(const Bf16* a, const Bf16* b, float* c) const;

  const MatmulShape& shape() const { return shape_; }
  Precision precision() const { return precision_; }
  float alpha() const { return alpha_; }
  float beta() const { return beta_; }
  /// The kernel oneDNN chose (e.g. "brg:avx512_core_bf16"), or "OpenBLAS sgemm".
  std::string implementation() const;

  struct Primitive;

 private:
  /// The product on operands of the given precision (ConfigError when it is not this one's).
  void run(const void* a, const void* b, float* c, Precision operands) const;

  MatmulShape shape_;
  Precision precision_;
  float alpha_, beta_;
  std::unique_ptr<Primitive> primitive_;  ///< null: OpenBLAS
};

}  // namespace deeprg
