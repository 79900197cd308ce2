#include "report_data.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/session_pipeline.hpp"
#include "engine/session_record.hpp"
#include "engine/session_summary.hpp"

namespace resonant::apps {
namespace {

using nlohmann::json;

// Series values rounded for the page (the page shows them, it computes no reported number).
double rounded(double v, double scale) {
  return std::isfinite(v) ? std::round(v * scale) / scale : v;
}

json number_or_null(double v) {
  return std::isfinite(v) ? json(v) : json(nullptr);
}

// A spectrum up to max_hz for the page: at most max_points points, the mean frequency and the
// mean density of each run of neighbouring bins (a 24-hour Lomb-Scargle periodogram has 10^5
// bins below 0.5 Hz; the mean keeps the area, so the band shading still reads right).
json spectrum_json(const dsp::spectrum& s, double max_hz, std::size_t max_points) {
  std::size_t n = 0;
  while (n < s.freq_hz.size() && s.freq_hz[n] <= max_hz) ++n;
  const std::size_t bucket = std::max<std::size_t>(1, (n + max_points - 1) / max_points);
  json f = json::array();
  json p = json::array();
  for (std::size_t i = 0; i < n; i += bucket) {
    const std::size_t end = std::min(n, i + bucket);
    double fs = 0.0;
    double ps = 0.0;
    for (std::size_t k = i; k < end; ++k) {
      fs += s.freq_hz[k];
      ps += s.psd[k];
    }
    const auto count = static_cast<double>(end - i);
    f.push_back(rounded(fs / count, 1e6));
    p.push_back(number_or_null(ps / count));
  }
  return {{"f", f}, {"psd", p}, {"bins_per_point", bucket}};
}

// The engine's metric stream, thinned to one snapshot per `step_s` of stream time (the last
// snapshot of each step kept whole), as columns.
class metric_trace {
 public:
  explicit metric_trace(double step_s) : step_s_(step_s) {}

  void add(const engine::metric_snapshot& s) {
    if (!t_.empty() && s.time_s < next_s_) return;
    next_s_ = s.time_s + step_s_;
    t_.push_back(rounded(s.time_s, 1e3));
    for (std::size_t i = 0; i < columns.size(); ++i)
      values_[i].push_back(number_or_null(rounded(s.*columns[i].member, 1e4)));
  }

  [[nodiscard]] json to_json() const {
    json j = {{"step_s", step_s_}, {"t", t_}};
    for (std::size_t i = 0; i < columns.size(); ++i) j[columns[i].name] = values_[i];
    return j;
  }

