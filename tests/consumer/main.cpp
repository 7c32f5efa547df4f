// Uses the installed deeprg: the exact energy of a 4x4 torus by Kaufman's solution and by
// enumeration must agree, and the experiment's configuration must be reachable.
#include <cmath>
#include <cstdio>

#include <deeprg/experiment/config.hpp>
#include <deeprg/ising/exact.hpp>
#include <deeprg/version.hpp>

int main() {
  deeprg::ising::Model model{deeprg::ising::Lattice::square(4, 4), 1.0, 0.0, 2.5};
  const double kaufman = deeprg::ising::kaufman(model).energy_per_spin;
  const double enumerated = deeprg::ising::enumerate(model).energy_per_spin;
  const auto config = deeprg::experiment::preset("quick");
  std::printf("deeprg %s: e = %.12f (Kaufman) %.12f (enumeration), quick preset L = %d\n",
              deeprg::kVersion, kaufman, enumerated, config.L);
  return std::abs(kaufman - enumerated) < 1e-12 && config.L > 0 ? 0 : 1;
}
