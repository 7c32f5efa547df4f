// deeprg._core.experiment: Mehta & Schwab's experiment as one call (deeprg.run wraps it).
#include <Python.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "common.hpp"
#include "deeprg/experiment/config.hpp"
#include "deeprg/experiment/observer.hpp"
#include "deeprg/experiment/run.hpp"
#include "deeprg/experiment/scan.hpp"

namespace deeprg::python {

namespace {

/// Forwards a run's reports to Python: a text progress bar and log lines on sys.stderr, or
/// progress(stage, done, total) calls to a callable; checks for Ctrl-C at every report.
class PythonObserver : public experiment::Observer {
 public:
  PythonObserver(InterruptCheck& interrupt, bool text, std::shared_ptr<py::object> callback)
      : interrupt_(interrupt), text_(text), callback_(std::move(callback)) {}

  void message(std::string_view line) override {
    interrupt_.check();
    if (text_) write(std::string(line) + "\n");
  }
  void progress_started(std::string_view, double done_before) override {
    done_before_ = done_before;
    start_ = std::chrono::steady_clock::now();
    last_ = {};
    drawn_ = false;
  }
  void progress(std::string_view stage, double done, double total) override {
    interrupt_.check();
    if (callback_) {
      py::gil_scoped_acquire gil;
      try {
        (*callback_)(std::string(stage), done, total);
      } catch (py::error_already_set& e) {
        // The callback's exception ends the whole call: as a std::exception it would end only
        // the scan point or ensemble member at hand, recorded as failed while the rest went on.
        e.restore();
        throw Interrupted{};
      }
    }
    if (!text_ || total <= 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (drawn_ && now - last_ < std::chrono::milliseconds(200) && done < total) return;
    last_ = now;
    drawn_ = true;
    const double fraction = std::clamp(done / total, 0.0, 1.0);
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double now_done = done - done_before_;
    const double eta = now_done > 0 ? elapsed * std::max(0.0, total - done) / now_done : 0;
    constexpr int kWidth = 30;
    const auto filled = static_cast<std::size_t>(fraction * kWidth);
    char buf[160];
    std::snprintf(buf, sizeof buf, "\r%-8s [%-*s] %5.1f%%  %.1fs elapsed, ETA %.1fs   ",
                  std::string(stage).c_str(), kWidth, std::string(filled, '#').c_str(),
                  100 * fraction, elapsed, eta);
    write(buf);
  }
  void progress_finished(std::string_view) override {
    if (text_ && drawn_) write("\n");
    drawn_ = false;
  }
  void stage_finished(const experiment::StageTime& t) override {
    interrupt_.check();
    if (text_) {
      char buf[120];
      std::snprintf(buf, sizeof buf, "[%s] %.1f s%s\n", t.stage.c_str(), t.seconds,
                    t.reused ? " (reused an earlier run's output)" : "");
      write(buf);
    }
  }

 private:
  /// Writes to Python's sys.stderr (so that notebooks and redirections see it).
  static void write(const std::string& text) {
    py::gil_scoped_acquire gil;
    py::object err = py::module_::import("sys").attr("stderr");
    err.attr("write")(text);
    err.attr("flush")();
  }

  InterruptCheck& interrupt_;
  bool text_;
  std::shared_ptr<py::object> callback_;
  double done_before_ = 0;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_{}, last_{};
};

}  // namespace

void bind_experiment(py::module_& root) {
  py::module_ m = root.def_submodule("experiment", "Mehta & Schwab's experiment as one call.");
  m.def("preset_names", &experiment::preset_names);
  m.def(
      "resolve_config",
      [](const std::string& preset, std::optional<std::string> config,
         const std::vector<std::string>& overrides) {
        experiment::ExperimentConfig c = experiment::preset(preset);
        if (config) experiment::apply_toml_file(c, *config);
        for (const auto& o : overrides) experiment::apply_override(c, o);
        experiment::validate(c);
        return to_python(experiment::to_json(c));
      },
      py::arg("preset"), py::arg("config"), py::arg("overrides"),
      "The resolved configuration (nested dict) of a preset, a TOML file and overrides.");
  m.def(
      "run",
      [](const std::string& directory, const std::string& preset, std::optional<std::string> config,
         const std::vector<std::string>& overrides, bool text, const py::object& callback,
         bool fresh) {
        experiment::ExperimentConfig c = experiment::preset(preset);
        if (config) experiment::apply_toml_file(c, *config);
        for (const auto& o : overrides) experiment::apply_override(c, o);
        experiment::validate(c);
        std::shared_ptr<py::object> cb;
        if (!callback.is_none()) {
          if (!PyCallable_Check(callback.ptr()))
            throw py::type_error(
                "progress: expected True, False or a callable (stage, done, total)");
          cb = std::make_shared<py::object>(callback);
        }
        InterruptCheck interrupt;
        PythonObserver observer(interrupt, text, cb);
        experiment::ExperimentResult r;
        {
          py::gil_scoped_release release;
          r = experiment::run(c, {directory, preset, fresh}, observer);
        }
        py::dict out;
        out["directory"] = r.directory.string();
        out["preset"] = r.preset;
        out["config"] = to_python(experiment::to_json(r.config));
        out["analysis"] = to_python(r.analysis.document);
        py::list metrics;
        for (const auto& line : r.metrics) metrics.append(to_python(line));
        out["metrics"] = metrics;
        py::list times;
        for (const auto& t : r.times) {
          py::dict d;
          d["stage"] = t.stage;
          d["seconds"] = t.seconds;
          d["reused"] = t.reused;
          times.append(d);
        }
        out["times"] = times;
        out["samples"] = spins_array(std::move(r.samples));
        out["layers"] = r.dbn.layers;
        return out;
      },
      py::arg("directory"), py::arg("preset"), py::arg("config"), py::arg("overrides"),
      py::arg("text"), py::arg("callback"), py::arg("fresh"));
  m.def(
      "scan",
      [](experiment::ScanOptions options, bool text, const py::object& callback) {
        std::shared_ptr<py::object> cb;
        if (!callback.is_none()) {
          if (!PyCallable_Check(callback.ptr()))
            throw py::type_error(
                "progress: expected True, False or a callable (stage, done, total)");
          cb = std::make_shared<py::object>(callback);
        }
        experiment::validate(options);
        InterruptCheck interrupt;
        PythonObserver observer(interrupt, text, cb);
        SerialCommunicator world;
        experiment::ScanResult r;
        {
          py::gil_scoped_release release;
          r = renaming_keys({{"directory", "out"}},
                            [&] { return experiment::run_scan(options, world, observer); });
        }
        return to_python(r.summary);
      },
      py::arg("options"), py::arg("text"), py::arg("callback"));
  py::class_<experiment::ScanOptions>(m, "ScanOptions", "Settings of deeprg.scan.")
      .def(py::init<>())
      .def_readwrite("sizes", &experiment::ScanOptions::sizes)
      .def_readwrite("temperatures", &experiment::ScanOptions::temperatures)
      .def_readwrite("samples", &experiment::ScanOptions::samples)
      .def_readwrite("seed", &experiment::ScanOptions::seed)
      .def_readwrite("algorithm", &experiment::ScanOptions::algorithm)
      .def_readwrite("chains", &experiment::ScanOptions::chains)
      .def_readwrite("b", &experiment::ScanOptions::b)
      .def_readwrite("blocks", &experiment::ScanOptions::blocks)
      .def_readwrite("mcrg_blocks", &experiment::ScanOptions::mcrg_blocks)
      .def_readwrite("flow", &experiment::ScanOptions::flow)
      .def_readwrite("mcrg", &experiment::ScanOptions::mcrg)
      .def_readwrite("keep_samples", &experiment::ScanOptions::keep_samples)
      .def_readwrite("threads", &experiment::ScanOptions::threads)
      .def_property(
          "directory", [](const experiment::ScanOptions& o) { return o.directory.string(); },
          [](experiment::ScanOptions& o, const std::string& d) { o.directory = d; });
  m.def("parse_temperatures", &experiment::parse_temperatures);
  m.def("parse_sizes", &experiment::parse_sizes);
  m.def("point_seed", &experiment::point_seed, py::arg("seed"), py::arg("L"), py::arg("T"));
}

}  // namespace deeprg::python
