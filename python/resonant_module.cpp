// The Python module `resonant._resonant`: the analysis, the beat detectors, the streaming engine
// and the replay of the C++ library, with NumPy arrays in and out. python/resonant/__init__.py
// wraps it in the documented Python API (keyword arguments, pandas DataFrames).
//
// Arrays: a float64 C-contiguous array is read in place (py::array_t with c_style | forcecast
// copies only what is not already in that layout). The GIL is released while C++ computes and
// taken back to build the Python results.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/analysis_run.hpp"
#include "apps/exit_codes.hpp"
#include "apps/input_options.hpp"
#include "apps/replay_command.hpp"
#include "drivers/input_error.hpp"
#include "drivers/recording.hpp"
#include "dsp/ecg_detector.hpp"
#include "dsp/ppg_detector.hpp"
#include "engine/metric_format.hpp"
#include "engine/session_pipeline.hpp"

namespace py = pybind11;

namespace resonant::python {
namespace {

using double_array = py::array_t<double, py::array::c_style | py::array::forcecast>;

std::span<const double> view(const double_array& a) {
  if (a.ndim() != 1) throw std::invalid_argument("expected a one-dimensional array");
  return {a.data(), static_cast<std::size_t>(a.size())};
}

// nlohmann::json -> Python objects; null and non-finite numbers -> None (as in the JSON text).
py::object to_python(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded:
      return py::none();
    case nlohmann::json::value_t::boolean:
      return py::bool_(j.get<bool>());
    case nlohmann::json::value_t::number_integer:
      return py::int_(j.get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned:
      return py::int_(j.get<std::uint64_t>());
    case nlohmann::json::value_t::number_float: {
      const double v = j.get<double>();
      return std::isfinite(v) ? py::object(py::float_(v)) : py::object(py::none());
    }
    case nlohmann::json::value_t::string:
      return py::str(j.get_ref<const std::string&>());
    case nlohmann::json::value_t::array: {
      py::list out;
      for (const auto& v : j) out.append(to_python(v));
      return out;
    }
    case nlohmann::json::value_t::object: {
      py::dict out;
      for (const auto& [k, v] : j.items()) out[py::str(k)] = to_python(v);
      return out;
    }
    case nlohmann::json::value_t::binary:
      break;
  }
  throw std::invalid_argument("binary JSON value");
}

// The CLI's input options, by the same names (without the dashes).
apps::input_options_cli input_options(const std::string& input, const std::string& column,
                                      double rate_hz, bool invert, const std::string& units,
                                      bool first_is_offset, bool strict) {
  apps::input_options_cli o;
  o.input = input;
  o.column = column;
  o.rate_hz = rate_hz;
  o.invert = invert;
  o.units = units;
  o.first_is_offset = first_is_offset;
  o.strict = strict;
  (void)apps::to_open_options(o);  // checks the words before any work
  return o;
}

py::object analyze_path(const std::string& path, const apps::analysis_request& request,
                        const apps::input_options_cli& input) {
  nlohmann::json j;
  {
    py::gil_scoped_release release;
    j = apps::analysis_report(apps::open_for_analysis(path, input), request);
  }
  return to_python(j);
}

// An array of numbers goes through the same text door as a one-column file: printed with 17
// significant digits (exact for doubles), then read by drivers::open_recording_text, so the
// decision (RR or beat times, ms or s) and the reading (gaps, impossible values) are the CLI's.
py::object analyze_values(const double_array& values, const std::string& name,
                          const apps::analysis_request& request,
                          const apps::input_options_cli& input) {
  const std::span<const double> v = view(values);
  nlohmann::json j;
  {
    py::gil_scoped_release release;
    std::string text;
    text.reserve(v.size() * 24);
    char buf[32];
    for (double x : v) {
      if (std::isfinite(x)) {
        const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
        text.append(buf, end);
      } else {
        text += "NaN";
      }
      text += '\n';
    }
    j = apps::analysis_report(apps::analysis_input_of(drivers::open_recording_text(
                                  text, name, apps::to_open_options(input))),
                              request);
  }
  return to_python(j);
}

template <class T>
py::array_t<T> to_array(std::vector<T>&& v) {
  auto* heap = new std::vector<T>(std::move(v));
  py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(static_cast<py::ssize_t>(heap->size()), heap->data(), owner);
}

py::dict detect_beats(const double_array& signal, double rate_hz, const std::string& kind) {
  if (kind != "ecg" && kind != "ppg") {
    throw std::invalid_argument("kind must be \"ecg\" or \"ppg\", not \"" + kind + "\"");
  }
  const std::span<const double> samples = view(signal);
  std::vector<std::int64_t> index;
  std::vector<double> time_s;
  std::vector<double> quality;
  std::vector<std::uint8_t> flag;
  {
    py::gil_scoped_release release;
    std::vector<dsp::beat_event> beats;
    if (kind == "ecg") {
      dsp::ecg_detector_config cfg;
      cfg.sample_rate_hz = rate_hz;
      beats = dsp::detect_ecg_beats(samples, cfg);
    } else {
      dsp::ppg_detector_config cfg;
      cfg.sample_rate_hz = rate_hz;
      beats = dsp::detect_ppg_beats(samples, cfg);
    }
    for (const auto& b : beats) {
      index.push_back(b.sample);
      time_s.push_back(b.time_s(rate_hz));
      quality.push_back(b.quality);
      flag.push_back(static_cast<std::uint8_t>(b.flag));
    }
  }
  py::dict out;
  out["sample"] = to_array(std::move(index));
  out["time_s"] = to_array(std::move(time_s));
  out["quality"] = to_array(std::move(quality));
  out["flag"] = to_array(std::move(flag));  // 0 ok, 1 clipped, 2 flat, 3 noisy
  return out;
}

// A snapshot as a dict with the JSON-lines names; unknown (NaN) values are None.
py::dict snapshot_dict(const engine::metric_snapshot& s) {
  py::dict d;
  d["time_s"] = s.time_s;
  d["beat"] = s.beat;
  d["beats"] = s.beats;
  for (const auto& c : engine::metric_column_table()) {
    const double v = s.*(c.field);
    d[py::str(std::string(c.name))] = std::isfinite(v) ? py::object(py::float_(v)) : py::none();
  }
  return d;
}

// The metric stream as columns: time_s, beat, beats, then every metric (NaN when unknown).
py::dict snapshot_columns(const std::vector<engine::metric_snapshot>& rows) {
  py::dict out;
  const auto n = static_cast<py::ssize_t>(rows.size());
  py::array_t<double> time_s(n);
  py::array_t<bool> beat(n);
  py::array_t<std::int64_t> beats(n);
  auto t = time_s.mutable_unchecked<1>();
  auto b = beat.mutable_unchecked<1>();
  auto k = beats.mutable_unchecked<1>();
  for (py::ssize_t i = 0; i < n; ++i) {
    const auto& s = rows[static_cast<std::size_t>(i)];
    t(i) = s.time_s;
    b(i) = s.beat;
    k(i) = s.beats;
  }
  out["time_s"] = time_s;
  out["beat"] = beat;
  out["beats"] = beats;
  for (const auto& c : engine::metric_column_table()) {
    py::array_t<double> col(n);
    auto m = col.mutable_unchecked<1>();
    for (py::ssize_t i = 0; i < n; ++i) m(i) = rows[static_cast<std::size_t>(i)].*(c.field);
    out[py::str(std::string(c.name))] = col;
  }
  return out;
}

py::tuple replay(const std::string& path, const apps::input_options_cli& input, std::size_t block) {
  std::vector<engine::metric_snapshot> rows;
  std::vector<std::tuple<double, std::string, std::string>> events;
  {
    py::gil_scoped_release release;
    apps::replay_hooks hooks;
    hooks.row = [&](const engine::metric_snapshot& s) { rows.push_back(s); };
    hooks.event = [&](double t, const std::string& type, const std::string& detail) {
      events.emplace_back(t, type, detail);
    };
    apps::replay_recording(path, input, block, hooks);
  }
  py::list ev;
  for (auto& [t, type, detail] : events) {
    py::dict e;
    e["time_s"] = t;
    e["event"] = type;
    e["detail"] = detail;
    ev.append(e);
  }
  return py::make_tuple(snapshot_columns(rows), ev);
}

// The streaming engine (engine::session_pipeline): RR intervals or waveform samples in,
// snapshots out. Snapshots wait in the object until read. One lock per object: calls from
// several Python threads are serialised (each releases the GIL while the engine runs).
class monitor {
 public:
  monitor(const std::string& kind, double rate_hz)
      : pipeline_(config(kind, rate_hz),
                  [this](const engine::metric_snapshot& s) { pending_.push_back(s); }) {}