 private:
  struct column {
    const char* name;
    double engine::metric_snapshot::*member;
  };
  static constexpr std::array<column, 12> columns{{
      {"hr_bpm", &engine::metric_snapshot::hr_bpm},
      {"rmssd_30s_ms", &engine::metric_snapshot::rmssd_30s_ms},
      {"rmssd_60s_ms", &engine::metric_snapshot::rmssd_60s_ms},
      {"sdnn_60s_ms", &engine::metric_snapshot::sdnn_60s_ms},
      {"lf_ms2", &engine::metric_snapshot::lf_ms2},
      {"hf_ms2", &engine::metric_snapshot::hf_ms2},
      {"lf_hf", &engine::metric_snapshot::lf_hf},
      {"coherence", &engine::metric_snapshot::coherence},
      {"rsa_bpm", &engine::metric_snapshot::rsa_bpm},
      {"breathing_rate_bpm", &engine::metric_snapshot::breathing_rate_bpm},
      {"corrected_pct", &engine::metric_snapshot::corrected_pct},
      {"missing_pct", &engine::metric_snapshot::missing_pct},
  }};
  double step_s_;
  double next_s_ = -std::numeric_limits<double>::infinity();
  std::vector<double> t_;
  std::array<std::vector<json>, columns.size()> values_;
};

// About 20 000 rows whatever the length, and never more often than once a second.
double trace_step_s(double duration_s) {
  return std::max(1.0, duration_s / 20000.0);
}

// The recording's intervals through the streaming engine, as `replay` would.
json streamed_metrics(const dsp::rr_series& rr) {
  const double duration = rr.empty() ? 0.0 : rr.end_s.back() - rr.end_s.front();
  metric_trace trace(trace_step_s(duration));
  engine::pipeline_config cfg;
  engine::session_pipeline pipeline(cfg, [&](const engine::metric_snapshot& s) { trace.add(s); });
  for (std::size_t i = 0; i < rr.size(); ++i)
    pipeline.push_rr(rr.end_s[i], rr.rr_ms[i], rr.after_gap[i] != 0);
  pipeline.finish(rr.empty() ? 0.0 : rr.end_s.back());
  return trace.to_json();
}

json tachogram_json(const dsp::hrv_curves& c) {
  json t = json::array();
  json v = json::array();
  json corrected = json::array();  // indices
  json gaps = json::array();       // indices
  for (std::size_t i = 0; i < c.analysed.size(); ++i) {
    t.push_back(rounded(c.analysed.end_s[i], 1e3));
    v.push_back(rounded(c.analysed.rr_ms[i], 1e3));
    if (i < c.corrected.size() && c.corrected[i] != 0) corrected.push_back(i);
    if (c.analysed.after_gap[i] != 0) gaps.push_back(i);
  }
  json j = {{"t", t}, {"rr", v}, {"corrected", corrected}, {"gaps", gaps}};
  if (!c.detrended_rr_ms.empty()) {
    json d = json::array();
    for (double x : c.detrended_rr_ms) d.push_back(rounded(x, 1e3));
    j["detrended_rr"] = d;  // what the histogram, the triangle and Poincaré were computed on
  }
  return j;
}

// Input intervals the range gate removed (they are not in the analysed series).
json excluded_json(const dsp::rr_series& input, const dsp::analysis_profile& p) {
  json t = json::array();
  json v = json::array();
  if (p.artefacts == dsp::artefact_method::kubios) {
    for (std::size_t i = 0; i < input.size(); ++i) {
      const double x = input.rr_ms[i];
      if (x >= p.range_gate.min_rr_ms && x <= p.range_gate.max_rr_ms) continue;
      t.push_back(rounded(input.end_s[i], 1e3));
      v.push_back(std::isfinite(x) ? json(rounded(x, 1e3)) : json(nullptr));
    }
  }
  return {{"t", t}, {"rr", v}};
}

// The waveform for the page: every sample up to max_points, else the minimum and maximum of
// each bucket of samples (in time order), which keeps every R peak visible over hours.
constexpr std::size_t max_signal_points = 400000;

json signal_json(const drivers::signal_recording& sig, const beat_track& beats) {
  const std::size_t n = sig.samples.size();
  const std::size_t bucket =
      n <= max_signal_points ? 1 : (2 * n + max_signal_points - 1) / max_signal_points;
  std::size_t gap = 0;
  double extra_s = 0.0;
  auto time_of = [&](std::size_t i) {
    while (gap < sig.gaps.size() && sig.gaps[gap].at <= i) extra_s += sig.gaps[gap++].seconds;
    return static_cast<double>(i) / sig.fs_hz + extra_s;
  };
  json t = json::array();
  json v = json::array();
  for (std::size_t i = 0; i < n; i += bucket) {
    const std::size_t end = std::min(n, i + bucket);
    if (bucket == 1) {
      t.push_back(rounded(time_of(i), 1e4));
      v.push_back(number_or_null(rounded(sig.samples[i], 1e4)));
      continue;
    }
    std::size_t lo = i;
    std::size_t hi = i;
    for (std::size_t k = i; k < end; ++k) {
      if (sig.samples[k] < sig.samples[lo]) lo = k;
      if (sig.samples[k] > sig.samples[hi]) hi = k;
    }
    const double t0 = time_of(i);
    const double t1 = time_of(std::min(i + bucket / 2, n - 1));
    t.push_back(rounded(t0, 1e4));
    v.push_back(number_or_null(rounded(sig.samples[std::min(lo, hi)], 1e4)));
    t.push_back(rounded(std::max(t1, t0 + 1e-4), 1e4));
    v.push_back(number_or_null(rounded(sig.samples[std::max(lo, hi)], 1e4)));
  }
  json bt = json::array();
  json bv = json::array();
  for (std::size_t i = 0; i < beats.beats.size(); ++i) {
    const auto s = beats.beats[i].sample;
    bt.push_back(rounded(beats.time_s[i], 1e4));
    const bool inside = s >= 0 && static_cast<std::size_t>(s) < n;
    bv.push_back(inside ? number_or_null(rounded(sig.samples[static_cast<std::size_t>(s)], 1e4))
                        : json(nullptr));
  }
  return {{"kind", sig.kind ? json(std::string(dsp::to_string(*sig.kind))) : json(nullptr)},
          {"units", sig.units},
          {"rate_hz", sig.fs_hz},
          {"samples", n},
          {"bucket", bucket},
          {"t", t},
          {"v", v},
          {"beats_t", bt},
          {"beats_v", bv}};
}

std::optional<engine::session_phase> phase_named(const std::string& name) {
  using engine::session_phase;
  for (auto p : {session_phase::settle, session_phase::baseline, session_phase::paced,
                 session_phase::after, session_phase::done, session_phase::paused}) {
    if (name == engine::to_string(p)) return p;
  }
  return std::nullopt;
}

double parameter(const nlohmann::ordered_json& params, const char* group, const char* key) {
  const auto g = params.find(group);
  if (g == params.end() || !g->is_object()) return 0.0;
  const auto k = g->find(key);
  return k != g->end() && k->is_number() ? k->get<double>() : 0.0;
}

}  // namespace

json analysis_report_data(const analysis_outcome& o) {
  const dsp::hrv_curves& c = o.report.curves;
  json j;
  j["report"] = "analysis";
  j["title"] = "HRV analysis: " + o.json["input"]["path"].get<std::string>();
  j["analysis"] = o.json;
  j["tachogram"] = tachogram_json(c);
  j["excluded"] = excluded_json(o.in.rr.rr, o.profile);
  constexpr double spectrum_max_hz = 0.5;
  constexpr std::size_t spectrum_points = 2000;
  j["spectra"] = {{"welch", spectrum_json(c.welch, spectrum_max_hz, spectrum_points)},
                  {"ar", spectrum_json(c.ar, spectrum_max_hz, spectrum_points)},
                  {"lomb", spectrum_json(c.lomb, spectrum_max_hz, spectrum_points)}};
  j["bands"] = {{"vlf", {o.profile.vlf.lo_hz, o.profile.vlf.hi_hz}},
                {"lf", {o.profile.lf.lo_hz, o.profile.lf.hi_hz}},
                {"hf", {o.profile.hf.lo_hz, o.profile.hf.hi_hz}}};
  if (c.triangle) {
    j["triangle"] = {{"n_ms", c.triangle->n_ms},
                     {"m_ms", c.triangle->m_ms},
                     {"mode_ms", c.triangle->mode_ms},
                     {"mode_count", c.triangle->mode_count},
                     {"bin_ms", o.profile.histogram_bin_ms}};
  }
  j["metrics"] = streamed_metrics(o.in.rr.rr);
  if (o.in.recording.signal && o.in.beats) {
    j["signal"] = signal_json(*o.in.recording.signal, *o.in.beats);
  }
  return j;
}

json session_report_data(const std::string& record_path) {
  engine::session_record_reader reader(record_path);
  const engine::record_header& h = reader.header();

  metric_trace trace(1.0);
  json beat_t = json::array();
  json beat_hr = json::array();
  engine::session_summarizer summarizer;
  engine::pipeline_config cfg;
  cfg.kind = h.input_kind;  // rr, ecg or ppg: checked by the record reader
  cfg.rate_hz = h.rate_hz;
  engine::session_pipeline pipeline(cfg, [&](const engine::metric_snapshot& s) {
    trace.add(s);
    summarizer.on_snapshot(s);
    if (s.beat && std::isfinite(s.rr_ms) && s.rr_ms > 0.0) {
      beat_t.push_back(rounded(s.time_s, 1e3));
      beat_hr.push_back(rounded(60000.0 / s.rr_ms, 1e3));
    }
  });

  json events = json::array();
  engine::record_item item;
  double end_s = 0.0;
  auto current = engine::session_phase::settle;
  while (reader.next(item)) {
    switch (item.type) {
      case engine::record_item::kind::rr:
        pipeline.push_rr(item.time_s, item.rr_ms, item.after_gap);
        end_s = std::max(end_s, item.time_s);
        break;
      case engine::record_item::kind::samples:
        pipeline.push_samples(item.first_sample, item.values);
        end_s = std::max(end_s, pipeline.stream_time_s());
        break;
      case engine::record_item::kind::clock:
        pipeline.advance_to(item.time_s);
        end_s = std::max(end_s, item.time_s);
        break;
      case engine::record_item::kind::event:
        events.push_back(
            {{"t", item.time_s}, {"type", item.event_type}, {"detail", item.event_detail}});
        if (item.event_type == "phase") {
          if (const auto p = phase_named(item.event_detail)) {
            summarizer.enter(*p, item.time_s);
            current = *p;
          }
        } else if (item.event_type == "session" && item.event_detail == "paused") {
          summarizer.enter(engine::session_phase::paused, item.time_s);
        } else if (item.event_type == "session" && item.event_detail == "resumed") {
          summarizer.enter(current, item.time_s);  // back to the phase the pause interrupted
        } else if (item.event_type == "session") {
          end_s = std::max(end_s, item.time_s);  // "complete" or "ended early": the session's end
        } else if (item.event_type == "signal" && item.event_detail.rfind("lost", 0) == 0) {
          summarizer.on_signal_lost();
        }
        break;
    }
  }
  pipeline.finish(end_s);
  const double planned_s = parameter(h.parameters, "session", "baseline_s") +
                           parameter(h.parameters, "session", "paced_s") +
                           parameter(h.parameters, "session", "after_s");
  const engine::session_summary summary = summarizer.summarize(end_s, planned_s);

  json j;
  j["report"] = "session";
  j["title"] = "Session " + h.started_utc + " (" + h.device + ")";
  j["header"] = json::parse(h.to_json().dump());
  j["record"] = record_path;
  j["events"] = events;
  j["end_s"] = end_s;
  j["beats"] = {{"t", beat_t}, {"hr_bpm", beat_hr}};
  j["metrics"] = trace.to_json();
  j["summary"] = summary_json(summary);
  j["summary"]["lines"] = summary.lines;
  j["skipped_lines"] = reader.skipped();
  return j;
}

json history_report_data(const std::vector<session_row>& rows,
                         std::optional<double> resonance_rate_bpm) {
  json j;
  j["report"] = "history";
  j["title"] = "Session history";
  j["history"] = history_json(rows);
  j["history"]["resonance_rate_bpm"] = resonance_rate_bpm ? json(*resonance_rate_bpm) : json();
  return j;
}

}  // namespace resonant::apps
