// deeprg: the command-line tool. Exit codes: 0 success, 2 usage error (bad flag, value or
// config), 1 runtime error (unreadable file, failed computation).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "commands.hpp"
#include "common.hpp"
#include "deeprg/core/blas.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/version.hpp"

int main(int argc, char** argv) {
  deeprg::use_single_threaded_blas();
  CLI::App app{
      "deeprg: deep learning and the renormalization group, measurably.\n"
      "Ising Monte Carlo with exact references, RBMs and deep belief networks, block-spin RG\n"
      "and MCRG, and the variational RG of Mehta & Schwab (2014) computed exactly.\n"
      "Run 'deeprg run --out DIR' for the main job, or 'deeprg <command> --help' for one command."};
  app.set_version_flag("--version", deeprg::kVersion);
  app.require_subcommand(1);
  deeprg::cli::add_run_command(app);
  deeprg::cli::add_sample_command(app);
  deeprg::cli::add_measure_command(app);
  deeprg::cli::add_exact_command(app);
  deeprg::cli::add_train_command(app);
  deeprg::cli::add_evaluate_command(app);
  deeprg::cli::add_coarse_grain_command(app);
  deeprg::cli::add_flow_command(app);
  deeprg::cli::add_mcrg_command(app);
  deeprg::cli::add_decimate_1d_command(app);
  deeprg::cli::add_vrg_command(app);
  deeprg::cli::add_vrg_fit_command(app);
  // Subcommands are registered with a one-line summary followed by details: the list under
  // 'deeprg --help' shows the summary, 'deeprg <command> --help' shows everything.
  for (auto* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    const std::string text = sub->get_description();
    const auto newline = text.find('\n');
    if (newline == std::string::npos) continue;
    sub->description(text.substr(0, newline));
    sub->footer(text.substr(newline + 1));
  }
  // CLI11 would report a mistyped command as a missing one; name it instead.
  if (argc > 1 && argv[1][0] != '-') {
    bool known = false;
    for (const auto* sub : app.get_subcommands([](CLI::App*) { return true; }))
      known = known || sub->check_name(argv[1]);
    if (!known) {
      std::fprintf(stderr, "deeprg: error: unknown command '%s' (see deeprg --help)\n", argv[1]);
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const deeprg::ConfigError& e) {
    // The library names its parameters; say which flag of the command ran sets it.
    const CLI::App* command = &app;
    for (const auto* sub : app.get_subcommands()) command = sub;
    std::fprintf(stderr, "deeprg: error: %s\n", deeprg::cli::as_flag_error(*command, e).what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "deeprg: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
