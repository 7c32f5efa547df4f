// deeprg train: an RBM (one hidden size) or a DBN (several) on a spin file.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "commands.hpp"
#include "common.hpp"
#include "deeprg/core/blas.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/io/spin_file.hpp"
#include "deeprg/rbm/dbn_ops.hpp"
#include "deeprg/rbm/metrics_file.hpp"
#include "deeprg/rbm/model_file.hpp"
#include "deeprg/rbm/train.hpp"
#include "deeprg/version.hpp"
#include "mpi_world.hpp"

namespace deeprg::cli {

namespace {

struct TrainFlags {
  std::string data;
  std::string hidden;
  std::string visible_units = "bernoulli";
  std::string hidden_units = "bernoulli";
  std::optional<int> cd_k;
  std::optional<int> pcd;
  std::string schedule = "constant";
  std::string propagate = "mean-field";
  std::string out;
  std::string metrics;
  rbm::TrainOptions options;
};

/// Per-epoch output: a line on the terminal (stderr) with an ETA, and a JSON line in the
/// metrics file.
class EpochLog {
 public:
  EpochLog(const std::filesystem::path& path, int epochs, std::size_t layers, bool resume)
      : file_(path, resume, layers, "rerun without --resume"),
        epochs_(epochs),
        layers_(layers),
        start_(std::chrono::steady_clock::now()) {}
  void operator()(const rbm::EpochMetrics& m) {
    file_.record(m);
    ++reported_;
    // The rate counts this run's epochs; what is left counts those of an interrupted run as done.
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double total = static_cast<double>(epochs_) * static_cast<double>(layers_);
    const double left = std::max(0.0, total - static_cast<double>(file_.size()));
    const double eta = elapsed / reported_ * left;
    std::fprintf(stderr, "layer %zu epoch %d/%d  recon %.5f", m.layer + 1, m.epoch, epochs_,
                 m.reconstruction_error);
    // Pseudo-likelihood needs states; an upper layer's data are probabilities (NaN, no column).
    if (!std::isnan(m.pseudo_log_likelihood))
      std::fprintf(stderr, "  pll/spin %.5f", m.pseudo_log_likelihood);
    if (m.log_likelihood) std::fprintf(stderr, "  loglik %.5f", *m.log_likelihood);
    std::fprintf(stderr, "  %.2fs  ETA %.0fs\n", m.seconds, eta);
  }

