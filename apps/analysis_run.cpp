#include "analysis_run.hpp"

#include <algorithm>
#include <stdexcept>

#include "analysis_settings.hpp"
#include "analyze_report.hpp"
#include "dsp/hrv_analysis.hpp"
#include "exit_codes.hpp"

namespace resonant::apps {
namespace {

// The least an analysis needs: fewer usable intervals cannot give any metric.
constexpr std::size_t min_usable_intervals = 10;

// `rr`: the intervals analysed (the recording's, or a segment's).
void add_interpretation(nlohmann::json& j, const analysis_input& in,
                        const drivers::rr_recording& rr) {
  auto& input = j["input"];
  const drivers::recording& r = in.recording;
  input["kind"] = std::string(dsp::to_string(r.kind));
  input["decided_by"] = r.decided_by;
  if (!rr.rr_column.empty()) input["column"] = rr.rr_column;
  if (!rr.time_column.empty()) input["time_column"] = rr.time_column;
  input["skipped"] = rr.skipped;
  nlohmann::json lines = nlohmann::json::array();
  for (const auto& s : rr.skipped_lines) lines.push_back({{"line", s.line}, {"reason", s.reason}});
  input["skipped_lines"] = lines;
  std::size_t gaps = 0;
  for (auto g : rr.rr.after_gap) gaps += g != 0 ? 1 : 0;
  input["gaps"] = gaps;
  if (r.signal) {
    const auto& sig = *r.signal;
    input["column"] = sig.column;
    input["rate_hz"] = sig.fs_hz;
    if (sig.source_mean_rate_hz) input["source_mean_rate_hz"] = *sig.source_mean_rate_hz;
    input["inverted"] = r.inverted;
    input["signal_units"] = sig.units;
    input["signal_gaps"] = sig.gaps.size();
    input["samples"] = sig.samples.size();
    if (in.beats) input["beats_detected"] = in.beats->beats.size();
  }
  input["notes"] = r.notes;
}

// The profile and its settings in order: the profile, a Kubios report given as input,
// settings_from, artefacts, each NAME=VALUE.
dsp::analysis_profile profile_for(const analysis_input& in, const analysis_request& request) {
  const auto named = dsp::analysis_profile::named(request.profile);
  if (!named) {
    throw std::invalid_argument("unknown profile \"" + request.profile +
                                "\" (profiles: kubios, neurokit)");
  }
  if (!request.artefacts.empty() && request.artefacts != "none" && request.artefacts != "kubios") {
    throw std::invalid_argument("unknown artefact handling \"" + request.artefacts +
                                "\" (none, kubios)");
  }
  // Order: the profile, a Kubios report's settings, --artefacts, then each --set.
  dsp::analysis_profile profile = *named;
  // A Kubios report given as the input brings its own settings (--settings-from overrides).
  if (in.recording.kubios_settings && request.settings_from.empty()) {
    drivers::apply_kubios_parameters(*in.recording.kubios_settings, profile);
  }
  apply_profile_settings(profile, request.settings_from, {});
  if (request.artefacts == "none") profile.artefacts = dsp::artefact_method::none;
  if (request.artefacts == "kubios") profile.artefacts = dsp::artefact_method::kubios;
  apply_profile_settings(profile, {}, request.set);
  return profile;
}

}  // namespace

nlohmann::json analysis_report(const analysis_input& in, const analysis_request& request) {
  return analysis_report(in, in.rr, request);
}

namespace {

// The analysis of `rr` with the request's profile: profile and report filled, the JSON returned.
nlohmann::json analyze_intervals(const analysis_input& in, const drivers::rr_recording& rr,
                                 const analysis_request& request, dsp::analysis_profile& profile,
                                 dsp::hrv_report& report) {
  profile = profile_for(in, request);
  report = dsp::analyze(rr.rr, profile);
  // Too little usable signal is a report with null metrics (add_signal_quality), not an error.
  const bool poor_signal = in.beats && in.beats->usable_pct() < min_usable_pct;
  if (report.n_intervals < min_usable_intervals && !poor_signal) {
    std::size_t in_range = 0;
    for (double v : rr.rr.rr_ms) in_range += (v >= 250.0 && v <= 2500.0) ? 1 : 0;
    throw unusable_data(
        in.recording.path + ": " + std::to_string(report.n_intervals) +
        " usable intervals, fewer than the " + std::to_string(min_usable_intervals) +
        " an analysis needs (" + std::to_string(rr.rr.size()) + " read as " +
        std::string(dsp::to_string(in.recording.kind)) + ", " + std::to_string(in_range) +
        " of them within 250-2500 ms; " + in.recording.decided_by + ")");
  }
  nlohmann::json j = report_json(rr, profile, report);
  add_interpretation(j, in, rr);
  if (in.beats) add_signal_quality(j, *in.beats);
  return j;
}

}  // namespace

nlohmann::json analysis_report(const analysis_input& in, const drivers::rr_recording& rr,
                               const analysis_request& request) {
  dsp::analysis_profile profile;
  dsp::hrv_report report;
  return analyze_intervals(in, rr, request, profile, report);
}

segment_source prepare_segments(const analysis_input& in, const analysis_request& request) {
  const dsp::analysis_profile profile = profile_for(in, request);
  dsp::prepared_series prepared = dsp::prepare_series(in.rr.rr, profile);
  segment_source src;
  src.rr = in.rr;
  // Beat labels stay with their intervals only when none was removed by the range gate.
  if (prepared.corrected.size() != in.rr.rr.size()) src.rr.labels.clear();
  src.rr.rr = std::move(prepared.corrected);
  src.corrected_flags = std::move(prepared.corrected_flags);
  src.artefact_method = prepared.artefacts.method;
  src.parameters = report_json(in.rr, profile, dsp::hrv_report{})["parameters"];
  return src;
}

nlohmann::json segment_report(const analysis_input& in, const segment_source& source,
                              const drivers::rr_recording& slice, const analysis_request& request) {
  analysis_request as_prepared = request;
  as_prepared.artefacts = "none";  // corrected with the whole recording
  nlohmann::json j = analysis_report(in, slice, as_prepared);
  j["parameters"] = source.parameters;
  // The slice's intervals in the prepared series (slices are runs of it, in time order).
  const auto& ends = source.rr.rr.end_s;
  std::size_t corrected = 0;
  if (!slice.rr.empty()) {
    const auto first = std::lower_bound(ends.begin(), ends.end(), slice.rr.end_s.front());
    const auto last = std::upper_bound(ends.begin(), ends.end(), slice.rr.end_s.back());
    for (auto i = first; i != last; ++i)
      corrected += source.corrected_flags[static_cast<std::size_t>(i - ends.begin())];
  }
  auto& a = j["artefacts"];
  a["method"] = source.artefact_method + ", whole recording";
  a["corrected_intervals"] = corrected;
  a["corrected_pct"] = slice.rr.empty() ? 0.0
                                        : 100.0 * static_cast<double>(corrected) /
                                              static_cast<double>(slice.rr.size());
  return j;
}

analysis_outcome run_analysis(const std::string& path, const input_options_cli& input,
                              const analysis_request& request) {
  analysis_outcome o;
  o.in = open_for_analysis(path, input);
  o.json = analyze_intervals(o.in, o.in.rr, request, o.profile, o.report);
  return o;
}

nlohmann::json analysis_columns_template(const analysis_request& request) {
  analysis_input in;
  in.rr.rr_column = "-";
  in.rr.time_column = "-";
  in.rr.labels = {dsp::beat_label::normal,      dsp::beat_label::supraventricular,
                  dsp::beat_label::ventricular, dsp::beat_label::fusion,
                  dsp::beat_label::paced,       dsp::beat_label::unknown};
  drivers::signal_recording sig;
  sig.source_mean_rate_hz = 0.0;
  in.recording.signal = sig;
  in.beats = beat_track{};
  const dsp::analysis_profile profile = profile_for(in, request);
  nlohmann::json j = report_json(in.rr, profile, dsp::hrv_report{});
  add_interpretation(j, in, in.rr);
  add_signal_quality(j, *in.beats);
  return j;
}

}  // namespace resonant::apps
