// The live page in Debian's headless Chromium during a replay at speed 20 (real time, so
// labelled `slow`): it receives snapshots over /stream and the HR it displays follows them.
#include <algorithm>
#include <cmath>
#include <optional>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "live_support.hpp"
#include "support/child_process.hpp"
#include "support/cli_run.hpp"
#include "support/scratch_dir.hpp"

namespace {

using resonant::test::child_process;
using resonant::test::text_after;
using namespace std::chrono_literals;

struct shown {
  long rows = 0;
  double time_s = 0.0;
  std::string hr;
  std::string state;
};

std::optional<shown> parse_dom(const std::string& dom) {
  const auto rows = text_after(dom, "data-rows=\"", "\"");
  const auto time = text_after(dom, "data-time=\"", "\"");
  const auto hr = text_after(dom, "id=\"hr\">", "<");
  if (!rows || !time || !hr || rows->empty() || time->empty()) return std::nullopt;
  if (rows->find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  if (time->find_first_not_of("0123456789.") != std::string::npos) return std::nullopt;
  shown s;
  s.rows = std::stol(*rows);
  s.time_s = std::stod(*time);
  s.hr = *hr;
  if (const auto at = dom.find("id=\"state\""); at != std::string::npos) {
    if (const auto state = text_after(dom, ">", "<", at)) s.state = *state;
  }
  return s;
}

class live_browser : public resonant::test::scratch_dir_test {
 protected:
  // The page's DOM after `budget_ms` of the page's (virtual) time in headless Chromium.
  std::string dump_dom(const std::string& url, int budget_ms, const std::string& tag) {
    child_process chromium(
        {"chromium", "--no-sandbox", "--headless=new", "--disable-gpu",
         "--user-data-dir=" + (dir_ / ("profile_" + tag)).string(),
         "--virtual-time-budget=" + std::to_string(budget_ms), "--dump-dom", url},
        dir_ / (tag + ".html"), dir_ / (tag + ".err"));
    EXPECT_EQ(chromium.wait(), 0) << chromium.err_text();
    return chromium.out_text();
  }
};

TEST_F(live_browser, page_receives_snapshots_during_a_replay_and_shows_their_hr) {
  const auto out = dir_ / "m.jsonl";
  child_process replay(
      {RESONANT_EXE, "replay", resonant::test::data_file("recordings/nsr2db_nsr001_rr_secs.txt"),
       "--speed", "20", "--format", "jsonl", "--out", out.string(), "--serve", "0"},
      dir_ / "replay.out", dir_ / "replay.err");
  std::uint16_t port = 0;
  ASSERT_TRUE(child_process::wait_for(
      [&] { return (port = resonant::test::printed_port(replay.err_text())) > 0; }, 20s));
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  // Rows are flowing before the browser starts.
  ASSERT_TRUE(child_process::wait_for(
      [&] {
        const std::string text = resonant::test::slurp(out.string());
        return std::count(text.begin(), text.end(), '\n') >= 5;
      },
      20s));

  std::vector<shown> seen;
  for (const char* tag : {"first", "second"}) {
    const auto s = parse_dom(dump_dom(url, 10000, tag));
    ASSERT_TRUE(s.has_value()) << "page without received rows (" << tag << ")";
    seen.push_back(*s);
  }
  replay.stop();
  const std::string written = resonant::test::slurp(out.string());
  for (const shown& s : seen) {
    EXPECT_GE(s.rows, 2);  // virtual time ends the page after a few real frames
    EXPECT_EQ(s.state, "ok");
    // The displayed HR is the hr_bpm of the row with the displayed time, to one decimal.
    std::optional<double> hr;
    std::istringstream lines(written);
    for (std::string line; std::getline(lines, line);) {
      const auto j = nlohmann::json::parse(line);
      if (j.contains("hr_bpm") && std::abs(j["time_s"].get<double>() - s.time_s) < 5e-4 &&
          !j["hr_bpm"].is_null())
        hr = j["hr_bpm"].get<double>();
    }
    ASSERT_TRUE(hr.has_value()) << "no row at " << s.time_s;
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", *hr);
    EXPECT_EQ(s.hr, text) << "at " << s.time_s;
  }
  // The second look is later in the stream: the page follows the replay.
  EXPECT_GT(seen[1].time_s, seen[0].time_s);
}

}  // namespace
