#pragma once
/// Training one RBM by contrastive divergence (CD-k, Hinton 2002) or persistent contrastive
/// divergence (PCD-k, Tieleman 2008), mini-batch SGD with momentum, following Hinton's
/// "A practical guide to training restricted Boltzmann machines" (2010).
///
/// Per mini-batch of m rows V₀ (shuffled each epoch from the seed):
///
///   P₀ = E[h | V₀]                                   positive phase (probabilities)
///   H  ~ p(h | V₀)  (CD)   or  H = chain state (PCD)  drives the chain
///   k times:  V ~ p(v | H),  P = E[h | V],  H ~ p(h | V)
///   V₁, P₁ = the last V and P                       negative phase
///   g_W = (V₀ᵀP₀ − V₁ᵀP₁)/m,  g_a = ⟨V₀ − V₁⟩,  g_b = ⟨P₀ − P₁⟩   (row means)
///
/// and the update, with learning rate ε_e and momentum μ_e of epoch e:
///
///   Δ ← μ_e Δ + ε_e (g − λ₂ W)        (λ₂ only on W; biases have their own Δ)
///   W ← W + Δ,  then the L1 proximal step  w ← sign(w) max(|w| − ε_e λ₁, 0).
///
/// Statistics use hidden probabilities and sampled visible states; the chain is driven by
/// sampled hidden states (guide §3). For PCD the chain state is the sampled hidden layer of
/// the previous update, one chain per batch row.
///
/// Reproducibility: all randomness comes from streams Rng(seed, f(epoch, batch, row)) and the
/// epoch's permutation from Rng(seed, f(epoch)); every product runs on one thread (core/matmul.hpp)
/// over fixed blocks of rows whose split depends only on the problem size (OpenBLAS's own
/// threading changes the bits of H·Wᵀ between 1 and 2 threads), and the elementwise work runs
/// per row. The trained model is therefore bit-identical for any `threads`, and a run resumed
/// from a checkpoint is bit-identical to an uninterrupted one, for a given kernel and precision.
/// train_rbm sets OpenBLAS to one thread for its duration (a process-wide setting, restored on
/// return or throw).
///
/// Speed (1600 → 400, 20,000 rows, batch 100, CD-1, 2 cores): each batch costs four products,
/// V₀W, HWᵀ, V₁W and Δᵀ ← μΔᵀ + (ε/m)[P₀;−P₁]ᵀ[V₀;V₁] (5·m·n_v·n_h multiply-adds, the floor of
/// any CD-1), on oneDNN where the CPU has AVX-512 (`precision` bf16 doubles their rate where the
/// CPU multiplies bf16 natively). Each half of a batch runs its Gibbs chain with its products on
/// one thread; the statistics product runs in blocks of hidden units, each followed by its
/// update while hot. W is held transposed while training so that every block's operands are
/// dense. Elementwise work is fused (vectorised sigmoid, 8-lane xoshiro256++ Bernoulli draws,
/// bf16 rounding) and nothing is allocated per batch. bench/rbm_bench.cpp and
/// bench/compare_rbm.py measure it.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "deeprg/core/communicator.hpp"
#include "deeprg/core/matrix.hpp"
#include "deeprg/rbm/rbm.hpp"

