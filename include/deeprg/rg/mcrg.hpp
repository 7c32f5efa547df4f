#pragma once
/// Swendsen's Monte Carlo renormalization group (MCRG): critical exponents from the linearised
/// RG map, measured on block-spin (or any other) coarse-grainings of equilibrium samples.
///
/// Sources: R. H. Swendsen, Phys. Rev. Lett. 42, 859 (1979); R. H. Swendsen in "Real-Space
/// Renormalization", Topics in Current Physics 30 (Springer 1982); G. S. Pawley, R. H. Swendsen,
/// D. J. Wallace & K. G. Wilson, Phys. Rev. B 29, 4030 (1984); H. W. J. Blöte et al.,
/// Physica A 161, 1 (1989) for the 2D Ising case.
///
/// Write the Hamiltonian at level n of the coarse-graining as −βH^(n) = Σ_α K_α^(n) S_α^(n),
/// where S_α(s) is an interaction summed over the whole lattice (e.g. S_nn = Σ_⟨ij⟩ s_i s_j).
/// Because level n + 1 is a function of level n, ⟨S_α^(n+1)⟩ depends on K^(n) only through
/// K^(n+1), and the chain rule gives A = B·T with
///   A_αβ = ∂⟨S_α^(n+1)⟩/∂K_β^(n)   = ⟨S_α^(n+1) S_β^(n)⟩   − ⟨S_α^(n+1)⟩⟨S_β^(n)⟩,
///   B_αβ = ∂⟨S_α^(n+1)⟩/∂K_β^(n+1) = ⟨S_α^(n+1) S_β^(n+1)⟩ − ⟨S_α^(n+1)⟩⟨S_β^(n+1)⟩,
///   T_βγ = ∂K_β^(n+1)/∂K_γ^(n),  so  T = B⁻¹A.
/// At a fixed point the eigenvalues of T are λ_i = b^{y_i}. Spin-flip symmetry makes T block
/// diagonal: interactions of an even number of spins give the thermal exponent y_t (2D Ising:
/// 1), odd ones the magnetic exponent y_h (2D Ising: 15/8), each from the largest real
/// eigenvalue of its sector, y = ln λ / ln b.
///
/// The couplings must be the same functions at both levels (sums, not per-site averages: a
/// per-site normalisation would rescale T by b^d). Truncating the infinite set of couplings and
/// the finite lattice are the method's systematic errors; more couplings and deeper levels
/// reduce them. Statistical errors come from the delete-one-block jackknife over contiguous
/// blocks of samples, recomputing correlations → T → eigenvalue → y for every replicate.
#include <complex>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "deeprg/core/matrix.hpp"
#include "deeprg/io/spin_file.hpp"
#include "deeprg/mc/statistics.hpp"
#include "deeprg/rg/block_spin.hpp"

