#include "mpi_world.hpp"

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "deeprg/core/error.hpp"

#ifdef DEEPRG_HAVE_MPI
// The C API only: no MPI C++ bindings (deprecated, and noisy under -Wextra).
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace deeprg::cli {

namespace {

int environment_number(const char* a, const char* b, int otherwise) {
  for (const char* name : {a, b})
    if (const char* value = std::getenv(name)) {
      char* end = nullptr;
      const long n = std::strtol(value, &end, 10);
      if (end != value && *end == '\0' && n >= 0 && n <= INT_MAX) return static_cast<int>(n);
    }
  return otherwise;
}

#ifdef DEEPRG_HAVE_MPI

void check(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw Error(std::string(what) +
              " failed: " + std::string(text, static_cast<std::size_t>(length)));
}

int as_count(std::size_t n) {
  if (n > static_cast<std::size_t>(INT_MAX))
    throw Error("a message of " + std::to_string(n) + " bytes is beyond MPI's int counts");
  return static_cast<int>(n);
}

// Where each rank's part starts in the concatenation of parts of `counts` bytes (MPI's
// displacements); returns the total, which must fit MPI's int counts too.
std::size_t displacements(const std::vector<int>& counts, std::vector<int>& offsets) {
  offsets.resize(counts.size());
  std::size_t total = 0;
  for (std::size_t r = 0; r < counts.size(); ++r) {
    offsets[r] = as_count(total);
    total += static_cast<std::size_t>(counts[r]);
  }
  as_count(total);
  return total;
}

// MPI_COMM_WORLD. Collectives go through MPI's own algorithms; what deeprg gathers is text, so
// nothing here depends on an order of floating-point additions.
class MpiWorld final : public Communicator {
 public:
  MpiWorld() {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) {
      check(MPI_Init(nullptr, nullptr), "MPI_Init");
      owner_ = true;
    }
    // Errors come back as codes (thrown as deeprg errors) instead of aborting the job.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    MPI_Comm local;
    check(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &local),
          "MPI_Comm_split_type");
    MPI_Comm_size(local, &local_size_);
    MPI_Comm_free(&local);
  }
  MpiWorld(const MpiWorld&) = delete;
  MpiWorld& operator=(const MpiWorld&) = delete;
  ~MpiWorld() override {
    if (owner_) MPI_Finalize();
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int local_size() const override { return local_size_; }

  std::vector<std::string> gather(const std::string& text, int root) override {
    const int count = as_count(text.size());
    std::vector<int> counts(rank_ == root ? static_cast<std::size_t>(size_) : 0);
    check(MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, root, MPI_COMM_WORLD),
          "MPI_Gather");
    std::vector<int> offsets;
    std::string all(displacements(counts, offsets), '\0');
    check(MPI_Gatherv(text.data(), count, MPI_CHAR, all.data(), counts.data(), offsets.data(),
                      MPI_CHAR, root, MPI_COMM_WORLD),
          "MPI_Gatherv");
    std::vector<std::string> out;
    for (std::size_t r = 0; r < counts.size(); ++r)
      out.push_back(
          all.substr(static_cast<std::size_t>(offsets[r]), static_cast<std::size_t>(counts[r])));
    return out;
  }

  std::string allgather(const std::string& bytes, std::vector<std::size_t>* lengths) override {
    const int count = as_count(bytes.size());
    std::vector<int> counts(static_cast<std::size_t>(size_));
    check(MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD),
          "MPI_Allgather");
    std::vector<int> offsets;
    std::string all(displacements(counts, offsets), '\0');
    check(MPI_Allgatherv(bytes.data(), count, MPI_CHAR, all.data(), counts.data(), offsets.data(),
                         MPI_CHAR, MPI_COMM_WORLD),
          "MPI_Allgatherv");
    if (lengths) lengths->assign(counts.begin(), counts.end());
    return all;
  }

  void allgather_in_place(char* data, const std::vector<std::size_t>& counts,
                          const std::vector<std::size_t>& offsets) override {
    std::vector<int> c(counts.size()), o(offsets.size());
    for (std::size_t r = 0; r < counts.size(); ++r) {
      c[r] = as_count(counts[r]);
      o[r] = as_count(offsets[r]);
    }
    check(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, data, c.data(), o.data(), MPI_CHAR,
                         MPI_COMM_WORLD),
          "MPI_Allgatherv");
  }

  std::string broadcast(const std::string& text, int root) override {
    int count = rank_ == root ? as_count(text.size()) : 0;
    check(MPI_Bcast(&count, 1, MPI_INT, root, MPI_COMM_WORLD), "MPI_Bcast");
    std::string out = rank_ == root ? text : std::string(static_cast<std::size_t>(count), '\0');
    check(MPI_Bcast(out.data(), count, MPI_CHAR, root, MPI_COMM_WORLD), "MPI_Bcast");
    return out;
  }

 private:
  bool owner_ = false;
  int rank_ = 0, size_ = 1, local_size_ = 1;
};

#endif

}  // namespace

int launched_ranks() { return environment_number("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", 1); }
int launched_rank() { return environment_number("OMPI_COMM_WORLD_RANK", "PMI_RANK", 0); }

std::unique_ptr<Communicator> make_world() {
  if (launched_ranks() <= 1) return std::make_unique<SerialCommunicator>();
#ifdef DEEPRG_HAVE_MPI
  return std::make_unique<MpiWorld>();
#else
  throw ConfigError("mpirun", "started as one of " + std::to_string(launched_ranks()) +
                                  " processes, but this deeprg was built without MPI (install "
                                  "libopenmpi-dev and rebuild); run it without mpirun");
#endif
}

void run_on_world(const std::function<void(Communicator& world, bool* setup)>& job) {
  if (launched_ranks() > 1 && launched_rank() != 0) {
    std::unique_ptr<Communicator> world;
    bool setup = true;
    try {
      world = make_world();
      job(*world, &setup);
    } catch (const ConfigError&) {
      return;
    } catch (const std::exception& e) {
      if (setup) return;
      std::fprintf(stderr, "deeprg: error: rank %d: %s\n", launched_rank(), e.what());
      std::fflush(stderr);
      abort_world(1);
      throw;
    }
    return;
  }
  const auto world = make_world();
  if (world->size() == 1) return job(*world, nullptr);
  bool setup = true;
  try {
    job(*world, &setup);
  } catch (const ConfigError&) {
    throw;  // every rank met it alike, or rank 0 told the others before they could wait for it
  } catch (const std::exception& e) {
    if (setup) throw;
    // The others may be waiting for rank 0 in a collective (a batch of the training, a gather):
    // say why and end the job, which would otherwise hang in MPI_Finalize.
    std::fprintf(stderr, "deeprg: error: %s\n", e.what());
    std::fflush(stderr);
    abort_world(1);
    throw;
  }
}

void abort_world(int code) {
#ifdef DEEPRG_HAVE_MPI
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized && !finalized) MPI_Abort(MPI_COMM_WORLD, code);
#else
  (void)code;
#endif
}

}  // namespace deeprg::cli