 private:
  rbm::MetricsFile file_;
  int epochs_;
  std::size_t layers_;
  double reported_ = 0;  ///< epochs trained by this run
  std::chrono::steady_clock::time_point start_;
};

// Trains the RBM or DBN the flags describe and writes it with its metrics.
void train(const TrainFlags& f, Communicator& world, bool* setup);
// The training itself, once the flags, the data and the outputs are checked.
void train(const TrainFlags& f, rbm::TrainOptions& options, const std::vector<std::size_t>& sizes,
           rbm::Units visible, rbm::Units hidden, const MatrixF& data,
           const std::filesystem::path& metrics);

}  // namespace

/// Reads a spin file as the visible layer of a model with `n_visible` units.
MatrixF read_visible_data(const std::string& path, std::size_t n_visible, rbm::Units units) {
  // The shapes every command reads, (n, L) or (n, Ly, Lx), each sample one row.
  const io::SpinSamples samples = io::read_spins(path);
  const std::size_t sites = samples.lattice.sites();
  if (n_visible != 0 && sites != n_visible)
    throw ShapeError(path + ": samples have " + std::to_string(sites) + " spins, the model " +
                     std::to_string(n_visible) + " visible units");
  return rbm::spins_to_visible(samples.spins, samples.count, sites, units);
}

void add_train_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "train",
      "Train an RBM or a deep belief network on spin data (CD-k, PCD; L1, L2, momentum)\n"
      "Trains an RBM (one --hidden size) or a deep belief network (several, trained greedily)\n"
      "on a spin file. Spins are read as {0,1} (bernoulli visible units: s = +1 -> 1) or as\n"
      "±1 (spin visible units). Per-epoch reconstruction error, pseudo-log-likelihood per spin\n"
      "and, when the model is small enough, the exact log-likelihood are printed and written\n"
      "as JSON lines (--metrics). A checkpoint is written every --checkpoint-every epochs next\n"
      "to the output; --resume continues a killed run to the same result.\n"
      "Under 'mpirun -np N' training is data-parallel: each rank runs its blocks of every\n"
      "batch and the ranks exchange the results, giving the same model bits as one process\n"
      "on any N; rank 0 writes the model, metrics and checkpoints (docs/ensembles.md).\n"
      "Example: deeprg train --data samples.npy --hidden 400,100,25 --epochs 200 --l1 2e-4 --out "
      "model/");
  auto f = std::make_shared<TrainFlags>();
  auto& o = f->options;
  cmd->add_option("--data", f->data, "Spin file (.npy, int8 ±1)")->required();
  cmd->add_option("--hidden", f->hidden, "Hidden layer sizes, e.g. 400 or 400,100,25")->required();
  cmd->add_option("--visible-units", f->visible_units, "bernoulli ({0,1}) or spin (±1)")
      ->capture_default_str();
  cmd->add_option("--hidden-units", f->hidden_units, "bernoulli ({0,1}) or spin (±1)")
      ->capture_default_str();
  auto* cdk = cmd->add_option("--cd-k", f->cd_k, "Contrastive divergence with K Gibbs steps");
  auto* pcd = cmd->add_option("--pcd", f->pcd,
                              "Persistent contrastive divergence with K steps (default: PCD-1)");
  cdk->excludes(pcd);
  cmd->add_option("--epochs", o.epochs, "Epochs (per layer)")->capture_default_str();
  cmd->add_option("--batch-size", o.batch_size, "Mini-batch size")
      ->transform(whole_number())
      ->capture_default_str();
  cmd->add_option("--lr", o.learning_rate, "Learning rate")->capture_default_str();
  cmd->add_option("--lr-schedule", f->schedule, "constant | linear | exponential (to --final-lr)")
      ->capture_default_str();
  cmd->add_option("--final-lr", o.final_learning_rate, "Final learning rate of a schedule");
  cmd->add_option("--momentum", o.momentum, "Momentum for the first --momentum-switch epochs")
      ->capture_default_str();
  cmd->add_option("--final-momentum", o.final_momentum, "Momentum afterwards (Hinton: 0.5 -> 0.9)")
      ->capture_default_str();
  cmd->add_option("--momentum-switch", o.momentum_switch_epoch,
                  "Epoch after which --final-momentum applies")
      ->capture_default_str();
  cmd->add_option("--l1", o.l1, "L1 penalty on W (proximal soft threshold)")->capture_default_str();
  cmd->add_option("--l2", o.l2, "L2 weight decay on W")->capture_default_str();
  cmd->add_option("--sparsity-target", o.sparsity_target, "Target mean hidden activation (0 = off)")
      ->capture_default_str();
  cmd->add_option("--sparsity-cost", o.sparsity_cost, "Strength of the sparsity nudge")
      ->capture_default_str();
  cmd->add_option("--init-std", o.init_std, "Standard deviation of the initial weights")
      ->capture_default_str();
  cmd->add_option("--propagate", f->propagate,
                  "DBN: train each layer on the lower layer's mean-field probabilities or samples")
      ->capture_default_str();
  cmd->add_option("--seed", o.seed, "Random seed")
      ->transform(whole_number())
      ->capture_default_str();
  cmd->add_option("--threads", o.threads, "Threads (0 = all cores); never changes the result")
      ->capture_default_str();
  cmd->add_option("--precision", o.precision,
                  "Arithmetic of the products: fp32, bf16 (operands rounded to bfloat16, fp32 "
                  "sums; twice as fast with AVX-512 BF16) or auto (bf16 where native and the data "
                  "are states, else fp32)")
      ->check(CLI::IsMember({"auto", "fp32", "bf16"}))
      ->capture_default_str();
  cmd->add_option("--checkpoint-every", o.checkpoint_every, "Epochs between checkpoints")
      ->capture_default_str();
  cmd->add_flag("--resume", o.resume, "Resume from the checkpoint of an interrupted run");
  cmd->add_option("--metrics", f->metrics, "JSON-lines metrics file (default: beside --out)");
  cmd->add_option("--out,-o", f->out, "Output: model.npz for one RBM, a directory for a DBN")
      ->required();
  cmd->callback([f, cmd] {
    // The library names TrainOptions' fields; these flags are named otherwise.
    const std::map<std::string, std::string> flags{{"k", f->pcd ? "--pcd" : "--cd-k"},
                                                   {"learning_rate", "--lr"},
                                                   {"final_learning_rate", "--final-lr"},
                                                   {"schedule", "--lr-schedule"},
                                                   {"momentum_switch_epoch", "--momentum-switch"},
                                                   {"n_hidden", "--hidden"},
                                                   {"hidden_sizes", "--hidden"},
                                                   {"visible", "--visible-units"},
                                                   {"hidden", "--hidden-units"}};
    // Under mpirun every rank trains (data-parallel, the same bits as one process) and rank 0
    // alone writes and reports.
    run_on_world([&](Communicator& world, bool* setup) {
      with_flag_names(*cmd, flags, [&] { train(*f, world, setup); });
    });
  });
}

