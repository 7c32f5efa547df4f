// Exact references for the Ising model: Kaufman's finite torus, the transfer-matrix ring, the
// Onsager/Yang infinite lattice and the infinite chain. Brute-force enumeration lives in
// exact_enumerate.cpp.
#include "deeprg/ising/exact.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <type_traits>

#include "deeprg/core/error.hpp"
#include "deeprg/core/json.hpp"
#include "deeprg/ising/jet.hpp"

namespace deeprg::ising {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Below this K (T > 4J) onsager() takes U and C from the quadrature rather than the closed forms.
constexpr double kOnsagerQuadratureBelowK = 0.25;

// ln(2 cosh x) without overflow: |x| + ln(1 + e^{−2|x|}); derivatives tanh x and sech² x.
Jet log_2cosh(const Jet& x) {
  const double a = std::fabs(x.v);
  const double e = std::exp(-2.0 * a);
  return chain(x, a + std::log1p(e), std::tanh(x.v), 4.0 * e / ((1.0 + e) * (1.0 + e)));
}

// ln(2 sinh x) for x > 0 without overflow: x + ln(1 − e^{−2x}); derivatives coth x, −csch² x.
Jet log_2sinh(const Jet& x) {
  const double e = std::exp(-2.0 * x.v);
  const double one_minus_e = -std::expm1(-2.0 * x.v);
  return chain(x, x.v + std::log1p(-e), (1.0 + e) / one_minus_e,
               -4.0 * e / (one_minus_e * one_minus_e));
}

// ln tanh x for x > 0, accurate as tanh x → 1 through ln(1 − 2/(e^{2x} + 1)); with e = e^{−2x} the
// derivatives are 2/sinh 2x = 4e/(1 − e²) and −4 cosh 2x/sinh² 2x = −8e(1 + e²)/(1 − e²)².
Jet log_tanh(const Jet& x) {
  const double e = std::exp(-2.0 * x.v);
  const double one_minus_e2 = -std::expm1(-4.0 * x.v);
  const double value = x.v < 0.5 ? std::log(std::tanh(x.v)) : std::log1p(-2.0 * e / (1.0 + e));
  return chain(x, value, 4.0 * e / one_minus_e2,
               -8.0 * e * (1.0 + e * e) / (one_minus_e2 * one_minus_e2));
}

// e^x − 1, accurate for small x.
Jet expm1(const Jet& x) {
  const double e = std::exp(x.v);
  return chain(x, std::expm1(x.v), e, e);
}

// ln(1 + x) for x > −1, accurate for small x.
Jet log1p(const Jet& x) {
  const double r = 1.0 / (1.0 + x.v);
  return chain(x, std::log1p(x.v), r, -r * r);
}

// |x| as a jet (the branch of x's sign).
Jet abs(const Jet& x) { return x.v < 0 ? -x : x; }

// The validated model with its lattice extents replaced (for the infinite-size references).
void validate_values(const Model& m, const Lattice& placeholder) {
  Model v = m;
  v.lattice = placeholder;
  v.validate();
}

void require_dim(const Model& m, int dim, const char* who) {
  if (m.lattice.dim != dim) {
    throw ConfigError("model", std::string(who) + " needs a " +
                                   (dim == 1 ? "1D chain" : "2D lattice") +
                                   ", got dim = " + std::to_string(m.lattice.dim));
  }
}

void require_square_lattice_couplings(const Model& m, const char* who) {
  if (m.h != 0.0) {
    throw ConfigError(
        "h", std::string(who) + " is exact only at zero field, got h = " + std::to_string(m.h));
  }
  if (!(m.J > 0.0)) {
    throw ConfigError("J", std::string(who) + " needs a ferromagnetic coupling J > 0, got J = " +
                               std::to_string(m.J));
  }
}

// One Kaufman mode l ≠ 0 (θ = πl/n): γ_l > 0 from cosh γ_l = cosh 2K coth 2K − cos θ =
// s + 1/s − cos θ with s = sinh 2K, and g_l = γ_l + ln 2s, the mode's share of the prefactor
// (2 sinh 2K)^{mn/2} absorbed into it. At high T, γ_l ≈ −ln 2s ≈ ln(1/2K) and the two cancel;
// g_l = ln(2w + 2√((w − s)(w + s))), w = s² + 1 − s cos θ, is free of that cancellation, and
// w − s = (s − 1)² + 2s sin²(θ/2) of the one near T_c. For s > 2 (low T) nothing cancels and
// ln cosh γ = ln s + ln(1 + (1/s)(1/s − cos θ)) never forms s, so stays finite at any K.
struct KaufmanMode {
  Jet gamma;  // γ_l
  Jet g;      // γ_l + ln(2 sinh 2K)
};

KaufmanMode kaufman_mode(const Jet& s, const Jet& log_2s, double theta) {
  KaufmanMode mode;
  if (log_2s.v <= 2.0 * std::numbers::ln2) {                                // s ≤ 2
    const double h2 = 2.0 * std::sin(0.5 * theta) * std::sin(0.5 * theta);  // 1 − cos θ
    const Jet sm1 = s - 1.0;
    const Jet w = s * s + 1.0 - s + h2 * s;
    const Jet w_minus_s = sm1 * sm1 + h2 * s;
    const Jet w_plus_s = s * s + 1.0 + h2 * s;
    mode.g = log(2.0 * w + 2.0 * sqrt(w_minus_s * w_plus_s));
    mode.gamma = mode.g - log_2s;
  } else {
    const Jet log_s = log_2s - std::numbers::ln2;
    const Jet u = exp(-log_s);                                       // 1/s < 1/2
    const Jet log_c = log_s + log(1.0 + u * (u - std::cos(theta)));  // ln cosh γ ≥ ln 1.5
    mode.gamma = log_c + log(1.0 + sqrt(1.0 - exp(-2.0 * log_c)));   // ln(c + √(c² − 1))
    mode.g = mode.gamma + log_2s;
  }
  return mode;
}

// ln Z(β) of the m × n torus (Kaufman 1949; Beale 1996) as a jet in β through K = βJ. Each
// factor 2 cosh(mγ/2) or 2 sinh(mγ/2) takes its share (2 sinh 2K)^{m/2} of the prefactor:
//   ln[(2 sinh 2K)^{m/2} 2 cosh(mγ/2)] = (m/2) g + ln(1 + e^{−mγ}),
//   ln[(2 sinh 2K)^{m/2} 2 sinh(mγ/2)] = (m/2) g + ln(1 − e^{−mγ})   (γ > 0).
Jet kaufman_log_z(const Jet& K, int m, int n) {
  const double half_m = 0.5 * m;
  const Jet log_2s = log_2sinh(2.0 * K);
  const Jet s = log_2s.v <= 2.0 * std::numbers::ln2 ? sinh(2.0 * K) : Jet{};
  auto log_cosh_factor = [&](const Jet& g, const Jet& gamma) {
    return half_m * g + log1p(exp(-m * gamma));
  };
  auto log_sinh_factor = [&](const Jet& g, const Jet& gamma) {
    return half_m * g + log(-expm1(-m * gamma));
  };

  Jet l1, l2, l3, l4_rest;  // ln Z₁, ln Z₂, ln Z₃, and ln of Z₄ without its l = 0 factor
  for (int r = 0; r < n; ++r) {
    const KaufmanMode odd = kaufman_mode(s, log_2s, std::numbers::pi * (2 * r + 1) / n);
    l1 = l1 + log_cosh_factor(odd.g, odd.gamma);
    l2 = l2 + log_sinh_factor(odd.g, odd.gamma);
    if (r == 0) continue;
    const KaufmanMode even = kaufman_mode(s, log_2s, std::numbers::pi * (2 * r) / n);
    l3 = l3 + log_cosh_factor(even.g, even.gamma);
    l4_rest = l4_rest + log_sinh_factor(even.g, even.gamma);
  }
  // γ₀ = 2K + ln tanh K carries a sign: negative above T_c, where Z₄ < 0. Its
  // g₀ = |γ₀| + ln(2 sinh 2K) is 2 ln(2 cosh K) − 2K above T_c and 2K + 2 ln(2 sinh K) below.
  const Jet gamma0 = 2.0 * K + log_tanh(K);
  const Jet abs0 = abs(gamma0);
  const Jet g0 = gamma0.v < 0 ? 2.0 * log_2cosh(K) - 2.0 * K : 2.0 * K + 2.0 * log_2sinh(K);
  l3 = l3 + log_cosh_factor(g0, abs0);

  // Σ Z_i = Z_ref Σ Z_i/Z_ref with Z_ref the larger of Z₁, Z₃ (≥ |Z_i| for every i), as a whole
  // jet: the ratios then carry only the small differences of the β-derivatives, which keeps
  // C = β² (ln Z)'' from being a difference of O(N²) terms.
  const Jet& ref = l1.v >= l3.v ? l1 : l3;
  Jet z4;
  const Jet x0 = half_m * gamma0;
  if (std::fabs(x0.v) <= 1.0) {  // 2 sinh(mγ₀/2) crosses zero smoothly at T_c
    z4 = 2.0 * sinh(x0) * exp(half_m * log_2s + l4_rest - ref);
  } else {
    z4 = (x0.v > 0 ? 1.0 : -1.0) * exp(log_sinh_factor(g0, abs0) + l4_rest - ref);
  }
  const Jet sum = exp(l1 - ref) + exp(l2 - ref) + exp(l3 - ref) + z4;
  return -std::numbers::ln2 + ref + log(sum);
}

// The eigenvalues λ₊ > |λ₋| of the chain's transfer matrix, as jets in whichever variable K
// and B carry, in log form so that nothing overflows or underflows.
struct ChainEigen {
  Jet log_lambda_plus;  // ln λ₊
  Jet log_abs_ratio;    // ln |λ₋/λ₊| (meaningless when ratio_zero)
  Jet log_gap;          // ln(1 − |λ₋/λ₊|), finite even when the gap underflows
  double ratio_sign;    // sign of λ₋ = sign of J
  bool ratio_zero;      // λ₋ = 0 (K = 0)
};

ChainEigen chain_eigen(const Jet& K, const Jet& B, bool zero_field) {
  ChainEigen e{};
  e.ratio_zero = K.v == 0.0;
  e.ratio_sign = K.v < 0 ? -1.0 : 1.0;
  if (zero_field) {  // λ₊ = 2 cosh K, λ₋ = 2 sinh K, 1 − |λ₋/λ₊| = 2/(e^{2|K|} + 1)
    e.log_lambda_plus = log_2cosh(K);
    if (e.ratio_zero) return e;
    const Jet a = abs(K);
    e.log_abs_ratio = log_tanh(a);
    e.log_gap = std::numbers::ln2 - 2.0 * a - log1p(exp(-2.0 * a));
    return e;
  }
  // λ₊ = e^K cosh B + R, R = √(e^{2K} sinh² B + e^{−2K}), written as
  // λ₊ = e^c [e^{K−c} cosh |B| + √(((p − q)/2)² + e^{−2K−2c})], p, q = e^{K ± |B| − c}, with
  // c = max(K + |B|, −K) so that every exponent is ≤ 0.
  const Jet a = abs(B);
  const Jet c = K.v + a.v >= -K.v ? K + a : -K;
  const Jet p = exp(K + a - c), q = exp(K - a - c);
  const Jet half_diff = 0.5 * (p - q);
  const Jet log_half_sum = K - c + log_2cosh(a) - std::numbers::ln2;       // ln(e^{K−c} cosh B)
  const Jet root = sqrt(half_diff * half_diff + exp(-2.0 * K - 2.0 * c));  // R e^{−c}
  const Jet log_scaled = log(exp(log_half_sum) + root);                    // ln(λ₊ e^{−c})
  e.log_lambda_plus = c + log_scaled;
  if (e.ratio_zero) return e;
  // |λ₋|/λ₊ = 1 − x with x = 2R/λ₊ (K > 0) or 2 e^K cosh B/λ₊ (K < 0). Near 1, take
  // ln(1 − x) directly; otherwise use λ₊λ₋ = det T = 2 sinh 2K, which has no cancellation there.
  e.log_gap = std::numbers::ln2 + (K.v > 0 ? log(root) : log_half_sum) - log_scaled;
  if (e.log_gap.v < -std::numbers::ln2) {
    e.log_abs_ratio = log1p(-exp(e.log_gap));
  } else {
    e.log_abs_ratio = log_2sinh(abs(2.0 * K)) - 2.0 * e.log_lambda_plus;
  }
  return e;
}

// ln Z = N ln λ₊ + ln(1 + (λ₋/λ₊)^N), the last term through log1p/expm1 forms.
Jet chain_log_z(const Jet& K, const Jet& B, bool zero_field, int n) {
  const ChainEigen e = chain_eigen(K, B, zero_field);
  const Jet leading = static_cast<double>(n) * e.log_lambda_plus;
  if (e.ratio_zero) return leading;
  const Jet y = static_cast<double>(n) * e.log_abs_ratio;  // ln |r|^N < 0
  if (e.ratio_sign > 0 || n % 2 == 0) return leading + log(1.0 + exp(y));
  // 1 − |r|^N for a negative ratio and odd N (a frustrated antiferromagnetic ring); when the gap
  // x = 1 − |r| underflows, 1 − (1 − x)^N = N x to double precision.
  if (e.log_gap.v < -600.0) return leading + std::log(static_cast<double>(n)) + e.log_gap;
  return leading + log(-expm1(y));
}

// Tanh–sinh quadrature of ∫₀^{π/2} f(cos φ, sin φ) dφ, with φ = π/4 (1 ± tanh u),
// u = (π/2) sinh t and weight (π/4)(π/2) cosh t / cosh² u, refined by halving the step until
// two levels agree to 1e-15. A smooth integrand converges double-exponentially, and so does one
// with a kink at an end (|cos φ| at φ = π/2), where the nodes cluster. Works for double or Jet.
template <class F>
auto tanh_sinh_quarter_period(F&& f) {
  const double r = std::numbers::pi / 4;
  using Value = decltype(f(0.0, 1.0));
  auto level_sum = [&](double h, int start, int step) {
    Value s{};
    for (int k = start; k * h <= 4.5; k += step) {  // beyond t = 4.5 the weights are < 1e-40
      const double t = k * h;
      const double u = 0.5 * std::numbers::pi * std::sinh(t);
      const double ch = std::cosh(u);
      const double w = 0.5 * std::numbers::pi * std::cosh(t) / (ch * ch);
      // distance of the node pair from the ends, r (1 − tanh u) = 2r / (1 + e^{2u}), keeps
      // cos φ and sin φ accurate right up to the ends
      const double d = 2.0 * r / (1.0 + std::exp(2.0 * u));
      const double sd = std::sin(d), cd = std::cos(d);
      s = s + w * (k == 0 ? f(std::cos(r), std::sin(r)) : f(sd, cd) + f(cd, sd));
    }
    return s;
  };
  auto value = [](const Value& x) {
    if constexpr (std::is_same_v<Value, Jet>) {
      return x.v;
    } else {
      return x;
    }
  };
  double h = 0.5;
  Value sum = level_sum(h, 0, 1);
  Value integral = (r * h) * sum;
  for (int level = 0; level < 10; ++level) {
    h *= 0.5;
    sum = sum + level_sum(h, 1, 2);
    const Value next = (r * h) * sum;
    const bool converged =
        std::fabs(value(next) - value(integral)) <= 1e-15 * std::fabs(value(next));
    integral = next;
    if (converged && level >= 2) break;
  }
  return integral;
}

// Onsager's ln Z/N = ln(2 cosh 2K) + (1/π) ∫₀^{π/2} ln[½(1 + √(1 − κ² sin²φ))] dφ as a jet in
// β. The integrand is evaluated as ln(1 − x/(2(1 + √(1 − x)))), x = κ² sin²φ, with
// 1 − x = κ'² + κ² cos²φ (κ' = 2 tanh² 2K − 1): no cancellation at high T or near T_c.
Jet onsager_log_z(const Jet& K) {
  const Jet t = tanh(2.0 * K), sech = 1.0 / cosh(2.0 * K);
  const Jet kappa = 2.0 * t * sech, kappa_prime = 2.0 * t * t - 1.0;
  const Jet k2 = kappa * kappa, kp2 = kappa_prime * kappa_prime;
  const Jet integral = tanh_sinh_quarter_period([&](double cos_phi, double sin_phi) {
    const Jet root = sqrt(kp2 + (cos_phi * cos_phi) * k2);
    return log1p(-((sin_phi * sin_phi) * k2) / (2.0 * (1.0 + root)));
  });
  return log_2cosh(2.0 * K) + integral / std::numbers::pi;
}

}  // namespace

