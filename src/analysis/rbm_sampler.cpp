// The RBM as a sampler: long Gibbs chains measured like a Monte Carlo run.
#include "deeprg/analysis/rbm_sampler.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <mutex>

#include "deeprg/analysis/rbm_flow.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/core/json.hpp"
#include "deeprg/core/parallel.hpp"
#include "deeprg/core/rng.hpp"

namespace deeprg::analysis {

namespace {

constexpr std::uint64_t kChainTag = 0x72626d63;  // "rbmc"

/// Mean over chains of τ̂_int, with the standard error of that mean (one chain: Madras–Sokal).
ChainTau chain_tau(const std::vector<double>& series, int chains, std::size_t length) {
  ChainTau out;
  std::vector<mc::AutocorrelationTime> taus;
  for (int c = 0; c < chains; ++c)
    taus.push_back(mc::integrated_autocorrelation_time(
        std::span(series).subspan(static_cast<std::size_t>(c) * length, length)));
  double sum = 0;
  bool reliable = true;
  for (const auto& t : taus) {
    sum += t.tau_int;
    reliable = reliable && t.reliable;
  }
  const double n = static_cast<double>(chains);
  out.tau = sum / n;
  out.reliable = reliable && std::isfinite(out.tau);
  if (chains == 1) {
    out.error = taus.front().tau_error;
  } else {
    double var = 0;
    for (const auto& t : taus) var += (t.tau_int - out.tau) * (t.tau_int - out.tau);
    out.error = std::sqrt(var / (n - 1) / n);
  }
  return out;
}

}  // namespace

void validate(const RbmChainOptions& options) {
  if (options.chains < 1)
    throw ConfigError("chains", "need at least 1 chain, got " + std::to_string(options.chains));
  if (options.sweeps < 1)
    throw ConfigError("sweeps",
                      "need at least 1 measured sweep, got " + std::to_string(options.sweeps));
  if (options.thermalization < 0)
    throw ConfigError("thermalization",
                      "must be at least 0, got " + std::to_string(options.thermalization));
  if (options.record_every < 1 || options.record_every > options.sweeps)
    throw ConfigError("record_every", "must lie in 1 … sweeps (" + std::to_string(options.sweeps) +
                                          "), got " + std::to_string(options.record_every));
  const std::int64_t records = options.sweeps / options.record_every;
  if (options.blocks < 1 || options.blocks > records ||
      static_cast<std::int64_t>(options.blocks) * options.chains < 2)
    throw ConfigError("blocks", "need 1 … " + std::to_string(records) +
                                    " blocks per chain (the records of a chain) and at least 2 "
                                    "in all, got " +
                                    std::to_string(options.blocks) + " per chain × " +
                                    std::to_string(options.chains) + " chains");
  if (options.threads < 0)
    throw ConfigError("threads",
                      "must be 0 (all cores) or positive, got " + std::to_string(options.threads));
  if (!(std::isfinite(options.T) && options.T > 0))
    throw ConfigError(
        "T", "the temperature must be positive and finite, got " + mc::format_number(options.T));
  if (!(std::isfinite(options.J) && options.J > 0))
    throw ConfigError("J",
                      "need a ferromagnetic coupling J > 0, got " + mc::format_number(options.J));
}

RbmChainResult rbm_chains(const rbm::Rbm& rbm, const ising::Lattice& lattice,
                          const RbmChainOptions& options) {
  validate(options);
  const std::int64_t records = options.sweeps / options.record_every;
  lattice.validate();
  rbm.validate();
  const std::size_t N = lattice.sites();
  if (rbm.n_visible() != N)
    throw ShapeError("RBM sampler: the RBM has " + std::to_string(rbm.n_visible()) +
                     " visible units, the lattice " + std::to_string(lattice.lx) + "x" +
                     std::to_string(lattice.ly) + " has " + std::to_string(N) +
                     " sites (the visible layer must be the lattice)");

  const auto chains = static_cast<std::size_t>(options.chains);
  const auto sweeps = static_cast<std::size_t>(options.sweeps);
  const auto stored = static_cast<std::size_t>(records);
  RbmChainResult r;
  r.lattice = lattice;
  r.T = options.T;
  r.J = options.J;
  r.chains = options.chains;
  r.sweeps = options.sweeps;
  r.thermalization = options.thermalization;
  r.record_every = options.record_every;
  r.blocks = options.blocks;
  r.energy_series.resize(chains * sweeps);
  r.abs_magnetization_series.resize(chains * sweeps);
  std::vector<std::int8_t> configurations(chains * stored * N);

  const double total =
      static_cast<double>(chains) * static_cast<double>(options.thermalization + options.sweeps);
  std::atomic<std::int64_t> done{0};
  std::mutex progress_mutex;
  const auto report = [&](std::int64_t sweeps_done) {
    const std::int64_t now = done.fetch_add(sweeps_done) + sweeps_done;
    if (!options.progress) return;
    std::lock_guard lock(progress_mutex);
    options.progress(static_cast<double>(now), total);
  };
  constexpr std::int64_t kReportEvery = 100;

  parallel_for(chains, options.threads, [&](std::size_t c) {
    Rng rng(options.seed, stream_id(kChainTag, c));
    std::vector<std::int8_t> s(N);
    for (auto& x : s) x = rng.uniform() < 0.5 ? 1 : -1;
    MatrixF v = rbm::spins_to_visible(s, 1, N, rbm.visible), x, y;
    const std::span<Rng> streams(&rng, 1);
    std::int64_t pending = 0;
    const auto sweep = [&] {
      sampled_step(rbm, v, s, streams, streams, x, y);
      if (++pending == kReportEvery) {
        report(pending);
        pending = 0;
      }
    };
    for (std::int64_t t = 0; t < options.thermalization; ++t) sweep();
    for (std::size_t t = 0; t < sweeps; ++t) {
      sweep();
      r.energy_series[c * sweeps + t] =
          -options.J * static_cast<double>(ising::bond_sum(lattice, s)) / static_cast<double>(N);
      r.abs_magnetization_series[c * sweeps + t] =
          std::abs(static_cast<double>(ising::magnetization(s))) / static_cast<double>(N);
      const auto every = static_cast<std::size_t>(options.record_every);
      if ((t + 1) % every == 0 && (t + 1) / every <= stored)
        std::copy(s.begin(), s.end(),
                  configurations.begin() +
                      static_cast<std::ptrdiff_t>((c * stored + (t + 1) / every - 1) * N));
    }
    if (pending > 0) report(pending);
  });

  const ising::Model model{lattice, options.J, 0.0, options.T};
  r.observables = mc::measure(model, configurations, chains * stored,
                              options.blocks * options.chains, options.threads);
  r.tau_energy = chain_tau(r.energy_series, options.chains, sweeps);
  r.tau_abs_magnetization = chain_tau(r.abs_magnetization_series, options.chains, sweeps);
  r.block_sweeps = static_cast<double>(options.sweeps) / options.blocks;
  const double tau_max = std::max(r.tau_energy.tau, r.tau_abs_magnetization.tau);
  r.blocks_long_enough =
      std::isfinite(tau_max) ? r.block_sweeps >= 10 * std::max(tau_max, 0.5) : false;
  r.temperature.T = std::numeric_limits<double>::quiet_NaN();
  r.temperature.error = std::numeric_limits<double>::quiet_NaN();
  if (lattice.dim == 2) {
    const mc::Estimate& e = r.observables.energy_per_spin;
    try {
      r.temperature = ising::energy_thermometer(lattice, e.value,
                                                std::isfinite(e.error) ? e.error : 0.0, options.J);
    } catch (const ConfigError&) {
      // ⟨e⟩ above 0 has no temperature: the reading stays NaN.
    }
  }
  return r;
}

double difference_in_sigma(const mc::Estimate& a, const mc::Estimate& b) {
  const double ea = std::isfinite(a.error) ? a.error : 0.0;
  const double eb = std::isfinite(b.error) ? b.error : 0.0;
  const double sigma = std::sqrt(ea * ea + eb * eb);
  if (!(std::isfinite(a.value) && std::isfinite(b.value)) || !(sigma > 0))
    return std::numeric_limits<double>::quiet_NaN();
  return (a.value - b.value) / sigma;
}

RbmSamplerComparison compare_with_reference(const RbmChainResult& chain,
                                            const mc::Observables& wolff) {
  RbmSamplerComparison out;
  out.wolff = wolff;
  if (chain.lattice.dim == 2) {
    out.exact = ising::kaufman(ising::Model{chain.lattice, chain.J, 0.0, chain.T});
    out.has_exact = true;
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const mc::Observables& o = chain.observables;
  const auto row = [&](const char* name, const mc::Estimate& a, const mc::Estimate& b,
                       double exact) {
    ObservableComparison c{name, a, b, exact};
    c.sigma_wolff = difference_in_sigma(a, b);
    c.sigma_exact = std::isfinite(exact) ? difference_in_sigma(a, {exact, 0.0}) : nan;
    out.rows.push_back(c);
  };
  row("energy_per_spin", o.energy_per_spin, wolff.energy_per_spin,
      out.has_exact ? out.exact.energy_per_spin : nan);
  row("abs_magnetization", o.abs_magnetization, wolff.abs_magnetization, nan);
  row("susceptibility", o.susceptibility, wolff.susceptibility, nan);
  row("specific_heat", o.specific_heat, wolff.specific_heat,
      out.has_exact ? out.exact.specific_heat_per_spin : nan);
  row("binder_cumulant", o.binder_cumulant, wolff.binder_cumulant, nan);
  row("correlation_length", o.correlation_length, wolff.correlation_length, nan);
  return out;
}

mc::Observables wolff_reference(const ising::Lattice& lattice, double T, double J,
                                const mc::SamplerOptions& sampler, int blocks,
                                mc::SamplerReport* report) {
  const ising::Model model{lattice, J, 0.0, T};
  const io::SpinSamples s = mc::sample(model, sampler, report);
  return mc::measure(model, s.spins, s.count, blocks, sampler.threads);
}

nlohmann::json to_json(const RbmChainResult& chain) {
  nlohmann::json out{
      {"L", chain.lattice.lx},
      {"T", chain.T},
      {"J", chain.J},
      {"chains", chain.chains},
      {"thermalization", chain.thermalization},
      {"sweeps", chain.sweeps},
      {"record_every", chain.record_every},
      {"blocks_per_chain", chain.blocks},
      {"observables", mc::to_json(chain.observables)},
      {"tau_int_energy", number_or_null(chain.tau_energy.tau)},
      {"tau_int_energy_error", number_or_null(chain.tau_energy.error)},
      {"tau_int_abs_magnetization", number_or_null(chain.tau_abs_magnetization.tau)},
      {"tau_int_abs_magnetization_error", number_or_null(chain.tau_abs_magnetization.error)},
      {"tau_reliable", chain.tau_energy.reliable && chain.tau_abs_magnetization.reliable},
      {"block_sweeps", chain.block_sweeps},
      {"blocks_long_enough", chain.blocks_long_enough},
      {"T_energy", number_or_null(chain.temperature.T)},
      {"T_energy_error", number_or_null(chain.temperature.error)}};
  return out;
}

nlohmann::json to_json(const RbmSamplerComparison& comparison) {
  nlohmann::json rows = nlohmann::json::array();
  for (const ObservableComparison& r : comparison.rows)
    rows.push_back({{"name", r.name},
                    {"rbm", number_or_null(r.rbm.value)},
                    {"rbm_error", number_or_null(r.rbm.error)},
                    {"wolff", number_or_null(r.wolff.value)},
                    {"wolff_error", number_or_null(r.wolff.error)},
                    {"exact", number_or_null(r.exact)},
                    {"sigma_wolff", number_or_null(r.sigma_wolff)},
                    {"sigma_exact", number_or_null(r.sigma_exact)}});
  return {{"rows", rows},
          {"wolff_samples", comparison.wolff.samples},
          {"wolff_tau_int", number_or_null(comparison.wolff_report.tau_int)}};
}

}  // namespace deeprg::analysis
