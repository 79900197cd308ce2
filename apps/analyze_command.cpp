#include "analyze_command.hpp"

#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "analysis_settings.hpp"
#include "analyze_report.hpp"
#include "beat_detection.hpp"
#include "beats_command.hpp"
#include "drivers/rr_recording.hpp"
#include "drivers/signal_recording.hpp"
#include "dsp/beat_intervals.hpp"
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
  signal_options_cli signal;
  std::vector<std::string> set;  // NAME=VALUE, applied in order after --settings-from
  std::string settings_from;     // a Kubios report whose Parameters block sets the profile
};

// A waveform file becomes an RR recording through the beat detector of its kind.
drivers::rr_recording rr_from_signal(const std::string& path, const signal_options_cli& o) {
  drivers::signal_file_options so;
  if (!o.column.empty()) so.column = o.column;
  if (!o.signal.empty()) so.signal = o.signal;
  if (o.rate_hz > 0.0) so.rate_hz = o.rate_hz;
  so.invert = o.invert;
  const drivers::signal_recording sig = drivers::read_signal_file(path, so);
  const auto beats = detect_beats(sig);
  drivers::rr_recording rec;
  rec.path = path;
  rec.kind = sig.kind;
  rec.units = "samples";
  rec.rr = dsp::intervals_from_beats(beats, sig.fs_hz);
  rec.warnings = sig.warnings;
  rec.warnings.push_back(std::to_string(beats.size()) + " beats detected in " + sig.column + " (" +
                         detector_description(sig.kind) + ")");
  return rec;
}

void run_analyze(const analyze_options& o) {
  const std::map<std::string, drivers::rr_units> units{{"auto", drivers::rr_units::auto_detect},
                                                       {"ms", drivers::rr_units::ms},
                                                       {"s", drivers::rr_units::s}};
  drivers::rr_file_options read_options;
  read_options.units = units.at(o.units);
  read_options.first_is_offset = o.first_is_offset;
  drivers::signal_file_options probe;
  if (!o.signal.column.empty()) probe.column = o.signal.column;
  if (!o.signal.signal.empty()) probe.signal = o.signal.signal;
  if (o.signal.rate_hz > 0.0) probe.rate_hz = o.signal.rate_hz;
  const drivers::rr_recording rec = drivers::is_signal_file(o.path, probe)
                                        ? rr_from_signal(o.path, o.signal)
                                        : drivers::read_rr_recording(o.path, read_options);

  // Order: the profile, a Kubios report's settings, --artefacts, then each --set.
  dsp::analysis_profile profile = *dsp::analysis_profile::named(o.profile);
  apply_profile_settings(profile, o.settings_from, {});
  if (o.artefacts == "none") profile.artefacts = dsp::artefact_method::none;
  if (o.artefacts == "kubios") profile.artefacts = dsp::artefact_method::kubios;
  apply_profile_settings(profile, {}, o.set);

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
      "analyze",
      "HRV report of a recording: RR intervals, WFDB beat annotations, or an ECG / PPG waveform");
  cmd->add_option("FILE", opts->path,
                  "RR interval file, WFDB .atr annotations or record, or ECG / PPG signal file")
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
  cmd->add_option("--units", opts->units, "units of the intervals in the file")
      ->check(CLI::IsMember({"auto", "ms", "s"}))
      ->capture_default_str();
  cmd->add_flag("--first-is-offset", opts->first_is_offset,
                "the first value is the time of the first beat (PhysioNet RR lists)");
  cmd->add_option("--settings-from", opts->settings_from,
                  "take every analysis setting from a Kubios HRV report's Parameters block");
  cmd->add_option("--set", opts->set,
                  "NAME=VALUE: set one analysis parameter (repeatable; names as in the JSON "
                  "'parameters', applied after --settings-from)");
  add_signal_options(*cmd, opts->signal);
  cmd->callback([opts] { run_analyze(*opts); });
}

}  // namespace resonant::apps