Thermodynamics kaufman(const Model& m) {
  m.validate();
  require_dim(m, 2, "kaufman");
  require_square_lattice_couplings(m, "kaufman");
  const int rows = m.lattice.lx, cols = m.lattice.ly;
  const double n_sites = static_cast<double>(m.lattice.sites());
  const double beta = m.beta();
  const Jet log_z = kaufman_log_z(Jet{m.J * beta, m.J, 0.0}, rows, cols);
  // a variance: clamp the rounding noise (|·| ≲ 1e-30) that appears deep in the ordered phase
  return {log_z.v, -log_z.d1 / n_sites, std::max(0.0, beta * beta * log_z.d2 / n_sites), 0.0};
}

Thermodynamics transfer_matrix(const Model& m) {
  m.validate();
  require_dim(m, 1, "transfer_matrix");
  const int n = m.lattice.lx;
  const double n_sites = static_cast<double>(n);
  const double beta = m.beta();
  const bool zero_field = m.h == 0.0;
  const Jet by_beta = chain_log_z(Jet{m.K(), m.J, 0.0}, Jet{m.B(), m.h, 0.0}, zero_field, n);
  // ⟨M⟩ = ∂ ln Z/∂B, which vanishes at B = 0 by the spin-flip symmetry.
  const double mag =
      zero_field ? 0.0
                 : chain_log_z(Jet::constant(m.K()), Jet::variable(m.B()), false, n).d1 / n_sites;
  return {by_beta.v, -by_beta.d1 / n_sites, std::max(0.0, beta * beta * by_beta.d2 / n_sites), mag};
}

