#include "deeprg/core/matmul.hpp"

#include <cblas.h>

#include <climits>

#include "deeprg/core/error.hpp"

#ifdef DEEPRG_HAVE_ONEDNN
#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace deeprg {

namespace {

#ifdef DEEPRG_HAVE_ONEDNN
bool has_isa(dnnl::cpu_isa isa) {
  const auto have = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
  const auto want = static_cast<unsigned>(isa);
  return (have & want) == want;
}

/// oneDNN where the CPU has AVX-512 (its brgemm kernels); on older CPUs OpenBLAS's kernels are
/// as fast, and the fallback needs nothing but BLAS.
bool use_onednn() {
  static const bool use = has_isa(dnnl::cpu_isa::avx512_core);
  return use;
}

/// Sets the calling thread's OpenMP thread count to 1 while alive. oneDNN sizes a product's
/// parallel split when it is prepared and runs it on the calling thread's OpenMP team: both
/// must see one thread, and the caller's own setting comes back afterwards.
class OneOpenMpThread {
 public:
  OneOpenMpThread() : previous_(omp_get_max_threads()) { omp_set_num_threads(1); }
  ~OneOpenMpThread() { omp_set_num_threads(previous_); }
  OneOpenMpThread(const OneOpenMpThread&) = delete;
  OneOpenMpThread& operator=(const OneOpenMpThread&) = delete;

 private:
  int previous_;
};

const dnnl::engine& cpu_engine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}
#endif

int as_int(std::size_t n, const char* what) {
  if (n > static_cast<std::size_t>(INT_MAX))
    throw ShapeError(std::string("matrix product: ") + what + " exceeds " +
                     std::to_string(INT_MAX));
  return static_cast<int>(n);
}

}  // namespace

std::string to_string(Precision precision) {
  return precision == Precision::bf16 ? "bf16" : "fp32";
}

bool native_bf16() noexcept {
#ifdef DEEPRG_HAVE_ONEDNN
  try {
    return use_onednn() && has_isa(dnnl::cpu_isa::avx512_core_bf16);
  } catch (...) {
    return false;
  }
#else
  return false;
#endif
}

Precision resolve_precision(const std::string& name, const std::string& key) {
  if (name == "fp32") return Precision::fp32;
  if (name == "auto") return native_bf16() ? Precision::bf16 : Precision::fp32;
  if (name == "bf16") {
    if (!native_bf16())
      throw ConfigError(key,
                        "bf16 needs a CPU with AVX-512 BF16 instructions and deeprg built "
                        "with oneDNN (here: " +
                            matmul_kernel() + "); use fp32 or auto");
    return Precision::bf16;
  }
  throw ConfigError(key, "must be fp32, bf16 or auto, got '" + name + "'");
}

std::string matmul_kernel() {
#ifdef DEEPRG_HAVE_ONEDNN
  if (use_onednn()) {
    const auto* v = dnnl::version();
    std::string isa = has_isa(dnnl::cpu_isa::avx512_core_amx)    ? "avx512_core_amx"
                      : has_isa(dnnl::cpu_isa::avx512_core_bf16) ? "avx512_core_bf16"
                                                                 : "avx512_core";
    return "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
           std::to_string(v->patch) + " (" + isa + ")";
  }
#endif
  return "OpenBLAS";
}

#ifdef DEEPRG_HAVE_ONEDNN
struct Matmul::Primitive {
  dnnl::matmul matmul;
  dnnl::memory a, b, c;  ///< the operands' descriptions; their data pointers are set per run
  std::string implementation;
};
#else
struct Matmul::Primitive {};
#endif

