#include "analyze_command.hpp"

#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "analysis_run.hpp"
#include "analyze_report.hpp"
#include "input_options.hpp"

namespace resonant::apps {
namespace {

struct analyze_options {
  std::string path;
  std::string profile = "kubios";
  std::string format = "table";
  std::string artefacts;  // empty: the profile's choice
  input_options_cli input;
  std::vector<std::string> set;  // NAME=VALUE, applied in order after --settings-from
  std::string settings_from;     // a Kubios report whose Parameters block sets the profile
};

void run_analyze(const analyze_options& o) {
  const analysis_input in = open_for_analysis(o.path, o.input);

  const nlohmann::json j = analysis_report(in, {o.profile, o.artefacts, o.settings_from, o.set});
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
  cmd->add_option("FILE", opts->path,
                  "recording: RR intervals, beat times, WFDB record or annotations, ECG / PPG "
                  "waveform, session record; - for standard input")
      ->required();
  cmd->add_option("--profile", opts->profile, "parameter profile")
      ->check(CLI::IsMember({"kubios", "neurokit"}))
      ->capture_default_str();
  cmd->add_option("--format", opts->format, "output format")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
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