namespace deeprg::rbm {

/// How the learning rate moves from `learning_rate` (epoch 1) to `final_learning_rate`
/// (last epoch E), with t = (e − 1)/(E − 1) ∈ [0, 1]:
///   constant:     ε_e = ε₀
///   linear:       ε_e = ε₀ + t (ε₁ − ε₀)
///   exponential:  ε_e = ε₀ (ε₁/ε₀)^t       (ε₁ > 0)
enum class LearningRateSchedule { constant, linear, exponential };

/// "constant", "linear", "exponential".
std::string to_string(LearningRateSchedule schedule);
/// Inverse of to_string; throws ConfigError(key) otherwise.
LearningRateSchedule parse_learning_rate_schedule(const std::string& name,
                                                  const std::string& key = "schedule");

/// Measurements after one epoch, handed to TrainOptions::on_epoch.
struct EpochMetrics {
  int epoch = 0;                    ///< 1-based
  std::size_t layer = 0;            ///< DBN layer being trained (0 for a single RBM)
  double reconstruction_error = 0;  ///< reconstruction_error() on the metrics subset
  /// pseudo_log_likelihood() per spin on the metrics subset; NaN when the data are not in the
  /// visible alphabet (mean-field inputs of upper DBN layers).
  double pseudo_log_likelihood = 0;
  /// Exact mean ln p(v) over all data rows when min(n_v, n_h) ≤ kExactMetricUnits and the data
  /// are in the visible alphabet.
  std::optional<double> log_likelihood;
  double learning_rate = 0;  ///< ε_e used in this epoch
  double momentum = 0;       ///< μ_e used in this epoch
  double seconds = 0;        ///< wall time of the epoch's updates (metrics excluded)
};

/// Exact log-likelihood is reported while the smaller layer has at most this many units.
inline constexpr std::size_t kExactMetricUnits = 20;
/// Pseudo-likelihood and reconstruction error use at most this many (evenly spaced) rows.
inline constexpr std::size_t kMetricRows = 1000;
/// Training stops as diverged when a weight exceeds this magnitude (or any parameter is NaN or
/// Inf): with ±1 or {0,1} units a weight of 10⁴ saturates every conditional, so the run has
/// left any useful regime long before float overflow.
inline constexpr float kDivergenceLimit = 1e4f;

/// Hyperparameters. The defaults are the command line's; each option's flag is in its comment.
/// A ConfigError names the option by its field name (learning_rate, batch_size, k, …);
/// the checkpoint and meta["training"] record the configuration under the flags' names.
struct TrainOptions {
  int epochs = 100;              ///< --epochs, ≥ 1
  std::size_t batch_size = 100;  ///< --batch-size, 1 … n (a last, shorter batch takes the rest)
  int k = 1;                     ///< --cd-k, Gibbs steps per update, ≥ 1
  bool persistent = false;       ///< --persistent: PCD-k instead of CD-k
  double learning_rate = 0.01;   ///< --lr, ε₀ ≥ 0 (0: a frozen model)
  double final_learning_rate = -1;  ///< --final-lr, ε₁ for linear/exponential schedules
  LearningRateSchedule schedule = LearningRateSchedule::constant;  ///< --lr-schedule
  double momentum = 0.5;          ///< --momentum, μ for epochs ≤ momentum_switch_epoch, [0, 1)
  double final_momentum = 0.9;    ///< --final-momentum, μ afterwards, [0, 1)
  int momentum_switch_epoch = 5;  ///< --momentum-switch (Hinton: 0.5 for 5 epochs, then 0.9)
  double l1 = 0;                  ///< --l1, λ₁ ≥ 0 (proximal soft threshold on W)
  double l2 = 1e-4;               ///< --l2, λ₂ ≥ 0 (weight decay on W)
  /// --sparsity-target, p ∈ [0, 1): desired mean probability of a hidden unit being on, and
  /// --sparsity-cost, c ≥ 0. Each batch adds c·s(p − q_j) to hidden unit j's positive-phase
  /// statistic, q_j the batch mean of P(h_j on | v) and s = 1 (bernoulli) or 2 (spin): the
  /// gradient of the cross-entropy penalty c·[−p ln q_j − (1−p) ln(1−q_j)] with respect to the
  /// unit's input, which nudges b_j by ε c s (p − q_j) and W_ij by ε c s (p − q_j) ⟨v_i⟩
  /// (Lee, Ekanadham & Ng 2008; Hinton's guide §11, without the running average). 0 = off.
  double sparsity_target = 0;
  double sparsity_cost = 0;
  double init_std = 0.01;  ///< --init-std, W ~ N(0, σ²) at start, σ ≥ 0
  std::uint64_t seed = 1;  ///< --seed
  int threads = 0;         ///< --threads, 0 = all cores; does not change the result
  /// --precision of the products: "fp32", "bf16" (operands rounded to bfloat16, fp32 sums;
  /// twice as fast where the CPU has AVX-512 BF16) or "auto": bf16 where the CPU multiplies it
  /// natively and the data are states of the visible alphabet (exact in bf16), else fp32 (so
  /// upper DBN layers, trained on probabilities, run in fp32). Parameters, statistics and
  /// updates stay fp32. The model's meta["training"]["--precision"] records what ran.
  std::string precision = "auto";
  /// --checkpoint: .npz written atomically every `checkpoint_every` epochs and after the last
  /// one (empty: none). Holds the model, the momentum buffers, the epoch, the PCD chains and
  /// the configuration; randomness needs no state (streams derive from seed and position).
  std::filesystem::path checkpoint;
  int checkpoint_every = 1;  ///< --checkpoint-every, ≥ 1
  /// --resume: continue from `checkpoint` when that file exists (a fresh start otherwise).
  /// Throws ConfigError naming the first option (or "data") that differs from the run that
  /// wrote it.
  bool resume = false;
  /// Called after every epoch, before its checkpoint is written: a run killed in between trains
  /// that epoch again on resume and reports it again, so a log keyed by epoch misses none.
  /// Metrics are computed only when set. An exception thrown here stops training (without that
  /// epoch's checkpoint) and propagates.
  std::function<void(const EpochMetrics&)> on_epoch;
  /// Data-parallel training over the ranks of `world` (null: this process alone). Every rank
  /// calls the training function with the same data and options. Each batch's Gibbs chains run
  /// in fixed blocks of rows and its statistics and update in fixed blocks of hidden units, the
  /// blocks the threads share without MPI; block k runs on rank k mod size(), and the ranks
  /// exchange what their blocks computed (the chains' rows; the updated rows of W and the
  /// biases) without summing anything across ranks. A layer of one block (its products too
  /// small to split) is computed whole on every rank, with no exchange. Each block's arithmetic
  /// is the same wherever it runs, so the trained model is bit-identical for any number of
  /// ranks and to the run without MPI. Only rank 0 writes checkpoints.
  Communicator* world = nullptr;
};

/// Everything a training run carries from one epoch to the next, besides the options: enough to
/// continue bit-identically (it is what a checkpoint holds).
struct TrainState {
  Rbm rbm;
  MatrixF velocity_W;             ///< momentum buffer Δ of W, n_visible × n_hidden
  std::vector<float> velocity_a;  ///< Δ of the visible biases
  std::vector<float> velocity_b;  ///< Δ of the hidden biases
  MatrixF chains;  ///< PCD hidden states, one row per batch row (0 rows until the first PCD batch)
  int epoch = 0;   ///< completed epochs: the next one is epoch + 1 (its rate, momentum, streams)
};

/// Throws ConfigError naming the flag of the first impossible option for `n_samples` rows.
void validate(const TrainOptions& options, std::size_t n_samples, std::size_t n_hidden);

/// Trains an RBM with n_hidden hidden units on `data` (rows = samples, values in the visible
/// alphabet: [0, 1] for bernoulli, [−1, 1] for spin; probabilities allowed). Initialisation:
/// W ~ N(0, init_std²); visible biases from the data marginals, a_i = logit(p_i) (bernoulli) or
/// atanh(m_i) (spin) with p_i, (1+m_i)/2 clamped to [10⁻³, 1 − 10⁻³] (guide §8); hidden
/// biases 0. The result's meta["training"] records the configuration.
/// Throws ConfigError for impossible options or data, and Error("training diverged at epoch E
/// (…); last good checkpoint: FILE") when a parameter turns NaN/Inf or |w| > kDivergenceLimit;
/// nothing is written for the diverged epoch.
Rbm train_rbm(const MatrixF& data, std::size_t n_hidden, Units visible, Units hidden,
              const TrainOptions& options);

/// The state train_rbm starts from: the model initialised from `data` as described there, zero
/// momentum, no chains, epoch 0. Throws as train_rbm for impossible options or data.
TrainState initial_train_state(const MatrixF& data, std::size_t n_hidden, Units visible,
                               Units hidden, const TrainOptions& options);

/// Trains epochs state.epoch + 1 … options.epochs on `data`, starting from and updating `state`
/// (online learning: successive calls may see different data, e.g. one mini-batch collection
/// each). initial_train_state followed by continue_training gives train_rbm's bits; so does
/// continuing in several calls with the same data and a constant schedule, since each epoch's
/// rate, momentum and random streams depend only on its number. `options.epochs` counts from
/// the start of the run, so nothing happens when state.epoch ≥ options.epochs. Checkpoints are
/// written as train_rbm does; `resume` is refused (the state is what a resume would restore).
/// Throws as train_rbm, ShapeError when the data's columns or the state's buffers do not fit
/// the model, ConfigError("batch_size") when PCD chains exist with fewer rows than a batch,
/// ConfigError("resume") when resume is set.
void continue_training(const MatrixF& data, TrainState& state, const TrainOptions& options);

}  // namespace deeprg::rbm
