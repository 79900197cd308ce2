#include "analyze_command.hpp"

#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "analysis_settings.hpp"
#include "analyze_report.hpp"
#include "dsp/hrv_analysis.hpp"
#include "exit_codes.hpp"
#include "input_options.hpp"

namespace resonant::apps {
namespace {

struct analyze_options {
  analysis_request request;
  std::string format = "table";
};

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

analysis_outcome run_analysis(const analysis_request& o) {
  analysis_input in = open_for_analysis(o.path, o.input);

  // Order: the profile, a Kubios report's settings, --artefacts, then each --set.
  dsp::analysis_profile profile = *dsp::analysis_profile::named(o.profile);
  // A Kubios report given as the input brings its own settings (--settings-from overrides).
  if (in.recording.kubios_settings && o.settings_from.empty()) {
    drivers::apply_kubios_parameters(*in.recording.kubios_settings, profile);
  }
  apply_profile_settings(profile, o.settings_from, {});
  if (o.artefacts == "none") profile.artefacts = dsp::artefact_method::none;
  if (o.artefacts == "kubios") profile.artefacts = dsp::artefact_method::kubios;
  apply_profile_settings(profile, {}, o.set);

  dsp::hrv_report report = dsp::analyze(in.rr.rr, profile);
  if (report.n_intervals < min_usable_intervals) {
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
  return {std::move(in), std::move(profile), std::move(report), std::move(j)};
}

void add_analysis_options(CLI::App& cmd, analysis_request& r) {
  cmd.add_option("--profile", r.profile, "parameter profile")
      ->check(CLI::IsMember({"kubios", "neurokit"}))
      ->capture_default_str();
  cmd.add_option("--artefacts", r.artefacts,
                 "artefact handling: none, or kubios (range gate + Lipponen & Tarvainen 2019); "
                 "default: the profile's (kubios)")
      ->check(CLI::IsMember({"none", "kubios"}));
  add_input_options(cmd, r.input);
  cmd.add_option("--settings-from", r.settings_from,
                 "take every analysis setting from a Kubios HRV report's Parameters block");
  cmd.add_option("--set", r.set,
                 "NAME=VALUE: set one analysis parameter (repeatable; names as in the JSON "
                 "'parameters', applied after --settings-from)");
}

namespace {

void run_analyze(const analyze_options& o) {
  const nlohmann::json j = run_analysis(o.request).json;
  if (o.format == "json") {
    std::cout << j.dump(2) << '\n';
  } else if (o.format == "csv") {
    write_csv(std::cout, j);
  } else {
    write_table(std::cout, j);
  }
}

}  // namespace

void add_analyze_command(CLI::App& app) {
  auto opts = std::make_shared<analyze_options>();
  CLI::App* cmd = app.add_subcommand(
      "analyze",
      "HRV report of a recording: RR intervals, WFDB beat annotations, or an ECG / PPG waveform");
  cmd->add_option("FILE", opts->request.path,
                  "recording: RR intervals, beat times, WFDB record or annotations, ECG / PPG "
                  "waveform, session record; - for standard input")
      ->required();
  cmd->add_option("--format", opts->format, "output format")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  add_analysis_options(*cmd, opts->request);
  cmd->callback([opts] { run_analyze(*opts); });
}

}  // namespace resonant::apps
