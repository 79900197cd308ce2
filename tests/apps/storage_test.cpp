// Storage faults through the real binary (issue 13). The session record is the truth and the
// history database an index of records: a session that cannot write its record says so, goes
// on and ends with a documented exit code; a history row that cannot be written (database
// locked for the whole session, damaged, disk full) is added later from the record; two
// sessions at once both keep theirs. Sessions run on the simulated subject at speed 400
// (a 2-minute session in about a second of wall time); nothing here sleeps.
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/cli_run.hpp"
#include "support/scratch_dir.hpp"

namespace {

namespace fs = std::filesystem;
using resonant::test::run_result;

// A short session: settle (ends after 8 clean beats), 1 min baseline + paced, 30 s after.
constexpr const char* short_session =
    "session --source sim:seed=3,speed=400 --minutes 1.5 --after 30 --audio off";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class storage : public resonant::test::scratch_dir_test {
 protected:
  [[nodiscard]] fs::path home() const { return dir_ / "home"; }
  [[nodiscard]] std::string env() const { return "RESONANT_HOME=" + home().string() + " "; }
  [[nodiscard]] run_result resonant(const std::string& args) const {
    return resonant::test::run_resonant(args, env());
  }
  // `resonant ARGS` with a file size limit (the shell's ulimit -f, in 512-byte blocks, is a
  // setrlimit(RLIMIT_FSIZE) in the child before exec).
  [[nodiscard]] run_result limited(int blocks, const std::string& args) const {
    return resonant::test::run_resonant(args, env(), true,
                                        "ulimit -f " + std::to_string(blocks) + " && ");
  }
  [[nodiscard]] nlohmann::json history_json() const {
    const auto r = resonant::test::run_resonant("history --all --format json", env(), false);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return nlohmann::json::parse(r.out);
  }
  [[nodiscard]] std::vector<fs::path> records() const {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(home() / "sessions")) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
  }
  static void expect_no_internal_error(const run_result& r) {
    EXPECT_FALSE(contains(r.out, "internal error")) << r.out;
  }
  // The record replays through the engine and gives metric rows.
  void expect_replays(const fs::path& record) const {
    const auto r =
        resonant::test::run_resonant("replay " + record.string() + " --format csv", env(), false);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_GT(std::count(r.out.begin(), r.out.end(), '\n'), 100) << r.out;
  }
};

TEST_F(storage, a_file_size_limit_stops_the_record_not_the_session_and_the_row_comes_later) {
  // 10 blocks = 5120 bytes: the record of an RR session is cut after about three minutes.
  const auto r = limited(10, short_session);
  expect_no_internal_error(r);
  // A documented non-zero exit code (README, apps/exit_codes.hpp), after the whole summary.
  EXPECT_EQ(r.exit_code, 5) << r.out;
  // Said at once, while the session goes on (status lines follow it) ...
  const auto said = r.out.find("resonant: recording stopped: File too large at ");
  ASSERT_NE(said, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("| not recording", said), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("record: stopped: File too large", said), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("session: complete", said), std::string::npos) << r.out;
  // ... and the summary covers what the record holds, and says so.
  EXPECT_TRUE(contains(r.out, "Session summary (ended early)")) << r.out;
  EXPECT_TRUE(contains(r.out,
                       "this summary covers only what the record holds; the session ran "
                       "on to "))
      << r.out;
  // The history could not be written either (same limit): deferred, not lost.
  EXPECT_TRUE(contains(r.out, "History: the row is not written now")) << r.out;
  const auto recs = records();
  ASSERT_EQ(recs.size(), 1U);
  EXPECT_LE(fs::file_size(recs[0]), 5120U);
  EXPECT_TRUE(contains(r.out, "Record: " + recs[0].string() + " (")) << r.out;
  EXPECT_TRUE(contains(r.out, "beats, cut short")) << r.out;
  expect_replays(recs[0]);

  // The limit is gone: `history` adds the session from its record.
  const auto shown = resonant("history --all");
  EXPECT_EQ(shown.exit_code, 0) << shown.out;
  EXPECT_TRUE(contains(shown.out, "added 1 session from records")) << shown.out;
  const auto h = history_json();
  ASSERT_EQ(h["sessions"].size(), 1U) << h.dump();
  const auto& s = h["sessions"][0];
  EXPECT_EQ(s["record"], recs[0].string());
  EXPECT_TRUE(s["ended_early"].get<bool>());
  EXPECT_GT(s["baseline"]["duration_s"].get<double>(), 20.0);
  EXPECT_GT(s["paced"]["duration_s"].get<double>(), 0.0);
  // Added once: the next `history` knows it.
  EXPECT_EQ(history_json()["sessions"].size(), 1U);
}

