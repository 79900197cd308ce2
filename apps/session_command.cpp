#include "session_command.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

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
  live_options live;
};

// Sessions are kept as session-YYYYmmddTHHMMSSZ[-N].rsn in <data dir>/sessions (mode 0700).
std::filesystem::path new_record_path(const std::filesystem::path& data_dir, const char* kind) {
  const auto dir = data_dir / "sessions";
  std::filesystem::create_directories(dir);
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace);
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  for (int n = 0;; ++n) {
    const auto p =
        dir / (std::string(kind) + "-" + stamp + (n > 0 ? "-" + std::to_string(n) : "") + ".rsn");
    if (!std::filesystem::exists(p)) return p;
  }
}

session_settings settings_from(const session_cli& o, const std::filesystem::path& data_dir,
                               session_history& history, bool assessment) {
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
    const auto stored = history.resonance_rate();
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
  s.record_path = new_record_path(data_dir, assessment ? "assessment" : "session");
  return s;
}

void run_session(const session_cli& o) {
  const auto data_dir = user_data_dir();
  session_history history(data_dir / "history.sqlite");
  session_runner runner(settings_from(o, data_dir, history, false));
  const session_outcome out = runner.run();
  for (const auto& line : out.summary.lines) std::cout << line << '\n';
  if (out.record_path.empty()) return;
  session_row row;
  row.started_utc = out.started_utc;
  row.source = out.source;
  row.record_path = out.record_path.string();
  row.planned_minutes = o.minutes;
  row.rate_bpm = out.rate_bpm;
  row.summary = out.summary;
  const auto id = history.add_session(row);
  std::cout << "Saved as session " << id << " (replay: resonant replay " << row.record_path
            << ")\n";
}

void run_assess(const session_cli& o) {
  const auto data_dir = user_data_dir();
  session_history history(data_dir / "history.sqlite");
  session_runner runner(settings_from(o, data_dir, history, true));
  const session_outcome out = runner.run();
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
  history.set_resonance_rate(r.chosen_rate_bpm, out.started_utc, table);
  std::cout << "Your resonance rate: " << r.chosen_rate_bpm
            << " breaths/min (stored; `resonant session --rate auto` uses it)\n";
}

void run_history(const session_cli& o) {
  const auto data_dir = user_data_dir();
  session_history history(data_dir / "history.sqlite");
  const auto every = history.sessions();
  const auto rows = shown_rows(every, o.all);
  if (o.format == "csv") {
    std::cout << history_csv(rows);
  } else if (o.format == "json") {
    auto j = history_json(rows);
    const auto rate = history.resonance_rate();
    j["resonance_rate_bpm"] = rate ? nlohmann::json(*rate) : nlohmann::json();
    std::cout << j.dump(2) << '\n';
  } else if (rows.empty() && !every.empty()) {
    std::cout << "No sessions from a device yet (" << every.size()
              << " on the simulated subject or a recording: resonant history --all)\n";
  } else {
    std::cout << history_table(rows);
  }
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
  cmd->callback([o] { run_history(*o); });
}

}  // namespace resonant::apps
