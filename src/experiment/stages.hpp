#pragma once
// The stages of experiment::run (run.hpp), each reading what the earlier ones left in the
// result: sample and train (run.cpp) reuse an earlier run's outputs when `reuse` is set;
// analyse, figures and report are always redone (seconds).
#include <string>

#include "deeprg/experiment/observer.hpp"
#include "deeprg/experiment/run.hpp"
#include "deeprg/experiment/run_directory.hpp"

namespace deeprg::experiment::detail {

StageTime sample_stage(ExperimentResult& run, const RunDirectory& dir, Observer& observer,
                       bool reuse);
/// With `world` (rank 0 of several), the training is data-parallel over its ranks.
StageTime train_stage(ExperimentResult& run, const RunDirectory& dir, Observer& observer,
                      bool reuse, Communicator* world);
void analyse_stage(ExperimentResult& run, const RunDirectory& dir);
void figures_stage(const ExperimentResult& run, const RunDirectory& dir);  // report.cpp
void report_stage(const ExperimentResult& run, const RunDirectory& dir);   // report.cpp

/// printf into a string, for the observer's log lines.
std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace deeprg::experiment::detail
