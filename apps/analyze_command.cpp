#include "analyze_command.hpp"

#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "analyze_report.hpp"
#include "drivers/rr_recording.hpp"
#include "dsp/hrv_analysis.hpp"

namespace resonant::apps {
namespace {

struct analyze_options {
  std::string path;
  std::string profile = "kubios";
  std::string format = "table";
  std::string artefacts;  // empty: the profile's choice
  std::string units = "auto";
  bool first_is_offset = false;
};

void run_analyze(const analyze_options& o) {
  const std::map<std::string, drivers::rr_units> units{{"auto", drivers::rr_units::auto_detect},
                                                       {"ms", drivers::rr_units::ms},
                                                       {"s", drivers::rr_units::s}};
  drivers::rr_file_options read_options;
  read_options.units = units.at(o.units);
  read_options.first_is_offset = o.first_is_offset;
  const drivers::rr_recording rec = drivers::read_rr_recording(o.path, read_options);

  dsp::analysis_profile profile = *dsp::analysis_profile::named(o.profile);
  if (o.artefacts == "none") profile.artefacts = dsp::artefact_method::none;
  if (o.artefacts == "kubios") profile.artefacts = dsp::artefact_method::kubios;

  const dsp::hrv_report report = dsp::analyze(rec.rr, profile);
  const nlohmann::json j = report_json(rec, profile, report);
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
      "analyze", "HRV report of an RR recording (interval file or WFDB beat annotations)");
  cmd->add_option("FILE", opts->path, "RR interval file, or WFDB .atr annotations")->required();
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
  cmd->add_option("--units", opts->units, "units of the intervals in the file")
      ->check(CLI::IsMember({"auto", "ms", "s"}))
      ->capture_default_str();
  cmd->add_flag("--first-is-offset", opts->first_is_offset,
                "the first value is the time of the first beat (PhysioNet RR lists)");
  cmd->callback([opts] { run_analyze(*opts); });
}

}  // namespace resonant::apps
