#include "deeprg/rbm/train.hpp"

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <string_view>
#include <type_traits>

#include "deeprg/core/blas.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/core/lane_rng.hpp"
#include "deeprg/core/matmul.hpp"
#include "deeprg/core/parallel.hpp"
#include "deeprg/core/rng.hpp"
#include "deeprg/io/npy.hpp"
#include "deeprg/io/npz.hpp"
#include "deeprg/rbm/checkpoint.hpp"
#include "deeprg/rbm/estimators.hpp"
#include "deeprg/rbm/model_file.hpp"

namespace deeprg::rbm {

namespace {

// ------------------------------------------------------------------ vectorisable kernels

/// e^x in float, Cephes' expf polynomial (≈1 ulp on the reduced range), branch-free so that
/// the compiler vectorises the loops that call it (std::exp does not vectorise without
/// -ffast-math). Clamped to [−87, 88] so that 2ⁿ stays a normal float.
inline float fast_exp(float x) {
  x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  // Round x·log2(e) to the nearest integer with the 1.5·2²³ trick (no libm call).
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = x - n * 0.693359375f;  // ln 2 in two parts (Cody–Waite)
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float er = p * r * r + r + 1.0f;
  const auto scale = std::bit_cast<float>((static_cast<std::int32_t>(n) + 127) << 23);
  return er * scale;
}

inline float fast_sigmoid(float x) { return 1.0f / (1.0f + fast_exp(-x)); }

/// 16 uniforms in [0, 1) from one step of the eight lanes: 24 bits each, two per 64-bit output.
inline void uniforms16(LaneRng& rng, float* u) {
  const Lanes8 r = rng.next();
  for (int l = 0; l < LaneRng::kLanes; ++l) {
    u[l] = static_cast<float>(static_cast<std::uint32_t>(r[l] >> 40)) * 0x1.0p-24f;
    u[l + LaneRng::kLanes] = static_cast<float>(static_cast<std::uint32_t>(r[l]) >> 8) * 0x1.0p-24f;
  }
}

/// One row of activations x (without bias) → q = P(unit on) = σ(s·(x + bias)), s = 2 for
/// spin units, then optionally the conditional mean times `mean_sign` (σ or tanh = 2q − 1)
/// into `mean` and a sample (u < q ? 1 : off) into `sample`. `mean` may alias `x`.
template <bool kSpin, bool kMean, bool kSample>
void activate_row(const float* x, const float* bias, std::size_t n, float mean_sign, float* mean,
                  float* sample, LaneRng& rng) {
  constexpr float scale = kSpin ? 2.0f : 1.0f;
  constexpr float off = kSpin ? -1.0f : 0.0f;
  alignas(64) float u[16] = {};
  std::size_t j0 = 0;
  for (; j0 + 16 <= n; j0 += 16) {
    if constexpr (kSample) uniforms16(rng, u);
    for (std::size_t l = 0; l < 16; ++l) {
      const std::size_t j = j0 + l;
      const float q = fast_sigmoid(scale * (x[j] + bias[j]));
      if constexpr (kSample) sample[j] = u[l] < q ? 1.0f : off;
      if constexpr (kMean) mean[j] = mean_sign * (kSpin ? 2.0f * q - 1.0f : q);
    }
  }
  if (j0 < n) {
    if constexpr (kSample) uniforms16(rng, u);
    for (std::size_t j = j0; j < n; ++j) {
      const float q = fast_sigmoid(scale * (x[j] + bias[j]));
      if constexpr (kSample) sample[j] = u[j - j0] < q ? 1.0f : off;
      if constexpr (kMean) mean[j] = mean_sign * (kSpin ? 2.0f * q - 1.0f : q);
    }
  }
}

template <bool kMean, bool kSample>
void activate_row(Units units, const float* x, const float* bias, std::size_t n, float mean_sign,
                  float* mean, float* sample, LaneRng& rng) {
  if (units == Units::spin)
    activate_row<true, kMean, kSample>(x, bias, n, mean_sign, mean, sample, rng);
  else
    activate_row<false, kMean, kSample>(x, bias, n, mean_sign, mean, sample, rng);
}

// ------------------------------------------------------------------ streams and blocks

constexpr std::uint64_t kInitTag = 0x696e6974;     // "init"
constexpr std::uint64_t kShuffleTag = 0x73687566;  // "shuf"
constexpr std::uint64_t kChainTag = 0x6368616e;    // "chan"

/// A fixed split of n rows into `count` nearly equal blocks. Products are split by whole rows of
/// A and C (oneDNN's fast kernels want operands without gaps), into a number of blocks that
/// depends only on the problem size, never on the thread count: every product is
/// bit-reproducible.
std::vector<std::pair<std::size_t, std::size_t>> row_blocks(std::size_t n, std::size_t count) {
  count = std::max<std::size_t>(1, std::min(count, n));
  std::vector<std::pair<std::size_t, std::size_t>> blocks(count);
  for (std::size_t b = 0; b < count; ++b) blocks[b] = {b * n / count, (b + 1) * n / count};
  return blocks;
}

// ------------------------------------------------------------------ options and config

double learning_rate_at(const TrainOptions& o, int epoch /* 0-based */) {
  if (o.schedule == LearningRateSchedule::constant || o.epochs == 1) return o.learning_rate;
  const double t = static_cast<double>(epoch) / (o.epochs - 1);
  if (o.schedule == LearningRateSchedule::linear)
    return o.learning_rate + t * (o.final_learning_rate - o.learning_rate);
  return o.learning_rate * std::pow(o.final_learning_rate / o.learning_rate, t);
}

double momentum_at(const TrainOptions& o, int epoch /* 0-based */) {
  return epoch < o.momentum_switch_epoch ? o.momentum : o.final_momentum;
}

/// FNV-1a over the data's bytes and shape: ties a checkpoint to its training set.
std::uint64_t fingerprint(const MatrixF& data) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  auto mix = [&h](const unsigned char* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ULL;
  };
  mix(reinterpret_cast<const unsigned char*>(&data.rows), sizeof data.rows);
  mix(reinterpret_cast<const unsigned char*>(&data.cols), sizeof data.cols);
  mix(reinterpret_cast<const unsigned char*>(data.data.data()), data.data.size() * sizeof(float));
  return h;
}

/// Everything that determines the trained bits, keyed by CLI flag (threads excluded).
nlohmann::json training_config(const TrainOptions& o, std::size_t n_hidden, Units visible,
                               Units hidden, Precision precision) {
  return {{"--hidden", n_hidden},
          {"--visible-units", to_string(visible)},
          {"--hidden-units", to_string(hidden)},
          {"--epochs", o.epochs},
          {"--batch-size", o.batch_size},
          {"--cd-k", o.k},
          {"--persistent", o.persistent},
          {"--lr", o.learning_rate},
          {"--final-lr", o.final_learning_rate},
          {"--lr-schedule", to_string(o.schedule)},
          {"--momentum", o.momentum},
          {"--final-momentum", o.final_momentum},
          {"--momentum-switch", o.momentum_switch_epoch},
          {"--l1", o.l1},
          {"--l2", o.l2},
          {"--sparsity-target", o.sparsity_target},
          {"--sparsity-cost", o.sparsity_cost},
          {"--init-std", o.init_std},
          {"--seed", o.seed},
          {"--precision", to_string(precision)}};
}

using State = TrainState;

/// Whether every value is a state of the visible alphabet ({0, 1} or ±1), as opposed to the
/// probabilities (mean-field inputs) of upper DBN layers.
bool are_states(const MatrixF& data, Units visible) {
  const float off = visible == Units::spin ? -1.0f : 0.0f;
  return std::all_of(data.data.begin(), data.data.end(),
                     [off](float x) { return x == off || x == 1.0f; });
}

/// The products' precision: `auto` rounds operands to bf16 only where the CPU multiplies bf16
/// natively and the data are states, which bf16 holds exactly (probabilities train in fp32).
Precision training_precision(const TrainOptions& o, bool states) {
  if (o.precision != "auto") return resolve_precision(o.precision);
  return native_bf16() && states ? Precision::bf16 : Precision::fp32;
}

/// Names what is wrong with the parameters, or returns "" when all is well.
std::string divergence_reason(const Rbm& rbm) {
  auto scan = [](const std::vector<float>& values, const char* name, bool limit) -> std::string {
    for (const float x : values) {
      if (std::isnan(x)) return std::string("NaN in ") + name;
      if (std::isinf(x)) return std::string("Inf in ") + name;
    }
    if (limit)
      for (const float x : values)
        if (std::abs(x) > kDivergenceLimit) return std::string("|") + name + "| > 1e4";
    return "";
  };
  for (auto r : {scan(rbm.W.data, "W", true), scan(rbm.visible_bias, "visible_bias", false),
                 scan(rbm.hidden_bias, "hidden_bias", false)})
    if (!r.empty()) return r;
  return "";
}

/// Whether a batch's products are worth two blocks (and threads). A layer whose products are
/// small gains nothing from a second thread and loses when the machine is busy: the loops then
/// wait for a descheduled helper. Measured per CD-1 epoch of 400 → 100 (bench/rbm_bench.cpp,
/// 20,000 rows, batch 100, fp32, oneDNN): one block 75 ms; two blocks 84 ms on one thread and
/// 62 ms on two. 100 → 25 stays in one block.
bool worth_splitting(const TrainOptions& o, std::size_t nv, std::size_t nh) {
  constexpr double kParallelMultiplyAdds = 1 << 21;  // per product of one batch
  return static_cast<double>(o.batch_size) * static_cast<double>(nv) * static_cast<double>(nh) >=
         kParallelMultiplyAdds;
}

/// Threads for the training loops. The blocks do not depend on the thread count, so neither
/// does the result.
int loop_threads(const TrainOptions& o, std::size_t nv, std::size_t nh) {
  if (!worth_splitting(o, nv, nh)) return 1;
  return o.threads > 0 ? o.threads : default_thread_count();
}

/// The products of one training run, prepared once per shape, scalars and block (preparing a
/// oneDNN product costs tens of microseconds; a batch runs several, and each block of a split
/// product runs on its own thread, so it has its own). A few entries live at a time: the shapes
/// change only for a shorter last batch, the scalars once per epoch.
class MatmulCache {
 public:
  explicit MatmulCache(Precision precision) : precision_(precision) {}

