#pragma once
/// Second-order forward-mode automatic differentiation in one variable.
///
/// A Jet carries a value together with its first and second derivatives with respect to one
/// independent variable t (in deeprg::ising::exact, t = β or t = βh):
///
///   x ≅ (x, dx/dt, d²x/dt²).
///
/// Arithmetic and elementary functions propagate the derivatives exactly by the chain rule
///
///   f(x)'  = f'(x)·x',   f(x)'' = f''(x)·x'² + f'(x)·x'',
///
/// so thermodynamic derivatives of ln Z come out exact to rounding (no finite differences).
#include <cmath>

namespace deeprg::ising {

/// Value and first two derivatives with respect to one variable (see file comment).
struct Jet {
  double v = 0.0;   ///< value x(t)
  double d1 = 0.0;  ///< first derivative dx/dt
  double d2 = 0.0;  ///< second derivative d²x/dt²

  /// A constant: (c, 0, 0).
  static constexpr Jet constant(double c) noexcept { return {c, 0.0, 0.0}; }
  /// The independent variable itself at t: (t, 1, 0).
  static constexpr Jet variable(double t) noexcept { return {t, 1.0, 0.0}; }
};

/// Applies a scalar function by the chain rule, given f(x.v), f'(x.v) and f''(x.v):
/// (f, f'·x', f''·x'² + f'·x'').
constexpr Jet chain(const Jet& x, double f, double df, double d2f) noexcept {
  return {f, df * x.d1, d2f * x.d1 * x.d1 + df * x.d2};
}

constexpr Jet operator+(const Jet& a, const Jet& b) noexcept {
  return {a.v + b.v, a.d1 + b.d1, a.d2 + b.d2};
}
constexpr Jet operator-(const Jet& a, const Jet& b) noexcept {
  return {a.v - b.v, a.d1 - b.d1, a.d2 - b.d2};
}
constexpr Jet operator-(const Jet& a) noexcept { return {-a.v, -a.d1, -a.d2}; }
/// Product rule: (ab)'' = a''b + 2a'b' + ab''.
constexpr Jet operator*(const Jet& a, const Jet& b) noexcept {
  return {a.v * b.v, a.d1 * b.v + a.v * b.d1, a.d2 * b.v + 2.0 * a.d1 * b.d1 + a.v * b.d2};
}
/// Quotient a/b = a·(1/b), with (1/b)' = −b'/b², (1/b)'' = 2b'²/b³ − b''/b².
constexpr Jet operator/(const Jet& a, const Jet& b) noexcept {
  const double r = 1.0 / b.v;
  return a * chain(b, r, -r * r, 2.0 * r * r * r);
}
constexpr Jet operator+(const Jet& a, double c) noexcept { return {a.v + c, a.d1, a.d2}; }
constexpr Jet operator+(double c, const Jet& a) noexcept { return a + c; }
constexpr Jet operator-(const Jet& a, double c) noexcept { return {a.v - c, a.d1, a.d2}; }
constexpr Jet operator-(double c, const Jet& a) noexcept { return {c - a.v, -a.d1, -a.d2}; }
constexpr Jet operator*(const Jet& a, double c) noexcept { return {a.v * c, a.d1 * c, a.d2 * c}; }
constexpr Jet operator*(double c, const Jet& a) noexcept { return a * c; }
constexpr Jet operator/(const Jet& a, double c) noexcept { return a * (1.0 / c); }
constexpr Jet operator/(double c, const Jet& a) noexcept { return Jet::constant(c) / a; }

/// e^x: every derivative of exp is exp.
inline Jet exp(const Jet& x) noexcept {
  const double e = std::exp(x.v);
  return chain(x, e, e, e);
}
/// ln x (x > 0): (ln x)' = 1/x, (ln x)'' = −1/x².
inline Jet log(const Jet& x) noexcept {
  const double r = 1.0 / x.v;
  return chain(x, std::log(x.v), r, -r * r);
}
/// √x (x > 0): (√x)' = 1/(2√x), (√x)'' = −1/(4 x^{3/2}).
inline Jet sqrt(const Jet& x) noexcept {
  const double s = std::sqrt(x.v);
  return chain(x, s, 0.5 / s, -0.25 / (s * x.v));
}
/// cosh x: (cosh)' = sinh, (cosh)'' = cosh.
inline Jet cosh(const Jet& x) noexcept {
  const double c = std::cosh(x.v);
  return chain(x, c, std::sinh(x.v), c);
}
/// sinh x: (sinh)' = cosh, (sinh)'' = sinh.
inline Jet sinh(const Jet& x) noexcept {
  const double s = std::sinh(x.v);
  return chain(x, s, std::cosh(x.v), s);
}
/// tanh x: (tanh)' = 1 − tanh², (tanh)'' = −2 tanh (1 − tanh²).
inline Jet tanh(const Jet& x) noexcept {
  const double t = std::tanh(x.v);
  const double c = 1.0 / std::cosh(x.v);
  return chain(x, t, c * c, -2.0 * t * c * c);
}
/// arcosh x (x > 1): (arcosh)' = 1/√(x²−1), (arcosh)'' = −x/(x²−1)^{3/2}.
inline Jet acosh(const Jet& x) noexcept {
  const double q = x.v * x.v - 1.0;
  const double r = 1.0 / std::sqrt(q);
  return chain(x, std::acosh(x.v), r, -x.v * r / q);
}
/// cos x: (cos)' = −sin, (cos)'' = −cos.
inline Jet cos(const Jet& x) noexcept {
  const double c = std::cos(x.v);
  return chain(x, c, -std::sin(x.v), -c);
}
/// sin x: (sin)' = cos, (sin)'' = −sin.
inline Jet sin(const Jet& x) noexcept {
  const double s = std::sin(x.v);
  return chain(x, s, std::cos(x.v), -s);
}
/// x^n for an integer n ≥ 0, valid for any sign of x (including 0):
/// (xⁿ)' = n xⁿ⁻¹, (xⁿ)'' = n(n−1) xⁿ⁻².
inline Jet pow(const Jet& x, int n) noexcept {
  if (n == 0) return Jet::constant(1.0);
  const double p2 = n >= 2 ? std::pow(x.v, n - 2) : 0.0;
  const double p1 = n >= 1 ? std::pow(x.v, n - 1) : 0.0;
  return chain(x, std::pow(x.v, n), n * p1, static_cast<double>(n) * (n - 1) * p2);
}

}  // namespace deeprg::ising
