#include "analysis_run.hpp"

#include <stdexcept>

#include "analysis_settings.hpp"
#include "analyze_report.hpp"
#include "dsp/hrv_analysis.hpp"
#include "exit_codes.hpp"

namespace resonant::apps {
namespace {

// The least an analysis needs: fewer usable intervals cannot give any metric.
constexpr std::size_t min_usable_intervals = 10;

void add_interpretation(nlohmann::json& j, const analysis_input& in) {
  auto& input = j["input"];
  const drivers::recording& r = in.recording;
  input["kind"] = std::string(dsp::to_string(r.kind));
  input["decided_by"] = r.decided_by;
  if (!in.rr.rr_column.empty()) input["column"] = in.rr.rr_column;
  if (!in.rr.time_column.empty()) input["time_column"] = in.rr.time_column;
  input["skipped"] = in.rr.skipped;
  nlohmann::json lines = nlohmann::json::array();
  for (const auto& s : in.rr.skipped_lines)
    lines.push_back({{"line", s.line}, {"reason", s.reason}});
  input["skipped_lines"] = lines;
  std::size_t gaps = 0;
  for (auto g : in.rr.rr.after_gap) gaps += g != 0 ? 1 : 0;
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

}  // namespace

nlohmann::json analysis_report(const analysis_input& in, const analysis_request& request) {
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

  const dsp::hrv_report report = dsp::analyze(in.rr.rr, profile);
  // Too little usable signal is a report with null metrics (add_signal_quality), not an error.
  const bool poor_signal = in.beats && in.beats->usable_pct() < min_usable_pct;
  if (report.n_intervals < min_usable_intervals && !poor_signal) {
    std::size_t in_range = 0;
    for (double v : in.rr.rr.rr_ms) in_range += (v >= 250.0 && v <= 2500.0) ? 1 : 0;
    throw unusable_data(
        in.recording.path + ": " + std::to_string(report.n_intervals) +
        " usable intervals, fewer than the " + std::to_string(min_usable_intervals) +
        " an analysis needs (" + std::to_string(in.rr.rr.size()) + " read as " +
        std::string(dsp::to_string(in.recording.kind)) + ", " + std::to_string(in_range) +
        " of them within 250-2500 ms; " + in.recording.decided_by + ")");
  }
  nlohmann::json j = report_json(in.rr, profile, report);
  add_interpretation(j, in);
  if (in.beats) add_signal_quality(j, *in.beats);
  return j;
}

}  // namespace resonant::apps
