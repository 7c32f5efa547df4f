#include "deeprg/mc/chain.hpp"

#include "deeprg/core/error.hpp"
#include "deeprg/mc/checkerboard.hpp"
#include "deeprg/mc/multispin_metropolis.hpp"
#include "deeprg/mc/swendsen_wang.hpp"
#include "deeprg/mc/wolff.hpp"

namespace deeprg::mc {

std::string to_string(Algorithm a) {
  switch (a) {
    case Algorithm::metropolis:
      return "metropolis";
    case Algorithm::heatbath:
      return "heatbath";
    case Algorithm::wolff:
      return "wolff";
    case Algorithm::swendsen_wang:
      return "swendsen-wang";
  }
  throw ConfigError("algorithm", "unknown algorithm value");
}

Algorithm parse_algorithm(const std::string& name) {
  for (const Algorithm a :
       {Algorithm::metropolis, Algorithm::heatbath, Algorithm::wolff, Algorithm::swendsen_wang})
    if (name == to_string(a)) return a;
  throw ConfigError("algorithm", "unknown algorithm '" + name +
                                     "' (expected metropolis, heatbath, wolff or swendsen-wang)");
}

void check_configuration(std::span<const std::int8_t> spins, std::size_t sites, bool values) {
  if (spins.size() != sites)
    throw ShapeError("expected a configuration of " + std::to_string(sites) + " spins, got " +
                     std::to_string(spins.size()));
  if (!values) return;
  for (std::size_t i = 0; i < spins.size(); ++i)
    if (spins[i] != 1 && spins[i] != -1)
      throw ConfigError("spins", "value at site " + std::to_string(i) + " is " +
                                     std::to_string(spins[i]) + ", expected +1 or -1");
}

std::unique_ptr<MarkovChain> make_chain(Algorithm algorithm, const ising::Model& model,
                                        std::uint64_t seed, std::uint64_t stream) {
  switch (algorithm) {
    case Algorithm::metropolis:
      // The bit-packed kernel is the fast path; the scalar one covers fields and chains.
      if (model.h == 0 && MultispinMetropolis::supports(model.lattice))
        return std::make_unique<MultispinMetropolis>(model, seed, stream);
      return std::make_unique<CheckerboardMetropolis>(model, seed, stream);
    case Algorithm::heatbath:
      return std::make_unique<CheckerboardHeatBath>(model, seed, stream);
    case Algorithm::wolff:
      return std::make_unique<WolffChain>(model, seed, stream);
    case Algorithm::swendsen_wang:
      return std::make_unique<SwendsenWangChain>(model, seed, stream);
  }
  throw ConfigError("algorithm", "unknown algorithm value");
}

}  // namespace deeprg::mc
