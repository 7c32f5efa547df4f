// dbn.json, the document of a DBN directory: any text either loads with the directory's layer
// files or throws IoError naming the file (load_dbn's contract), and what loads is a valid
// stack of at most the two layers stored. The library reads the document only from a
// directory, so each process writes one at start-up, layer_1.npz and layer_2.npz (a 3-2-2
// network, save_rbm), and every input becomes its dbn.json.
#include <stdlib.h>  // mkdtemp

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "deeprg/rbm/model_file.hpp"
#include "fuzz_input.hpp"

namespace {

namespace fs = std::filesystem;

/// A temporary DBN directory with two layers and no dbn.json, removed when the process exits.
struct DbnDirectory {
  fs::path path;

  DbnDirectory() {
    std::string name = (fs::temp_directory_path() / "deeprg-fuzz-dbn-XXXXXX").string();
    if (!mkdtemp(name.data())) {
      std::perror("fuzz_dbn_json: mkdtemp");
      std::abort();
    }
    path = name;
    deeprg::rbm::Rbm first(3, 2), second(2, 2);
    first.W(0, 0) = 0.5f;
    first.W(2, 1) = -0.25f;
    first.visible_bias[1] = 0.1f;
    second.W(1, 0) = 0.75f;
    second.hidden_bias[0] = -0.2f;
    deeprg::rbm::save_rbm(path / "layer_1.npz", first);
    deeprg::rbm::save_rbm(path / "layer_2.npz", second);
  }
  ~DbnDirectory() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const DbnDirectory directory;
  {
    std::ofstream out(directory.path / "dbn.json", std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out.flush()) {
      std::perror("fuzz_dbn_json: writing dbn.json");
      std::abort();
    }
  }
  const auto dbn = deeprg::fuzz::attempt([&] { return deeprg::rbm::load_dbn(directory.path); });
  if (!dbn) return 0;
  if (dbn->layers.empty() || dbn->layers.size() > 2 || !dbn->meta.is_object()) std::abort();
  dbn->validate();  // throws (a crash here) if the loaded stack does not fit together
  return 0;
}
