#include "analyze_command.hpp"

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "analysis_run.hpp"
#include "analyze_report.hpp"
#include "cohort.hpp"
#include "exit_codes.hpp"
#include "input_options.hpp"

namespace resonant::apps {
namespace {

struct analyze_options {
  std::vector<std::string> paths;  // files, folders, globs
  analysis_request request;        // profile, artefacts, --settings-from, --set
  std::string format = "table";    // one recording: table; a cohort: csv (json means jsonl)
  unsigned jobs = 0;               // 0: every core
  std::string segment;
  std::string start;
  std::string end;
  input_options_cli input;
};

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
  const analysis_request& request = o.request;
  a.report = [&request](const analysis_input& in, const drivers::rr_recording& rr) {
    return analysis_report(in, rr, request);
  };
  a.prepare_segments = [&request](const analysis_input& in) {
    return prepare_segments(in, request);
  };
  a.segment_report = [&request](const analysis_input& in, const segment_source& source,
                                const drivers::rr_recording& slice) {
    return segment_report(in, source, slice, request);
  };
  a.columns_template = analysis_columns_template(request);
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
  const nlohmann::json j = analysis_report(in, o.request);
  if (o.format == "json") {
    std::cout << j.dump(2) << '\n';
  } else if (o.format == "csv") {
    write_csv(std::cout, j);
  } else {
    write_table(std::cout, j);
  }
}

}  // namespace

void add_analysis_options(CLI::App& cmd, analysis_request& r, input_options_cli& input) {
  cmd.add_option("--profile", r.profile, "parameter profile")
      ->check(CLI::IsMember({"kubios", "neurokit"}))
      ->capture_default_str();
  cmd.add_option("--artefacts", r.artefacts,
                 "artefact handling: none, or kubios (range gate + Lipponen & Tarvainen 2019); "
                 "default: the profile's (kubios)")
      ->check(CLI::IsMember({"none", "kubios"}));
  add_input_options(cmd, input);
  cmd.add_option("--settings-from", r.settings_from,
                 "take every analysis setting from a Kubios HRV report's Parameters block");
  cmd.add_option("--set", r.set,
                 "NAME=VALUE: set one analysis parameter (repeatable; names as in the JSON "
                 "'parameters', applied after --settings-from)");
}

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
  add_analysis_options(*cmd, opts->request, opts->input);
  cmd->callback([opts] { run_analyze(*opts); });
}

}  // namespace resonant::apps
