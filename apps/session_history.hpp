#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/session_summary.hpp"

struct sqlite3;

namespace resonant::apps {

// Where Resonant keeps a user's sessions: $RESONANT_HOME if set, else
// $XDG_DATA_HOME/resonant, else ~/.local/share/resonant. Created with mode 0700.
std::filesystem::path user_data_dir();

// One stored session.
struct session_row {
  std::int64_t id = 0;
  std::string started_utc;
  std::string source;
  std::string record_path;
  double planned_minutes = 0.0;
  double rate_bpm = 0.0;
  engine::session_summary summary;
};

// The local history database (SQLite, file mode 0600): sessions with their summary metrics
// and the person's assessed resonance rate. All statements are prepared with bound
// parameters. Errors throw std::runtime_error naming the database file.
class session_history {
 public:
  explicit session_history(const std::filesystem::path& db_path);
  session_history(const session_history&) = delete;
  session_history& operator=(const session_history&) = delete;
  ~session_history();

  std::int64_t add_session(const session_row& row);
  [[nodiscard]] std::vector<session_row> sessions() const;

  void set_resonance_rate(double bpm, const std::string& assessed_utc, const nlohmann::json& table);
  [[nodiscard]] std::optional<double> resonance_rate() const;

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  void exec(const char* sql) const;

  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
};

// "real" (a device), "sim" (the simulated subject) or "file" (a recording), from the source.
[[nodiscard]] const char* source_kind(const std::string& source);
// The rows `resonant history` shows: real sessions only unless `all`.
[[nodiscard]] std::vector<session_row> shown_rows(std::vector<session_row> rows, bool all);

// `resonant history`: the table (simulated and file sessions marked, a sparkline per metric
// over the sessions), JSON (each session with baseline, paced, after and recovery, and the
// trend over days) or CSV (one row per session) of past sessions.
nlohmann::json history_json(const std::vector<session_row>& rows);
// One session's summary as in history_json (phases, recovery, verdict, coverage, losses; not
// the plain-language lines).
nlohmann::json summary_json(const engine::session_summary& summary);
std::string history_table(const std::vector<session_row>& rows);
std::string history_csv(const std::vector<session_row>& rows);

}  // namespace resonant::apps
