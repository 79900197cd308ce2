#include "session_history.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include "session_view.hpp"

namespace resonant::apps {
namespace {

// NaN is stored as NULL and read back as NaN.
void bind_double(sqlite3_stmt* st, int i, double v) {
  if (std::isfinite(v))
    sqlite3_bind_double(st, i, v);
  else
    sqlite3_bind_null(st, i);
}

double column_double(sqlite3_stmt* st, int i) {
  return sqlite3_column_type(st, i) == SQLITE_NULL ? engine::no_value
                                                   : sqlite3_column_double(st, i);
}

std::string column_text(sqlite3_stmt* st, int i) {
  const unsigned char* t = sqlite3_column_text(st, i);
  return t == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(t));
}

nlohmann::json num(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
}

double from_json(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : engine::no_value;
}

nlohmann::json phase_json(const engine::phase_metrics& m) {
  return {{"duration_s", m.duration_s},
          {"coverage_pct", num(m.coverage_pct)},
          {"mean_hr_bpm", num(m.mean_hr_bpm)},
          {"rmssd_ms", num(m.rmssd_ms)},
          {"rsa_bpm", num(m.rsa_bpm)},
          {"coherence", num(m.coherence)},
          {"lf_hf", num(m.lf_hf)}};
}

nlohmann::json recovery_json(const engine::recovery_answer& r) {
  return {{"verdict", r.verdict},
          {"confidence", r.confidence},
          {"hr_change_bpm", num(r.hr_change_bpm)},
          {"rmssd_change_pct", num(r.rmssd_change_pct)},
          {"rsa_change_pct", num(r.rsa_change_pct)},
          {"line", r.line}};
}

// The after phase and the recovery answer, stored as JSON in extra_json.
std::string extra_json(const engine::session_summary& m) {
  nlohmann::json j;
  j["after"] = phase_json(m.after);
  j["after"]["beats"] = m.after.beats;
  j["recovery"] = recovery_json(m.recovery);
  return j.dump();
}

void read_extra(const std::string& text, engine::session_summary& m) {
  if (text.empty()) return;
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return;
  if (const auto a = j.find("after"); a != j.end() && a->is_object()) {
    m.after.duration_s =
        std::isfinite(from_json(*a, "duration_s")) ? from_json(*a, "duration_s") : 0.0;
    m.after.coverage_pct = from_json(*a, "coverage_pct");
    m.after.mean_hr_bpm = from_json(*a, "mean_hr_bpm");
    m.after.rmssd_ms = from_json(*a, "rmssd_ms");
    m.after.rsa_bpm = from_json(*a, "rsa_bpm");
    m.after.coherence = from_json(*a, "coherence");
    m.after.lf_hf = from_json(*a, "lf_hf");
    const double beats = from_json(*a, "beats");
    m.after.beats = std::isfinite(beats) ? static_cast<std::int64_t>(beats) : 0;
  }
  if (const auto r = j.find("recovery"); r != j.end() && r->is_object()) {
    m.recovery.verdict = r->value("verdict", std::string("insufficient"));
    m.recovery.confidence = r->value("confidence", std::string());
    m.recovery.hr_change_bpm = from_json(*r, "hr_change_bpm");
    m.recovery.rmssd_change_pct = from_json(*r, "rmssd_change_pct");
    m.recovery.rsa_change_pct = from_json(*r, "rsa_change_pct");
    m.recovery.line = r->value("line", std::string());
  }
}

class statement {
 public:
  statement(sqlite3* db, const char* sql, const std::filesystem::path& path) {
    if (const int rc = sqlite3_prepare_v2(db, sql, -1, &st_, nullptr); rc != SQLITE_OK)
      throw history_error(path.string() + ": " + sqlite3_errmsg(db), rc & 0xff);
  }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  ~statement() { sqlite3_finalize(st_); }
  [[nodiscard]] sqlite3_stmt* get() const noexcept { return st_; }

