#pragma once
/// Processes that share one job: how many there are, which one this is, and the few collective
/// operations the drivers need. deeprg's libraries see only this interface and never include
/// mpi.h: the command-line tool implements it over MPI (apps/deeprg/mpi_world.cpp, the one file
/// that does), SerialCommunicator is the one-process case, and a binding could wrap mpi4py.
///
/// Every method but rank(), size() and local_size() is collective: every rank calls it, in the
/// same order. Drivers keep their results independent of size(): work is assigned statically
/// by global index, random streams are keyed by global ids (core/rng.hpp), and whatever is
/// combined is combined on one rank in rank order. Data-parallel training exchanges the parts
/// each rank computed (allgather) and never sums across ranks: MPI_Allreduce fixes no order.
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

namespace deeprg {

class Communicator {
 public:
  virtual ~Communicator() = default;
  /// This process's rank, 0 … size() − 1. Rank 0 reports and writes the shared outputs.
  virtual int rank() const = 0;
  /// The number of ranks.
  virtual int size() const = 0;
  /// Ranks on this machine, this one included: they share its cores.
  virtual int local_size() const = 0;
  /// On `root`: every rank's `text`, in rank order; on the other ranks: nothing.
  virtual std::vector<std::string> gather(const std::string& text, int root = 0) = 0;
  /// `root`'s `text`, on every rank (the others' argument is ignored).
  virtual std::string broadcast(const std::string& text, int root = 0) = 0;
  /// Every rank's `bytes` (of any length), concatenated in rank order, on every rank; `lengths`,
  /// when set, receives each rank's length.
  virtual std::string allgather(const std::string& bytes,
                                std::vector<std::size_t>* lengths = nullptr) = 0;
  /// In place: rank r's `counts[r]` bytes at `data + offsets[r]` are copied to the same place on
  /// every other rank (the parts must not overlap). Every rank passes the same counts and
  /// offsets. MPI does it without a staging copy (MPI_Allgatherv with MPI_IN_PLACE); this default
  /// goes through allgather().
  virtual void allgather_in_place(char* data, const std::vector<std::size_t>& counts,
                                  const std::vector<std::size_t>& offsets) {
    const auto me = static_cast<std::size_t>(rank());
    const std::string all = allgather(std::string(data + offsets.at(me), counts.at(me)));
    std::size_t at = 0;
    for (std::size_t r = 0; r < counts.size(); ++r) {
      if (r != me) std::memcpy(data + offsets[r], all.data() + at, counts[r]);
      at += counts[r];
    }
  }
};

/// One process: rank 0 of 1.
class SerialCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  int local_size() const override { return 1; }
  std::vector<std::string> gather(const std::string& text, int) override { return {text}; }
  std::string broadcast(const std::string& text, int) override { return text; }
  std::string allgather(const std::string& bytes, std::vector<std::size_t>* lengths) override {
    if (lengths) *lengths = {bytes.size()};
    return bytes;
  }
};

}  // namespace deeprg
