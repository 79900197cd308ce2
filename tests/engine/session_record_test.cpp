#include "engine/session_record.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "support/scratch_dir.hpp"

namespace resonant::engine {
namespace {

using record_test = test::scratch_dir_test;

record_header ecg_header() {
  record_header h;
  h.software = "resonant test";
  h.started_utc = "2026-11-25T21:00:00Z";
  h.device = "sim:seed=7";
  h.input_kind = dsp::input_kind::ecg;
  h.rate_hz = 130.0;
  h.units = "uV";
  h.parameters["monitor"]["tick_s"] = 1.0;
  return h;
}

std::vector<record_item> read_all(const std::filesystem::path& p, std::int64_t* skipped = nullptr) {
  session_record_reader reader(p);
  std::vector<record_item> items;
  record_item item;
  while (reader.next(item)) items.push_back(item);
  if (skipped != nullptr) *skipped = reader.skipped();
  return items;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST_F(record_test, round_trips_every_line_kind_bit_exactly) {
  const auto path = dir_ / "s.rsn";
  const std::vector<double> samples{0.1, -1234.5678901234567, 1e-300, 3.0, 0.30000000000000004};
  {
    session_record_writer w(path, ecg_header());
    w.samples(0, samples);
    w.rr(0.8231234567891, 823.1234567891, false);
    w.rr(1.6, 776.9, true);
    w.clock(2.0);
    w.event(2.5, "signal", "lost, contact\nnone");
    w.samples(5, std::vector<double>{7.0});
  }
  session_record_reader reader(path);
  EXPECT_EQ(reader.header().device, "sim:seed=7");
  EXPECT_EQ(reader.header().input_kind, dsp::input_kind::ecg);
  EXPECT_DOUBLE_EQ(reader.header().rate_hz, 130.0);
  EXPECT_EQ(reader.header().parameters["monitor"]["tick_s"].get<double>(), 1.0);

  const auto items = read_all(path);
  ASSERT_EQ(items.size(), 6U);
  ASSERT_EQ(items[0].type, record_item::kind::samples);
  ASSERT_EQ(items[0].values.size(), samples.size());
  for (std::size_t i = 0; i < samples.size(); ++i) EXPECT_EQ(items[0].values[i], samples[i]);
  EXPECT_EQ(items[1].type, record_item::kind::rr);
  EXPECT_EQ(items[1].time_s, 0.8231234567891);
  EXPECT_EQ(items[1].rr_ms, 823.1234567891);
  EXPECT_FALSE(items[1].after_gap);
  EXPECT_TRUE(items[2].after_gap);
  EXPECT_EQ(items[3].type, record_item::kind::clock);
  EXPECT_EQ(items[3].time_s, 2.0);
  EXPECT_EQ(items[4].type, record_item::kind::event);
  EXPECT_EQ(items[4].event_type, "signal");
  EXPECT_EQ(items[4].event_detail, "lost, contact none");  // one line, commas kept in detail
  EXPECT_EQ(items[5].first_sample, 5);
}

TEST_F(record_test, file_is_private_and_never_overwritten) {
  const auto path = dir_ / "s.rsn";
  { session_record_writer w(path, ecg_header()); }
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
  EXPECT_THROW(session_record_writer(path, ecg_header()), std::system_error);
}

TEST_F(record_test, header_problems_are_clear_errors) {
  const auto expect_error = [&](const std::string& name, const std::string& text,
                                const std::string& needle) {
    const auto p = write(name, text);
    try {
      session_record_reader r(p);
      ADD_FAILURE() << name << ": no error";
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(p.string() + ":1: "), std::string::npos) << what;
      EXPECT_NE(what.find(needle), std::string::npos) << what;
    }
  };
  expect_error("empty", "", "empty file");
  expect_error("truncated", R"({"format":"resonant-session","vers)", "truncated");
  expect_error("garbage", "hello world\n", "not valid JSON");
  expect_error("foreign",
               R"({"format":"other","version":1})"
               "\n",
               "not a Resonant session record");
  expect_error("version",
               R"({"format":"resonant-session","version":9,"input":{"kind":"rr"}})"
               "\n",
               "unsupported session record version");
  expect_error("kind",
               R"({"format":"resonant-session","version":1,"input":{"kind":"eeg"}})"
               "\n",
               "not rr, ecg or ppg");
  expect_error("rate",
               R"({"format":"resonant-session","version":1,"input":{"kind":"ppg"}})"
               "\n",
               "rate_hz");
}

// Hostile headers (issue 13): wrong JSON types and out-of-range numbers are input errors
// naming line 1 and the field, never a JSON exception or a float-to-int conversion.
TEST_F(record_test, hostile_headers_are_input_errors_naming_the_field) {
  struct hostile {
    const char* header;
    const char* needle;
  };
  const std::string input = R"("input":{"kind":"rr","rate_hz":0,"units":"ms"})";
  const std::vector<hostile> cases{
      {R"({"format":1})", "not a Resonant session record"},
      {R"({"format":null,"version":1})", "not a Resonant session record"},
      {R"({"format":"resonant-session"})", "has no version"},
      {R"({"format":"resonant-session","version":"1"})",
       "unsupported session record version \"1\""},
      {R"({"format":"resonant-session","version":1e300})", "unsupported session record version"},
      {R"({"format":"resonant-session","version":-1e300})", "unsupported session record version"},
      {R"({"format":"resonant-session","version":1.9})", "unsupported session record version 1.9"},
      {R"({"format":"resonant-session","version":1.0})", "unsupported session record version"},
      {R"({"format":"resonant-session","version":18446744073709551615})",
       "unsupported session record version"},
      {R"({"format":"resonant-session","version":[1]})",
       "unsupported session record version array"},
      {R"({"format":"resonant-session","version":1})", "\"input\" must be an object"},
      {R"({"format":"resonant-session","version":1,"input":[]})", "\"input\" must be an object"},
      {R"({"format":"resonant-session","version":1,"input":{}})", "\"input.kind\" is missing"},
      {R"({"format":"resonant-session","version":1,"input":{"kind":7}})",
       "\"input.kind\" must be a string"},
      {R"({"format":"resonant-session","version":1,"software":false,"input":{"kind":"rr"}})",
       "\"software\" must be a string"},
      {R"({"format":"resonant-session","version":1,"device":{},"input":{"kind":"rr"}})",
       "\"device\" must be a string"},
      {R"({"format":"resonant-session","version":1,"input":{"kind":"ecg","rate_hz":"130"}})",
       "\"input.rate_hz\" must be a number"},
      {R"({"format":"resonant-session","version":1,"input":{"kind":"ecg","rate_hz":1e-320}})",
       "rate_hz must be in 1..1000000 Hz"},
      {R"({"format":"resonant-session","version":1,"input":{"kind":"ecg","rate_hz":1e300}})",
       "rate_hz must be in 1..1000000 Hz"},
      {R"({"format":"resonant-session","version":1,"input":{"kind":"ecg","rate_hz":-130}})",
       "rate_hz must be in 1..1000000 Hz"},
      {R"({"format":"resonant-session","version":1,"input":{"kind":"rr","rate_hz":-1}})",
       "rate_hz must be from 0 to 1000000 for rr records"},
      {R"({"format":"resonant-session","version":1,"input":{"kind":"rr","units":3}})",
       "\"input.units\" must be a string"},
      {R"({"format":"resonant-session","version":1,"input":{"kind":"rr"},"parameters":3})",
       "\"parameters\" must be an object"},
  };
  for (const auto& c : cases) {
    const std::string text = std::string(c.header) + "\n";
    try {
      session_record_reader r("hostile.rsn", text);
      ADD_FAILURE() << c.header << ": no error";
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.rfind("hostile.rsn:1: ", 0), 0U) << what;
      EXPECT_NE(what.find(c.needle), std::string::npos) << c.header << " -> " << what;
    } catch (const std::exception& e) {
      ADD_FAILURE() << c.header << ": not an input error: " << e.what();
    }
  }
  // A deeply nested version (a megabyte of '[') is described by its type, not dumped.
  {
    const std::string deep = R"({"format":"resonant-session","version":)" +
                             std::string(500000, '[') + std::string(500000, ']') + "}\n";
    try {
      session_record_reader r("deep.rsn", deep);
      ADD_FAILURE() << "deep: no error";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("unsupported session record version array"),
                std::string::npos)
          << e.what();
    }
  }
  // The same through the file constructor.
  const auto p = write("v.rsn", "{\"format\":\"resonant-session\",\"version\":\"1\"}\n");
  EXPECT_THROW(session_record_reader r(p), std::invalid_argument);
  // And a good header from bytes reads.
  const std::string good =
      R"({"format":"resonant-session","version":1,)" + input + "}\nr,0.8,800\n";
  session_record_reader r("good.rsn", good);
  record_item item;
  ASSERT_TRUE(r.next(item));
  EXPECT_EQ(item.rr_ms, 800.0);
  EXPECT_FALSE(r.next(item));
}

