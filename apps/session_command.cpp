#include "session_command.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/record_contents.hpp"
#include "engine/session_record.hpp"
#include "exit_codes.hpp"
#include "record_index.hpp"
#include "session_history.hpp"
#include "session_runner.hpp"

namespace resonant::apps {
namespace {

struct session_cli {
  std::string source;
  double minutes = 3.0;
  std::string rate = "6";
  std::string ratio = "4:6";
  double settle_s = 20.0;
  double after_s = 60.0;
  std::string audio = "default";
  std::string audio_device;
  double volume = 0.8;
  bool quiet = false;
  double step_minutes = 2.0;
  std::string format = "table";
  bool all = false;
  bool rebuild = false;
  live_options live;
};

// Sessions are kept as session-YYYYmmddTHHMMSSZ[-N].rsn in <data dir>/sessions (mode 0700
// when Resonant makes it). The name is taken in one step (O_CREAT|O_EXCL, the next suffix while
// it is taken): two sessions started in the same second get one each.
std::filesystem::path new_record_path(const std::filesystem::path& data_dir, const char* kind) {
  const auto dir = records_dir(data_dir);
  make_private_dir(dir);
  return engine::create_record_file(dir, std::string(kind) + "-" + utc_now("%Y%m%dT%H%M%SZ"));
}

std::filesystem::path history_path(const std::filesystem::path& data_dir) {
  return data_dir / "history.sqlite";
}

// What to tell the user about a history database that failed: the cause and what to do.
std::string history_advice(const std::exception& e) {
  const auto* he = dynamic_cast<const history_error*>(&e);
  if (he != nullptr && he->damaged())
    return std::string(e.what()) +
           "; the database is damaged: `resonant history --rebuild` makes it again from the "
           "session records";
  return e.what();
}

// The stored resonance rate for --rate auto; a history that cannot be read (damaged, locked)
// never stops a session: it says so and the default rate is used.
std::optional<double> stored_resonance_rate(const std::filesystem::path& data_dir) {
  try {
    const session_history history(history_path(data_dir));
    return history.resonance_rate();
  } catch (const std::exception& e) {
    std::cerr << "resonant: cannot read the stored resonance rate (" << history_advice(e) << ")\n";
    return std::nullopt;
  }
}

session_settings settings_from(const session_cli& o, const std::filesystem::path& data_dir,
                               bool assessment) {
  session_settings s;
  // Default: the first BLE heart-rate strap; when there is none the runner explains how to
  // choose a source.
  s.source = o.source.empty() ? "ble" : o.source;
  s.minutes = o.minutes;
  s.settle_s = o.settle_s;
  s.after_s = o.after_s;
  s.audio = o.audio;
  s.audio_device = o.audio_device;
  s.volume = o.volume;
  s.quiet = o.quiet;
  s.assessment = assessment;
  s.step_minutes = o.step_minutes;
  s.live = o.live;
  s.pattern.inhale_fraction = engine::parse_breath_ratio(o.ratio.c_str());
  if (o.rate == "auto") {
    const auto stored = stored_resonance_rate(data_dir);
    if (stored) {
      s.pattern.rate_bpm = *stored;
    } else {
      std::cerr << "resonant: no resonance rate stored yet (run `resonant assess`); using 6.0 "
                   "breaths/min\n";
      s.pattern.rate_bpm = 6.0;
    }
  } else {
    std::size_t used = 0;
    double r = 0.0;
    try {
      r = std::stod(o.rate, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != o.rate.size())
      throw std::invalid_argument(
          "--rate must be a number of breaths per minute or \"auto\", "
          "not \"" +
          o.rate + "\"");
    s.pattern.rate_bpm = std::round(r * 10.0) / 10.0;
  }
  engine::check_breath_pattern(s.pattern);
  return s;
}

// Runs a session or an assessment with a fresh record name (removed again if the settings or
// the source refuse before the session starts).
session_outcome run_with_record(session_settings settings, const std::filesystem::path& data_dir) {
  settings.record_path = new_record_path(data_dir, settings.assessment ? "assessment" : "session");
  const auto reserved = settings.record_path;
  try {
    session_runner runner(std::move(settings));
    return runner.run();
  } catch (...) {
    std::error_code ec;
    if (std::filesystem::file_size(reserved, ec) == 0 && !ec) std::filesystem::remove(reserved, ec);
    throw;
  }
}

std::string what_record_holds(const engine::record_contents& c) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%.0f s, %lld beats%s", c.recorded_s,
                static_cast<long long>(c.beats),
                c.complete ? ", the whole session" : ", cut short");
  return buf;
}

void run_session(const session_cli& o) {
  const auto data_dir = user_data_dir();
  const session_outcome out = run_with_record(settings_from(o, data_dir, false), data_dir);
  if (out.record_path.empty()) {
    for (const auto& line : out.summary.lines) std::cout << line << '\n';
    return;
  }
  session_row row;
  row.started_utc = out.started_utc;
  row.source = out.source;
  row.record_path = out.record_path.string();
  row.planned_minutes = o.minutes;
  row.rate_bpm = out.rate_bpm;
  row.summary = out.summary;
  std::string holds;
  if (!out.record_stopped.empty()) {
    // The record is the truth: the summary and the row cover what it holds, nothing more.
    try {
      const engine::record_contents c = engine::read_record_contents(out.record_path);
      row.summary = c.summary;
      holds = what_record_holds(c);
    } catch (const std::exception& e) {
      row.summary = engine::session_summary{};
      holds = std::string("nothing usable: ") + e.what();
    }
  }
  for (const auto& line : row.summary.lines) std::cout << line << '\n';
  if (!out.record_stopped.empty()) {
    char ran[64];
    std::snprintf(ran, sizeof ran, "%.0f s", out.end_s);
    std::cout << "Recording stopped (" << out.record_stopped << "): this summary covers only "
              << "what the record holds; the session ran on to " << ran << " unrecorded.\n";
  }
  if (holds.rfind("nothing", 0) != 0) {
    try {
      session_history history(history_path(data_dir));
      const auto id = history.add_session(row);
      std::cout << "Saved as session " << id << '\n';
    } catch (const std::exception& e) {
      std::cout << "History: the row is not written now (" << history_advice(e)
                << "). The record is kept; `resonant history` adds it later.\n";
    }
  }
  std::cout << "Record: " << row.record_path << " ("
            << (holds.empty() ? "the whole session" : holds) << "; replay: resonant replay "
            << row.record_path << ")\n";
  if (!out.record_stopped.empty()) throw exit_with(exit_record_incomplete);
}

void run_assess(const session_cli& o) {
  const auto data_dir = user_data_dir();
  const session_outcome out = run_with_record(settings_from(o, data_dir, true), data_dir);
  if (!out.assessment) return;
  const auto& r = *out.assessment;
  nlohmann::json table = nlohmann::json::array();
  std::cout << "Resonance assessment (" << o.step_minutes << " min per rate)\n"
            << "  rate/min  RSA (bpm)  LF peak (ms2)  HR-breath sync  score\n";
  const auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  for (std::size_t i = 0; i < r.steps.size(); ++i) {
    const auto& s = r.steps[i];
    char line[160];
    std::snprintf(line, sizeof line, "  %6.1f    %7.2f    %10.0f      %8.2f     %5.2f%s\n",
                  s.rate_bpm, s.rsa_bpm, s.lf_peak_ms2, s.sync, s.score,
                  i == r.chosen ? "   <- chosen" : (s.valid ? "" : "   (not enough data)"));
    std::cout << line;
    table.push_back({{"rate_bpm", s.rate_bpm},
                     {"rsa_bpm", num(s.rsa_bpm)},
                     {"lf_power_ms2", num(s.lf_power_ms2)},
                     {"lf_peak_ms2", num(s.lf_peak_ms2)},
                     {"sync", num(s.sync)},
                     {"score", num(s.score)},
                     {"valid", s.valid}});
  }
  if (!std::isfinite(r.chosen_rate_bpm)) {
    std::cout << "No rate could be chosen (not enough clean data); nothing stored.\n";
    return;
  }
  try {
    session_history history(history_path(data_dir));
    history.set_resonance_rate(r.chosen_rate_bpm, out.started_utc, table);
    std::cout << "Your resonance rate: " << r.chosen_rate_bpm
              << " breaths/min (stored; `resonant session --rate auto` uses it)\n";
  } catch (const std::exception& e) {
    std::cout << "Your resonance rate: " << r.chosen_rate_bpm << " breaths/min, NOT stored ("
              << history_advice(e) << "); use --rate " << r.chosen_rate_bpm << " until it is\n";
  }
  if (!out.record_stopped.empty()) throw exit_with(exit_record_incomplete);
}

// Rows straight from the records, when the database cannot be read.
std::vector<session_row> rows_from_records(const std::filesystem::path& data_dir) {
  std::vector<session_row> rows;
  for (const auto& p : session_records(data_dir)) {
    try {
      rows.push_back(row_from_record(p));
      rows.back().id = static_cast<std::int64_t>(rows.size());
    } catch (const std::exception&) {
      // not a session's record (reserved name of a session without data): no row
    }
  }
  return rows;
}

void print_history(const session_cli& o, const std::vector<session_row>& every,
                   std::optional<double> rate) {
  const auto rows = shown_rows(every, o.all);
  if (o.format == "csv") {
    std::cout << history_csv(rows);
  } else if (o.format == "json") {
    auto j = history_json(rows);
    j["resonance_rate_bpm"] = rate ? nlohmann::json(*rate) : nlohmann::json();
    std::cout << j.dump(2) << '\n';
  } else if (rows.empty() && !every.empty()) {
    std::cout << "No sessions from a device yet (" << every.size()
              << " on the simulated subject or a recording: resonant history --all)\n";
  } else {
    std::cout << history_table(rows);
  }
}

void run_history(const session_cli& o) {
  const auto data_dir = user_data_dir();
  if (o.rebuild) {
    const rebuild_result r = rebuild_history(data_dir);
    if (!r.kept_as.empty())
      std::cerr << "resonant: the old database is kept as " << r.kept_as.string() << '\n';
    std::cerr << "resonant: history rebuilt from " << r.index.added << " session record"
              << (r.index.added == 1 ? "" : "s") << " (" << r.resonance_rates_kept
              << " resonance rate" << (r.resonance_rates_kept == 1 ? "" : "s")
              << " kept from the old database)\n";
    for (const auto& p : r.index.problems) std::cerr << "resonant: skipped " << p << '\n';
  }
  std::vector<session_row> every;
  std::optional<double> rate;
  try {
    session_history history(history_path(data_dir));
    // The records are the truth: a row a session could not write is added now.
    const index_result added = add_unknown_records(history, data_dir);
    if (added.added > 0)
      std::cerr << "resonant: added " << added.added << " session" << (added.added == 1 ? "" : "s")
                << " from records the history did not know\n";
    every = history.sessions();
    rate = history.resonance_rate();
  } catch (const std::exception& e) {
    // Shown from the records themselves; the database is left as it is.
    std::cerr << "resonant: cannot use the history database (" << history_advice(e)
              << "); showing the sessions from their records\n";
    every = rows_from_records(data_dir);
  }
  print_history(o, every, rate);
}

void add_live_options(CLI::App* cmd, session_cli& o) {
  cmd->add_option("--source", o.source,
                  "sim[:key=value,...] | ble[:ADDRESS|NAME][,ecg] | serial:PATH[@BAUD] | "
                  "file:PATH[,speed=X]");
  cmd->add_option("--ratio", o.ratio, "inhale:exhale")->capture_default_str();
  cmd->add_option("--settle", o.settle_s,
                  "at most this many seconds to check the signal first (settle ends as soon as "
                  "8 clean beats in a row arrived)")
      ->check(CLI::Range(0.0, 120.0))
      ->capture_default_str();
  cmd->add_option("--audio", o.audio, "off | default | wav:FILE | device:NAME")
      ->capture_default_str();
  cmd->add_option("--audio-device", o.audio_device, "sound device (name or part of it)");
  cmd->add_option("--volume", o.volume, "0..1")->check(CLI::Range(0.0, 1.0))->capture_default_str();
  cmd->add_flag("--quiet", o.quiet, "feedback sounds only when something changes");
  add_live_output_options(*cmd, o.live);
}

}  // namespace

