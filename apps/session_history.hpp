#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/session_summary.hpp"

struct sqlite3;

namespace resonant::apps {

// Where Resonant keeps a user's sessions: $RESONANT_HOME if set, else
// $XDG_DATA_HOME/resonant, else ~/.local/share/resonant. Created with mode 0700 when Resonant
// creates it; the mode of a directory that exists is never changed (the user's choice), with
// one warning on stderr per run when group or others can read it.
std::filesystem::path user_data_dir();
// A directory Resonant keeps private data in: made with mode 0700 if missing (its parents
// with the default mode), left as it is if it exists. Throws std::system_error naming it.
void make_private_dir(const std::filesystem::path& dir);

// How long a statement waits for another process's lock on the history database before it
// gives up with "database is locked" (SQLite busy handler): bounded, so a session never hangs
// at its end; the row is then added later from the record.
inline constexpr int history_busy_timeout_ms = 2000;

// A history database error, with SQLite's primary result code (SQLITE_BUSY: locked by another
// process; SQLITE_CORRUPT / SQLITE_NOTADB: damaged; SQLITE_FULL: disk full ...).
class history_error : public std::runtime_error {
 public:
  history_error(const std::string& what, int sqlite_code)
      : std::runtime_error(what), code_(sqlite_code) {}
  [[nodiscard]] int sqlite_code() const noexcept { return code_; }
  // The file is not a database, or a damaged one: `history --rebuild` makes it again.
  [[nodiscard]] bool damaged() const noexcept;

 private:
  int code_;
};

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
// parameters. Errors throw history_error naming the database file. The database is an index
// of the session records (record_index.hpp): a row that could not be written is added from its
// record later.
class session_history {
 public:
  explicit session_history(const std::filesystem::path& db_path);
  session_history(const session_history&) = delete;
  session_history& operator=(const session_history&) = delete;
  ~session_history();

  // Adds the row of a session record, or returns the id of the row that has that record
  // already.
  std::int64_t add_session(const session_row& row);
  [[nodiscard]] std::vector<session_row> sessions() const;

  void set_resonance_rate(double bpm, const std::string& assessed_utc, const nlohmann::json& table);
  [[nodiscard]] std::optional<double> resonance_rate() const;
  struct resonance_row {
    std::string assessed_utc;
    double rate_bpm = 0.0;
    nlohmann::json table;
  };
  // Every stored assessment, oldest first.
  [[nodiscard]] std::vector<resonance_row> resonance_rates() const;

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  void exec(const char* sql) const;
  std::int64_t insert_session(const session_row& row);

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