  const Matmul& get(const MatmulShape& s, float alpha, float beta, std::size_t block) {
    for (const auto& [b, mm] : cache_) {
      const MatmulShape& t = mm.shape();
      if (b == block && t.m == s.m && t.n == s.n && t.k == s.k && t.transpose_a == s.transpose_a &&
          t.transpose_b == s.transpose_b && t.lda == s.lda && t.ldb == s.ldb && t.ldc == s.ldc &&
          mm.alpha() == alpha && mm.beta() == beta)
        return mm;
    }
    if (cache_.size() >= 32) cache_.clear();  // an old epoch's scalars: never used again
    cache_.emplace_back(block, Matmul(s, precision_, alpha, beta));
    return cache_.back().second;
  }

 private:
  Precision precision_;
  std::deque<std::pair<std::size_t, Matmul>> cache_;  // stable addresses while handed out
};

/// Copies n floats into the products' operand type (bf16: rounded to nearest even).
inline void store(const float* x, std::size_t n, float* out) { std::copy(x, x + n, out); }
inline void store(const float* x, std::size_t n, Bf16* out) {
  std::size_t i = 0;
#if defined(__AVX512BF16__)
  // The CPU's own conversion: round to nearest even, as to_bf16 (NaN stays NaN).
  for (; i + 32 <= n; i += 32) {
    const __m512bh pair = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(x + i));
    _mm512_storeu_si512(out + i, reinterpret_cast<__m512i>(pair));
  }
#endif
  for (; i < n; ++i) out[i] = to_bf16(x[i]);
}

