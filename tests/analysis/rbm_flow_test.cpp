#include "deeprg/analysis/rbm_flow.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "../test_support.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/core/rng.hpp"
#include "deeprg/ising/thermometer.hpp"
#include "deeprg/mc/reference_curve.hpp"
#include "deeprg/mc/sampler.hpp"

namespace deeprg::analysis {
namespace {

using deeprg::testing::ising_rbm;

/// Independent samples of the product distribution p(s_i = +1) = σ(2a).
io::SpinSamples product_samples(int L, double a, std::size_t count, std::uint64_t seed) {
  io::SpinSamples s;
  s.lattice = ising::Lattice::square(L, L);
  s.count = count;
  s.spins.resize(count * s.lattice.sites());
  Rng rng(seed);
  const double p = 1 / (1 + std::exp(-2 * a));
  for (auto& x : s.spins) x = rng.uniform() < p ? 1 : -1;
  return s;
}

using deeprg::testing::config_error_key;

TEST(RbmFlow, ExactIsingRbmKeepsEquilibriumSamplesAtTheirTemperature) {
  const int L = 8;
  const double T = 3.0;
  const ising::Model model{ising::Lattice::square(L, L), 1.0, 0.0, T};
  mc::SamplerOptions so;
  so.samples = 1000;
  so.seed = 5;
  so.threads = 2;
  const io::SpinSamples start = mc::sample(model, so);
  const RbmFlow flow = rbm_flow(ising_rbm(L, 1 / T), start, {.steps = 4, .seed = 2, .blocks = 25});
  ASSERT_EQ(flow.points.size(), 5u);
  const double u = ising::exact_energy(model.lattice, T).energy_per_spin;
  for (const RbmFlowPoint& p : flow.points) {
    // Each step's ensemble is the equilibrium ensemble: ⟨e⟩ and the thermometer within 4σ.
    EXPECT_LT(std::abs(p.energy_per_spin.value - u), 4 * p.energy_per_spin.error) << p.step;
    EXPECT_LT(std::abs(p.temperature.T - T), 4 * p.temperature.error) << p.step;
    EXPECT_LT(p.temperature.error, 0.1);
  }
  // The flow did move the configurations (it is a sampler, not the identity on states).
  EXPECT_NE(flow.points[1].energy_per_spin.value, flow.points[0].energy_per_spin.value);
}

// The curve thermometers read the same equilibrium flow at its temperature too, and U4 of each
// step's ensemble agrees with the reference curve's at that T.
TEST(RbmFlow, CurveThermometersReadAnEquilibriumFlow) {
  const int L = 8;
  const double T = 2.6;
  const auto lattice = ising::Lattice::square(L, L);
  mc::SamplerOptions so;
  so.samples = 4000;
  so.seed = 9;
  so.threads = 2;
  const mc::ReferenceCurve curve =
      mc::reference_curve(lattice, mc::temperature_grid(2.2, 3.0, 0.05), so);
  so.seed = 10;
  const io::SpinSamples start = mc::sample(ising::Model{lattice, 1.0, 0.0, T}, so);
  const RbmFlow flow =
      rbm_flow(ising_rbm(L, 1 / T), start, {.steps = 3, .seed = 2, .blocks = 25}, &curve);
  for (const RbmFlowPoint& p : flow.points) {
    for (const Thermometer t : {Thermometer::abs_magnetization, Thermometer::binder_cumulant}) {
      const mc::Estimate reading = p.T(t);
      ASSERT_TRUE(std::isfinite(reading.value)) << to_string(t) << " step " << p.step;
      EXPECT_LT(std::abs(reading.value - T), 4 * reading.error) << to_string(t) << " " << p.step;
      EXPECT_LT(reading.error, 0.1) << to_string(t);
    }
    EXPECT_GT(p.binder_cumulant.value, 0.3);
    EXPECT_LT(p.binder_cumulant.error, 0.02);
  }
  // The JSON carries both readings and reads back to the same flow; a flow without a curve
  // carries neither.
  const nlohmann::json j = to_json(flow);
  const RbmFlow back = rbm_flow_from_json(j);
  EXPECT_EQ(to_json(back), j);
  const std::vector<RbmFlow> original{flow}, restored{back};
  for (const Thermometer t :
       {Thermometer::energy, Thermometer::abs_magnetization, Thermometer::binder_cumulant}) {
    EXPECT_EQ(fixed_point(restored, t).T.value, fixed_point(original, t).T.value);
    EXPECT_EQ(fixed_point(restored, t).T.error, fixed_point(original, t).T.error);
  }
  EXPECT_EQ(config_error_key([] { rbm_flow_from_json(nlohmann::json::object()); }), "flow");
  nlohmann::json torn = j;
  torn[1].erase("T_error");
  EXPECT_EQ(config_error_key([&] { rbm_flow_from_json(torn); }), "T_error");
  EXPECT_TRUE(j[0].contains("T_binder"));
  EXPECT_TRUE(j[0]["T_abs_magnetization"]["T"].is_number());
  const RbmFlow plain = rbm_flow(ising_rbm(L, 1 / T), start, {.steps = 1, .seed = 2});
  EXPECT_FALSE(to_json(plain)[0].contains("T_binder"));
  EXPECT_TRUE(std::isnan(plain.points[0].T(Thermometer::binder_cumulant).value));
  // A curve of another lattice is refused.
  const mc::ReferenceCurve other =
      mc::reference_curve(ising::Lattice::square(4, 4), std::vector<double>{2.0, 2.5, 3.0}, so);
  EXPECT_THROW(rbm_flow(ising_rbm(L, 1 / T), start, {.steps = 1}, &other), ShapeError);
}

TEST(RbmFlow, ProductRbmSendsAnyStartToItsProductDistribution) {
  // W = 0: p(v | h) does not depend on h, so one sampled step draws from the product
  // distribution with m = tanh a, whose energy per spin is exactly −2 tanh² a; its own samples
  // stay where they start.
  const int L = 10;
  const double a = 0.6;
  rbm::Rbm m(100, 16, rbm::Units::spin, rbm::Units::bernoulli);
  for (auto& b : m.visible_bias) b = static_cast<float>(a);
  for (auto& b : m.hidden_bias) b = 0.3f;
  const double exact = -2 * std::tanh(a) * std::tanh(a);
  const RbmFlow flow = rbm_flow(m, product_samples(L, a, 2000, 9), {.steps = 3, .blocks = 40});
  for (const RbmFlowPoint& p : flow.points) {
    EXPECT_LT(std::abs(p.energy_per_spin.value - exact), 4 * p.energy_per_spin.error) << p.step;
    EXPECT_LT(std::abs(p.abs_magnetization.value - std::tanh(a)), 0.05);
  }
  const double T = ising::energy_temperature(ising::Lattice::square(L, L), exact);
  EXPECT_LT(std::abs(flow.points.back().temperature.T - T),
            4 * flow.points.back().temperature.error);
  // From a cold start (all up) the same after one step.
  io::SpinSamples cold = product_samples(L, 50.0, 2000, 1);
  const RbmFlow from_cold = rbm_flow(m, cold, {.steps = 1, .blocks = 40});
  EXPECT_EQ(from_cold.points[0].temperature.T, 0.0);
  EXPECT_LT(std::abs(from_cold.points[1].energy_per_spin.value - exact),
            4 * from_cold.points[1].energy_per_spin.error);
}

TEST(RbmFlow, MeanFieldStepTakesTheMoreProbableState) {
  // W = 0 and a > 0: every visible field is a > 0, so one mean-field step gives all spins up,
  // the ground state, read as T = 0 with zero error; bernoulli visible units alike.
  for (const rbm::Units units : {rbm::Units::spin, rbm::Units::bernoulli}) {
    rbm::Rbm m(36, 4, units, rbm::Units::spin);
    for (auto& b : m.visible_bias) b = 0.2f;
    const RbmFlow flow = rbm_flow(
        m, product_samples(6, 0.0, 100, 3),
        {.steps = 2, .step = FlowStep::mean_field, .blocks = 10, .keep_configurations = true});
    EXPECT_GT(flow.points[0].temperature.T, 3.0);  // a hot start
    for (int k = 1; k <= 2; ++k) {
      EXPECT_EQ(flow.points[k].energy_per_spin.value, -2.0);
      EXPECT_EQ(flow.points[k].temperature.T, 0.0);
      EXPECT_EQ(flow.points[k].temperature.error, 0.0);
      for (const auto s : flow.configurations[k].spins) ASSERT_EQ(s, 1);
    }
  }
}

TEST(RbmFlow, ResultDoesNotDependOnTheThreadCount) {
  rbm::Rbm m = ising_rbm(6, 0.35);
  Rng rng(4);
  for (auto& b : m.visible_bias) b = static_cast<float>(0.1 * (rng.uniform() - 0.5));
  for (auto& b : m.hidden_bias) b = static_cast<float>(0.1 * (rng.uniform() - 0.5));
  const io::SpinSamples start = product_samples(6, 0.2, 300, 8);  // five chunks
  for (const FlowStep step : {FlowStep::sampled, FlowStep::mean_field}) {
    RbmFlowOptions o{.steps = 3,
                     .step = step,
                     .seed = 7,
                     .threads = 1,
                     .blocks = 10,
                     .keep_configurations = true,
                     .keep_energies = true};
    const RbmFlow one = rbm_flow(m, start, o);
    // The kept energies are those of the kept configurations.
    ASSERT_EQ(one.energies.size(), 4 * start.count);
    for (std::size_t k = 0; k < 4; ++k)
      for (std::size_t i = 0; i < start.count; i += 37) {
        const std::span<const std::int8_t> c(one.configurations[k].spins.data() + i * 36, 36);
        EXPECT_DOUBLE_EQ(one.energies[k * start.count + i],
                         -double(ising::bond_sum(start.lattice, c)) / 36);
      }
    o.threads = 3;
    const RbmFlow three = rbm_flow(m, start, o);
    for (std::size_t k = 0; k < one.points.size(); ++k) {
      EXPECT_EQ(one.configurations[k].spins, three.configurations[k].spins);
      EXPECT_EQ(one.points[k].energy_per_spin.value, three.points[k].energy_per_spin.value);
      EXPECT_EQ(one.points[k].temperature.T, three.points[k].temperature.T);
    }
    // A different seed gives a different sampled flow.
    if (step == FlowStep::sampled) {
      o.seed = 8;
      EXPECT_NE(rbm_flow(m, start, o).configurations[3].spins, one.configurations[3].spins);
    }
  }
}

TEST(RbmFlow, FixedPointIsTheMeanOfTheLastSteps) {
  RbmFlow a, b;
  a.points.resize(2);
  b.points.resize(3);
  a.points.back().temperature.T = 2.0;
  a.points.back().temperature.error = 0.3;
  b.points.back().temperature.T = 2.4;
  b.points.back().temperature.error = 0.4;
  const std::vector<RbmFlow> flows{a, b};
  const FixedPoint fp = fixed_point(flows);
  EXPECT_DOUBLE_EQ(fp.T.value, 2.2);
  EXPECT_DOUBLE_EQ(fp.T.error, 0.25);
  EXPECT_NEAR(fp.spread, 0.4, 1e-15);
  EXPECT_EQ(fp.starts, 2u);
  // By another thermometer; a reading with an infinite error (a flat curve) does not enter.
  std::vector<RbmFlow> by_binder{a, b};
  by_binder[0].points.back().temperature_binder.T = 1.9;
  by_binder[0].points.back().temperature_binder.error = 0.2;
  by_binder[1].points.back().temperature_binder.T = 2.9;
  by_binder[1].points.back().temperature_binder.error = INFINITY;
  const FixedPoint u4 = fixed_point(by_binder, Thermometer::binder_cumulant);
  EXPECT_DOUBLE_EQ(u4.T.value, 1.9);
  EXPECT_DOUBLE_EQ(u4.T.error, 0.2);
  EXPECT_EQ(u4.starts, 1u);
  // The curve's share of two readings' errors does not average away: own parts 0.3 and 0.4
  // (independent, /2 → 0.25) and a shared 0.1 → sqrt(0.25² + 0.1²).
  std::vector<RbmFlow> shared{a, b};
  for (auto& f : shared) {
    auto& r = f.points.back().temperature_abs_magnetization;
    r.T = f.points.back().temperature.T;
    r.curve_error = 0.1;
    r.error = std::hypot(f.points.back().temperature.error, 0.1);
  }
  EXPECT_NEAR(fixed_point(shared, Thermometer::abs_magnetization).T.error, std::hypot(0.25, 0.1),
              1e-15);
  EXPECT_EQ(fixed_point(flows, Thermometer::abs_magnetization).starts, 0u);
}

TEST(RbmFlow, BadInputGetsClearErrors) {
  const rbm::Rbm m(100, 8, rbm::Units::spin, rbm::Units::spin);
  const io::SpinSamples start = product_samples(10, 0.0, 50, 1);
  EXPECT_THROW(rbm_flow(rbm::Rbm(64, 8), start, {}), ShapeError);  // wrong model size
  EXPECT_EQ(config_error_key([&] { rbm_flow(m, start, {.steps = -1}); }), "steps");
  EXPECT_EQ(config_error_key([&] { rbm_flow(m, start, {.blocks = 1}); }), "blocks");
  EXPECT_EQ(config_error_key([&] { rbm_flow(m, start, {.threads = -2}); }), "threads");
  EXPECT_EQ(config_error_key([&] { rbm_flow(m, start, {.J = 0.0}); }), "J");
  io::SpinSamples one = start;
  one.count = 1;
  one.spins.resize(100);
  EXPECT_THROW(rbm_flow(m, one, {}), ShapeError);
  io::SpinSamples torn = start;
  torn.spins.pop_back();
  EXPECT_THROW(rbm_flow(m, torn, {}), ShapeError);
  EXPECT_EQ(config_error_key([] { parse_flow_step("gibbs"); }), "step");
  EXPECT_EQ(parse_flow_step("mean-field"), FlowStep::mean_field);
  EXPECT_EQ(to_string(FlowStep::mean_field), "mean-field");
  // An antiferromagnetic flow has no temperature: the thermometer says why, and at which step.
  rbm::Rbm anti(100, 1, rbm::Units::spin, rbm::Units::spin);
  for (int y = 0; y < 10; ++y)
    for (int x = 0; x < 10; ++x) anti.visible_bias[std::size_t(y * 10 + x)] = (x + y) % 2 ? 5 : -5;
  try {
    rbm_flow(anti, start, {.steps = 1, .step = FlowStep::mean_field});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "energy_per_spin");
    EXPECT_NE(std::string(e.what()).find("step 1"), std::string::npos) << e.what();
  }
  // The temperature grid.
  mc::SamplerOptions so;
  so.samples = 10;
  const auto lattice = ising::Lattice::square(4, 4);
  EXPECT_EQ(config_error_key([&] { sample_temperature_grid(lattice, {}, so); }), "temperatures");
  const std::vector<double> bad{1.0, 0.0};
  EXPECT_EQ(config_error_key([&] { sample_temperature_grid(lattice, bad, so); }), "temperatures");
  const std::vector<double> neg{-1.0};
  EXPECT_EQ(config_error_key([&] { sample_temperature_grid(lattice, neg, so); }), "temperatures");
  EXPECT_EQ(iso_temperatures().size(), 24u);
  EXPECT_EQ(iso_temperatures().front(), 0.25);
  EXPECT_EQ(iso_temperatures().back(), 6.0);
}

}  // namespace
}  // namespace deeprg::analysis