  void push_rr(const double_array& rr_ms, const std::optional<double_array>& end_s,
               bool after_gap) {
    const std::span<const double> rr = view(rr_ms);
    std::span<const double> ends;
    if (end_s) {
      ends = view(*end_s);
      if (ends.size() != rr.size())
        throw std::invalid_argument("end_s must have as many values as rr_ms");
    }
    py::gil_scoped_release release;
    const std::lock_guard lock(mutex_);
    if (pipeline_.config().kind != engine::input_kind::rr)
      throw std::invalid_argument("push_rr on a monitor of waveform samples");
    for (std::size_t i = 0; i < rr.size(); ++i) {
      const double end = end_s ? ends[i] : last_end_s_ + rr[i] / 1000.0;
      pipeline_.push_rr(end, rr[i], after_gap && i == 0);
      if (std::isfinite(end)) last_end_s_ = std::max(last_end_s_, end);
    }
  }

  void push_samples(const double_array& samples, std::optional<std::int64_t> first_sample) {
    const std::span<const double> s = view(samples);
    py::gil_scoped_release release;
    const std::lock_guard lock(mutex_);
    if (pipeline_.config().kind == engine::input_kind::rr)
      throw std::invalid_argument("push_samples on a monitor of RR intervals");
    const std::int64_t first = first_sample.value_or(next_sample_);
    pipeline_.push_samples(first, s);
    next_sample_ = std::max(next_sample_, first + static_cast<std::int64_t>(s.size()));
  }