/// out[j][r] = x[r][j] for rows r < rows and columns j in [j0, j1) of x (ld `width`), into out
/// (ld `rows`), in tiles that keep both sides in cache.
template <class T>
void transpose_columns(const float* x, std::size_t rows, std::size_t width, std::size_t j0,
                       std::size_t j1, T* out) {
  constexpr std::size_t kTile = 32;
  for (std::size_t r0 = 0; r0 < rows; r0 += kTile) {
    const std::size_t r1 = std::min(rows, r0 + kTile);
    for (std::size_t c0 = j0; c0 < j1; c0 += kTile) {
      const std::size_t c1 = std::min(j1, c0 + kTile);
      for (std::size_t j = c0; j < c1; ++j)
        for (std::size_t r = r0; r < r1; ++r) {
          if constexpr (std::is_same_v<T, float>)
            out[j * rows + r] = x[r * width + j];
          else
            out[j * rows + r] = to_bf16(x[r * width + j]);
        }
    }
  }
}

/// Mini-batch CD-k / PCD-k on preallocated buffers (no allocation per batch).
///
/// The products take operands of type T (float or Bf16); the elementwise work, the statistics
/// and the parameters stay in float. For bf16 the operands are rounded copies: states (exact),
/// probabilities and the weights (rounded once per batch by the update that changes them).
/// While training, W and its momentum are held transposed (n_hidden × n_visible), so that the
/// statistics product Δᵀ ← μΔᵀ + (ε/m)[P0; −P1]ᵀ[V0; V1] splits into blocks of whole rows
/// whose only transposed operand is the small [P0; −P1]; epoch() hands them back in the
/// model's layout.
class Trainer {
 public:
  Trainer(const MatrixF& data, const TrainOptions& o, State& s, Precision precision)
      : data_(data),
        o_(o),
        s_(s),
        nv_(s.rbm.n_visible()),
        nh_(s.rbm.n_hidden()),
        B_(o.batch_size),
        threads_(loop_threads(o, nv_, nh_)),
        blocks_(product_blocks(o, nv_, nh_)),
        precision_(precision),
        matmuls_(precision),
        wt_(nh_, nv_),
        velt_(nh_, nv_),
        vv_(2 * B_, nv_),
        pp_(2 * B_, nh_),
        h_(B_, nh_),
        rngs_(B_),
        sum_a_(nv_),
        sum_b_(nh_),
        order_(data.rows),
        bad_(blocks_) {
    transpose_columns(s_.rbm.W.data.data(), nv_, nh_, 0, nh_, wt_.data.data());
    transpose_columns(s_.velocity_W.data.data(), nv_, nh_, 0, nh_, velt_.data.data());
    if (precision_ == Precision::bf16) {
      bf16_.w.resize(nh_ * nv_);
      bf16_.v.resize(2 * B_ * nv_);
      bf16_.h.resize(B_ * nh_);
      bf16_.pt.resize(nh_ * 2 * B_);
      store(wt_.data.data(), nh_ * nv_, bf16_.w.data());
    } else {
      fp32_pt_.resize(nh_ * 2 * B_);
    }
  }

  /// One epoch (0-based). Returns false when a parameter left the finite range. The state's W
  /// and momentum are up to date on return.
  bool epoch(int e, double lr, double momentum) {
    Rng shuffle(o_.seed, stream_id(kShuffleTag, static_cast<std::uint64_t>(e)));
    std::iota(order_.begin(), order_.end(), std::size_t{0});
    for (std::size_t i = order_.size(); i > 1; --i)
      std::swap(order_[i - 1], order_[shuffle.below(i)]);
    const std::size_t n = data_.rows;
    std::size_t batch = 0;
    bool ok = true;
    for (std::size_t start = 0; start < n && ok; start += B_, ++batch) {
      const std::size_t m = std::min(B_, n - start);
      ok = precision_ == Precision::bf16 ? update<Bf16>(e, batch, start, m, static_cast<float>(lr),
                                                        static_cast<float>(momentum))
                                         : update<float>(e, batch, start, m, static_cast<float>(lr),
                                                         static_cast<float>(momentum));
    }
    // Each rank updated the momentum of its own hidden blocks only: share them, so that every
    // rank's state (and a checkpoint) holds all of it.
    if (shared()) {
      const auto hidden_blocks = row_blocks(nh_, blocks_);
      exchange(hidden_blocks.size(), [&](std::size_t b, Fields& f) {
        const auto [j0, j1] = hidden_blocks[b];
        f(velt_.data.data() + j0 * nv_, (j1 - j0) * nv_);
      });
    }
    transpose_columns(wt_.data.data(), nh_, nv_, 0, nv_, s_.rbm.W.data.data());
    transpose_columns(velt_.data.data(), nh_, nv_, 0, nv_, s_.velocity_W.data.data());
    return ok;
  }

 private:
  /// Blocks per product: 2 where a batch's product is worth two threads, else 1.
  static std::size_t product_blocks(const TrainOptions& o, std::size_t nv, std::size_t nh) {
    return worth_splitting(o, nv, nh) ? 2 : 1;
  }

  int ranks() const { return o_.world ? o_.world->size() : 1; }
  /// Whether the ranks share this layer's blocks. A layer of one block is computed whole on
  /// every rank instead: the same arithmetic gives the same bits everywhere, with no exchange
  /// and no wait (such a layer's products are small).
  bool shared() const { return ranks() > 1 && blocks_ > 1; }
  /// Whether block k (of a batch's rows or of the hidden units) is this rank's: k mod size.
  bool mine(std::size_t k) const {
    return !shared() || static_cast<int>(k % static_cast<std::size_t>(ranks())) == o_.world->rank();
  }
  /// The blocks among `count` that are this rank's, in order.
  std::vector<std::size_t> my_blocks(std::size_t count) const {
    std::vector<std::size_t> out;
    for (std::size_t k = 0; k < count; ++k)
      if (mine(k)) out.push_back(k);
    return out;
  }