 private:
  sqlite3_stmt* st_ = nullptr;
};

constexpr const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS sessions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  started_utc TEXT NOT NULL,
  source TEXT NOT NULL,
  record_path TEXT NOT NULL,
  planned_minutes REAL NOT NULL,
  rate_bpm REAL NOT NULL,
  session_s REAL NOT NULL,
  ended_early INTEGER NOT NULL,
  verdict TEXT NOT NULL,
  coverage_pct REAL,
  signal_losses INTEGER NOT NULL,
  baseline_hr_bpm REAL, paced_hr_bpm REAL,
  baseline_rmssd_ms REAL, paced_rmssd_ms REAL,
  baseline_rsa_bpm REAL, paced_rsa_bpm REAL,
  baseline_coherence REAL, paced_coherence REAL,
  baseline_lf_hf REAL, paced_lf_hf REAL,
  baseline_s REAL, paced_s REAL,
  baseline_coverage_pct REAL, paced_coverage_pct REAL,
  baseline_beats INTEGER, paced_beats INTEGER
);
CREATE TABLE IF NOT EXISTS resonance (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  assessed_utc TEXT NOT NULL,
  rate_bpm REAL NOT NULL,
  table_json TEXT NOT NULL
);
)sql";

}  // namespace

bool history_error::damaged() const noexcept {
  return code_ == SQLITE_CORRUPT || code_ == SQLITE_NOTADB;
}

void make_private_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return;
  if (dir.has_parent_path()) {
    std::filesystem::create_directories(dir.parent_path(), ec);
    if (ec) throw std::system_error(ec, "cannot create " + dir.parent_path().string());
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw std::system_error(errno, std::generic_category(), "cannot create " + dir.string());
}

std::filesystem::path user_data_dir() {
  std::filesystem::path dir;
  if (const char* home = std::getenv("RESONANT_HOME"); home != nullptr && *home != '\0')
    dir = home;
  else if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg != nullptr && *xdg != '\0')
    dir = std::filesystem::path(xdg) / "resonant";
  else if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0')
    dir = std::filesystem::path(h) / ".local" / "share" / "resonant";
  else
    throw std::runtime_error("cannot tell where to keep sessions: set RESONANT_HOME or HOME");
  make_private_dir(dir);
  static bool warned = false;
  struct stat st {};
  if (!warned && ::stat(dir.c_str(), &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)) != 0) {
    warned = true;
    std::fprintf(stderr,
                 "resonant: warning: %s (health data) can be read by other users (mode %03o); "
                 "chmod 700 it to keep it private\n",
                 dir.c_str(), static_cast<unsigned>(st.st_mode & 0777));
  }
  return dir;
}