namespace deeprg::rg {

/// One lattice interaction: S(s) = Σ_sites Σ_shapes Π_{(dx,dy) ∈ shape} s_{x+dx, y+dy} on the
/// periodic lattice. The shapes of a coupling are its images under the lattice symmetries, each
/// listed once, so that S is invariant under translations, rotations and reflections.
struct Coupling {
  std::string name;         ///< short name used by --couplings, e.g. "nnn"
  std::string description;  ///< one line for --help
  int dim = 2;              ///< 1 (chain) or 2 (square lattice)
  int spins = 2;            ///< spins per term; odd ⇔ the coupling is odd under s → −s
  int reach = 1;            ///< largest |dx| or |dy| of any offset
  std::vector<std::vector<std::pair<int, int>>> shapes;  ///< (dx, dy) offsets per shape
  bool odd() const noexcept { return spins % 2 == 1; }
};

/// Every coupling deeprg knows for a chain (dim 1) or square lattice (dim 2).
///   2D even: nn (1,0); nnn (1,1); 3nn (2,0); 4nn (2,1), distance √5; 5nn (2,2); plaq, the
///            four spins of an elementary plaquette.
///   2D odd:  m, Σ s_i; 3spin, the four corner triangles of each plaquette; 3line, three spins
///            in a row.
///   1D even: nn (1); nnn (2); 3nn (3); 4spin, four consecutive spins.
///   1D odd:  m; 3spin, three consecutive spins.
/// Throws ConfigError("couplings") for another dim.
const std::vector<Coupling>& available_couplings(int dim);

/// The default set: 2D nn,nnn,3nn,plaq,m,3spin (at T_c of the 2D Ising model, L = 64, 20,000
/// samples, majority rule b = 2, level 8 → 4: y_t = 0.999 ± 0.011, y_h = 1.874 ± 0.001; see
/// tests/rg/mcrg_test.cpp); 1D nn,nnn,m,3spin.
std::vector<std::string> default_couplings(int dim);

/// Looks couplings up by name, in the order given. Throws ConfigError("couplings") for an
/// unknown or repeated name (the message lists the known ones), or an empty list.
std::vector<Coupling> parse_couplings(const std::vector<std::string>& names, int dim);

/// Smallest lattice side on which the couplings stay distinct functions of the configuration:
/// max(4, 2·reach). On a side of 2·reach the offsets ±reach coincide, which only doubles terms
/// of the same coupling; on a smaller side different couplings would alias (e.g. in 1D, offset 3
/// on a ring of 4 is offset −1, the nearest neighbour), which makes B singular.
int min_mcrg_side(const std::vector<Coupling>& couplings);

/// S_α of one configuration for each coupling, in order. Throws ShapeError when the lattice
/// dimension differs from the couplings', a side is below min_mcrg_side, or spins.size() is not
/// lattice.sites().
std::vector<double> interaction_sums(const ising::Lattice& lattice,
                                     std::span<const std::int8_t> spins,
                                     const std::vector<Coupling>& couplings);

/// Solves B·X = A for X (B square n×n, A n×m) by Gaussian elimination with partial pivoting.
/// Throws ShapeError for mismatched shapes, Error when B is singular to working precision
/// (a pivot below 1e-13·max|B|) or has non-finite entries.
MatrixD solve(const MatrixD& b, const MatrixD& a);

/// All eigenvalues of a real square matrix: balancing, Householder reduction to Hessenberg form
/// and the Francis double-shift QR algorithm (Golub & Van Loan, "Matrix Computations", 4th ed.,
/// §7.5; Parlett & Reinsch 1969 for the balancing). Real eigenvalues come back with imaginary
/// part exactly 0, complex ones as conjugate pairs (+ first); sorted by decreasing real part.
/// Throws ShapeError for a non-square matrix, Error for non-finite entries or when QR does not
/// converge (30 iterations per eigenvalue).
std::vector<std::complex<double>> eigenvalues(const MatrixD& m);

/// Largest real eigenvalue in a list, NaN when there is none.
double largest_real(const std::vector<std::complex<double>>& values);

/// The linearised RG matrix T = B⁻¹A of one sector. Throws as solve().
MatrixD rg_matrix(const MatrixD& a, const MatrixD& b);

/// What to measure and how to estimate errors.
struct McrgOptions {
  std::vector<std::string> couplings;  ///< names (available_couplings); empty = default set
  int levels = 1;             ///< coarse-graining steps n = 0 → 1, …, levels − 1 → levels
  int jackknife_blocks = 20;  ///< contiguous blocks of samples, 2 … samples
  int threads = 0;            ///< 0 = all cores; never changes the result
};

/// MCRG estimates from the step level − 1 → level.
struct McrgLevel {
  int level = 0;             ///< n + 1, the coarse level (1 = first coarse-graining)
  int l_from = 0, l_to = 0;  ///< lattice side (lx) before and after the step
  int b = 0;                 ///< rescaling factor l_from / l_to
  std::size_t samples = 0;
  std::vector<std::string> even_couplings, odd_couplings;  ///< sector bases, in order
  mc::Estimate y_t;       ///< ln λ_t / ln b from the even sector (jackknife error)
  mc::Estimate y_h;       ///< ln λ_h / ln b from the odd sector
  mc::Estimate lambda_t;  ///< leading real eigenvalue of the even T
  mc::Estimate lambda_h;  ///< leading real eigenvalue of the odd T
  std::vector<std::complex<double>> even_eigenvalues, odd_eigenvalues;  ///< full sample
  MatrixD even_matrix, odd_matrix;  ///< T = B⁻¹A of each sector, full sample
};

/// MCRG under an arbitrary coarse-graining map: level k + 1 = map(level k, k) for k = 0 …
/// levels − 1 (a learned map can be judged against majority rule this way). b is read off the
/// shapes (l_from / l_to), so the map must shrink both sides by the same integer factor ≥ 2 and
/// keep the sample count. A sector without couplings gets NaN exponents. Throws
/// ConfigError("levels") for levels < 1, ConfigError("blocks") for jackknife_blocks < 2 or more
/// blocks than samples, ConfigError("couplings") as parse_couplings, ConfigError("threads") for
/// threads < 0, ShapeError for fewer than 2 samples, a map output of the wrong shape or count, or a
/// lattice (input or produced) smaller than min_mcrg_side; plus whatever `map` throws.
std::vector<McrgLevel> mcrg(const io::SpinSamples& samples, const CoarseGraining& map,
                            const McrgOptions& options);

/// MCRG with block spins (block_spin with `block`, levels 0 … options.levels). Checks before
/// any work that every step divides the lattice (ShapeError) and that the coarsest lattice keeps
/// a side ≥ min_mcrg_side (ConfigError("levels"), naming the largest possible level count).
/// block.threads is replaced by options.threads.
std::vector<McrgLevel> mcrg(const io::SpinSamples& samples, const BlockSpinOptions& block,
                            const McrgOptions& options);

/// Most MCRG levels block_spin with factor b allows on `lattice` for these couplings: steps
/// that divide every side and leave sides ≥ min_mcrg_side. ConfigError("b") for b < 2.
int max_mcrg_levels(const ising::Lattice& lattice, int b, const std::vector<Coupling>& couplings);

/// {"level", "L" (coarse side), "L_from", "b", "samples", "y_t", "y_t_error", "y_h",
/// "y_h_error", "lambda_t", "lambda_t_error", "lambda_h", "lambda_h_error", "even_couplings",
/// "odd_couplings", "even_eigenvalues", "odd_eigenvalues" (real parts, decreasing),
/// "even_eigenvalues_imag", "odd_eigenvalues_imag"}; NaN as null.
nlohmann::json to_json(const McrgLevel& level);
/// Array of to_json(level), deepest level last.
nlohmann::json to_json(const std::vector<McrgLevel>& levels);

}  // namespace deeprg::rg