  /// Visits the arrays of one block: f(pointer, count) for each, the same arrays in the same
  /// order on every rank.
  using Fields = std::function<void(float*, std::size_t)>;

  /// Sends the arrays of this rank's blocks to every rank and stores the other ranks' blocks in
  /// theirs: `fields(k, f)` calls f on block k's arrays. No arithmetic, only copies, so the
  /// result is what one process computing every block would hold. A product has at most two
  /// blocks and there are at least two ranks here, so block k is rank k's alone; blocks follow
  /// each other in every array, so each array is gathered in place, without staging copies.
  void exchange(std::size_t count, const std::function<void(std::size_t, Fields&)>& fields) {
    const auto size = static_cast<std::size_t>(ranks());
    if (count > size) throw Error("a data-parallel exchange of more blocks than ranks");
    std::vector<std::vector<std::pair<float*, std::size_t>>> parts(count);
    for (std::size_t k = 0; k < count; ++k) {
      Fields list = [&](float* p, std::size_t n) { parts[k].emplace_back(p, n); };
      fields(k, list);
    }
    for (std::size_t q = 0; q < parts[0].size(); ++q) {
      char* base = reinterpret_cast<char*>(parts[0][q].first);
      std::vector<std::size_t> counts(size, 0), offsets(size, 0);
      for (std::size_t k = 0; k < count; ++k) {
        counts[k] = parts[k][q].second * sizeof(float);
        offsets[k] = static_cast<std::size_t>(reinterpret_cast<char*>(parts[k][q].first) - base);
      }
      o_.world->allgather_in_place(base, counts, offsets);
    }
  }

  /// Wᵀ as the products read it.
  template <class T>
  const T* weights() const {
    if constexpr (std::is_same_v<T, float>)
      return wt_.data.data();
    else
      return bf16_.w.data();
  }

  template <class T>
  bool update(int e, std::size_t batch, std::size_t start, std::size_t m, float lr,
              float momentum) {
    constexpr bool kRounded = !std::is_same_v<T, float>;
    Rbm& rbm = s_.rbm;
    const Units vu = rbm.visible, hu = rbm.hidden;
    float* v0 = vv_.data.data();  // rows [0, m): data
    float* v1 = v0 + m * nv_;     // rows [m, 2m): negative-phase visible samples
    float* p0 = pp_.data.data();  // rows [0, m): E[h | v0] (+ sparsity nudge)
    float* p1 = p0 + m * nh_;     // rows [m, 2m): −E[h | v1]
    const bool init_chains = o_.persistent && s_.chains.rows == 0;
    float* h = o_.persistent && !init_chains ? s_.chains.data.data() : h_.data.data();
    // The products' operands: the float buffers themselves, or their bf16 copies.
    T* vq = nullptr;
    T* hq = nullptr;
    T* pt = nullptr;  // [P0; −P1]ᵀ, n_hidden × 2m
    if constexpr (kRounded) {
      vq = bf16_.v.data(), hq = bf16_.h.data(), pt = bf16_.pt.data();
    } else {
      vq = v0, hq = h, pt = fp32_pt_.data();
    }

    if (init_chains) {  // the first PCD batch: its sampled hidden states start the chains
      s_.chains = MatrixF(B_, nh_);
      h = s_.chains.data.data();
      if constexpr (!kRounded) hq = h;
    }

    // The Gibbs chains of different rows are independent: each block of rows runs its whole
    // chain (data → P0, H → V1 → P1, k times) on one thread, products included, and meets the
    // other blocks only for the statistics.
    const auto blocks = row_blocks(m, blocks_);
    std::array<const Matmul*, 2> ups{}, downs{};
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      const std::size_t rows = blocks[i].second - blocks[i].first;
      ups[i] = &matmuls_.get(
          {.m = rows, .n = nh_, .k = nv_, .transpose_b = true, .lda = nv_, .ldb = nv_, .ldc = nh_},
          1.0f, 0.0f, 2 * i);
      downs[i] = &matmuls_.get({.m = rows, .n = nv_, .k = nh_, .lda = nh_, .ldb = nv_, .ldc = nv_},
                               1.0f, 0.0f, 2 * i + 1);
    }
    const T* wq = weights<T>();
    const bool sample_h0 = !o_.persistent || init_chains;
    const auto copy_data = [&](std::size_t r0, std::size_t r1) {
      for (std::size_t r = r0; r < r1; ++r) {
        const auto src = data_.row(order_[start + r]);
        std::copy(src.begin(), src.end(), v0 + r * nv_);
        if constexpr (kRounded) store(v0 + r * nv_, nv_, vq + r * nv_);
      }
    };
    const std::vector<std::size_t> my_chains = my_blocks(blocks.size());
    parallel_for(my_chains.size(), threads_, [&](std::size_t c) {
      const std::size_t i = my_chains[c];
      const auto [r0, r1] = blocks[i];
      copy_data(r0, r1);

      // Positive phase: P0 = E[h | v0]; for CD (or the first PCD batch) also H ~ p(h | v0).
      (*ups[i])(vq + r0 * nv_, wq, p0 + r0 * nh_);
      for (std::size_t r = r0; r < r1; ++r) {
        LaneRng& rng = rngs_[r];
        rng =
            LaneRng::drawn(o_.seed, stream_id(kChainTag, static_cast<std::uint64_t>(e), batch, r));
        float* x = p0 + r * nh_;
        if (sample_h0)
          activate_row<true, true>(hu, x, rbm.hidden_bias.data(), nh_, 1.0f, x, h + r * nh_, rng);
        else
          activate_row<true, false>(hu, x, rbm.hidden_bias.data(), nh_, 1.0f, x, nullptr, rng);
      }

      // Negative phase: k alternating Gibbs steps.
      for (int step = 1; step <= o_.k; ++step) {
        if constexpr (kRounded) store(h + r0 * nh_, (r1 - r0) * nh_, hq + r0 * nh_);
        (*downs[i])(hq + r0 * nh_, wq, v1 + r0 * nv_);
        for (std::size_t r = r0; r < r1; ++r) {
          float* y = v1 + r * nv_;
          activate_row<false, true>(vu, y, rbm.visible_bias.data(), nv_, 1.0f, nullptr, y,
                                    rngs_[r]);
          if constexpr (kRounded) store(y, nv_, vq + (m + r) * nv_);
        }
        (*ups[i])(vq + (m + r0) * nv_, wq, p1 + r0 * nh_);
        const bool last = step == o_.k;
        for (std::size_t r = r0; r < r1; ++r) {
          float* x = p1 + r * nh_;
          if (!last)
            activate_row<false, true>(hu, x, rbm.hidden_bias.data(), nh_, 1.0f, nullptr,
                                      h + r * nh_, rngs_[r]);
          else if (o_.persistent)  // statistics and the chain's next state from one q
            activate_row<true, true>(hu, x, rbm.hidden_bias.data(), nh_, -1.0f, x, h + r * nh_,
                                     rngs_[r]);
          else
            activate_row<true, false>(hu, x, rbm.hidden_bias.data(), nh_, -1.0f, x, nullptr,
                                      rngs_[r]);
        }
      }
    });
    if (shared()) {
      // The other ranks' chains: their rows of P0, the chains' hidden states, V1 and −P1, and
      // the data rows of their blocks (copied here).
      exchange(blocks.size(), [&](std::size_t i, Fields& f) {
        const auto [r0, r1] = blocks[i];
        const std::size_t rows = r1 - r0;
        f(p0 + r0 * nh_, rows * nh_);
        f(h + r0 * nh_, rows * nh_);
        f(v1 + r0 * nv_, rows * nv_);
        f(p1 + r0 * nh_, rows * nh_);
      });
      for (std::size_t i = 0; i < blocks.size(); ++i) {
        if (mine(i)) continue;
        const auto [r0, r1] = blocks[i];
        copy_data(r0, r1);
        if constexpr (kRounded) store(v1 + r0 * nv_, (r1 - r0) * nv_, vq + (m + r0) * nv_);
      }
    }