  void advance_to(double t_s) {
    py::gil_scoped_release release;
    const std::lock_guard lock(mutex_);
    pipeline_.advance_to(t_s);
  }

  void finish(std::optional<double> end_s) {
    py::gil_scoped_release release;
    const std::lock_guard lock(mutex_);
    pipeline_.finish(end_s.value_or(std::max(last_end_s_, pipeline_.stream_time_s())));
  }

  // The snapshots made since the last call, oldest first.
  py::list snapshots() {
    std::vector<engine::metric_snapshot> rows;
    {
      const std::lock_guard lock(mutex_);
      rows.swap(pending_);
      if (!rows.empty()) latest_ = rows.back();
    }
    py::list out;
    for (const auto& s : rows) out.append(snapshot_dict(s));
    return out;
  }

  // The newest snapshot (also one not yet read by snapshots()), or None.
  py::object latest() {
    const std::lock_guard lock(mutex_);
    if (!pending_.empty()) return snapshot_dict(pending_.back());
    return latest_ ? py::object(snapshot_dict(*latest_)) : py::object(py::none());
  }

  py::dict counters() {
    const std::lock_guard lock(mutex_);
    const auto& c = pipeline_.counters();
    py::dict d;
    d["samples"] = c.samples;
    d["missing_samples"] = c.missing_samples;
    d["invalid_samples"] = c.invalid_samples;
    d["beats"] = c.beats;
    d["lost_beats"] = c.lost_beats;
    d["intervals"] = c.intervals;
    d["dropped_events"] = pipeline_.monitor().dropped_events();
    return d;
  }

  double latency_s() {
    const std::lock_guard lock(mutex_);
    return pipeline_.latency_s();
  }
  double stream_time_s() {
    const std::lock_guard lock(mutex_);
    return pipeline_.stream_time_s();
  }

 private:
  static engine::pipeline_config config(const std::string& kind, double rate_hz) {
    const auto k = dsp::parse_input_kind(kind);
    if (!k || (*k != dsp::input_kind::rr && !dsp::is_waveform(*k)))
      throw std::invalid_argument("kind must be rr, ecg or ppg, not \"" + kind + "\"");
    engine::pipeline_config cfg;
    cfg.kind = *k;
    cfg.rate_hz = rate_hz;
    if (*k != engine::input_kind::rr && !(rate_hz > 0.0))
      throw std::invalid_argument("a waveform monitor needs rate_hz > 0");
    return cfg;
  }

  std::mutex mutex_;
  std::vector<engine::metric_snapshot> pending_;
  std::optional<engine::metric_snapshot> latest_;
  engine::session_pipeline pipeline_;
  double last_end_s_ = 0.0;
  std::int64_t next_sample_ = 0;
};

apps::analysis_request request_of(const std::string& profile, const std::string& artefacts,
                                  const std::string& settings_from,
                                  const std::vector<std::string>& set) {
  return {profile, artefacts, settings_from, set};
}

}  // namespace
}  // namespace resonant::python

