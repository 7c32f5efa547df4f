#include "deeprg/mc/sampler.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <vector>

#include "deeprg/core/error.hpp"
#include "deeprg/core/parallel.hpp"
#include "deeprg/core/rng.hpp"
#include "deeprg/io/memory.hpp"
#include "deeprg/mc/autocorrelation.hpp"
#include "deeprg/version.hpp"

namespace deeprg::mc {

namespace {

// Stream ids: chain c uses c; its global flips use kFlipStreams + c; the pilot uses kPilotStream.
constexpr std::uint64_t kFlipStreams = std::uint64_t{1} << 40;
constexpr std::uint64_t kPilotStream = std::uint64_t{1} << 41;

bool is_cluster(Algorithm a) { return a == Algorithm::wolff || a == Algorithm::swendsen_wang; }

/// Thermalisation before the pilot measures anything: cluster updates decorrelate in a few
/// sweeps; local updates need more.
std::int64_t initial_thermalization(Algorithm a) { return is_cluster(a) ? 100 : 1000; }

/// Shared progress accounting across threads.
class Progress {
 public:
  Progress(const std::function<void(double, double)>& callback, double total)
      : callback_(callback), total_(total) {}
  void add(double work) {
    if (!callback_) return;
    std::lock_guard lock(mutex_);
    done_ += work;
    callback_(std::min(done_, total_), total_);
  }
  void add_total(double work) {
    std::lock_guard lock(mutex_);
    total_ += work;
  }