    // Statistics and updates, in blocks that share nothing: block b takes the hidden units
    // [j0, j1) (their statistics, bias, rows of Δᵀ and Wᵀ) and the visible units [i0, i1)
    // (their bias), so every sum runs in a fixed order whatever the thread count.
    const float inv_m = 1.0f / static_cast<float>(m);
    const float alpha = lr * inv_m;
    const float decay = lr * static_cast<float>(o_.l2);
    const float threshold = lr * static_cast<float>(o_.l1);
    const std::size_t k2 = 2 * m;
    const auto hidden_blocks = row_blocks(nh_, blocks_);
    const auto visible_blocks = row_blocks(nv_, hidden_blocks.size());
    std::array<const Matmul*, 2> mms{};
    for (std::size_t b = 0; b < hidden_blocks.size(); ++b)
      mms[b] = &matmuls_.get({.m = hidden_blocks[b].second - hidden_blocks[b].first,
                              .n = nv_,
                              .k = k2,
                              .lda = k2,
                              .ldb = nv_,
                              .ldc = nv_},
                             alpha, momentum, 4 + b);  // slots 0-3: the chains' products
    const std::vector<std::size_t> my_updates = my_blocks(hidden_blocks.size());
    parallel_for(my_updates.size(), threads_, [&](std::size_t u) {
      const std::size_t b = my_updates[u];
      const auto [j0, j1] = hidden_blocks[b];
      bool bad = !hidden_statistics(m, j0, j1, lr, momentum, p0, p1);
      transpose_columns(p0, k2, nh_, j0, j1, pt);
      // Weights: Δᵀ ← μΔᵀ + (ε/m)[P0; −P1]ᵀ[V0; V1], then decay, step, soft threshold and
      // the divergence check on the same rows while they are hot (and, for bf16, the rounded
      // copy the next batch multiplies with).
      float* vel = velt_.data.data() + j0 * nv_;
      float* w = wt_.data.data() + j0 * nv_;
      (*mms[b])(pt + j0 * k2, vq, vel);
      const std::size_t count = (j1 - j0) * nv_;
      // The divergence check rides along as an integer max of |w|'s bit pattern: it orders
      // like |w| and puts Inf and NaN above every finite value (and vectorises, unlike a bool).
      std::uint32_t worst = 0;
      if (threshold > 0) {
        for (std::size_t i = 0; i < count; ++i) {
          const float d = vel[i] - decay * w[i];
          vel[i] = d;
          const float x = w[i] + d;
          const float excess = std::abs(x) - threshold;
          w[i] = std::copysign(excess > 0.0f ? excess : 0.0f, x);
          worst = std::max(worst, std::bit_cast<std::uint32_t>(w[i]) & 0x7fffffffu);
        }
      } else {
        for (std::size_t i = 0; i < count; ++i) {
          const float d = vel[i] - decay * w[i];
          vel[i] = d;
          w[i] += d;
          worst = std::max(worst, std::bit_cast<std::uint32_t>(w[i]) & 0x7fffffffu);
        }
      }
      if constexpr (kRounded) store(w, count, bf16_.w.data() + j0 * nv_);
      bad |= worst > std::bit_cast<std::uint32_t>(kDivergenceLimit);
      bad |= !visible_statistics(m, visible_blocks[b].first, visible_blocks[b].second, lr, momentum,
                                 v0, v1);
      bad_[b] = bad;
    });
    if (shared()) {
      // The other ranks' updates: their rows of Wᵀ, their biases with their momenta, and
      // whether they diverged.
      std::vector<float> bad(hidden_blocks.size());
      for (const std::size_t b : my_updates) bad[b] = bad_[b] ? 1.0f : 0.0f;
      exchange(hidden_blocks.size(), [&](std::size_t b, Fields& f) {
        const auto [j0, j1] = hidden_blocks[b];
        const auto [i0, i1] = visible_blocks[b];
        f(wt_.data.data() + j0 * nv_, (j1 - j0) * nv_);
        f(rbm.hidden_bias.data() + j0, j1 - j0);
        f(s_.velocity_b.data() + j0, j1 - j0);
        f(rbm.visible_bias.data() + i0, i1 - i0);
        f(s_.velocity_a.data() + i0, i1 - i0);
        f(&bad[b], 1);
      });
      for (std::size_t b = 0; b < hidden_blocks.size(); ++b) {
        bad_[b] = bad[b] != 0.0f;
        if (mine(b)) continue;
        const auto [j0, j1] = hidden_blocks[b];
        if constexpr (kRounded)
          store(wt_.data.data() + j0 * nv_, (j1 - j0) * nv_, bf16_.w.data() + j0 * nv_);
      }
    }
    const bool ok =
        std::none_of(bad_.begin(), bad_.begin() + static_cast<std::ptrdiff_t>(hidden_blocks.size()),
                     [](char b) { return b != 0; });
    return ok;
  }

  /// Hidden units [j0, j1): their bias step from ⟨P0 − P1⟩, with the sparsity nudge folded
  /// into P0 (so that the statistics product carries its weight part c_j ⟨v_i⟩ for free).
  /// False when a bias is no longer finite.
  bool hidden_statistics(std::size_t m, std::size_t j0, std::size_t j1, float lr, float momentum,
                         float* p0, const float* p1) {
    float* sum = sum_b_.data();
    std::fill(sum + j0, sum + j1, 0.0f);
    for (std::size_t r = 0; r < m; ++r) {
      const float* row = p0 + r * nh_;
      for (std::size_t j = j0; j < j1; ++j) sum[j] += row[j];
    }
    const float inv_m = 1.0f / static_cast<float>(m);
    if (o_.sparsity_cost > 0) {
      const Units hu = s_.rbm.hidden;
      const float s = hu == Units::spin ? 2.0f : 1.0f;
      const auto cost = static_cast<float>(o_.sparsity_cost);
      const auto target = static_cast<float>(o_.sparsity_target);
      for (std::size_t j = j0; j < j1; ++j) {
        // q_j = P(h_j on) averaged over the batch; mean m = 2q − 1 for spin units.
        const float mean = sum[j] * inv_m;
        const float q = hu == Units::spin ? (mean + 1.0f) / 2.0f : mean;
        const float nudge = cost * s * (target - q);
        for (std::size_t r = 0; r < m; ++r) p0[r * nh_ + j] += nudge;
        sum[j] += nudge * static_cast<float>(m);
      }
    }
    for (std::size_t r = 0; r < m; ++r) {
      const float* row = p1 + r * nh_;
      for (std::size_t j = j0; j < j1; ++j) sum[j] += row[j];
    }
    return bias_step(s_.velocity_b, s_.rbm.hidden_bias, sum, j0, j1, lr, inv_m, momentum);
  }

  /// Visible units [i0, i1): their bias step from ⟨V0 − V1⟩, summed row by row (contiguous,
  /// fixed order). False when a bias is no longer finite.
  bool visible_statistics(std::size_t m, std::size_t i0, std::size_t i1, float lr, float momentum,
                          const float* v0, const float* v1) {
    float* g = sum_a_.data();
    std::fill(g + i0, g + i1, 0.0f);
    for (std::size_t r = 0; r < m; ++r) {
      const float* a = v0 + r * nv_;
      const float* c = v1 + r * nv_;
      for (std::size_t i = i0; i < i1; ++i) g[i] += a[i] - c[i];
    }
    const float inv_m = 1.0f / static_cast<float>(m);
    return bias_step(s_.velocity_a, s_.rbm.visible_bias, g, i0, i1, lr, inv_m, momentum);
  }

  /// Biases [k0, k1): Δ ← μΔ + ε·sum/m, bias ← bias + Δ. False when one is no longer finite.
  static bool bias_step(std::vector<float>& velocity, std::vector<float>& bias, const float* sum,
                        std::size_t k0, std::size_t k1, float lr, float inv_m, float momentum) {
    bool ok = true;
    for (std::size_t k = k0; k < k1; ++k) {
      float& d = velocity[k];
      d = momentum * d + lr * sum[k] * inv_m;
      bias[k] += d;
      ok &= std::isfinite(bias[k]);
    }
    return ok;
  }

  const MatrixF& data_;
  const TrainOptions& o_;
  State& s_;
  std::size_t nv_, nh_, B_;
  int threads_;
  std::size_t blocks_;
  Precision precision_;
  MatmulCache matmuls_;
  MatrixF wt_, velt_;  // Wᵀ and its momentum while training
  MatrixF vv_, pp_, h_;
  std::vector<float> fp32_pt_;
  struct {
    std::vector<Bf16> w, v, h, pt;
  } bf16_;
  std::vector<LaneRng> rngs_;
  std::vector<float> sum_a_, sum_b_;
  std::vector<std::size_t> order_;
  std::vector<char> bad_;
};

