#include "analyze_command.hpp"

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "analysis_settings.hpp"
#include "analyze_report.hpp"
#include "cohort.hpp"
#include "dsp/hrv_analysis.hpp"
#include "exit_codes.hpp"
#include "input_options.hpp"

namespace resonant::apps {
namespace {

struct analyze_options {
  std::vector<std::string> paths;  // files, folders, globs
  std::string profile = "kubios";
  std::string format = "table";  // one recording: table; a cohort: csv (json means jsonl)
  unsigned jobs = 0;             // 0: every core
  std::string segment;
  std::string start;
  std::string end;
  std::string artefacts;  // empty: the profile's choice
  input_options_cli input;
  std::vector<std::string> set;  // NAME=VALUE, applied in order after --settings-from
  std::string settings_from;     // a Kubios report whose Parameters block sets the profile
};

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

// Order: the profile, a Kubios report's settings, --artefacts, then each --set.
dsp::analysis_profile profile_for(const analysis_input& in, const analyze_options& o) {
  dsp::analysis_profile profile = *dsp::analysis_profile::named(o.profile);
  // A Kubios report given as the input brings its own settings (--settings-from overrides).
  if (in.recording.kubios_settings && o.settings_from.empty()) {
    drivers::apply_kubios_parameters(*in.recording.kubios_settings, profile);
  }
  apply_profile_settings(profile, o.settings_from, {});
  if (o.artefacts == "none") profile.artefacts = dsp::artefact_method::none;
  if (o.artefacts == "kubios") profile.artefacts = dsp::artefact_method::kubios;
  apply_profile_settings(profile, {}, o.set);
  return profile;
}

// The report of `rr`: the recording's intervals, or one segment's.
nlohmann::json report_of(const analysis_input& in, const drivers::rr_recording& rr,
                         const analyze_options& o) {
  const dsp::analysis_profile profile = profile_for(in, o);
  const dsp::hrv_report report = dsp::analyze(rr.rr, profile);
  if (report.n_intervals < min_usable_intervals) {
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
  return j;
}

// A report with every key a report can have (a waveform's and an annotation file's): the
// columns of a cohort table.
nlohmann::json columns_template(const analyze_options& o) {
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
  const dsp::analysis_profile profile = *dsp::analysis_profile::named(o.profile);
  nlohmann::json j = report_json(in.rr, profile, dsp::hrv_report{});
  add_interpretation(j, in, in.rr);
  return j;
}

// Several inputs, a folder, a glob, segments or --format jsonl: a table, a row per recording
// (and segment).
bool is_cohort(const analyze_options& o, const segment_request& segments) {
  if (o.paths.size() != 1 || segments.active() || o.format == "jsonl") return true;
  const std::string& p = o.paths.front();
  std::error_code ec;
  if (std::filesystem::is_directory(p, ec)) return true;
  return p != "-" && !std::filesystem::exists(p, ec) && p.find_first_of("*?[") != std::string::npos;
}

void run_cohort_analysis(const analyze_options& o, const segment_request& segments) {
  cohort_options c;
  c.paths = expand_inputs(o.paths);
  c.format = o.format == "jsonl" || o.format == "json" ? "jsonl" : "csv";
  c.jobs = o.jobs > 0 ? o.jobs : std::max(1U, std::thread::hardware_concurrency());
  c.segments = segments;
  c.progress = ::isatty(STDERR_FILENO) == 1;
  recording_analyzer a;
  a.open = [&o](const std::string& path) { return open_for_analysis(path, o.input); };
  a.report = [&o](const analysis_input& in, const drivers::rr_recording& rr) {
    return report_of(in, rr, o);
  };
  a.columns_template = columns_template(o);
  const std::size_t failed = run_cohort(c, a, std::cout);
  if (failed > 0) {
    throw cohort_incomplete(std::to_string(failed) + " of " + std::to_string(c.paths.size()) +
                            " recording(s) could not be analysed (status and error columns)");
  }
}

void run_analyze(const analyze_options& o) {
  const segment_request segments = parse_segment_request(o.segment, o.start, o.end);
  if (is_cohort(o, segments)) {
    run_cohort_analysis(o, segments);
    return;
  }
  const analysis_input in = open_for_analysis(o.paths.front(), o.input);
  const nlohmann::json j = report_of(in, in.rr, o);
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
  cmd->add_option("FILE", opts->paths,
                  "recording: RR intervals, beat times, WFDB record or annotations, ECG / PPG "
                  "waveform, session record; - for standard input. Several files, folders "
                  "(searched recursively) or globs: one table, a row per recording")
      ->required();
  cmd->add_option("--profile", opts->profile, "parameter profile")
      ->check(CLI::IsMember({"kubios", "neurokit"}))
      ->capture_default_str();
  cmd->add_option("--format", opts->format,
                  "output format; several recordings or segments: csv (default) or jsonl")
      ->check(CLI::IsMember({"table", "json", "csv", "jsonl"}))
      ->capture_default_str();
  cmd->add_option("--jobs,-j", opts->jobs, "recordings analysed in parallel (default: every core)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--segment", opts->segment,
                  "analyse each segment: a length (30s, 5min, 1h; counted from the first beat) "
                  "or a daily window LABEL=HH:MM-HH:MM (night=00:00-06:00; needs the start "
                  "time of an EDF / WFDB header); a row per recording and segment");
  cmd->add_option("--start", opts->start,
                  "analyse from this time: seconds on the recording's clock (1800, 30min) or "
                  "a time of day HH:MM[:SS]");
  cmd->add_option("--end", opts->end, "analyse until this time (as --start)");
  cmd->add_option("--artefacts", opts->artefacts,
                  "artefact handling: none, or kubios (range gate + Lipponen & Tarvainen 2019); "
                  "default: the profile's (kubios)")
      ->check(CLI::IsMember({"none", "kubios"}));
  add_input_options(*cmd, opts->input);
  cmd->add_option("--settings-from", opts->settings_from,
                  "take every analysis setting from a Kubios HRV report's Parameters block");
  cmd->add_option("--set", opts->set,
                  "NAME=VALUE: set one analysis parameter (repeatable; names as in the JSON "
                  "'parameters', applied after --settings-from)");
  cmd->callback([opts] { run_analyze(*opts); });
}

}  // namespace resonant::apps
