#include "deeprg/ising/model.hpp"

#include <cmath>

#include "deeprg/core/error.hpp"

namespace deeprg::ising {

void Lattice::validate() const {
  if (dim != 1 && dim != 2) throw ConfigError("model", "dimension must be 1 or 2");
  if (lx < 2) throw ConfigError("L", "lattice size must be at least 2, got " + std::to_string(lx));
  if (dim == 1 && ly != 1) throw ConfigError("Ly", "a chain has Ly = 1");
  if (dim == 2 && ly < 2)
    throw ConfigError("Ly", "lattice size must be at least 2, got " + std::to_string(ly));
  if (sites() > (std::size_t{1} << 34)) throw ConfigError("L", "lattice too large");
}

void Model::validate() const {
  lattice.validate();
  if (!std::isfinite(T) || T <= 0)
    throw ConfigError("T", "temperature must be positive and finite");
  if (!std::isfinite(J)) throw ConfigError("J", "coupling must be finite");
  if (!std::isfinite(h)) throw ConfigError("h", "field must be finite");
  if (!std::isfinite(J / T) || !std::isfinite(h / T))
    throw ConfigError("T", "J/T or h/T overflows");
}

std::int64_t bond_sum(const Lattice& lattice, std::span<const std::int8_t> s) {
  const int lx = lattice.lx, ly = lattice.ly;
  std::int64_t sum = 0;
  for (int y = 0; y < ly; ++y) {
    const std::int8_t* row = s.data() + static_cast<std::size_t>(y) * lx;
    const std::int8_t* down = s.data() + static_cast<std::size_t>((y + 1) % ly) * lx;
    for (int x = 0; x < lx; ++x) {
      const int right = row[x + 1 == lx ? 0 : x + 1];
      sum += row[x] * right;
      if (lattice.dim == 2) sum += row[x] * down[x];
    }
  }
  return sum;
}

std::int64_t magnetization(std::span<const std::int8_t> s) {
  std::int64_t m = 0;
  for (const std::int8_t v : s) m += v;
  return m;
}

double energy(const Model& model, std::span<const std::int8_t> s) {
  return -model.J * static_cast<double>(bond_sum(model.lattice, s)) -
         model.h * static_cast<double>(magnetization(s));
}

nlohmann::json to_json(const Model& m) {
  nlohmann::json j{{"model", m.name()}, {"L", m.lattice.lx}};
  if (m.lattice.dim == 2) j["Ly"] = m.lattice.ly;
  j["J"] = m.J;
  j["h"] = m.h;
  j["T"] = m.T;
  j["K"] = m.K();
  return j;
}

}  // namespace deeprg::ising
