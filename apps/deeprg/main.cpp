// deeprg: the command-line tool. Exit codes: 0 success, 2 usage error (bad flag, value or
// config), 1 runtime error (unreadable file, failed computation).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>

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
  app.set_version_flag("--version", std::string(deeprg::kVersion) +
                                        (*deeprg::kMpiLibrary ? std::string(", with MPI (") +
                                                                    deeprg::kMpiLibrary + ")"
                                                              : std::string(", without MPI")));
  app.require_subcommand(1);
  deeprg::cli::add_run_command(app);
  deeprg::cli::add_sample_command(app);
  deeprg::cli::add_measure_command(app);
  deeprg::cli::add_scan_command(app);
  deeprg::cli::add_exact_command(app);
  deeprg::cli::add_train_command(app);
  deeprg::cli::add_evaluate_command(app);
  deeprg::cli::add_coarse_grain_command(app);
  deeprg::cli::add_flow_command(app);
  deeprg::cli::add_mcrg_command(app);
  deeprg::cli::add_learn_map_command(app);
  deeprg::cli::add_couplings_command(app);
  deeprg::cli::add_rbm_flow_command(app);
  deeprg::cli::add_rbm_sample_command(app);
  deeprg::cli::add_mi_command(app);
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
  // The command that was running, for errors that do not name it.
  const auto command_name = [&app]() -> std::string {
    std::string name = "deeprg";
    for (const auto* sub : app.get_subcommands()) name = "deeprg " + sub->get_name();
    return name;
  };
  // Parse errors read like every other error: one line naming the flag, then where to look.
  app.failure_message([&command_name](const CLI::App*, const CLI::Error& e) {
    return "deeprg: error: " + std::string(e.what()) + " (see " + command_name() + " --help)\n";
  });
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
  } catch (const std::bad_alloc&) {
    // Sizes a user asks for are checked before they are allocated; this is what is left (the
    // machine's memory taken by something else, or a size no check knows).
    std::fprintf(stderr,
                 "deeprg: error: %s ran out of memory; ask for smaller sizes or free memory\n",
                 command_name().c_str());
    return 1;
  } catch (const std::length_error&) {
    std::fprintf(stderr, "deeprg: error: %s asked for an array larger than memory can hold\n",
                 command_name().c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "deeprg: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
