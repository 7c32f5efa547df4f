#include <CLI/CLI.hpp>
#include <iostream>

#include "deeprg/core/error.hpp"
#include "deeprg/version.hpp"

int main(int argc, char** argv) {
  CLI::App app{"deeprg: deep learning and the renormalization group"};
  app.set_version_flag("--version", deeprg::kVersion);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return 0;
}
