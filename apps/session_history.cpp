#include "session_history.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <system_error>

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

class statement {
 public:
  statement(sqlite3* db, const char* sql, const std::filesystem::path& path) {
    if (sqlite3_prepare_v2(db, sql, -1, &st_, nullptr) != SQLITE_OK)
      throw std::runtime_error(path.string() + ": " + sqlite3_errmsg(db));
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
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::system_error(ec, "cannot create " + dir.string());
  ::chmod(dir.c_str(), 0700);
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
    throw std::runtime_error(db_path.string() + ": " + msg);
  }
  sqlite3_busy_timeout(db_, 5000);
  exec(schema);
}

session_history::~session_history() {
  sqlite3_close(db_);
}

void session_history::exec(const char* sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string msg = err != nullptr ? err : "error";
    sqlite3_free(err);
    throw std::runtime_error(path_.string() + ": " + msg);
  }
}

std::int64_t session_history::add_session(const session_row& r) {
  const statement st(db_, R"sql(
    INSERT INTO sessions (started_utc, source, record_path, planned_minutes, rate_bpm, session_s,
      ended_early, verdict, coverage_pct, signal_losses,
      baseline_hr_bpm, paced_hr_bpm, baseline_rmssd_ms, paced_rmssd_ms,
      baseline_rsa_bpm, paced_rsa_bpm, baseline_coherence, paced_coherence,
      baseline_lf_hf, paced_lf_hf, baseline_s, paced_s,
      baseline_coverage_pct, paced_coverage_pct, baseline_beats, paced_beats)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
            ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26))sql",
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
  if (sqlite3_step(s) != SQLITE_DONE)
    throw std::runtime_error(path_.string() + ": " + sqlite3_errmsg(db_));
  return sqlite3_last_insert_rowid(db_);
}

std::vector<session_row> session_history::sessions() const {
  const statement st(db_, R"sql(
    SELECT id, started_utc, source, record_path, planned_minutes, rate_bpm, session_s,
      ended_early, verdict, coverage_pct, signal_losses,
      baseline_hr_bpm, paced_hr_bpm, baseline_rmssd_ms, paced_rmssd_ms,
      baseline_rsa_bpm, paced_rsa_bpm, baseline_coherence, paced_coherence,
      baseline_lf_hf, paced_lf_hf, baseline_s, paced_s,
      baseline_coverage_pct, paced_coverage_pct, baseline_beats, paced_beats
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
    rows.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) throw std::runtime_error(path_.string() + ": " + sqlite3_errmsg(db_));
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
  if (sqlite3_step(st.get()) != SQLITE_DONE)
    throw std::runtime_error(path_.string() + ": " + sqlite3_errmsg(db_));
}

std::optional<double> session_history::resonance_rate() const {
  const statement st(db_,
                     "SELECT rate_bpm FROM resonance ORDER BY assessed_utc DESC, id DESC "
                     "LIMIT 1",
                     path_);
  if (sqlite3_step(st.get()) == SQLITE_ROW) return sqlite3_column_double(st.get(), 0);
  return std::nullopt;
}

namespace {

nlohmann::json num(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
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

nlohmann::json history_json(const std::vector<session_row>& rows) {
  nlohmann::json out;
  out["sessions"] = nlohmann::json::array();
  std::map<std::string, std::vector<const session_row*>> by_day;
  for (const auto& r : rows) {
    const auto& m = r.summary;
    out["sessions"].push_back({{"id", r.id},
                               {"started_utc", r.started_utc},
                               {"source", r.source},
                               {"record", r.record_path},
                               {"planned_minutes", r.planned_minutes},
                               {"rate_bpm", r.rate_bpm},
                               {"session_s", m.session_s},
                               {"ended_early", m.ended_early},
                               {"verdict", m.verdict},
                               {"coverage_pct", num(m.coverage_pct)},
                               {"signal_losses", m.signal_losses},
                               {"baseline", phase_json(m.baseline)},
                               {"paced", phase_json(m.paced)}});
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
        "%-16.16s %4.1f  %4.1f  %5s / %-5s      %6s / %-6s      %5s / %-5s   %5s/%-5s %s%s\n",
        r.started_utc.c_str(), m.session_s / 60.0, r.rate_bpm,
        f(m.baseline.mean_hr_bpm, "%.0f").c_str(), f(m.paced.mean_hr_bpm, "%.0f").c_str(),
        f(m.baseline.rmssd_ms, "%.1f").c_str(), f(m.paced.rmssd_ms, "%.1f").c_str(),
        f(m.baseline.rsa_bpm, "%.1f").c_str(), f(m.paced.rsa_bpm, "%.1f").c_str(),
        f(m.baseline.coherence, "%.2f").c_str(), f(m.paced.coherence, "%.2f").c_str(),
        m.verdict.c_str(), m.ended_early ? " (ended early)" : "");
    out += line;
  }
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