InfiniteLattice onsager(const Model& m) {
  require_dim(m, 2, "onsager");
  validate_values(m, Lattice::square(2, 2));
  require_square_lattice_couplings(m, "onsager");
  const double K = m.K(), beta = m.beta();
  const Jet log_z = onsager_log_z(Jet{K, m.J, 0.0});
  InfiniteLattice out;
  out.log_z_per_spin = log_z.v;
  const double gamma0 = 2.0 * K + log_tanh(Jet::constant(K)).v;  // 0 exactly at T_c
  if (K < kOnsagerQuadratureBelowK) {
    // Far above T_c the closed forms below lose digits (C ~ 2K² is a difference of O(1)
    // terms); the β-derivatives of the quadrature do not.
    out.energy_per_spin = -log_z.d1;
    out.specific_heat_per_spin = std::max(0.0, beta * beta * log_z.d2);
    out.correlation_length = -1.0 / gamma0;
    return out;
  }
  // Closed forms in terms of tanh 2K and sech 2K, which stay finite at any K.
  const double t = std::tanh(2.0 * K), sech = 1.0 / std::cosh(2.0 * K);
  const double coth = 1.0 / t;
  const double kappa = std::min(1.0, 2.0 * t * sech);
  const double kappa_prime = 2.0 * t * t - 1.0;
  const bool critical = kappa >= 1.0 || std::fabs(gamma0) <= 16.0 * DBL_EPSILON;
  if (critical) {
    out.energy_per_spin = -m.J * coth;
    out.specific_heat_per_spin = kInf;
    out.spontaneous_magnetization = 0.0;
    out.correlation_length = kInf;
    return out;
  }
  const double k1 = std::comp_ellint_1(kappa);
  const double e1 = std::comp_ellint_2(kappa);
  out.energy_per_spin = -m.J * coth * (1.0 + 2.0 / std::numbers::pi * kappa_prime * k1);
  const double kc = K * coth;
  out.specific_heat_per_spin =
      std::max(0.0, 4.0 / std::numbers::pi * kc * kc *
                        (k1 - e1 - sech * sech * (0.5 * std::numbers::pi + kappa_prime * k1)));
  if (gamma0 > 0.0) {  // ordered phase
    const double s = std::sinh(2.0 * K);
    out.spontaneous_magnetization = std::pow(1.0 - 1.0 / (s * s * s * s), 0.125);
    out.correlation_length = 1.0 / (2.0 * gamma0);
  } else {
    out.spontaneous_magnetization = 0.0;
    out.correlation_length = -1.0 / gamma0;
  }
  return out;
}