void check_data(const MatrixF& data, Units visible) {
  if (data.rows == 0 || data.cols == 0)
    throw ShapeError("training data must have at least one row and one column");
  if (data.data.size() != data.rows * data.cols)
    throw ShapeError("training data: inconsistent storage");
  const float low = visible == Units::spin ? -1.0f : 0.0f;
  for (std::size_t k = 0; k < data.data.size(); ++k) {
    const float x = data.data[k];
    if (!(x >= low && x <= 1.0f))
      throw ConfigError("data",
                        "value " + std::to_string(x) + " at row " + std::to_string(k / data.cols) +
                            ", column " + std::to_string(k % data.cols) + " is outside the " +
                            to_string(visible) + " range [" + std::to_string(int(low)) + ", 1]");
  }
}

/// W ~ N(0, σ²) (Box–Muller on one stream), visible biases from the data marginals.
void initialise(const MatrixF& data, const TrainOptions& o, Rbm& rbm) {
  Rng rng(o.seed, stream_id(kInitTag, 0));
  for (auto& w : rbm.W.data) {
    const double u1 = 1.0 - rng.uniform(), u2 = rng.uniform();
    w = static_cast<float>(o.init_std * std::sqrt(-2 * std::log(u1)) *
                           std::cos(2 * 3.14159265358979323846 * u2));
  }
  std::vector<double> mean(data.cols, 0.0);
  for (std::size_t r = 0; r < data.rows; ++r) {
    const auto row = data.row(r);
    for (std::size_t i = 0; i < data.cols; ++i) mean[i] += row[i];
  }
  for (std::size_t i = 0; i < data.cols; ++i) {
    double p = mean[i] / static_cast<double>(data.rows);
    if (rbm.visible == Units::spin) p = (p + 1) / 2;
    p = std::clamp(p, 1e-3, 1 - 1e-3);
    const double logit = std::log(p / (1 - p));
    // P(v_i on) = σ(a_i) for bernoulli, σ(2 a_i) for spin.
    rbm.visible_bias[i] = static_cast<float>(rbm.visible == Units::spin ? logit / 2 : logit);
  }
}