session_history::session_history(const std::filesystem::path& db_path) : path_(db_path) {
  // Create the file ourselves so that it is private from the first byte.
  const int fd = ::open(db_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    throw std::system_error(errno, std::generic_category(), "cannot open " + db_path.string());
  ::fchmod(fd, 0600);
  ::close(fd);
  if (sqlite3_open_v2(db_path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    const std::string msg = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw history_error(db_path.string() + ": " + msg, SQLITE_CANTOPEN);
  }
  sqlite3_busy_timeout(db_, history_busy_timeout_ms);
  // The schema in one write transaction taken up front: two programs opening a new database at
  // once would otherwise each read "no table" and then both ask to write, a lock upgrade that
  // SQLite refuses at once (SQLITE_BUSY without waiting) to avoid a deadlock.
  try {
    exec("BEGIN IMMEDIATE");
    exec(schema);
    // Added with the after phase (issue 12): the after phase's metrics and the recovery answer
    // as JSON. Databases from before get the column, empty for their old rows.
    bool has_extra = true;
    {
      const statement has(db_,
                          "SELECT COUNT(*) FROM pragma_table_info('sessions') WHERE name = "
                          "'extra_json'",
                          path_);
      has_extra = !(sqlite3_step(has.get()) == SQLITE_ROW && sqlite3_column_int(has.get(), 0) == 0);
    }
    if (!has_extra) exec("ALTER TABLE sessions ADD COLUMN extra_json TEXT");
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

session_history::~session_history() {
  sqlite3_close(db_);
}

void session_history::exec(const char* sql) const {
  char* err = nullptr;
  if (const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err); rc != SQLITE_OK) {
    const std::string msg = err != nullptr ? err : "error";
    sqlite3_free(err);
    throw history_error(path_.string() + ": " + msg, rc & 0xff);
  }
}

std::int64_t session_history::add_session(const session_row& r) {
  // One record, one row: the check and the insert are one transaction (a session ending while
  // `resonant history` adds the records it does not know must not give two rows).
  exec("BEGIN IMMEDIATE");
  try {
    const statement known(db_, "SELECT id FROM sessions WHERE record_path = ?1 LIMIT 1", path_);
    sqlite3_bind_text(known.get(), 1, r.record_path.c_str(), -1, SQLITE_TRANSIENT);
    const std::int64_t id = sqlite3_step(known.get()) == SQLITE_ROW
                                ? sqlite3_column_int64(known.get(), 0)
                                : insert_session(r);
    exec("COMMIT");
    return id;
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::int64_t session_history::insert_session(const session_row& r) {
  const statement st(db_, R"sql(
    INSERT INTO sessions (started_utc, source, record_path, planned_minutes, rate_bpm, session_s,
      ended_early, verdict, coverage_pct, signal_losses,
      baseline_hr_bpm, paced_hr_bpm, baseline_rmssd_ms, paced_rmssd_ms,
      baseline_rsa_bpm, paced_rsa_bpm, baseline_coherence, paced_coherence,
      baseline_lf_hf, paced_lf_hf, baseline_s, paced_s,
      baseline_coverage_pct, paced_coverage_pct, baseline_beats, paced_beats, extra_json)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
            ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27))sql",
                     path_);
  sqlite3_stmt* s = st.get();
  const auto& m = r.summary;
  sqlite3_bind_text(s, 1, r.started_utc.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s, 2, r.source.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s, 3, r.record_path.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_double(s, 4, r.planned_minutes);
  sqlite3_bind_double(s, 5, r.rate_bpm);
  sqlite3_bind_double(s, 6, m.session_s);
  sqlite3_bind_int(s, 7, m.ended_early ? 1 : 0);
  sqlite3_bind_text(s, 8, m.verdict.c_str(), -1, SQLITE_TRANSIENT);
  bind_double(s, 9, m.coverage_pct);
  sqlite3_bind_int64(s, 10, m.signal_losses);
  bind_double(s, 11, m.baseline.mean_hr_bpm);
  bind_double(s, 12, m.paced.mean_hr_bpm);
  bind_double(s, 13, m.baseline.rmssd_ms);
  bind_double(s, 14, m.paced.rmssd_ms);
  bind_double(s, 15, m.baseline.rsa_bpm);
  bind_double(s, 16, m.paced.rsa_bpm);
  bind_double(s, 17, m.baseline.coherence);
  bind_double(s, 18, m.paced.coherence);
  bind_double(s, 19, m.baseline.lf_hf);
  bind_double(s, 20, m.paced.lf_hf);
  sqlite3_bind_double(s, 21, m.baseline.duration_s);
  sqlite3_bind_double(s, 22, m.paced.duration_s);
  bind_double(s, 23, m.baseline.coverage_pct);
  bind_double(s, 24, m.paced.coverage_pct);
  sqlite3_bind_int64(s, 25, m.baseline.beats);
  sqlite3_bind_int64(s, 26, m.paced.beats);
  const std::string extra = extra_json(m);
  sqlite3_bind_text(s, 27, extra.c_str(), -1, SQLITE_TRANSIENT);
  if (const int rc = sqlite3_step(s); rc != SQLITE_DONE)
    throw history_error(path_.string() + ": " + sqlite3_errmsg(db_), rc & 0xff);
  return sqlite3_last_insert_rowid(db_);
}

std::vector<session_row> session_history::sessions() const {
  const statement st(db_, R"sql(
    SELECT id, started_utc, source, record_path, planned_minutes, rate_bpm, session_s,
      ended_early, verdict, coverage_pct, signal_losses,
      baseline_hr_bpm, paced_hr_bpm, baseline_rmssd_ms, paced_rmssd_ms,
      baseline_rsa_bpm, paced_rsa_bpm, baseline_coherence, paced_coherence,
      baseline_lf_hf, paced_lf_hf, baseline_s, paced_s,
      baseline_coverage_pct, paced_coverage_pct, baseline_beats, paced_beats, extra_json
    FROM sessions ORDER BY started_utc, id)sql",
                     path_);
  std::vector<session_row> rows;
  sqlite3_stmt* s = st.get();
  int rc = 0;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    session_row r;
    r.id = sqlite3_column_int64(s, 0);
    r.started_utc = column_text(s, 1);
    r.source = column_text(s, 2);
    r.record_path = column_text(s, 3);
    r.planned_minutes = sqlite3_column_double(s, 4);
    r.rate_bpm = sqlite3_column_double(s, 5);
    auto& m = r.summary;
    m.session_s = sqlite3_column_double(s, 6);
    m.ended_early = sqlite3_column_int(s, 7) != 0;
    m.verdict = column_text(s, 8);
    m.coverage_pct = column_double(s, 9);
    m.signal_losses = sqlite3_column_int64(s, 10);
    m.baseline.mean_hr_bpm = column_double(s, 11);
    m.paced.mean_hr_bpm = column_double(s, 12);
    m.baseline.rmssd_ms = column_double(s, 13);
    m.paced.rmssd_ms = column_double(s, 14);
    m.baseline.rsa_bpm = column_double(s, 15);
    m.paced.rsa_bpm = column_double(s, 16);
    m.baseline.coherence = column_double(s, 17);
    m.paced.coherence = column_double(s, 18);
    m.baseline.lf_hf = column_double(s, 19);
    m.paced.lf_hf = column_double(s, 20);
    m.baseline.duration_s = sqlite3_column_double(s, 21);
    m.paced.duration_s = sqlite3_column_double(s, 22);
    m.baseline.coverage_pct = column_double(s, 23);
    m.paced.coverage_pct = column_double(s, 24);
    m.baseline.beats = sqlite3_column_int64(s, 25);
    m.paced.beats = sqlite3_column_int64(s, 26);
    read_extra(column_text(s, 27), m);
    rows.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE)
    throw history_error(path_.string() + ": " + sqlite3_errmsg(db_), rc & 0xff);
  return rows;
}

void session_history::set_resonance_rate(double bpm, const std::string& assessed_utc,
                                         const nlohmann::json& table) {
  const statement st(
      db_, "INSERT INTO resonance (assessed_utc, rate_bpm, table_json) VALUES (?1, ?2, ?3)", path_);
  const std::string json = table.dump();
  sqlite3_bind_text(st.get(), 1, assessed_utc.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_double(st.get(), 2, bpm);
  sqlite3_bind_text(st.get(), 3, json.c_str(), -1, SQLITE_TRANSIENT);
  if (const int rc = sqlite3_step(st.get()); rc != SQLITE_DONE)
    throw history_error(path_.string() + ": " + sqlite3_errmsg(db_), rc & 0xff);
}

std::optional<double> session_history::resonance_rate() const {
  const statement st(db_,
                     "SELECT rate_bpm FROM resonance ORDER BY assessed_utc DESC, id DESC "
                     "LIMIT 1",
                     path_);
  if (sqlite3_step(st.get()) == SQLITE_ROW) return sqlite3_column_double(st.get(), 0);
  return std::nullopt;
}

std::vector<session_history::resonance_row> session_history::resonance_rates() const {
  const statement st(
      db_, "SELECT assessed_utc, rate_bpm, table_json FROM resonance ORDER BY assessed_utc, id",
      path_);
  std::vector<resonance_row> rows;
  int rc = 0;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
    resonance_row r;
    r.assessed_utc = column_text(st.get(), 0);
    r.rate_bpm = sqlite3_column_double(st.get(), 1);
    r.table = nlohmann::json::parse(column_text(st.get(), 2), nullptr, false);
    if (r.table.is_discarded()) r.table = nlohmann::json::array();
    rows.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE)
    throw history_error(path_.string() + ": " + sqlite3_errmsg(db_), rc & 0xff);
  return rows;
}

namespace {

// Least-squares slope per day of y over the session days (NaN when under two days).
double slope_per_day(const std::vector<std::pair<double, double>>& pts) {
  if (pts.size() < 2) return engine::no_value;
  double mx = 0, my = 0;
  for (const auto& [x, y] : pts) {
    mx += x;
    my += y;
  }
  mx /= static_cast<double>(pts.size());
  my /= static_cast<double>(pts.size());
  double sxy = 0, sxx = 0;
  for (const auto& [x, y] : pts) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) * (x - mx);
  }
  return sxx > 0 ? sxy / sxx : engine::no_value;
}

// Days since the epoch from "YYYY-MM-DDTHH:MM:SSZ" (civil-from-days, proleptic Gregorian).
double day_number(const std::string& utc) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (std::sscanf(utc.c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &s) != 6)
    return engine::no_value;
  y -= mo <= 2 ? 1 : 0;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const double days = era * 146097.0 + doe - 719468.0;
  return days + (h * 3600.0 + mi * 60.0 + s) / 86400.0;
}

}  // namespace