InfiniteLattice infinite_chain(const Model& m) {
  require_dim(m, 1, "infinite_chain");
  validate_values(m, Lattice::chain(2));
  const double beta = m.beta();
  const bool zero_field = m.h == 0.0;
  const ChainEigen e = chain_eigen(Jet{m.K(), m.J, 0.0}, Jet{m.B(), m.h, 0.0}, zero_field);
  InfiniteLattice out;
  out.log_z_per_spin = e.log_lambda_plus.v;
  out.energy_per_spin = -e.log_lambda_plus.d1;
  out.specific_heat_per_spin = std::max(0.0, beta * beta * e.log_lambda_plus.d2);
  // ⟨m⟩ = sinh B / √(sinh² B + e^{−4K}) = sign(B) / √(1 + e^{−4K} / sinh² B)
  if (!zero_field) {
    const double log_sinh_b = log_2sinh(Jet::constant(std::fabs(m.B()))).v - std::numbers::ln2;
    const double x = std::exp(-4.0 * m.K() - 2.0 * log_sinh_b);
    out.spontaneous_magnetization = std::copysign(1.0 / std::sqrt(1.0 + x), m.B());
  }
  // λ₋ = 0 at K = 0 (ξ = 0); |λ₋| → λ₊ in the ordered limits (ξ → ∞)
  const double rate = -e.log_abs_ratio.v;
  out.correlation_length = e.ratio_zero ? 0.0 : rate > 0.0 ? 1.0 / rate : kInf;
  return out;
}

