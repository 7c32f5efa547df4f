// The RBM flow v → h → v read with physical thermometers: the exact energy, and Monte Carlo
// reference curves of |m| and the Binder cumulant.
#include "deeprg/analysis/rbm_flow.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>

#include "deeprg/core/error.hpp"
#include "deeprg/core/json.hpp"
#include "deeprg/core/parallel.hpp"
#include "deeprg/core/rng.hpp"
#include "deeprg/ising/model.hpp"

namespace deeprg::analysis {

namespace {

constexpr std::uint64_t kFlowTag = 0x72626d66;  // "rbmf"
constexpr std::uint64_t kGridTag = 0x74677264;  // "tgrd"
constexpr std::size_t kChunk = 64;

/// A curve thermometer's reading of an estimate; no reading for an undefined one (U4 of an
/// ensemble whose every m is 0).
mc::CurveReading read_curve(const mc::ReferenceCurve& curve, mc::CurveObservable observable,
                            const mc::Estimate& x) {
  if (!std::isfinite(x.value) || !std::isfinite(x.error)) return {};
  return mc::read_temperature(curve, observable, x.value, x.error);
}

}  // namespace

std::string to_string(Thermometer thermometer) {
  switch (thermometer) {
    case Thermometer::abs_magnetization:
      return "abs_magnetization";
    case Thermometer::binder_cumulant:
      return "binder_cumulant";
    default:
      return "energy";
  }
}

mc::Estimate RbmFlowPoint::T(Thermometer thermometer) const {
  switch (thermometer) {
    case Thermometer::abs_magnetization:
      return {temperature_abs_magnetization.T, temperature_abs_magnetization.error};
    case Thermometer::binder_cumulant:
      return {temperature_binder.T, temperature_binder.error};
    default:
      return {temperature.T, temperature.error};
  }
}

double RbmFlowPoint::curve_error(Thermometer thermometer) const {
  switch (thermometer) {
    case Thermometer::abs_magnetization:
      return temperature_abs_magnetization.curve_error;
    case Thermometer::binder_cumulant:
      return temperature_binder.curve_error;
    default:
      return 0;
  }
}

std::string to_string(FlowStep step) {
  return step == FlowStep::sampled ? "sampled" : "mean-field";
}

FlowStep parse_flow_step(const std::string& name, const std::string& key) {
  if (name == "sampled") return FlowStep::sampled;
  if (name == "mean-field" || name == "mean_field") return FlowStep::mean_field;
  throw ConfigError(key, "unknown flow step '" + name + "' (sampled or mean-field)");
}

void sampled_step(const rbm::Rbm& rbm, MatrixF& v, std::span<std::int8_t> spins,
                  std::span<Rng> hidden_rngs, std::span<Rng> visible_rngs, MatrixF& x, MatrixF& y) {
  assert(v.cols == rbm.n_visible() && spins.size() == v.data.size());
  assert(hidden_rngs.size() == v.rows && visible_rngs.size() == v.rows);
  rbm::hidden_activation(rbm, v, x);
  rbm::sample_from_activation(rbm.hidden, x, hidden_rngs);
  rbm::visible_activation(rbm, x, y);
  rbm::sample_from_activation(rbm.visible, y, visible_rngs);
  // A sampled unit is 1 (up) or the low value (0 or −1).
  const bool bernoulli_visible = rbm.visible == rbm::Units::bernoulli;
  for (std::size_t i = 0; i < y.data.size(); ++i) {
    spins[i] = y.data[i] > 0.5f ? 1 : -1;
    v.data[i] = bernoulli_visible ? (spins[i] > 0 ? 1.0f : 0.0f) : static_cast<float>(spins[i]);
  }
}

RbmFlow rbm_flow(const rbm::Rbm& rbm, const io::SpinSamples& start, const RbmFlowOptions& options,
                 const mc::ReferenceCurve* reference) {
  if (options.steps < 0)
    throw ConfigError("steps", "must be at least 0, got " + std::to_string(options.steps));
  if (options.blocks < 2)
    throw ConfigError("blocks", "need at least 2 jackknife blocks for error bars, got " +
                                    std::to_string(options.blocks));
  if (options.threads < 0)
    throw ConfigError("threads",
                      "must be 0 (all cores) or positive, got " + std::to_string(options.threads));
  if (!(std::isfinite(options.J) && options.J > 0))
    throw ConfigError("J", "the thermometer needs a ferromagnetic coupling J > 0, got " +
                               mc::format_number(options.J));
  if (options.step != FlowStep::sampled && options.step != FlowStep::mean_field)
    throw ConfigError("step", "unknown flow step");
  const ising::Lattice& lattice = start.lattice;
  lattice.validate();
  const std::size_t N = lattice.sites(), n = start.count;
  if (n < 2)
    throw ShapeError("RBM flow: need at least 2 starting configurations for error bars, got " +
                     std::to_string(n));
  if (start.spins.size() / N != n || start.spins.size() != n * N)
    throw ShapeError("RBM flow: " + std::to_string(start.spins.size()) + " spins do not make " +
                     std::to_string(n) + " samples of " + std::to_string(N) + " sites");
  rbm.validate();
  if (rbm.n_visible() != N)
    throw ShapeError("RBM flow: the RBM has " + std::to_string(rbm.n_visible()) +
                     " visible units, the lattice " + std::to_string(lattice.lx) + "x" +
                     std::to_string(lattice.ly) + " has " + std::to_string(N) +
                     " sites (the visible layer must be the lattice)");

  if (reference != nullptr) {
    const ising::Lattice& r = reference->lattice;
    if (r.dim != lattice.dim || r.lx != lattice.lx || r.ly != lattice.ly)
      throw ShapeError("RBM flow: the reference curve belongs to another lattice (" +
                       std::to_string(r.lx) + "x" + std::to_string(r.ly) + ") than the flow (" +
                       std::to_string(lattice.lx) + "x" + std::to_string(lattice.ly) + ")");
  }

  const std::size_t points = static_cast<std::size_t>(options.steps) + 1;
  std::vector<double> energy(points * n), magnetization(points * n);
  RbmFlow flow;
  if (options.keep_configurations) {
    flow.configurations.resize(points);
    for (auto& c : flow.configurations) {
      c.lattice = lattice;
      c.count = n;
      c.spins.resize(n * N);
    }
  }
  const bool bernoulli_visible = rbm.visible == rbm::Units::bernoulli;
  const std::size_t chunks = (n + kChunk - 1) / kChunk;
  parallel_for(chunks, options.threads, [&](std::size_t chunk) {
    const std::size_t begin = chunk * kChunk, end = std::min(n, begin + kChunk);
    const std::size_t rows = end - begin;
    std::vector<std::int8_t> s(start.spins.begin() + static_cast<std::ptrdiff_t>(begin * N),
                               start.spins.begin() + static_cast<std::ptrdiff_t>(end * N));
    MatrixF v = rbm::spins_to_visible(s, rows, N, rbm.visible);
    MatrixF x, y;
    std::vector<Rng> rngs, hidden_rngs;
    rngs.reserve(rows);
    hidden_rngs.reserve(rows);
    const auto record = [&](std::size_t k) {
      for (std::size_t r = 0; r < rows; ++r) {
        const std::span<const std::int8_t> config(s.data() + r * N, N);
        const std::size_t at = k * n + begin + r;
        energy[at] = -options.J * static_cast<double>(ising::bond_sum(lattice, config)) /
                     static_cast<double>(N);
        magnetization[at] =
            static_cast<double>(ising::magnetization(config)) / static_cast<double>(N);
      }
      if (options.keep_configurations)
        std::copy(s.begin(), s.end(),
                  flow.configurations[k].spins.begin() + static_cast<std::ptrdiff_t>(begin * N));
    };
    const auto streams = [&](std::size_t k, std::uint64_t layer, std::vector<Rng>& out) {
      out.clear();
      for (std::size_t r = 0; r < rows; ++r)
        out.emplace_back(options.seed, stream_id(kFlowTag, k, begin + r, layer));
    };
    record(0);
    for (std::size_t k = 1; k < points; ++k) {
      if (options.step == FlowStep::sampled) {
        streams(k, 0, hidden_rngs);
        streams(k, 1, rngs);
        sampled_step(rbm, v, s, hidden_rngs, rngs, x, y);
        record(k);
        continue;
      }
      rbm::hidden_activation(rbm, v, x);
      rbm::mean_from_activation(rbm.hidden, x);
      rbm::visible_activation(rbm, x, y);
      {
        // The more probable state: the sign of the visible field; a tie draws a sign.
        for (std::size_t r = 0; r < rows; ++r) {
          std::optional<Rng> tie;
          for (std::size_t j = 0; j < N; ++j) {
            const float field = y.data[r * N + j];
            if (field > 0) {
              s[r * N + j] = 1;
            } else if (field < 0) {
              s[r * N + j] = -1;
            } else {
              if (!tie) tie.emplace(options.seed, stream_id(kFlowTag, k, begin + r, 1));
              s[r * N + j] = tie->uniform() < 0.5 ? 1 : -1;
            }
          }
        }
      }
      for (std::size_t i = 0; i < s.size(); ++i)
        v.data[i] = bernoulli_visible ? (s[i] > 0 ? 1.0f : 0.0f) : static_cast<float>(s[i]);
      record(k);
    }
  });

  flow.points.reserve(points);
  for (std::size_t k = 0; k < points; ++k) {
    RbmFlowPoint p;
    p.step = static_cast<int>(k);
    p.energy_per_spin = mc::binned_mean(std::span(energy).subspan(k * n, n), options.blocks);
    // Per configuration |m|, m², m⁴: ⟨|m|⟩ and U4 = 1 − ⟨m⁴⟩/(3⟨m²⟩²) by the jackknife.
    std::vector<double> moments(3 * n);
    for (std::size_t i = 0; i < n; ++i) {
      const double m = magnetization[k * n + i], m2 = m * m;
      moments[3 * i] = std::abs(m);
      moments[3 * i + 1] = m2;
      moments[3 * i + 2] = m2 * m2;
    }
    const mc::BlockedSeries series(moments, 3, options.blocks);
    p.abs_magnetization = mc::jackknife(series, [](std::span<const double> x) { return x[0]; });
    p.binder_cumulant = mc::jackknife(series, [](std::span<const double> x) {
      return x[1] > 0 ? 1 - x[2] / (3 * x[1] * x[1]) : std::numeric_limits<double>::quiet_NaN();
    });
    try {
      p.temperature = ising::energy_thermometer(lattice, p.energy_per_spin.value,
                                                p.energy_per_spin.error, options.J);
    } catch (const ConfigError& e) {
      const std::string what = e.what();
      throw ConfigError(e.key(), "RBM flow step " + std::to_string(k) + ": " +
                                     what.substr(std::min(what.size(), e.key().size() + 2)));
    }
    if (reference != nullptr) {
      p.temperature_abs_magnetization =
          read_curve(*reference, mc::CurveObservable::abs_magnetization, p.abs_magnetization);
      p.temperature_binder =
          read_curve(*reference, mc::CurveObservable::binder_cumulant, p.binder_cumulant);
    }
    flow.points.push_back(p);
  }
  if (options.keep_energies) flow.energies = std::move(energy);
  return flow;
}

nlohmann::json to_json(const RbmFlow& flow) {
  nlohmann::json out = nlohmann::json::array();
  for (const RbmFlowPoint& p : flow.points) {
    nlohmann::json j{{"step", p.step}};
    put_estimate(j, "energy_per_spin", p.energy_per_spin.value, p.energy_per_spin.error);
    put_estimate(j, "abs_magnetization", p.abs_magnetization.value, p.abs_magnetization.error);
    put_estimate(j, "binder_cumulant", p.binder_cumulant.value, p.binder_cumulant.error);
    j["T"] = number_or_null(p.temperature.T);
    j["T_error"] = number_or_null(p.temperature.error);
    j["T_low"] = number_or_null(p.temperature.T_low);
    j["T_high"] = number_or_null(p.temperature.T_high);
    if (!std::isnan(p.temperature_abs_magnetization.value)) {
      j["T_abs_magnetization"] = mc::to_json(p.temperature_abs_magnetization);
      j["T_binder"] = mc::to_json(p.temperature_binder);
    }
    out.push_back(j);
  }
  return out;
}

namespace {

/// json[key] ± json[key + "_error"], as put_estimate writes them.
mc::Estimate estimate_at(const nlohmann::json& json, const std::string& key) {
  return {number_or_nan(json, key), number_or_nan(json, key + "_error")};
}

}  // namespace

RbmFlow rbm_flow_from_json(const nlohmann::json& json) {
  if (!json.is_array()) throw ConfigError("flow", "a saved flow is a list of points");
  RbmFlow flow;
  for (const nlohmann::json& j : json) {
    RbmFlowPoint p;
    const double step = number_or_nan(j, "step");
    if (!(step >= 0 && step == std::floor(step) && step <= 1e9))
      throw ConfigError("step", "must be a whole number of steps");
    p.step = static_cast<int>(step);
    p.energy_per_spin = estimate_at(j, "energy_per_spin");
    p.abs_magnetization = estimate_at(j, "abs_magnetization");
    p.binder_cumulant = estimate_at(j, "binder_cumulant");
    p.temperature.T = number_or_nan(j, "T");
    p.temperature.error = number_or_nan(j, "T_error");
    p.temperature.T_low = number_or_nan(j, "T_low");
    p.temperature.T_high = number_or_nan(j, "T_high");
    p.temperature.energy = p.energy_per_spin.value;
    if (j.contains("T_abs_magnetization")) {
      p.temperature_abs_magnetization = mc::curve_reading_from_json(j["T_abs_magnetization"]);
      p.temperature_abs_magnetization.value = p.abs_magnetization.value;
      p.temperature_binder = mc::curve_reading_from_json(j.value("T_binder", nlohmann::json()));
      p.temperature_binder.value = p.binder_cumulant.value;
    }
    flow.points.push_back(p);
  }
  return flow;
}

std::vector<double> iso_temperatures() {
  std::vector<double> t;
  for (int i = 1; i <= 24; ++i) t.push_back(0.25 * i);
  return t;
}

std::vector<io::SpinSamples> sample_temperature_grid(
    const ising::Lattice& lattice, std::span<const double> temperatures,
    const mc::SamplerOptions& options, const std::function<void(double, double)>& progress) {
  if (temperatures.empty()) throw ConfigError("temperatures", "the temperature grid is empty");
  for (const double t : temperatures)
    if (!(std::isfinite(t) && t > 0))
      throw ConfigError("temperatures", "every temperature must be positive and finite, got " +
                                            mc::format_number(t));
  std::vector<io::SpinSamples> sets;
  sets.reserve(temperatures.size());
  for (std::size_t i = 0; i < temperatures.size(); ++i) {
    mc::SamplerOptions o = options;
    o.seed = stream_id(kGridTag, options.seed, i);
    o.progress = {};
    sets.push_back(mc::sample(ising::Model{lattice, 1.0, 0.0, temperatures[i]}, o));
    if (progress) progress(double(i + 1), double(temperatures.size()));
  }
  return sets;
}

MatrixF visible_rows(std::span<const io::SpinSamples> sets, rbm::Units units) {
  if (sets.empty()) throw ShapeError("no sample sets to train on");
  const ising::Lattice& lattice = sets.front().lattice;
  std::size_t total = 0;
  for (const auto& s : sets) {
    if (s.lattice.dim != lattice.dim || s.lattice.lx != lattice.lx || s.lattice.ly != lattice.ly)
      throw ShapeError("sample sets on different lattices cannot train one RBM");
    total += s.count;
  }
  std::vector<std::int8_t> spins;
  spins.reserve(total * lattice.sites());
  for (const auto& s : sets) spins.insert(spins.end(), s.spins.begin(), s.spins.end());
  return rbm::spins_to_visible(spins, total, lattice.sites(), units);
}

FixedPoint fixed_point(std::span<const RbmFlow> flows, Thermometer thermometer) {
  FixedPoint fp;
  double sum = 0, own_variance = 0, shared = 0;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  bool any = false;
  for (const RbmFlow& f : flows) {
    if (f.points.empty()) continue;
    any = true;
    const mc::Estimate t = f.points.back().T(thermometer);
    if (!(std::isfinite(t.value) && t.value > 0 && std::isfinite(t.error))) continue;
    const double c = std::isfinite(f.points.back().curve_error(thermometer))
                         ? f.points.back().curve_error(thermometer)
                         : 0.0;
    ++fp.starts;
    sum += t.value;
    own_variance += std::max(0.0, t.error * t.error - c * c);
    shared += c;
    lo = std::min(lo, t.value);
    hi = std::max(hi, t.value);
  }
  if (!any) throw ShapeError("fixed point: no flow has a point");
  if (fp.starts == 0) return fp;
  const double count = static_cast<double>(fp.starts);
  fp.T = {sum / count,
          std::sqrt(own_variance / (count * count) + (shared / count) * (shared / count))};
  fp.spread = hi - lo;
  return fp;
}

}  // namespace deeprg::analysis
