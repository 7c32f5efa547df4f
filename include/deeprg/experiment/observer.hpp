#pragma once
/// What a running experiment tells the outside world: its log lines, the progress of its long
/// stages and the time each stage took. The library never prints; the command-line tool draws
/// progress bars from these calls, the Python package forwards them to a callback, and a
/// parallel driver lets one process report for all.
#include <string>
#include <string_view>

namespace deeprg::experiment {

/// Wall time of one stage.
struct StageTime {
  std::string stage;  ///< sample, train, analyse, figures or report
  double seconds = 0;
  bool reused = false;  ///< outputs of an earlier run were valid and kept
};

/// Receives a run's reports. Every method does nothing by default. An exception thrown from a
/// method stops the run and propagates out of experiment::run (what was written stays valid:
/// a rerun into the same directory resumes from the last checkpoint).
class Observer {
 public:
  virtual ~Observer() = default;
  /// One line of the run's log, without a trailing newline (e.g. "[train] DBN 1600-400-…").
  virtual void message(std::string_view line) { (void)line; }
  /// A long stage starts reporting progress; `done_before` of its work was done by an earlier,
  /// interrupted run (so an ETA extrapolates from the work done since).
  virtual void progress_started(std::string_view stage, double done_before) {
    (void)stage;
    (void)done_before;
  }
  /// `done` of `total` units of the stage's work are done (sweeps, multiply-adds, …).
  virtual void progress(std::string_view stage, double done, double total) {
    (void)stage;
    (void)done;
    (void)total;
  }
  /// The stage's progress reports are over (before any message that follows them).
  virtual void progress_finished(std::string_view stage) { (void)stage; }
  /// A stage ended.
  virtual void stage_finished(const StageTime& time) { (void)time; }
};

}  // namespace deeprg::experiment