TEST_F(storage, simulate_into_a_file_size_limit_names_the_record_that_failed) {
  const auto out = dir_ / "long.rsn";
  const auto r = limited(10, "simulate --minutes 30 --out " + out.string());
  expect_no_internal_error(r);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_TRUE(contains(r.out, "writing " + out.string() + ": File too large")) << r.out;
}

// An EXCLUSIVE transaction held by this process on the history database for as long as the
// object lives: no other process can read or write it.
class held_lock {
 public:
  explicit held_lock(const fs::path& db) {
    EXPECT_EQ(sqlite3_open(db.c_str(), &db_), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db_, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  }
  held_lock(const held_lock&) = delete;
  held_lock& operator=(const held_lock&) = delete;
  ~held_lock() {
    sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
  }

 private:
  sqlite3* db_ = nullptr;
};

TEST_F(storage, a_history_locked_for_the_whole_session_keeps_the_record_and_defers_the_row) {
  ASSERT_EQ(resonant("history").exit_code, 0);  // the database exists, empty
  {
    const held_lock lock(home() / "history.sqlite");
    const auto r = resonant(std::string(short_session) + " --rate auto");
    expect_no_internal_error(r);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_TRUE(contains(r.out, "cannot read the stored resonance rate")) << r.out;
    EXPECT_TRUE(contains(r.out, "History: the row is not written now")) << r.out;
    EXPECT_TRUE(contains(r.out, "database is locked")) << r.out;
    ASSERT_EQ(records().size(), 1U);
    EXPECT_TRUE(contains(r.out, "Record: " + records()[0].string() + " (the whole session"))
        << r.out;
    // Still locked: `history` shows the sessions from their records.
    const auto h = resonant::test::run_resonant("history --all --format json", env(), false);
    EXPECT_EQ(h.exit_code, 0) << h.out;
    EXPECT_EQ(nlohmann::json::parse(h.out)["sessions"].size(), 1U) << h.out;
  }
  const auto h = history_json();
  ASSERT_EQ(h["sessions"].size(), 1U);
  EXPECT_EQ(h["sessions"][0]["record"], records()[0].string());
  EXPECT_FALSE(h["sessions"][0]["ended_early"].get<bool>());
}

TEST_F(storage, random_bytes_in_the_history_never_stop_a_session_and_rebuild_restores_every_row) {
  // Two sessions stored the ordinary way: their rows are what a rebuild must give back.
  ASSERT_EQ(resonant(short_session).exit_code, 0);
  ASSERT_EQ(
      resonant("session --source sim:seed=5,speed=400 --minutes 1 --after 0 --audio off").exit_code,
      0);
  const auto before = history_json()["sessions"];
  ASSERT_EQ(before.size(), 2U);

  std::mt19937 rng(13);
  std::string junk(6000, '\0');
  for (auto& c : junk) c = static_cast<char>(rng());
  const auto db = home() / "history.sqlite";
  { std::ofstream(db, std::ios::binary | std::ios::trunc) << junk; }
  const auto r = resonant(std::string(short_session) + " --rate auto");
  expect_no_internal_error(r);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "`resonant history --rebuild`")) << r.out;
  EXPECT_TRUE(contains(r.out, "Record: ")) << r.out;
  ASSERT_EQ(records().size(), 3U);

  // `history` on the damaged file: the sessions from the records, and the way out.
  const auto shown = resonant("history --all");
  expect_no_internal_error(shown);
  EXPECT_EQ(shown.exit_code, 0) << shown.out;
  EXPECT_TRUE(contains(shown.out, "history --rebuild")) << shown.out;

  const auto rebuilt = resonant("history --rebuild");
  EXPECT_EQ(rebuilt.exit_code, 0) << rebuilt.out;
  EXPECT_TRUE(contains(rebuilt.out, "history rebuilt from 3 session records")) << rebuilt.out;
  // The damaged file is kept aside, byte for byte.
  std::vector<fs::path> kept;
  for (const auto& e : fs::directory_iterator(home()))
    if (e.path().filename().string().starts_with("history.sqlite.damaged-"))
      kept.push_back(e.path());
  ASSERT_EQ(kept.size(), 1U);
  EXPECT_EQ(resonant::test::slurp(kept[0].string()), junk);

  const auto after = history_json()["sessions"];
  ASSERT_EQ(after.size(), 3U);
  // The rows made from the records are the rows the sessions stored, in the same order.
  for (std::size_t i = 0; i < before.size(); ++i) {
    SCOPED_TRACE(i);
    ASSERT_EQ(after[i]["record"], before[i]["record"]);
    EXPECT_EQ(after[i]["started_utc"], before[i]["started_utc"]);
    EXPECT_EQ(after[i]["verdict"], before[i]["verdict"]);
    EXPECT_EQ(after[i]["ended_early"], before[i]["ended_early"]);
    EXPECT_EQ(after[i]["planned_minutes"], before[i]["planned_minutes"]);
    EXPECT_EQ(after[i]["rate_bpm"], before[i]["rate_bpm"]);
    for (const char* phase : {"baseline", "paced"}) {
      EXPECT_NEAR(after[i][phase]["duration_s"].get<double>(),
                  before[i][phase]["duration_s"].get<double>(), 0.5)
          << phase;
      EXPECT_NEAR(after[i][phase]["rmssd_ms"].get<double>(),
                  before[i][phase]["rmssd_ms"].get<double>(),
                  0.02 * before[i][phase]["rmssd_ms"].get<double>())
          << phase;
      EXPECT_NEAR(after[i][phase]["mean_hr_bpm"].get<double>(),
                  before[i][phase]["mean_hr_bpm"].get<double>(), 0.5)
          << phase;
    }
  }
}