Matmul::Matmul(const MatmulShape& shape, Precision precision, float alpha, float beta)
    : shape_(shape), precision_(precision), alpha_(alpha), beta_(beta) {
  const auto& s = shape;
  const std::size_t a_row = s.transpose_a ? s.m : s.k, b_row = s.transpose_b ? s.k : s.n;
  if (s.lda < a_row || s.ldb < b_row || s.ldc < s.n)
    throw ShapeError("matrix product: a leading dimension is shorter than its row");
  for (const auto& [n, what] : {std::pair{s.m, "m"},
                                {s.n, "n"},
                                {s.k, "k"},
                                {s.lda, "lda"},
                                {s.ldb, "ldb"},
                                {s.ldc, "ldc"}})
    as_int(n, what);
  if (precision == Precision::bf16 && !native_bf16())
    throw ConfigError("precision", "bf16 products need " + std::string("oneDNN and AVX-512 BF16"));
#ifdef DEEPRG_HAVE_ONEDNN
  if (!use_onednn() || s.m == 0 || s.n == 0 || s.k == 0) return;
  using dims = dnnl::memory::dims;
  using dt = dnnl::memory::data_type;
  const dt type = precision == Precision::bf16 ? dt::bf16 : dt::f32;
  const auto m = static_cast<dnnl::memory::dim>(s.m), n = static_cast<dnnl::memory::dim>(s.n),
             k = static_cast<dnnl::memory::dim>(s.k);
  const auto lda = static_cast<dnnl::memory::dim>(s.lda),
             ldb = static_cast<dnnl::memory::dim>(s.ldb),
             ldc = static_cast<dnnl::memory::dim>(s.ldc);
  auto p = std::make_unique<Primitive>();
  const dnnl::memory::desc a({m, k}, type, s.transpose_a ? dims{1, lda} : dims{lda, 1});
  const dnnl::memory::desc b({k, n}, type, s.transpose_b ? dims{1, ldb} : dims{ldb, 1});
  const dnnl::memory::desc c({m, n}, dt::f32, dims{ldc, 1});
  dnnl::primitive_attr attr;
  if (alpha != 1.0f) attr.set_output_scales(0, {alpha});
  if (beta != 0.0f) {
    dnnl::post_ops ops;
    ops.append_sum(beta);
    attr.set_post_ops(ops);
  }
  try {
    const OneOpenMpThread one_thread;
    const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a, b, c), attr, cpu_engine());
    p->implementation = pd.impl_info_str();
    p->matmul = dnnl::matmul(pd);
    p->a = dnnl::memory(a, cpu_engine(), DNNL_MEMORY_NONE);
    p->b = dnnl::memory(b, cpu_engine(), DNNL_MEMORY_NONE);
    p->c = dnnl::memory(c, cpu_engine(), DNNL_MEMORY_NONE);
  } catch (const dnnl::error& e) {
    throw Error(std::string("matrix product: oneDNN refused the product: ") + e.what());
  }
  primitive_ = std::move(p);
#endif
}

Matmul::~Matmul() = default;
Matmul::Matmul(Matmul&&) noexcept = default;
Matmul& Matmul::operator=(Matmul&&) noexcept = default;

std::string Matmul::implementation() const {
#ifdef DEEPRG_HAVE_ONEDNN
  if (primitive_) return primitive_->implementation;
#endif
  return "OpenBLAS sgemm";
}

#ifdef DEEPRG_HAVE_ONEDNN
namespace {
/// Runs a prepared product on the calling thread, through the C API: the C++ one builds a map of
/// arguments per call, which costs as much as a small product.
void run_onednn(const Matmul::Primitive& p, const void* a, const void* b, float* c) {
  // One thread: the caller owns the parallelism (fixed blocks, bit-identical for any count).
  const OneOpenMpThread one_thread;
  thread_local dnnl::stream stream(cpu_engine());
  p.a.set_data_handle(const_cast<void*>(a));
  p.b.set_data_handle(const_cast<void*>(b));
  p.c.set_data_handle(c);
  const dnnl_exec_arg_t args[] = {
      {DNNL_ARG_SRC, p.a.get()}, {DNNL_ARG_WEIGHTS, p.b.get()}, {DNNL_ARG_DST, p.c.get()}};
  if (dnnl_primitive_execute(p.matmul.get(), stream.get(), 3, args) != dnnl_success)
    throw Error("matrix product: oneDNN failed to run a prepared product");
}
}  // namespace
#endif

void Matmul::operator()(const float* a, const float* b, float* c) const {
  run(a, b, c, Precision::fp32);
}

void Matmul::operator()(const Bf16* a, const Bf16* b, float* c) const {
  run(a, b, c, Precision::bf16);
}

void Matmul::run(const void* a, const void* b, float* c, Precision operands) const {
  if (operands != precision_)
    throw ConfigError("precision", "a " + to_string(precision_) + " product was given " +
                                       to_string(operands) + " operands");
  const auto& s = shape_;
  if (s.m == 0 || s.n == 0) return;
#ifdef DEEPRG_HAVE_ONEDNN
  if (primitive_) {
    run_onednn(*primitive_, a, b, c);
    return;
  }
#endif
  if (operands == Precision::fp32) {
    cblas_sgemm(CblasRowMajor, s.transpose_a ? CblasTrans : CblasNoTrans,
                s.transpose_b ? CblasTrans : CblasNoTrans, static_cast<int>(s.m),
                static_cast<int>(s.n), static_cast<int>(s.k), alpha_, static_cast<const float*>(a),
                static_cast<int>(s.lda), static_cast<const float*>(b), static_cast<int>(s.ldb),
                beta_, c, static_cast<int>(s.ldc));
    return;
  }
  // bf16 without a primitive: k = 0, an empty sum (the constructor refuses bf16 without oneDNN).
  for (std::size_t i = 0; i < s.m; ++i)
    for (std::size_t j = 0; j < s.n; ++j) {
      float& x = c[i * s.ldc + j];
      x = beta_ == 0.0f ? 0.0f : beta_ * x;
    }
}

}  // namespace deeprg
