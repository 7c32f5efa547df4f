#pragma once
// Ranks as threads of one process: what mpirun's ranks do, without MPI, so that drivers over a
// Communicator (data-parallel training, scans, ensembles) are checked in every build.
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "deeprg/core/communicator.hpp"

namespace deeprg::testing {

/// `size` ranks as threads: every collective is an allgather, which meets all of them at a
/// barrier; gather and broadcast keep the parts they need of it.
class ThreadRanks {
 public:
  explicit ThreadRanks(int size) : size_(size), parts_(static_cast<std::size_t>(size)) {}

  class Rank final : public Communicator {
   public:
    Rank(ThreadRanks& all, int rank) : all_(all), rank_(rank) {}
    int rank() const override { return rank_; }
    int size() const override { return all_.size_; }
    int local_size() const override { return all_.size_; }
    std::vector<std::string> gather(const std::string& text, int root) override {
      std::vector<std::size_t> lengths;
      const std::string all = allgather(text, &lengths);
      std::vector<std::string> parts;
      if (rank_ != root) return parts;
      std::size_t offset = 0;
      for (const std::size_t n : lengths) {
        parts.push_back(all.substr(offset, n));
        offset += n;
      }
      return parts;
    }
    std::string broadcast(const std::string& text, int root) override {
      return allgather(rank_ == root ? text : std::string(), nullptr);
    }
    std::string allgather(const std::string& bytes, std::vector<std::size_t>* lengths) override {
      std::unique_lock lock(all_.mutex_);
      const std::size_t round = all_.round_;
      all_.parts_[static_cast<std::size_t>(rank_)] = bytes;
      if (++all_.arrived_ == all_.size_) {  // the last to arrive publishes the round
        all_.result_.clear();
        all_.lengths_.clear();
        for (const auto& part : all_.parts_) {
          all_.result_ += part;
          all_.lengths_.push_back(part.size());
        }
        all_.arrived_ = 0;
        ++all_.round_;
        all_.changed_.notify_all();
      } else {
        all_.changed_.wait(lock, [&] { return all_.round_ != round; });
      }
      if (lengths) *lengths = all_.lengths_;
      // Readers copy before the next round can begin: that needs every rank, this one included.
      return all_.result_;
    }

   private:
    ThreadRanks& all_;
    int rank_;
  };

  /// Runs f(communicator) on every rank at once; returns every rank's result, rank 0's first.
  template <class F>
  auto run(F f) {
    std::vector<Rank> ranks;
    for (int r = 0; r < size_; ++r) ranks.emplace_back(*this, r);
    std::vector<decltype(f(ranks[0]))> results(static_cast<std::size_t>(size_));
    std::vector<std::thread> threads;
    for (int r = 1; r < size_; ++r)
      threads.emplace_back([&, r] { results[std::size_t(r)] = f(ranks[std::size_t(r)]); });
    results[0] = f(ranks[0]);
    for (auto& t : threads) t.join();
    return results;
  }

 private:
  int size_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> parts_;
  std::string result_;
  std::vector<std::size_t> lengths_;
  int arrived_ = 0;
  std::size_t round_ = 0;
};

}  // namespace deeprg::testing
