// Storage faults at the record (issue 13): atomic record names, a writer that stops for good
// at the first failed write and says what the file holds, and a record read back into the
// summary a history row is made from.
#include "engine/record_contents.hpp"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <set>

#include <gtest/gtest.h>

#include "engine/session_record.hpp"
#include "support/scratch_dir.hpp"

namespace resonant::engine {
namespace {

using record_contents_test = test::scratch_dir_test;

record_header session_header() {
  record_header h;
  h.software = "resonant test";
  h.started_utc = "2026-12-03T10:00:00Z";
  h.device = "sim:seed=1";
  h.input_kind = dsp::input_kind::rr;
  h.units = "ms";
  h.parameters["session"] = {{"mode", "session"}, {"settle_s", 20.0}, {"baseline_s", 60.0},
                             {"paced_s", 120.0},  {"after_s", 0.0},   {"speed", 1.0}};
  h.parameters["pacer"] = {{"rate_bpm", 6.0}};
  return h;
}

TEST_F(record_contents_test, record_names_are_taken_in_one_step_with_a_suffix_while_taken) {
  std::set<std::string> names;
  for (int i = 0; i < 4; ++i)
    names.insert(create_record_file(dir_, "session-20261203T100000Z").filename().string());
  EXPECT_EQ(names, (std::set<std::string>{
                       "session-20261203T100000Z.rsn", "session-20261203T100000Z-1.rsn",
                       "session-20261203T100000Z-2.rsn", "session-20261203T100000Z-3.rsn"}));
  // A reserved (empty) name is taken over by the writer; a record with data is never.
  const auto reserved = dir_ / "session-20261203T100000Z-1.rsn";
  { session_record_writer w(reserved, session_header()); }
  EXPECT_THROW(session_record_writer(reserved, session_header()), std::system_error);
}

// In a child with a file size limit of 2000 bytes (SIGXFSZ ignored, as `resonant` does): the
// writer stops at the first failed write, keeps its errno and counts only whole lines, and the
// file reads back with exactly those lines.
TEST_F(record_contents_test, a_write_beyond_the_file_size_limit_stops_the_record_for_good) {
  const auto path = dir_ / "limited.rsn";
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    const rlimit lim{2000, 2000};
    if (::setrlimit(RLIMIT_FSIZE, &lim) != 0) ::_exit(10);
    session_record_writer w(path, session_header());
    for (int i = 1; i <= 500; ++i) w.rr(i * 1.0, 1000.0, false);
    if (!w.recording_stopped() || w.error() != EFBIG) ::_exit(11);
    if (w.recorded_beats() < 10 || w.recorded_beats() >= 500) ::_exit(12);
    if (w.recorded_s() != static_cast<double>(w.recorded_beats())) ::_exit(13);
    const auto beats = w.recorded_beats();
    w.rr(600.0, 1000.0, false);  // nothing more, even with room
    if (w.recorded_beats() != beats) ::_exit(14);
    session_record_reader r(path);
    record_item item;
    std::int64_t n = 0;
    while (r.next(item)) ++n;
    ::_exit(n == beats ? 0 : 15);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "child check " << WEXITSTATUS(status) << " failed";
  EXPECT_LE(std::filesystem::file_size(path), 2000U);
}

// A hand-made session: settle 0-10 s, baseline 10-70 s, paced 70-190 s, one beat a second.
void write_session(const std::filesystem::path& path, double until_s, bool complete) {
  session_record_writer w(path, session_header());
  w.event(0.0, "phase", "settle");
  bool baseline = false, paced = false;
  for (double t = 1.0; t <= until_s; t += 1.0) {
    if (!baseline && t >= 10.0) {
      w.event(10.0, "phase", "baseline");
      baseline = true;
    }
    if (!paced && t >= 70.0) {
      w.event(70.0, "phase", "paced");
      w.event(70.0, "pacer", "rate 5.5/min");
      paced = true;
    }
    // A heart period breathing at 5.5/min while paced (RSA), steady before.
    const double rr = paced ? 1000.0 + 60.0 * std::sin(2.0 * 3.14159265 * t * 5.5 / 60.0) : 1000.0;
    w.rr(t, rr, false);
    if (static_cast<int>(t) % 5 == 0) w.clock(t - 3.0);
  }
  if (complete) w.event(until_s, "session", "complete");
}

TEST_F(record_contents_test, a_complete_record_gives_its_phases_and_the_last_pacing_rate) {
  const auto path = dir_ / "full.rsn";
  write_session(path, 190.0, true);
  const record_contents c = read_record_contents(path);
  EXPECT_EQ(c.mode, "session");
  EXPECT_TRUE(c.complete);
  EXPECT_DOUBLE_EQ(c.planned_s, 180.0);
  EXPECT_DOUBLE_EQ(c.rate_bpm, 5.5);
  EXPECT_DOUBLE_EQ(c.recorded_s, 190.0);
  EXPECT_NEAR(c.summary.baseline.duration_s, 60.0, 1e-9);
  EXPECT_NEAR(c.summary.paced.duration_s, 120.0, 1e-9);
  EXPECT_FALSE(c.summary.ended_early);
  EXPECT_NEAR(c.summary.baseline.mean_hr_bpm, 60.0, 0.5);
  EXPECT_GT(c.summary.baseline.beats, 40);
  EXPECT_GT(c.beats, 150);
}

TEST_F(record_contents_test, a_record_cut_short_covers_only_what_it_holds) {
  const auto path = dir_ / "cut.rsn";
  write_session(path, 100.0, false);
  const record_contents c = read_record_contents(path);
  EXPECT_FALSE(c.complete);
  EXPECT_DOUBLE_EQ(c.recorded_s, 100.0);
  EXPECT_NEAR(c.summary.baseline.duration_s, 60.0, 1e-9);
  EXPECT_NEAR(c.summary.paced.duration_s, 30.0, 1e-9);
  EXPECT_TRUE(c.summary.ended_early);
  EXPECT_NEAR(c.summary.session_s, 100.0, 1e-9);
}

}  // namespace
}  // namespace resonant::engine