// Numbers out of range in data lines are skipped and counted before they reach any integer or
// chrono arithmetic (a sample index of 2^63-1 used to overflow in the reader).
TEST_F(record_test, out_of_range_numbers_in_data_lines_are_skipped_and_counted) {
  const std::string ecg =
      R"({"format":"resonant-session","version":1,"input":{"kind":"ecg","rate_hz":100}})"
      "\n";
  const std::string text = ecg +
                           "s,9223372036854775807,1,2\n"  // 2^63-1: beyond 1e7 s at 100 Hz
                           "s,9223372036854775806,1\n"
                           "s,-5,1\n"               // negative index
                           "s,1000000000,1\n"       // exactly 1e7 s at 100 Hz: kept
                           "s,1000000001,1,2\n"     // just beyond: skipped
                           "r,1e300,800\n"          // absurd end time
                           "r,5,1e300\n"            // absurd interval
                           "r,6,-800\n"             // negative interval
                           "r,7,inf\n"              // infinite interval
                           "r,8,nan\n"              // a missing beat: kept
                           "t,1e300\n"              // absurd clock
                           "t,-inf\n"               // infinite clock
                           "e,1e300,signal,lost\n"  // absurd event time
                           "r,9,800\n";             // good
  session_record_reader r("ranges.rsn", text);
  std::vector<record_item> items;
  record_item item;
  while (r.next(item)) items.push_back(item);
  ASSERT_EQ(items.size(), 3U);
  EXPECT_EQ(items[0].first_sample, 1000000000);
  EXPECT_EQ(items[1].time_s, 8.0);
  EXPECT_TRUE(std::isnan(items[1].rr_ms));
  EXPECT_EQ(items[2].time_s, 9.0);
  EXPECT_EQ(r.skipped(), 11);
  ASSERT_GE(r.skipped_lines().size(), 11U);
  EXPECT_NE(
      r.skipped_lines()[0].find("ranges.rsn:2: sample line: first sample index is out of range"),
      std::string::npos)
      << r.skipped_lines()[0];
  EXPECT_NE(r.skipped_lines()[4].find("ranges.rsn:7: RR line: end time"), std::string::npos)
      << r.skipped_lines()[4];
  EXPECT_NE(r.skipped_lines()[5].find("ranges.rsn:8: RR line: interval"), std::string::npos)
      << r.skipped_lines()[5];
}