namespace {

void train(const TrainFlags& f, Communicator& world, bool* setup) {
  auto options = f.options;
  if (world.size() > 1) options.world = &world;
  const bool writes = world.rank() == 0;
  const auto sizes = parse_sizes("--hidden", f.hidden);
  const rbm::Units visible = rbm::parse_units(f.visible_units, "--visible-units");
  const rbm::Units hidden = rbm::parse_units(f.hidden_units, "--hidden-units");
  if (f.cd_k) {
    options.persistent = false;
    options.k = *f.cd_k;
  } else if (f.pcd) {
    options.persistent = true;
    options.k = *f.pcd;
  }
  options.schedule = rbm::parse_learning_rate_schedule(f.schedule, "--lr-schedule");
  if (options.threads < 0) throw ConfigError("--threads", "must be 0 (all cores) or positive");
  const bool dbn = sizes.size() > 1;
  const std::filesystem::path out(f.out);
  if (!dbn && out.extension() != ".npz")
    throw ConfigError("--out", "a single RBM is written to an .npz file, got '" + f.out + "'");
  options.checkpoint = dbn ? out / "checkpoint.npz"
                           : std::filesystem::path(out).replace_extension(".checkpoint.npz");
  std::filesystem::path metrics = f.metrics;
  if (metrics.empty())
    metrics = dbn ? out / "metrics.jsonl"
                  : std::filesystem::path(out).replace_extension(".metrics.jsonl");
  std::vector<NamedPath> outputs{{"--out", dbn ? out / "dbn.json" : out}};
  for (std::size_t l = 0; l < sizes.size(); ++l) {
    if (dbn) outputs.push_back({"--out", out / ("layer_" + std::to_string(l + 1) + ".npz")});
    outputs.push_back({"the checkpoint", dbn ? rbm::layer_checkpoint_path(options.checkpoint, l)
                                             : options.checkpoint});
  }
  outputs.push_back({"--metrics", metrics});  // last, so that a clash names it
  check_outputs({{"--data file", f.data}, {"--data sidecar", io::sidecar_path(f.data)}}, outputs);
  const MatrixF data = read_visible_data(f.data, 0, visible);
  rbm::validate(options, data.rows, sizes.front());
  rbm::require_training_memory("--hidden", data.rows, options.batch_size, data.cols, sizes);
  // Fail before training, not after it, when an output's directory is missing (a DBN's --out
  // is created below).
  for (const std::filesystem::path& file : {out, metrics}) {
    const std::filesystem::path parent = file.has_parent_path() ? file.parent_path() : ".";
    std::error_code ec;
    if (!(dbn && (file == out || same_file(parent, out))) &&
        !std::filesystem::is_directory(parent, ec))
      throw IoError(file.string() + ": directory " + parent.string() + " does not exist");
  }
  if (setup) *setup = false;
  if (!writes) {  // another rank's share of the training; rank 0 writes what it gives
    if (dbn) {
      rbm::DbnTrainOptions dbn_options;
      dbn_options.rbm = options;
      dbn_options.propagate = rbm::parse_propagation(f.propagate, "--propagate");
      rbm::train_dbn(data, sizes, visible, hidden, dbn_options);
    } else {
      rbm::train_rbm(data, sizes.front(), visible, hidden, options);
    }
    return;
  }
  const bool out_existed = std::filesystem::exists(out);
  if (dbn) std::filesystem::create_directories(out);  // only once the run is known to be valid

  // A run that fails leaves no metrics (nor a DBN directory it created) behind, unless a
  // checkpoint remains that --resume continues from (the metrics are its history).
  const bool metrics_existed = std::filesystem::exists(metrics);
  try {
    train(f, options, sizes, visible, hidden, data, metrics);
  } catch (...) {
    std::error_code ec;
    bool resumable = false;
    for (const auto& output : outputs)
      resumable = resumable || (output.flag == "the checkpoint" &&
                                std::filesystem::is_regular_file(output.path, ec));
    if (!metrics_existed && !resumable) std::filesystem::remove(metrics, ec);
    if (dbn && !out_existed && std::filesystem::is_empty(out, ec)) std::filesystem::remove(out, ec);
    throw;
  }
}

void train(const TrainFlags& f, rbm::TrainOptions& options, const std::vector<std::size_t>& sizes,
           rbm::Units visible, rbm::Units hidden, const MatrixF& data,
           const std::filesystem::path& metrics) {
  const bool dbn = sizes.size() > 1;
  const std::filesystem::path out(f.out);
  EpochLog log(metrics, options.epochs, sizes.size(), options.resume);
  options.on_epoch = [&log](const rbm::EpochMetrics& m) { log(m); };
  const nlohmann::json provenance{{"deeprg_version", kVersion},
                                  {"blas", to_json(blas_info())},
                                  {"data", f.data},
                                  {"command", "train"}};
  if (dbn) {
    rbm::DbnTrainOptions dbn_options;
    dbn_options.rbm = options;
    dbn_options.propagate = rbm::parse_propagation(f.propagate, "--propagate");
    rbm::Dbn model = rbm::train_dbn(data, sizes, visible, hidden, dbn_options);
    model.meta.update(provenance);
    for (auto& layer : model.layers) layer.meta.update(provenance);
    rbm::save_dbn(out, model);
    std::printf("wrote a %zu-layer DBN to %s (metrics: %s)\n", model.layers.size(), out.c_str(),
                metrics.c_str());
  } else {
    rbm::Rbm model = rbm::train_rbm(data, sizes.front(), visible, hidden, options);
    model.meta.update(provenance);
    rbm::save_rbm(out, model);
    std::printf("wrote an RBM %zu -> %zu to %s (metrics: %s)\n", model.n_visible(),
                model.n_hidden(), out.c_str(), metrics.c_str());
  }
}

}  // namespace

}  // namespace deeprg::cli