void add_session_command(CLI::App& app) {
  auto o = std::make_shared<session_cli>();
  CLI::App* cmd = app.add_subcommand(
      "session",
      "Micro-recovery session: settle, natural-breathing baseline, paced breathing with "
      "sound, summary; recorded and kept in the history");
  add_live_options(cmd, *o);
  cmd->add_option("--minutes", o->minutes, "baseline + paced breathing, minutes")
      ->check(CLI::Range(0.5, 60.0))
      ->capture_default_str();
  cmd->add_option("--rate", o->rate, "breaths per minute (3-10), or auto (your assessed rate)")
      ->capture_default_str();
  cmd->add_option("--after", o->after_s,
                  "seconds of natural breathing after pacing, compared with the baseline "
                  "(did you recover?); 0 to skip")
      ->check(CLI::Range(0.0, 600.0))
      ->capture_default_str();
  cmd->callback([o] { run_session(*o); });
}

void add_assess_command(CLI::App& app) {
  auto o = std::make_shared<session_cli>();
  CLI::App* cmd =
      app.add_subcommand("assess",
                         "Resonance-frequency assessment: breathe at 6.5, 6.0, 5.5, 5.0 and 4.5 "
                         "breaths/min and find the rate your heart rhythm answers best");
  add_live_options(cmd, *o);
  cmd->add_option("--step-minutes", o->step_minutes, "minutes at each rate")
      ->check(CLI::Range(0.5, 10.0))
      ->capture_default_str();
  cmd->callback([o] { run_assess(*o); });
}

void add_history_command(CLI::App& app) {
  auto o = std::make_shared<session_cli>();
  CLI::App* cmd = app.add_subcommand("history", "Past sessions: before / after and the trend");
  cmd->add_option("--format", o->format, "table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  cmd->add_flag("--all", o->all,
                "also sessions on the simulated subject and on recordings (marked s and f)");
  cmd->add_flag("--rebuild", o->rebuild,
                "make the database again from the session records (a damaged one is kept aside "
                "as history.sqlite.damaged-<time>)");
  cmd->callback([o] { run_history(*o); });
}

}  // namespace resonant::apps