TEST_F(storage, two_sessions_started_at_once_keep_both_records_and_rows) {
  run_result a{}, b{};
  {
    std::jthread first([&] { a = resonant(short_session); });
    std::jthread second([&] { b = resonant(short_session); });
  }
  expect_no_internal_error(a);
  expect_no_internal_error(b);
  EXPECT_EQ(a.exit_code, 0) << a.out;
  EXPECT_EQ(b.exit_code, 0) << b.out;
  EXPECT_TRUE(contains(a.out, "Saved as session ")) << a.out;
  EXPECT_TRUE(contains(b.out, "Saved as session ")) << b.out;
  const auto recs = records();
  ASSERT_EQ(recs.size(), 2U);
  const auto h = history_json()["sessions"];
  ASSERT_EQ(h.size(), 2U);
  EXPECT_NE(h[0]["record"], h[1]["record"]);
  // `history` finds nothing it did not know.
  EXPECT_FALSE(contains(resonant("history --all").out, "added")) << resonant("history").out;
}

TEST_F(storage, the_data_directory_is_made_private_and_a_users_mode_is_left_alone) {
  ASSERT_EQ(resonant("history").exit_code, 0);
  struct stat st {};
  ASSERT_EQ(::stat(home().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700U);
  // The user opens it to the group: kept as it is, with a warning.
  fs::permissions(home(), fs::perms(0750), fs::perm_options::replace);
  const auto r = resonant("history");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "can be read by other users (mode 750)")) << r.out;
  ASSERT_EQ(::stat(home().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0750U);
  // A user's read-only directory stays read-only.
  fs::permissions(home(), fs::perms(0500), fs::perm_options::replace);
  EXPECT_EQ(resonant("history").exit_code, 0);
  ASSERT_EQ(::stat(home().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0500U);
  fs::permissions(home(), fs::perms(0700), fs::perm_options::replace);
}

}  // namespace