// Found by fuzz_session_record: sample lines in an RR record (rate 0) reached the replay's
// index-to-time division by the rate. They are skipped like any malformed line.
TEST_F(record_test, sample_lines_in_an_rr_record_are_skipped) {
  const std::string text =
      R"({"format":"resonant-session","version":1,"input":{"kind":"rr","rate_hz":0}})"
      "\ns,0,1.5,2.5\nr,0.8,800\ns,5,1\n";
  session_record_reader r("rr.rsn", text);
  record_item item;
  ASSERT_TRUE(r.next(item));
  EXPECT_EQ(item.type, record_item::kind::rr);
  EXPECT_FALSE(r.next(item));
  EXPECT_EQ(r.skipped(), 2);
  ASSERT_EQ(r.skipped_lines().size(), 2U);
  EXPECT_EQ(r.skipped_lines()[0], "rr.rsn:2: sample line in an RR record (no sample rate)");
}

TEST_F(record_test, malformed_lines_are_counted_skipped_and_located) {
  const auto path = dir_ / "s.rsn";
  {
    session_record_writer w(path, ecg_header());
    w.rr(1.0, 1000.0, false);
  }
  {
    std::ofstream out(path, std::ios::app | std::ios::binary);
    out << "r,2.0,1000\n"     // good
        << "r,1.5,500\n"      // goes back in time
        << "garbage line\n"   // not a record line
        << "r,abc,1\n"        // not a number
        << "s,10,1,2,x\n"     // bad sample
        << "t,3\n"            // good clock
        << "t,2\n"            // clock back
        << "q,1\n"            // unknown type
        << "\n"               // blank: ignored, not an error
        << "r,3.0,1000,g\n"   // good
        << "r,4.0,1000,zz\n"  // unexpected field
        << "s,20,1.5,2.5\n"   // good
        << "s,19,1\n"         // sample index backwards
        << "r,5.0,10";        // partial last line
  }
  std::int64_t skipped = 0;
  const auto items = read_all(path, &skipped);
  ASSERT_EQ(items.size(), 5U);  // r1, r2, t3, r3(g), s20
  EXPECT_EQ(items[0].time_s, 1.0);
  EXPECT_EQ(items[1].time_s, 2.0);
  EXPECT_EQ(items[2].type, record_item::kind::clock);
  EXPECT_TRUE(items[3].after_gap);
  EXPECT_EQ(items[4].first_sample, 20);
  EXPECT_EQ(skipped, 9);

  session_record_reader reader(path);
  record_item item;
  while (reader.next(item)) {
  }
  const auto& notes = reader.skipped_lines();
  ASSERT_EQ(notes.size(), 9U);
  EXPECT_NE(notes[0].find(":4: RR line: end time goes back"), std::string::npos) << notes[0];
  EXPECT_NE(notes[1].find(":5: not a record line"), std::string::npos) << notes[1];
  EXPECT_NE(notes.back().find(":16: partial last line"), std::string::npos) << notes.back();
}