nlohmann::json summary_json(const engine::session_summary& m) {
  return {{"session_s", m.session_s},
          {"ended_early", m.ended_early},
          {"verdict", m.verdict},
          {"coverage_pct", num(m.coverage_pct)},
          {"signal_losses", m.signal_losses},
          {"baseline", phase_json(m.baseline)},
          {"paced", phase_json(m.paced)},
          {"after", phase_json(m.after)},
          {"recovery", recovery_json(m.recovery)}};
}

nlohmann::json history_json(const std::vector<session_row>& rows) {
  nlohmann::json out;
  out["sessions"] = nlohmann::json::array();
  std::map<std::string, std::vector<const session_row*>> by_day;
  for (const auto& r : rows) {
    nlohmann::json session = summary_json(r.summary);
    session["id"] = r.id;
    session["started_utc"] = r.started_utc;
    session["source"] = r.source;
    session["record"] = r.record_path;
    session["planned_minutes"] = r.planned_minutes;
    session["rate_bpm"] = r.rate_bpm;
    session["kind"] = source_kind(r.source);
    out["sessions"].push_back(std::move(session));
    by_day[r.started_utc.substr(0, 10)].push_back(&r);
  }
  nlohmann::json days = nlohmann::json::array();
  std::vector<std::pair<double, double>> day_rmssd_change, day_rsa_change;
  for (const auto& [day, list] : by_day) {
    double base = 0, paced = 0, rsa = 0;
    int n = 0, n_rsa = 0;
    for (const auto* r : list) {
      const auto& m = r->summary;
      if (std::isfinite(m.baseline.rmssd_ms) && std::isfinite(m.paced.rmssd_ms)) {
        base += m.baseline.rmssd_ms;
        paced += m.paced.rmssd_ms;
        ++n;
      }
      if (std::isfinite(m.baseline.rsa_bpm) && std::isfinite(m.paced.rsa_bpm)) {
        rsa += m.paced.rsa_bpm - m.baseline.rsa_bpm;
        ++n_rsa;
      }
    }
    const double d = day_number(day + "T00:00:00Z");
    if (n > 0 && std::isfinite(d)) day_rmssd_change.emplace_back(d, (paced - base) / n);
    if (n_rsa > 0 && std::isfinite(d)) day_rsa_change.emplace_back(d, rsa / n_rsa);
    days.push_back({{"day", day},
                    {"sessions", list.size()},
                    {"baseline_rmssd_ms", n > 0 ? nlohmann::json(base / n) : nlohmann::json()},
                    {"paced_rmssd_ms", n > 0 ? nlohmann::json(paced / n) : nlohmann::json()}});
  }
  // Trends need at least two different days: the least-squares slope of the daily means.
  out["trend"] = {{"days", days},
                  {"rmssd_change_ms_per_day", num(slope_per_day(day_rmssd_change))},
                  {"rsa_change_bpm_per_day", num(slope_per_day(day_rsa_change))}};
  return out;
}