/// Evenly spaced rows for the cheap per-epoch metrics.
MatrixF metric_subset(const MatrixF& data) {
  const std::size_t m = std::min(data.rows, kMetricRows);
  MatrixF out(m, data.cols);
  for (std::size_t r = 0; r < m; ++r) {
    const auto src = data.row(r * data.rows / m);
    std::copy(src.begin(), src.end(), out.row(r).begin());
  }
  return out;
}

}  // namespace

std::string to_string(LearningRateSchedule schedule) {
  switch (schedule) {
    case LearningRateSchedule::linear:
      return "linear";
    case LearningRateSchedule::exponential:
      return "exponential";
    default:
      return "constant";
  }
}

LearningRateSchedule parse_learning_rate_schedule(const std::string& name, const std::string& key) {
  if (name == "constant") return LearningRateSchedule::constant;
  if (name == "linear") return LearningRateSchedule::linear;
  if (name == "exponential") return LearningRateSchedule::exponential;
  throw ConfigError(
      key, "learning-rate schedule must be constant, linear or exponential, got '" + name + "'");
}

void validate(const TrainOptions& o, std::size_t n_samples, std::size_t n_hidden) {
  auto finite = [](double x) { return std::isfinite(x); };
  if (n_hidden == 0) throw ConfigError("n_hidden", "the RBM needs at least one hidden unit");
  if (o.epochs < 1)
    throw ConfigError("epochs", "must be at least 1, got " + std::to_string(o.epochs));
  if (o.batch_size == 0 || o.batch_size > n_samples)
    throw ConfigError("batch_size", "must be between 1 and the number of samples (" +
                                        std::to_string(n_samples) + "), got " +
                                        std::to_string(o.batch_size));
  if (o.k < 1) throw ConfigError("k", "must be at least 1, got " + std::to_string(o.k));
  if (!finite(o.learning_rate) || o.learning_rate < 0)
    throw ConfigError("learning_rate",
                      "must be a finite number ≥ 0, got " + std::to_string(o.learning_rate));
  if (o.schedule == LearningRateSchedule::linear &&
      (!finite(o.final_learning_rate) || o.final_learning_rate < 0))
    throw ConfigError("final_learning_rate", "a linear schedule needs a final learning rate ≥ 0");
  if (o.schedule == LearningRateSchedule::exponential &&
      (!finite(o.final_learning_rate) || o.final_learning_rate <= 0 || o.learning_rate <= 0))
    throw ConfigError("final_learning_rate", "an exponential schedule needs learning rates > 0");
  if (!(o.momentum >= 0 && o.momentum < 1))
    throw ConfigError("momentum", "must lie in [0, 1), got " + std::to_string(o.momentum));
  if (!(o.final_momentum >= 0 && o.final_momentum < 1))
    throw ConfigError("final_momentum",
                      "must lie in [0, 1), got " + std::to_string(o.final_momentum));
  if (o.momentum_switch_epoch < 0) throw ConfigError("momentum_switch_epoch", "must be ≥ 0");
  if (!(o.l1 >= 0 && finite(o.l1)))
    throw ConfigError("l1", "must be ≥ 0, got " + std::to_string(o.l1));
  if (!(o.l2 >= 0 && finite(o.l2)))
    throw ConfigError("l2", "must be ≥ 0, got " + std::to_string(o.l2));
  if (!(o.sparsity_target >= 0 && o.sparsity_target < 1))
    throw ConfigError("sparsity_target", "must lie in [0, 1)");
  if (!(o.sparsity_cost >= 0 && finite(o.sparsity_cost)))
    throw ConfigError("sparsity_cost", "must be ≥ 0");
  if (!(o.init_std >= 0 && finite(o.init_std))) throw ConfigError("init_std", "must be ≥ 0");
  if (o.threads < 0) throw ConfigError("threads", "must be ≥ 0 (0 = all cores)");
  resolve_precision(o.precision);
  if (o.checkpoint_every < 1) throw ConfigError("checkpoint_every", "must be at least 1");
  if (o.resume && o.checkpoint.empty())
    throw ConfigError("resume", "needs a checkpoint file (checkpoint)");
}