// The recorder child: writes a session the way the engine does (one line per write), as fast
// as it can, until it is killed.
[[noreturn]] void record_forever(const std::filesystem::path& path, std::uint64_t seed) {
  session_record_writer w(path, ecg_header());
  std::mt19937_64 rng(seed);
  std::vector<double> block(13);
  std::int64_t n = 0;
  double t = 0.0;
  for (;;) {
    for (auto& v : block) v = static_cast<double>(rng() % 20001) / 7.0 - 1000.0;
    w.samples(n, block);
    n += static_cast<std::int64_t>(block.size());
    t += 0.8;
    w.rr(t, 800.0 + static_cast<double>(rng() % 100), false);
    if (n % 1300 == 0) w.event(t, "status", "streaming");
  }
}

TEST_F(record_test, sigkill_at_random_moments_loses_at_most_the_last_partial_line) {
  std::mt19937 rng(12345);
  for (int trial = 0; trial < 20; ++trial) {
    const auto path = dir_ / ("kill" + std::to_string(trial) + ".rsn");
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) record_forever(path, static_cast<std::uint64_t>(trial));
    // Once it has started, let it write for 5-60 ms, then kill it without warning.
    for (int i = 0;
         i < 5000 && !(std::filesystem::exists(path) && std::filesystem::file_size(path) > 0); ++i)
      ::usleep(1000);
    ::usleep(5000 + static_cast<useconds_t>(rng() % 55000));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status));

    const std::string bytes = slurp(path);
    ASSERT_FALSE(bytes.empty()) << "trial " << trial;
    const auto complete_lines =
        static_cast<std::int64_t>(std::count(bytes.begin(), bytes.end(), '\n'));
    const bool partial_tail = bytes.back() != '\n';

    std::int64_t skipped = -1;
    std::vector<record_item> items;
    ASSERT_NO_THROW(items = read_all(path, &skipped)) << "trial " << trial;
    // Every complete data line replays; at most the partial tail is lost.
    EXPECT_EQ(static_cast<std::int64_t>(items.size()), complete_lines - 1) << "trial " << trial;
    EXPECT_EQ(skipped, partial_tail ? 1 : 0) << "trial " << trial;
    // The data is intact: sample indices contiguous, RR times increasing.
    std::int64_t next = 0;
    for (const auto& it : items)
      if (it.type == record_item::kind::samples) {
        EXPECT_EQ(it.first_sample, next);
        EXPECT_EQ(it.values.size(), 13U);
        next = it.first_sample + 13;
      }
  }
}

}  // namespace
}  // namespace resonant::engine
