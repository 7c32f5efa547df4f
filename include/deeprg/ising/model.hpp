#pragma once
/// The Ising model on a periodic chain or square lattice.
///
///   H(s) = −J Σ_⟨ij⟩ s_i s_j − h Σ_i s_i,   s_i = ±1,   P(s) ∝ exp(−H(s)/T).
///
/// Sites are stored row-major: site (x, y) has index y·lx + x. A chain has ly = 1. On a torus
/// every site has a right and a down bond, so a lattice with ly = 2 (or lx = 2) has doubled
/// vertical (horizontal) bonds: that is the periodic Hamiltonian, and every exact reference in
/// deeprg uses the same convention.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>

namespace deeprg::ising {

/// Shape of a periodic lattice.
struct Lattice {
  int dim = 2;  ///< 1 (chain) or 2 (square lattice)
  int lx = 0;   ///< sites along x
  int ly = 1;   ///< sites along y (1 for a chain)

  std::size_t sites() const noexcept {
    return static_cast<std::size_t>(lx) * static_cast<std::size_t>(ly);
  }
  /// Number of nearest-neighbour bonds: N in 1D, 2N in 2D.
  std::size_t bonds() const noexcept { return dim == 1 ? sites() : 2 * sites(); }
  /// Throws ConfigError (key "L"/"Ly") unless dim ∈ {1,2}, lx ≥ 2 and, in 2D, ly ≥ 2.
  void validate() const;

  static Lattice chain(int l) { return {1, l, 1}; }
  static Lattice square(int lx, int ly) { return {2, lx, ly}; }
};

/// Couplings and temperature. Energies are in units where k_B = 1.
struct Model {
  Lattice lattice;
  double J = 1.0;  ///< nearest-neighbour coupling (ferromagnetic when > 0)
  double h = 0.0;  ///< external field
  double T = 1.0;  ///< temperature

  double beta() const noexcept { return 1.0 / T; }
  double K() const noexcept { return J / T; }  ///< reduced coupling βJ
  double B() const noexcept { return h / T; }  ///< reduced field βh
  /// Throws ConfigError naming "T", "J" or "h" when a value is not finite or T ≤ 0.
  void validate() const;
  /// "ising1d" or "ising2d".
  std::string name() const { return lattice.dim == 1 ? "ising1d" : "ising2d"; }
};

/// The model as JSON: {"model", "L", "Ly" (2D only), "J", "h", "T", "K"}, the header of every
/// output that describes Ising data.
nlohmann::json to_json(const Model& model);

/// Σ_⟨ij⟩ s_i s_j over all nearest-neighbour bonds of one configuration.
std::int64_t bond_sum(const Lattice& lattice, std::span<const std::int8_t> spins);
/// Σ_i s_i.
std::int64_t magnetization(std::span<const std::int8_t> spins);
/// H(s) = −J·bond_sum − h·magnetization.
double energy(const Model& model, std::span<const std::int8_t> spins);

/// Critical temperature of the square lattice, T_c/J = 2 / ln(1 + √2) ≈ 2.269185.
inline constexpr double kCriticalTemperature = 2.269185314213022;
/// Critical coupling K_c = ln(1 + √2)/2 ≈ 0.440687.
inline constexpr double kCriticalCoupling = 0.44068679350977151;

}  // namespace deeprg::ising