namespace {

nlohmann::json thermo_json(const Thermodynamics& t) {
  return {{"log_z", t.log_z},
          {"energy_per_spin", t.energy_per_spin},
          {"specific_heat_per_spin", t.specific_heat_per_spin},
          {"magnetization_per_spin", t.magnetization_per_spin}};
}

}  // namespace

nlohmann::json exact_json(const Model& model) {
  nlohmann::json out = to_json(model);
  const std::size_t n = model.lattice.sites();
  if (model.lattice.dim == 1) {
    out.update(thermo_json(transfer_matrix(model)));
    out["method"] = "transfer_matrix";
  } else if (model.h == 0.0 && model.J > 0) {
    out.update(thermo_json(kaufman(model)));
    out["method"] = "kaufman";
  } else if (n <= kCrossCheckSites) {
    out.update(thermo_json(enumerate(model)));
    out["method"] = "enumeration";
  } else {
    out["method"] = nullptr;  // no exact finite-lattice solution in a field
  }
  if (n <= kCrossCheckSites) out["enumeration"] = thermo_json(enumerate(model));
  if (model.lattice.dim == 2 && model.h == 0.0 && model.J > 0) {
    const auto inf = onsager(model);
    out["infinite_lattice"] = {
        {"method", "onsager_yang"},
        {"log_z_per_spin", inf.log_z_per_spin},
        {"energy_per_spin", inf.energy_per_spin},
        {"specific_heat_per_spin", number_or_null(inf.specific_heat_per_spin)},
        {"spontaneous_magnetization", inf.spontaneous_magnetization},
        {"correlation_length", number_or_null(inf.correlation_length)}};
  } else if (model.lattice.dim == 1) {
    const auto inf = infinite_chain(model);
    out["infinite_lattice"] = {{"method", "transfer_matrix"},
                               {"log_z_per_spin", inf.log_z_per_spin},
                               {"energy_per_spin", inf.energy_per_spin},
                               {"specific_heat_per_spin", inf.specific_heat_per_spin},
                               {"magnetization_per_spin", inf.spontaneous_magnetization},
                               {"correlation_length", number_or_null(inf.correlation_length)}};
  }
  return out;
}

}  // namespace deeprg::ising
