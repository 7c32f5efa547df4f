#include "deeprg/rbm/unit_functions.hpp"

#if defined(DEEPRG_HAVE_LIBMVEC) && defined(__AVX512F__)
#include <immintrin.h>

// glibc's vector math (libmvec), 8 doubles per call, ≤ 4 ulp: the names GCC gives them under
// -ffast-math, declared here so that only these sums use them.
extern "C" __m512d _ZGVeN8v_exp(__m512d x);
extern "C" __m512d _ZGVeN8v_log1p(__m512d x);
#endif

namespace deeprg::rbm {

double sum_log_unit(Units u, const double* x, std::size_t n) {
  double sum = 0;
  std::size_t j = 0;
#if defined(DEEPRG_HAVE_LIBMVEC) && defined(__AVX512F__)
  // φ(x) = max(x, 0) + ln(1 + e^−|x|) (bernoulli) or |x| + ln(1 + e^−2|x|) (spin), as the
  // scalar forms compute it.
  const bool spin = u == Units::spin;
  const __m512d sign = _mm512_set1_pd(-0.0);
  const __m512d zero = _mm512_setzero_pd();
  alignas(64) double terms[8];
  for (; j + 8 <= n; j += 8) {
    const __m512d v = _mm512_loadu_pd(x + j);
    const __m512d abs = _mm512_andnot_pd(sign, v);
    const __m512d tail = _mm512_sub_pd(zero, spin ? _mm512_add_pd(abs, abs) : abs);
    const __m512d head =
        spin ? abs : _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(v, zero, _CMP_GT_OQ), v);
    _mm512_store_pd(terms, _mm512_add_pd(head, _ZGVeN8v_log1p(_ZGVeN8v_exp(tail))));
    for (const double t : terms) sum += t;
  }
#endif
  for (; j < n; ++j) sum += log_unit_sum(u, x[j]);
  return sum;
}

}  // namespace deeprg::rbm