 private:
  const std::function<void(double, double)>& callback_;
  std::mutex mutex_;
  double done_ = 0;
  double total_;
};

/// τ_int of a series; a constant series (a frozen chain, or |m| = 1 deep in the ordered phase)
/// has nothing to decorrelate and counts as independent, τ_int = 1/2.
AutocorrelationTime autocorrelation_or_constant(std::span<const double> series) {
  const auto [lo, hi] = std::minmax_element(series.begin(), series.end());
  if (*lo == *hi) return {0.5, 0.0, 0, true};
  return integrated_autocorrelation_time(series);
}

struct Pilot {
  double tau_energy = 0, tau_abs_m = 0, tau_error = 0;
  bool reliable = false;
  std::int64_t sweeps = 0;
};

Pilot run_pilot(const ising::Model& model, const SamplerOptions& options, Progress& progress) {
  const std::size_t n_sites = model.lattice.sites();
  auto chain = make_chain(options.algorithm, model, options.seed, kPilotStream);
  const std::int64_t therm = initial_thermalization(options.algorithm);
  for (std::int64_t s = 0; s < therm; ++s) chain->sweep();
  progress.add(static_cast<double>(therm));

  const auto max_sweeps = static_cast<std::int64_t>(
      std::max(2000.0, options.pilot_budget_updates / static_cast<double>(n_sites)));
  std::vector<double> energy, abs_m;
  std::vector<std::int8_t> config(n_sites);
  std::int64_t target = std::min<std::int64_t>(1000, max_sweeps);
  Pilot pilot;
  while (true) {
    while (static_cast<std::int64_t>(energy.size()) < target) {
      chain->sweep();
      chain->get(config);
      energy.push_back(ising::energy(model, config) / static_cast<double>(n_sites));
      abs_m.push_back(std::abs(static_cast<double>(ising::magnetization(config))) /
                      static_cast<double>(n_sites));
      progress.add(1);
    }
    const auto tau_e = autocorrelation_or_constant(energy);
    const auto tau_m = autocorrelation_or_constant(abs_m);
    pilot.tau_energy = tau_e.tau_int;
    pilot.tau_abs_m = tau_m.tau_int;
    pilot.tau_error = tau_e.tau_int >= tau_m.tau_int ? tau_e.tau_error : tau_m.tau_error;
    pilot.reliable = tau_e.reliable && tau_m.reliable;
    if (pilot.reliable || target >= max_sweeps) break;
    const std::int64_t next = std::min(2 * target, max_sweeps);
    progress.add_total(static_cast<double>(next - target));
    target = next;
  }
  pilot.sweeps = therm + target;
  return pilot;
}

}  // namespace

io::SpinSamples sample(const ising::Model& model, const SamplerOptions& options,
                       SamplerReport* report) {
  model.validate();
  if (options.samples == 0) throw ConfigError("samples", "must be at least 1");
  if (options.spacing && *options.spacing < 1)
    throw ConfigError("spacing", "must be at least 1 sweep");
  if (options.thermalization && *options.thermalization < 0)
    throw ConfigError("thermalize", "must not be negative");
  if (options.chains < 1) throw ConfigError("chains", "must be at least 1");
  // The lattice of one chain and the samples, checked before either is allocated.
  const std::string lattice_name =
      model.lattice.dim == 1
          ? std::to_string(model.lattice.lx) + "-site chain"
          : std::to_string(model.lattice.lx) + "x" + std::to_string(model.lattice.ly) + " lattice";
  io::require_memory("L", io::Bytes::product({model.lattice.sites(), sizeof(std::int8_t)}),
                     "a " + lattice_name);
  io::require_memory(
      "samples", io::Bytes::product({options.samples, model.lattice.sites(), sizeof(std::int8_t)}),
      std::to_string(options.samples) + " samples of a " + lattice_name);
  const auto start = std::chrono::steady_clock::now();
  // Fail early, before any work, when the algorithm cannot run this model.
  (void)make_chain(options.algorithm, model, options.seed, kPilotStream);

  const std::size_t n_sites = model.lattice.sites();
  const int chains = static_cast<int>(std::min<std::size_t>(options.samples, options.chains));
  const bool automatic = !options.spacing || !options.thermalization;

  // Rough total for the progress display; refined as the pilot learns τ.
  const double initial = static_cast<double>(initial_thermalization(options.algorithm));
  Progress progress(options.progress, automatic ? initial + 1000 : 0);

  SamplerReport r;
  double tau = 0;
  if (automatic) {
    const Pilot pilot = run_pilot(model, options, progress);
    tau = std::max(pilot.tau_energy, pilot.tau_abs_m);
    r.tau_int = tau;
    r.tau_int_error = pilot.tau_error;
    r.tau_int_energy = pilot.tau_energy;
    r.tau_int_abs_magnetization = pilot.tau_abs_m;
    r.tau_reliable = pilot.reliable;
    r.pilot_sweeps = pilot.sweeps;
  }
  r.spacing = options.spacing
                  ? *options.spacing
                  : std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(2 * tau)));
  r.thermalization = options.thermalization
                         ? *options.thermalization
                         : std::max<std::int64_t>(initial_thermalization(options.algorithm),
                                                  static_cast<std::int64_t>(std::ceil(20 * tau)));
  r.chains = chains;
  r.global_flip = options.global_flip && model.h == 0.0;

  progress.add_total(static_cast<double>(chains) * static_cast<double>(r.thermalization) +
                     static_cast<double>(options.samples) * static_cast<double>(r.spacing));

  io::SpinSamples out;
  out.lattice = model.lattice;
  out.count = options.samples;
  out.spins.resize(options.samples * n_sites);
  parallel_for(static_cast<std::size_t>(chains), options.threads, [&](std::size_t c) {
    const std::size_t first = c * options.samples / chains;
    const std::size_t last = (c + 1) * options.samples / chains;
    auto chain = make_chain(options.algorithm, model, options.seed, c);
    Rng flip_rng(options.seed, kFlipStreams + c);
    for (std::int64_t s = 0; s < r.thermalization; ++s) chain->sweep();
    progress.add(static_cast<double>(r.thermalization));
    for (std::size_t i = first; i < last; ++i) {
      for (std::int64_t s = 0; s < r.spacing; ++s) chain->sweep();
      std::span<std::int8_t> slot(out.spins.data() + i * n_sites, n_sites);
      chain->get(slot);
      if (r.global_flip && (flip_rng() >> 63))
        for (auto& spin : slot) spin = static_cast<std::int8_t>(-spin);
      progress.add(static_cast<double>(r.spacing));
    }
  });
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (report) *report = r;
  return out;
}

Algorithm resolve_algorithm(const std::string& name, const ising::Model& model) {
  if (name == "auto")
    return model.h == 0.0 && model.J > 0 ? Algorithm::wolff : Algorithm::metropolis;
  return parse_algorithm(name);
}

nlohmann::json sidecar_json(const ising::Model& model, const SamplerOptions& options,
                            const SamplerReport& r) {
  nlohmann::json j = ising::to_json(model);
  j["deeprg_version"] = kVersion;
  j["algorithm"] = to_string(options.algorithm);
  j["samples"] = options.samples;
  j["seed"] = options.seed;
  j["chains"] = r.chains;
  j["start"] = "cold (all spins +1)";
  j["thermalization_sweeps"] = r.thermalization;
  j["spacing_sweeps"] = r.spacing;
  j["spacing_mode"] = options.spacing ? "explicit" : "auto (ceil(2 tau_int))";
  if (r.pilot_sweeps > 0) {
    j["tau_int"] = r.tau_int;
    j["tau_int_error"] = r.tau_int_error;
    j["tau_int_energy"] = r.tau_int_energy;
    j["tau_int_abs_magnetization"] = r.tau_int_abs_magnetization;
    j["tau_int_reliable"] = r.tau_reliable;
    j["pilot_sweeps"] = r.pilot_sweeps;
  }
  j["random_global_flip"] = r.global_flip;
  j["seconds"] = r.seconds;
  return j;
}

}  // namespace deeprg::mc