const char* source_kind(const std::string& source) {
  if (source.rfind("sim", 0) == 0) return "sim";
  if (source.rfind("file:", 0) == 0) return "file";
  return "real";
}

std::vector<session_row> shown_rows(std::vector<session_row> rows, bool all) {
  if (all) return rows;
  std::erase_if(
      rows, [](const session_row& r) { return std::string_view(source_kind(r.source)) != "real"; });
  return rows;
}

std::string history_csv(const std::vector<session_row>& rows) {
  std::ostringstream out;
  out << "id,started_utc,kind,rate_bpm,ended_early,verdict,recovery,recovery_confidence,"
         "before_hr_bpm,paced_hr_bpm,after_hr_bpm,before_rmssd_ms,paced_rmssd_ms,"
         "after_rmssd_ms,before_rsa_bpm,paced_rsa_bpm,after_rsa_bpm,coverage_pct\n";
  const auto v = [](double x) {
    if (!std::isfinite(x)) return std::string();
    char b[32];
    std::snprintf(b, sizeof b, "%.2f", x);
    return std::string(b);
  };
  for (const auto& r : rows) {
    const auto& m = r.summary;
    out << r.id << ',' << r.started_utc << ',' << source_kind(r.source) << ',' << v(r.rate_bpm)
        << ',' << (m.ended_early ? 1 : 0) << ',' << m.verdict << ',' << m.recovery.verdict << ','
        << m.recovery.confidence << ',' << v(m.baseline.mean_hr_bpm) << ','
        << v(m.paced.mean_hr_bpm) << ',' << v(m.after.mean_hr_bpm) << ',' << v(m.baseline.rmssd_ms)
        << ',' << v(m.paced.rmssd_ms) << ',' << v(m.after.rmssd_ms) << ',' << v(m.baseline.rsa_bpm)
        << ',' << v(m.paced.rsa_bpm) << ',' << v(m.after.rsa_bpm) << ',' << v(m.coverage_pct)
        << '\n';
  }
  return out.str();
}