namespace {

/// The data's identity in a checkpoint's configuration (only when checkpoints are written).
nlohmann::json checkpoint_config(const MatrixF& data, const TrainOptions& options,
                                 const nlohmann::json& config) {
  nlohmann::json full_config = config;
  if (!options.checkpoint.empty()) {
    full_config["data"] = {{"rows", data.rows}, {"cols", data.cols}, {"fnv1a", fingerprint(data)}};
  }
  return full_config;
}

State fresh_state(const MatrixF& data, std::size_t n_hidden, Units visible, Units hidden,
                  const TrainOptions& options) {
  const std::size_t nv = data.cols;
  State s{Rbm(nv, n_hidden, visible, hidden), MatrixF(nv, n_hidden), std::vector<float>(nv),
          std::vector<float>(n_hidden),       MatrixF(0, n_hidden),  0};
  initialise(data, options, s.rbm);
  return s;
}

/// Epochs s.epoch … options.epochs − 1: the loop of train_rbm and continue_training.
/// `states`: are_states(data), which decides the precision and whether likelihoods are defined.
void run_epochs(const MatrixF& data, const TrainOptions& options, bool states, State& s,
                const nlohmann::json& full_config, bool have_checkpoint) {
  const std::size_t nv = s.rbm.n_visible(), n_hidden = s.rbm.n_hidden();
  const SingleThreadedBlas blas_guard;
  Trainer trainer(data, options, s, training_precision(options, states));
  const MatrixF subset = options.on_epoch ? metric_subset(data) : MatrixF();
  // Likelihoods are only defined for data in the alphabet (not for mean-field DBN inputs).
  const bool binary = options.on_epoch && states;
  const bool exact = binary && std::min(nv, n_hidden) <= kExactMetricUnits;

  for (int e = s.epoch; e < options.epochs; ++e) {
    const double lr = learning_rate_at(options, e);
    const double momentum = momentum_at(options, e);
    const auto t0 = std::chrono::steady_clock::now();
    if (!trainer.epoch(e, lr, momentum)) {
      throw Error("training diverged at epoch " + std::to_string(e + 1) + " (" +
                  divergence_reason(s.rbm) + "); " +
                  (have_checkpoint ? "last good checkpoint: " + options.checkpoint.string()
                                   : std::string("no checkpoint was written")));
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    s.epoch = e + 1;
    if (options.on_epoch) {
      EpochMetrics m;
      m.epoch = s.epoch;
      m.reconstruction_error = reconstruction_error(s.rbm, subset, options.threads);
      m.pseudo_log_likelihood =
          binary ? pseudo_log_likelihood(s.rbm, subset, options.seed, options.threads)
                 : std::numeric_limits<double>::quiet_NaN();
      if (exact) {
        const auto ll = log_likelihood(s.rbm, data, exact_log_z(s.rbm, options.threads));
        m.log_likelihood =
            std::accumulate(ll.begin(), ll.end(), 0.0) / static_cast<double>(ll.size());
      }
      m.learning_rate = lr;
      m.momentum = momentum;
      m.seconds = seconds;
      options.on_epoch(m);
    }
    // After the report: a run killed in between trains this epoch again and reports it again,
    // so a log keyed by epoch never misses one.
    const bool writes = !options.world || options.world->rank() == 0;
    if (!options.checkpoint.empty() && writes &&
        (s.epoch % options.checkpoint_every == 0 || s.epoch == options.epochs)) {
      write_checkpoint(options.checkpoint, s, full_config);
      have_checkpoint = true;
    }
  }
}

}  // namespace

Rbm train_rbm(const MatrixF& data, std::size_t n_hidden, Units visible, Units hidden,
              const TrainOptions& options) {
  validate(options, data.rows, n_hidden);
  check_data(data, visible);
  const bool states = are_states(data, visible);
  const nlohmann::json config =
      training_config(options, n_hidden, visible, hidden, training_precision(options, states));
  const nlohmann::json full_config = checkpoint_config(data, options, config);

  State s = fresh_state(data, n_hidden, visible, hidden, options);
  Communicator* world = options.world && options.world->size() > 1 ? options.world : nullptr;
  bool have_checkpoint = options.resume && std::filesystem::exists(options.checkpoint);
  // Rank 0, which writes the checkpoints, decides for all whether to resume: a rank that looked
  // for itself could miss the file (on a disk of its own) and start from another epoch; it reads
  // it instead, or says that it cannot.
  if (world) have_checkpoint = world->broadcast(have_checkpoint ? "1" : "0") == "1";
  if (have_checkpoint) read_checkpoint(options.checkpoint, full_config, s);
  s.rbm.meta["training"] = config;
  run_epochs(data, options, states, s, full_config, have_checkpoint);
  // No rank leaves before all have read the checkpoint, which rank 0's caller may delete next.
  if (world) world->allgather("");
  return std::move(s.rbm);
}

TrainState initial_train_state(const MatrixF& data, std::size_t n_hidden, Units visible,
                               Units hidden, const TrainOptions& options) {
  validate(options, data.rows, n_hidden);
  check_data(data, visible);
  return fresh_state(data, n_hidden, visible, hidden, options);
}

void continue_training(const MatrixF& data, TrainState& s, const TrainOptions& options) {
  const std::size_t nv = s.rbm.n_visible(), nh = s.rbm.n_hidden();
  validate(options, data.rows, nh);
  if (options.resume)
    throw ConfigError("resume", "continue_training continues from its state, not a checkpoint");
  s.rbm.validate();
  if (data.cols != nv)
    throw ShapeError("training data have " + std::to_string(data.cols) + " columns, the model " +
                     std::to_string(nv) + " visible units");
  check_data(data, s.rbm.visible);
  if (s.velocity_W.rows != nv || s.velocity_W.cols != nh || s.velocity_W.data.size() != nv * nh ||
      s.velocity_a.size() != nv || s.velocity_b.size() != nh)
    throw ShapeError("training state: the momentum buffers do not fit the model's " +
                     std::to_string(nv) + " x " + std::to_string(nh) + " weights");
  if (s.chains.rows != 0 && (s.chains.cols != nh || s.chains.data.size() != s.chains.rows * nh))
    throw ShapeError("training state: the persistent chains do not fit the hidden layer");
  if (options.persistent && s.chains.rows != 0 && s.chains.rows < options.batch_size)
    throw ConfigError("batch_size", "must be at most the " + std::to_string(s.chains.rows) +
                                        " persistent chains of the state, got " +
                                        std::to_string(options.batch_size));
  if (s.epoch < 0) throw ConfigError("epoch", "completed epochs cannot be negative");
  const bool states = are_states(data, s.rbm.visible);
  const nlohmann::json config = training_config(options, nh, s.rbm.visible, s.rbm.hidden,
                                                training_precision(options, states));
  s.rbm.meta["training"] = config;
  run_epochs(data, options, states, s, checkpoint_config(data, options, config), false);
}

}  // namespace deeprg::rbm