PYBIND11_MODULE(_resonant, m) {
  using namespace resonant;
  using namespace resonant::python;
  m.doc() = "Resonant HRV engine (C++), the compiled part of the resonant package";
  m.attr("__version__") = RESONANT_VERSION;

  static py::exception<drivers::input_error> input_exc(m, "InputError", PyExc_ValueError);
  static py::exception<apps::unusable_data> unusable_exc(m, "UnusableData", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const drivers::input_error& e) {
      input_exc(e.what());
    } catch (const apps::unusable_data& e) {
      unusable_exc(e.what());
    } catch (const std::system_error& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    }
  });

  py::class_<apps::input_options_cli>(m, "_InputOptions");
  py::class_<apps::analysis_request>(m, "_Request");
  m.def("_input_options", &input_options, py::arg("input"), py::arg("column"), py::arg("rate_hz"),
        py::arg("invert"), py::arg("units"), py::arg("first_is_offset"), py::arg("strict"));
  m.def("_request", &request_of, py::arg("profile"), py::arg("artefacts"), py::arg("settings_from"),
        py::arg("set"));
  m.def("_analyze_path", &analyze_path, py::arg("path"), py::arg("request"), py::arg("input"));
  m.def("_analyze_values", &analyze_values, py::arg("values"), py::arg("name"), py::arg("request"),
        py::arg("input"));
  m.def("_replay", &replay, py::arg("path"), py::arg("input"), py::arg("block"));
  m.def("detect_beats", &detect_beats, py::arg("signal"), py::arg("rate_hz"),
        py::arg("kind") = "ecg",
        "Beats in an ECG or PPG waveform (the streaming detectors of `resonant beats`).\n"
        "Returns a dict of NumPy arrays: sample (index), time_s, quality (0-1), flag\n"
        "(0 ok, 1 clipped, 2 flat, 3 noisy).");
  m.def("metric_columns", [] {
    std::vector<std::string> names{"time_s", "beat", "beats"};
    for (const auto& c : engine::metric_column_table()) names.emplace_back(c.name);
    return names;
  });

  py::class_<monitor>(m, "Monitor",
                      "The streaming engine: push RR intervals (kind='rr') or waveform samples\n"
                      "(kind='ecg'|'ppg', rate_hz), read snapshots (dicts with the names of\n"
                      "`resonant replay --format jsonl`; unknown values are None).")
      .def(py::init<const std::string&, double>(), py::arg("kind") = "rr", py::arg("rate_hz") = 0.0)
      .def(
          "push_rr",
          [](monitor& self, double rr_ms, std::optional<double> end_s, bool after_gap) {
            double_array rr(1);
            rr.mutable_at(0) = rr_ms;
            std::optional<double_array> e;
            if (end_s) {
              e.emplace(1);
              e->mutable_at(0) = *end_s;
            }
            self.push_rr(rr, e, after_gap);
          },
          py::arg("rr_ms"), py::arg("end_s") = py::none(), py::arg("after_gap") = false)
      .def("push_rr", &monitor::push_rr, py::arg("rr_ms"), py::arg("end_s") = py::none(),
           py::arg("after_gap") = false,
           "RR intervals in ms (a number, list or array). end_s: the stream time (s) at which\n"
           "each interval ends; by default each ends rr_ms after the previous one.\n"
           "after_gap: the first of them does not follow the previous interval.")
      .def("push_samples", &monitor::push_samples, py::arg("samples"),
           py::arg("first_sample") = py::none(),
           "Waveform samples; first_sample is the stream index of samples[0] (default: right\n"
           "after the previous block; a jump forward is a dropout).")
      .def("advance_to", &monitor::advance_to, py::arg("time_s"))
      .def("finish", &monitor::finish, py::arg("end_s") = py::none())
      .def("snapshots", &monitor::snapshots, "Snapshots made since the last call, oldest first.")
      .def_property_readonly("latest", &monitor::latest)
      .def_property_readonly("counters", &monitor::counters)
      .def_property_readonly("latency_s", &monitor::latency_s)
      .def_property_readonly("stream_time_s", &monitor::stream_time_s);
}