std::string history_table(const std::vector<session_row>& rows) {
  if (rows.empty()) return "No sessions yet. Start one with: resonant session --source sim\n";
  std::string out =
      "date              min  rate  HR before/after   RMSSD before/after   RSA before/after  "
      "coherence  verdict\n";
  const auto f = [](double v, const char* fmt) {
    if (!std::isfinite(v)) return std::string("  -  ");
    char b[32];
    std::snprintf(b, sizeof b, fmt, v);
    return std::string(b);
  };
  for (const auto& r : rows) {
    const auto& m = r.summary;
    char line[256];
    std::snprintf(
        line, sizeof line,
        "%-16.16s%s %4.1f  %4.1f  %5s / %-5s      %6s / %-6s      %5s / %-5s   %5s/%-5s %s%s\n",
        r.started_utc.c_str(),
        std::string_view(source_kind(r.source)) == "sim"    ? "s"
        : std::string_view(source_kind(r.source)) == "file" ? "f"
                                                            : " ",
        m.session_s / 60.0, r.rate_bpm, f(m.baseline.mean_hr_bpm, "%.0f").c_str(),
        f(m.paced.mean_hr_bpm, "%.0f").c_str(), f(m.baseline.rmssd_ms, "%.1f").c_str(),
        f(m.paced.rmssd_ms, "%.1f").c_str(), f(m.baseline.rsa_bpm, "%.1f").c_str(),
        f(m.paced.rsa_bpm, "%.1f").c_str(), f(m.baseline.coherence, "%.2f").c_str(),
        f(m.paced.coherence, "%.2f").c_str(), m.verdict.c_str(),
        m.ended_early ? " (ended early)" : "");
    out += line;
  }
  if (std::any_of(rows.begin(), rows.end(), [](const session_row& r) {
        return std::string_view(source_kind(r.source)) != "real";
      }))
    out += "(s: simulated subject, f: from a file)\n";
  // The trend, one sparkline per metric, oldest session left (rests before and after pacing).
  const auto series = [&](auto get) {
    std::vector<double> v;
    for (const auto& r : rows) {
      const double x = get(r.summary);
      if (std::isfinite(x)) v.push_back(x);
    }
    return v;
  };
  const auto spark_line = [&](const char* name, const std::vector<double>& v) {
    if (v.size() < 2) return;
    char b[64];
    std::snprintf(b, sizeof b, "  %-24s ", name);
    out += b + sparkline(v, 40);
    std::snprintf(b, sizeof b, "  %.1f .. %.1f\n", *std::min_element(v.begin(), v.end()),
                  *std::max_element(v.begin(), v.end()));
    out += b;
  };
  const auto hr_before =
      series([](const engine::session_summary& m) { return m.baseline.mean_hr_bpm; });
  if (hr_before.size() >= 2) out += "trend over sessions:\n";
  spark_line("resting HR before (bpm)", hr_before);
  spark_line("resting HR after (bpm)",
             series([](const engine::session_summary& m) { return m.after.mean_hr_bpm; }));
  spark_line("RMSSD before (ms)",
             series([](const engine::session_summary& m) { return m.baseline.rmssd_ms; }));
  spark_line("RMSSD after (ms)",
             series([](const engine::session_summary& m) { return m.after.rmssd_ms; }));
  spark_line("RSA paced (bpm)",
             series([](const engine::session_summary& m) { return m.paced.rsa_bpm; }));
  const auto j = history_json(rows);
  const auto& t = j["trend"];
  if (!t["rmssd_change_ms_per_day"].is_null()) {
    char line[160];
    std::snprintf(line, sizeof line,
                  "trend: paced-minus-baseline RMSSD changes by %+.2f ms per day over %zu days\n",
                  t["rmssd_change_ms_per_day"].get<double>(), t["days"].size());
    out += line;
  }
  return out;
}

}  // namespace resonant::apps
