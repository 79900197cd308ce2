#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "drivers/input_error.hpp"
#include "drivers/rr_recording.hpp"
#include "support/scratch_dir.hpp"

namespace {

namespace fs = std::filesystem;
using resonant::drivers::input_error;
using resonant::drivers::read_rr_file;
using resonant::drivers::read_rr_recording;
using resonant::drivers::rr_file_options;
using resonant::drivers::rr_recording;
using resonant::drivers::rr_units;

const std::string data_dir = RESONANT_DATA_DIR;

// Slow, obviously-correct reader for the reference files: one number per line.
std::vector<double> read_reference(const std::string& path) {
  std::ifstream in(path);
  std::vector<double> out;
  double v = 0.0;
  while (in >> v) out.push_back(v);
  return out;
}

// The message of the input_error thrown by f, or a marker when none is thrown.
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const input_error& e) {
    return e.what();
  }
  return "(no input_error)";
}

bool contains(const std::vector<std::string>& warnings, const std::string& part) {
  for (const auto& w : warnings) {
    if (w.find(part) != std::string::npos) return true;
  }
  return false;
}

class rr_file_reader_test : public resonant::test::scratch_dir_test {
 protected:
  rr_recording read(const std::string& contents, rr_file_options options = {}) const {
    return read_rr_file(write("rr.txt", contents), options);
  }

  // The error message for a file named rr.txt with these contents, with the directory removed,
  // read with --strict (bad values are errors) unless the options say otherwise; the hint
  // " (remove --strict ...)" at the end is checked once and then removed.
  std::string error_for(const std::string& contents,
                        rr_file_options options = {.strict = true}) const {
    const fs::path p = write("rr.txt", contents);
    std::string message = error_of([&] { read_rr_file(p, options); });
    const std::string prefix = p.string();
    if (message.starts_with(prefix)) message = "rr.txt" + message.substr(prefix.size());
    if (const auto hint = message.find(" (remove --strict"); hint != std::string::npos) {
      EXPECT_TRUE(options.strict);
      message.erase(hint);
    }
    return message;
  }
};

void expect_series(const rr_recording& r, const std::vector<double>& rr_ms,
                   const std::vector<double>& end_s, const std::vector<int>& gaps) {
  ASSERT_EQ(r.rr.size(), rr_ms.size());
  ASSERT_EQ(r.rr.end_s.size(), end_s.size());
  ASSERT_EQ(r.rr.after_gap.size(), gaps.size());
  for (std::size_t i = 0; i < rr_ms.size(); ++i) {
    EXPECT_NEAR(r.rr.rr_ms[i], rr_ms[i], 1e-9) << "interval " << i;
    EXPECT_NEAR(r.rr.end_s[i], end_s[i], 1e-9) << "interval " << i;
    EXPECT_EQ(r.rr.after_gap[i], gaps[i]) << "interval " << i;
  }
}

TEST_F(rr_file_reader_test, one_interval_per_line_in_ms_with_running_sum_time_axis) {
  const auto r = read("800\n810\n790\n");
  expect_series(r, {800, 810, 790}, {0.8, 1.61, 2.4}, {0, 0, 0});
  EXPECT_EQ(r.units, "ms");
  EXPECT_EQ(r.kind, "rr");
  EXPECT_EQ(r.missing, 0U);
  EXPECT_TRUE(r.labels.empty());
  EXPECT_TRUE(r.warnings.empty());
}

TEST_F(rr_file_reader_test, seconds_are_detected_by_median_and_stored_in_ms) {
  const auto r = read("0.8\n0.81\n0.79\n");
  expect_series(r, {800, 810, 790}, {0.8, 1.61, 2.4}, {0, 0, 0});
  EXPECT_EQ(r.units, "s");
}

TEST_F(rr_file_reader_test, units_option_overrides_the_median_rule) {
  // Median 15.5 <= 20: auto-detect says seconds.
  EXPECT_NEAR(read("15\n16\n").rr.rr_ms[0], 15000.0, 1e-9);
  const auto ms = read("15\n16\n", {.units = rr_units::ms});
  expect_series(ms, {15, 16}, {0.015, 0.031}, {0, 0});
  EXPECT_EQ(ms.units, "ms");
  // Median 900 > 20 says ms; the option says seconds.
  const auto s = read("900\n1000\n", {.units = rr_units::s});
  EXPECT_NEAR(s.rr.rr_ms[1], 1e6, 1e-6);
  EXPECT_EQ(s.units, "s");
}

TEST_F(rr_file_reader_test, many_intervals_per_line_with_every_separator) {
  for (const std::string sep : {" ", "  ", ",", ", ", ";", "\t", " ; "}) {
    const auto r = read("800" + sep + "810" + sep + "820\n830" + sep + "840\n");
    expect_series(r, {800, 810, 820, 830, 840}, {0.8, 1.61, 2.43, 3.26, 4.1}, {0, 0, 0, 0, 0});
  }
}

TEST_F(rr_file_reader_test, kubios_style_export_with_bom_crlf_comments_and_header) {
  const auto r = read(
      "\xEF\xBB\xBFKubios HRV Standard export\r\n"
      "Sample limits: 0 - 300\r\n"
      "# a comment\r\n"
      "% another comment\r\n"
      "// and another\r\n"
      "\r\n"
      "  Time (s) , RR (ms)\r\n"
      "  10.000 ,  800\r\n"
      "10.810, 810\r\n"
      "\r\n"
      "# comment between data lines\r\n"
      "11.600, 790\r\n");
  expect_series(r, {800, 810, 790}, {0.8, 1.61, 2.4}, {0, 0, 0});
  EXPECT_EQ(r.units, "ms");
  EXPECT_TRUE(r.warnings.empty());
}

TEST_F(rr_file_reader_test, time_column_dates_the_beat_ending_each_interval) {
  // end_s[i] = time[i] - time[0] + rr[0] / 1000: the first interval starts at 9.2 s.
  const auto r = read("time,rr\n10.0,800\n10.8,800\n11.65,850\n");
  expect_series(r, {800, 800, 850}, {0.8, 1.6, 2.45}, {0, 0, 0});
  EXPECT_TRUE(r.warnings.empty());
}

TEST_F(rr_file_reader_test, columns_are_found_by_name_and_time_in_ms_is_converted) {
  // RR first, time second, an unparsed label column; the time header says ms.
  const auto r =
      read("RR interval [ms];Timestamp (ms);Label\n800;10000;N\n810;10810;V\n790;11600;N\n");
  expect_series(r, {800, 810, 790}, {0.8, 1.61, 2.4}, {0, 0, 0});
  // IBI in seconds named by the header, time column without unit but stepping like ms.
  const auto ibi = read("t,IBI (s)\n1000,0.8\n1810,0.81\n2600,0.79\n");
  expect_series(ibi, {800, 810, 790}, {0.8, 1.61, 2.4}, {0, 0, 0});
  EXPECT_EQ(ibi.units, "s");
}

TEST_F(rr_file_reader_test, headerless_two_columns_are_time_then_rr) {
  const auto r = read("5.0 800\n5.81 810\n6.6 790\n");
  expect_series(r, {800, 810, 790}, {0.8, 1.61, 2.4}, {0, 0, 0});
}

TEST_F(rr_file_reader_test, single_line_of_two_values_is_a_list) {
  const auto r = read("800 810\n");
  expect_series(r, {800, 810}, {0.8, 1.61}, {0, 0});
}

TEST_F(rr_file_reader_test, header_unit_is_followed_and_a_conflict_warned) {
  EXPECT_EQ(read("RR (s)\n0.8\n0.9\n").units, "s");
  const auto r = read("RR (s)\n800\n900\n");
  EXPECT_EQ(r.units, "s");
  EXPECT_NEAR(r.rr.rr_ms[0], 800000.0, 1e-6);
  EXPECT_TRUE(contains(r.warnings, "the header says the intervals are in s"));
}

TEST_F(rr_file_reader_test, missing_values_in_a_list_are_counted_and_mark_gaps) {
  const auto r = read("800\nNaN\n810\nNA\n820\nn/a\nnull\n830\nnan\n");
  expect_series(r, {800, 810, 820, 830}, {0.8, 1.61, 2.43, 3.26}, {0, 1, 1, 1});
  EXPECT_EQ(r.missing, 5U);
  EXPECT_TRUE(contains(r.warnings, "5 missing intervals"));
  // Empty fields between hard separators are missing too.
  const auto commas = read("800,,810,820\n");
  expect_series(commas, {800, 810, 820}, {0.8, 1.61, 2.43}, {0, 1, 0});
  EXPECT_EQ(commas.missing, 1U);
}

TEST_F(rr_file_reader_test, missing_interval_with_a_time_column_keeps_the_gap_length) {
  const auto r = read("time,rr\n1.0,800\n1.8,\n2.6,800\n3.4,NaN\n4.2,800\n");
  expect_series(r, {800, 800, 800}, {0.8, 2.4, 4.0}, {0, 1, 1});
  EXPECT_EQ(r.missing, 2U);
  EXPECT_TRUE(r.warnings.empty());
}

TEST_F(rr_file_reader_test, line_without_a_time_continues_from_the_previous_beat) {
  const auto r = read("time,rr\n1.0,800\n,800\n2.6,800\n");
  expect_series(r, {800, 800, 800}, {0.8, 1.6, 2.4}, {0, 0, 0});
}

TEST_F(rr_file_reader_test, trailing_separators_on_every_line_are_ignored) {
  const auto r = read("time;rr;\n1.0;800;\n1.8;800;\n");
  expect_series(r, {800, 800}, {0.8, 1.6}, {0, 0});
  expect_series(read("800,\n810,\n"), {800, 810}, {0.8, 1.61}, {0, 0});
}

TEST_F(rr_file_reader_test, first_value_as_offset_is_not_an_interval) {
  const auto r = read("225.796875\n0.6953125\n0.7109375\n", {.first_is_offset = true});
  expect_series(r, {695.3125, 710.9375}, {0.6953125, 1.40625}, {0, 0});
  EXPECT_EQ(r.units, "s");
  // A zero offset (first beat at time 0) is fine.
  expect_series(read("0\n800\n", {.first_is_offset = true}), {800}, {0.8}, {0});
}

TEST_F(rr_file_reader_test, absurd_but_positive_values_are_read) {
  const auto r = read("800\n100000\n810\n");
  expect_series(r, {800, 100000, 810}, {0.8, 100.8, 101.61}, {0, 0, 0});
}

TEST_F(rr_file_reader_test, number_forms) {
  expect_series(read("+800\n8.1e2\n.79e3\n800.\n"), {800, 810, 790, 800}, {0.8, 1.61, 2.4, 3.2},
                {0, 0, 0, 0});
}

TEST_F(rr_file_reader_test, header_line_that_starts_like_a_number_is_skipped_with_a_warning) {
  const auto r = read("2024-01-01 export\n800\n810\n");
  expect_series(r, {800, 810}, {0.8, 1.61}, {0, 0});
  EXPECT_TRUE(contains(r.warnings, "line 1 (\"2024-01-01 export\") was skipped as header text"));
}

TEST_F(rr_file_reader_test, time_column_that_disagrees_with_the_intervals_is_warned) {
  // Named "time", it is a time axis even though it counts 1, 2, 3.
  const auto r = read("time,rr\n1,800\n2,800\n3,800\n4,800\n");
  EXPECT_NEAR(r.rr.end_s[3], 3.8, 1e-9);
  EXPECT_TRUE(contains(r.warnings, "the time column disagrees with the intervals on 3 of 3"));
}

TEST_F(rr_file_reader_test, fields_that_are_not_numbers_are_errors_naming_file_line_and_field) {
  std::string lines;
  for (int i = 0; i < 16; ++i) lines += "800\n";
  EXPECT_EQ(error_for(lines + "12a\n800\n"), "rr.txt:17: \"12a\" is not a number");
  EXPECT_EQ(error_for("800\n1.2.3\n"), "rr.txt:2: \"1.2.3\" is not a number");
  EXPECT_EQ(error_for("800 810 12ms\n"), "rr.txt:1: \"12ms\" is not a number");
  EXPECT_EQ(error_for("800\n0x20\n"), "rr.txt:2: \"0x20\" is not a number");
  EXPECT_EQ(error_for("800\n+-5\n"), "rr.txt:2: \"+-5\" is not a number");
  EXPECT_EQ(error_for("800\ninf\n"), "rr.txt:2: \"inf\" is not a finite number");
  EXPECT_EQ(error_for("800\n1e999\n"), "rr.txt:2: \"1e999\" is out of range");
  EXPECT_EQ(error_for("800\nEnd of file\n"), "rr.txt:2: \"End\" is not a number");
  EXPECT_EQ(error_for("time,rr\n1.0,800\n1.8x,800\n"), "rr.txt:3: \"1.8x\" is not a number");
  // Unused columns are not parsed, used ones are.
  EXPECT_EQ(error_for("rr,label\n800,N\n80O,N\n"), "rr.txt:3: \"80O\" is not a number");
}

TEST_F(rr_file_reader_test, non_positive_intervals_are_errors_with_value_and_unit) {
  EXPECT_EQ(error_for("800\n810\n790\n-350\n"), "rr.txt:4: interval -350 ms is not positive");
  EXPECT_EQ(error_for("800\n0\n"), "rr.txt:2: interval 0 ms is not positive");
  EXPECT_EQ(error_for("0.8\n-0.35\n"), "rr.txt:2: interval -0.35 s is not positive");
  EXPECT_EQ(error_for("time,rr\n1,800\n2,-800\n"), "rr.txt:3: interval -800 ms is not positive");
  // The earliest problem in the file is reported.
  EXPECT_EQ(error_for("800\n-5\n810\n820\nabc\n"), "rr.txt:2: interval -5 ms is not positive");
}

TEST_F(rr_file_reader_test, column_and_time_problems_are_errors) {
  EXPECT_EQ(error_for("time,rr\n1,800\n2,800,5\n"),
            "rr.txt:3: 3 fields where the header on line 1 names 2 columns");
  EXPECT_EQ(error_for("time,rr\n1.0,800\n0.9,800\n"),
            "rr.txt:3: time \"0.9\" is not after the previous beat's time \"1.0\"");
  EXPECT_EQ(error_for("time,rr\n1.0,800\n,800\n1.5,800\n"),
            "rr.txt:4: time 1.5 is not after the end of the previous interval");
  EXPECT_EQ(error_for("a,b,c\n1,2,3\n4,5,6\n"),
            "rr.txt:1: no RR column among \"a\", \"b\", \"c\" (expected a name containing rr, "
            "ibi, nn, interval or rri)");
}

TEST_F(rr_file_reader_test, files_without_intervals_are_errors_on_line_zero) {
  EXPECT_EQ(error_for(""), "rr.txt: contains no RR intervals");
  EXPECT_EQ(error_for("\xEF\xBB\xBF\n\n# only a comment\n"), "rr.txt: contains no RR intervals");
  EXPECT_EQ(error_for("RR (ms)\n"), "rr.txt: contains no RR intervals");
  EXPECT_EQ(error_for("nan\nNA\n"), "rr.txt: contains no RR intervals");
  EXPECT_EQ(error_for("225.8\n", {.first_is_offset = true}), "rr.txt: contains no RR intervals");
  const fs::path p = write("empty.txt", "");
  try {
    read_rr_file(p, {});
    FAIL() << "no error";
  } catch (const input_error& e) {
    EXPECT_EQ(e.file(), p.string());
    EXPECT_EQ(e.line(), 0U);
  }
}

TEST_F(rr_file_reader_test, unreadable_files_give_the_os_reason) {
  const fs::path missing = dir_ / "missing.txt";
  EXPECT_EQ(error_of([&] { read_rr_file(missing, {}); }),
            missing.string() + ": cannot open: No such file or directory");
  EXPECT_EQ(error_of([&] { read_rr_file(dir_, {}); }),
            dir_.string() + ": is a directory, not a recording");
}

// Without --strict, a bad line or an impossible value inside the data is a gap with a counted
// warning naming its line, and the rest of the file is read.
TEST_F(rr_file_reader_test, bad_values_are_gaps_without_strict) {
  const auto r = read("800\n810\n12a\n790\n-5\n800\n@ marker 12\n805\n5475531\n795\n");
  expect_series(r, {800, 810, 790, 800, 805, 795}, {0.8, 1.61, 2.4, 3.2, 4.005, 4.8},
                {0, 0, 1, 1, 1, 1});
  EXPECT_EQ(r.skipped, 4U);
  ASSERT_EQ(r.skipped_lines.size(), 4U);
  EXPECT_EQ(r.skipped_lines[0].line, 3U);
  EXPECT_EQ(r.skipped_lines[1].line, 5U);
  EXPECT_EQ(r.skipped_lines[2].line, 7U);
  EXPECT_EQ(r.skipped_lines[3].line, 9U);
  EXPECT_TRUE(contains(r.warnings, "4 values skipped as gaps"));
  EXPECT_EQ(error_for("800\n810\n5475531\n790\n"),
            "rr.txt:3: interval \"5475531\" is longer than an hour: not a beat interval");
  // A column that counts by one and is not named time is an index, not a time axis.
  const auto indexed = read("0\t800\n1\t810\n2\t790\n3\t800\n");
  expect_series(indexed, {800, 810, 790, 800}, {0.8, 1.61, 2.4, 3.2}, {0, 0, 0, 0});
  // Date-times in the time column: the intervals give the time axis.
  const auto dated =
      read("date,time,RR,HR\n2026-12-03,10:00:01,800,75\n2026-12-03,10:00:02,810,74\n");
  expect_series(dated, {800, 810}, {0.8, 1.61}, {0, 0});
}

TEST_F(rr_file_reader_test, input_error_formats_file_and_line) {
  EXPECT_STREQ(input_error("rr.txt", 17, "\"12a\" is not a number").what(),
               "rr.txt:17: \"12a\" is not a number");
  EXPECT_STREQ(input_error("rr.txt", 0, "contains no RR intervals").what(),
               "rr.txt: contains no RR intervals");
  const input_error e("dir/rr.txt", 4, "x");
  EXPECT_EQ(e.file(), "dir/rr.txt");
  EXPECT_EQ(e.line(), 4U);
}

// Random series written by the test in several layouts (oracle: the values themselves).
TEST_F(rr_file_reader_test, random_series_round_trip_through_every_layout) {
  std::mt19937 rng(12345);
  std::uniform_real_distribution<double> rr_dist(300.0, 1500.0);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<double> rr(static_cast<std::size_t>(1 + trial * 37));
    for (double& v : rr) v = std::round(rr_dist(rng) * 1000.0) / 1000.0;
    std::vector<double> end(rr.size());
    std::partial_sum(rr.begin(), rr.end(), end.begin());
    for (double& e : end) e /= 1000.0;
    const std::vector<int> no_gaps(rr.size(), 0);

    std::ostringstream list_ms;
    std::ostringstream list_s;
    std::ostringstream columns;
    list_ms.precision(17);
    list_s.precision(17);
    columns.precision(17);
    columns << "Time (s);RR (ms)\n";
    for (std::size_t i = 0; i < rr.size(); ++i) {
      list_ms << rr[i] << (i % 7 == 6 ? "\n" : " ");
      list_s << rr[i] / 1000.0 << "\r\n";
      columns << 100.0 + end[i] << ";" << rr[i] << "\n";
    }
    expect_series(read(list_ms.str()), rr, end, no_gaps);
    expect_series(read(list_s.str()), rr, end, no_gaps);
    const auto c = read(columns.str());
    ASSERT_EQ(c.rr.size(), rr.size());
    for (std::size_t i = 0; i < rr.size(); ++i) {
      EXPECT_NEAR(c.rr.rr_ms[i], rr[i], 1e-9);
      EXPECT_NEAR(c.rr.end_s[i], end[i], 1e-9);  // time column, rounding of 100 + end only
    }
  }
}

// Robustness: random bytes and random token soups either read or throw input_error.
TEST_F(rr_file_reader_test, random_input_never_crashes) {
  std::mt19937 rng(777);
  const std::string alphabet = "0123456789.,;\t \n\r-+eEnaNA#%/xX\xEF\xBB\xBF";
  std::size_t returned = 0;
  std::size_t thrown = 0;
  for (int trial = 0; trial < 400; ++trial) {
    std::string contents(rng() % 300, '\0');
    for (char& c : contents) {
      c = trial % 2 == 0 ? static_cast<char>(rng() & 0xFF) : alphabet[rng() % alphabet.size()];
    }
    try {
      const auto r = read(contents, {.first_is_offset = trial % 3 == 0});
      ++returned;
      ASSERT_FALSE(r.rr.empty());
      ASSERT_EQ(r.rr.end_s.size(), r.rr.size());
      ASSERT_EQ(r.rr.after_gap.size(), r.rr.size());
      for (std::size_t i = 0; i < r.rr.size(); ++i) {
        ASSERT_TRUE(std::isfinite(r.rr.rr_ms[i]) && r.rr.rr_ms[i] > 0.0);
        ASSERT_TRUE(std::isfinite(r.rr.end_s[i]));
        if (i > 0) {
          ASSERT_GT(r.rr.end_s[i], r.rr.end_s[i - 1]);
        }
      }
    } catch (const input_error&) {
      ++thrown;
    }
  }
  EXPECT_GT(returned, 0U);
  EXPECT_GT(thrown, 0U);
}

TEST(rr_file_reader_real, hrvanalysis_one_integer_per_line) {
  const auto r = read_rr_file(data_dir + "/recordings/hrvanalysis_test_nn_intervals.txt", {});
  const auto ref = read_reference(data_dir + "/reference/rr/hrvanalysis_test_nn.txt");
  ASSERT_EQ(r.rr.size(), 1000U);
  ASSERT_EQ(ref.size(), 1000U);
  for (std::size_t i = 0; i < ref.size(); ++i) EXPECT_EQ(r.rr.rr_ms[i], ref[i]);
  EXPECT_EQ(r.units, "ms");
}

TEST(rr_file_reader_real, welltory_polar_one_line_of_space_separated_ms) {
  for (const std::string id : {"01", "02", "03", "04", "05"}) {
    const auto r = read_rr_file(data_dir + "/recordings/welltory/subject_" + id + "_RR.txt", {});
    const auto ref =
        read_reference(data_dir + "/reference/rr/welltory_subject_" + id + "_polar_rr.txt");
    ASSERT_EQ(r.rr.size(), ref.size()) << "subject " << id;
    for (std::size_t i = 0; i < ref.size(); ++i) EXPECT_EQ(r.rr.rr_ms[i], ref[i]);
  }
}

TEST(rr_file_reader_real, nsr2db_seconds_with_first_beat_offset) {
  const auto r =
      read_rr_file(data_dir + "/recordings/nsr2db_nsr001_rr_secs.txt", {.first_is_offset = true});
  // Same intervals in ms with 4 decimals; the 1/128 s values are exact in both.
  const auto ref = read_reference(data_dir + "/reference/rr/nsr2db_nsr001.txt");
  ASSERT_EQ(r.rr.size(), 106459U);
  ASSERT_EQ(ref.size(), 106459U);
  EXPECT_EQ(r.units, "s");
  double sum = 0.0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    ASSERT_NEAR(r.rr.rr_ms[i], ref[i], 1e-9) << "interval " << i;
    sum += r.rr.rr_ms[i];
  }
  // Mean from python: sum(a[1:]) * 1000 / (len(a) - 1) over the file's values.
  EXPECT_NEAR(sum / static_cast<double>(ref.size()), 760.5325905982585, 1e-9);
  EXPECT_NEAR(r.rr.end_s.back(), sum / 1000.0, 1e-6);
  EXPECT_NEAR(r.rr.end_s.front(), 0.6953125, 1e-12);
}

TEST_F(rr_file_reader_test, read_rr_recording_picks_the_reader_by_name) {
  const auto by_atr = read_rr_recording(data_dir + "/recordings/mitdb/100.atr", {});
  EXPECT_EQ(by_atr.kind, "annotations");
  const auto by_record = read_rr_recording(data_dir + "/recordings/mitdb/100", {});
  EXPECT_EQ(by_record.kind, "annotations");
  EXPECT_EQ(by_record.rr.size(), 2272U);
  const auto text = read_rr_recording(write("rr.csv", "800\n810\n"), {});
  EXPECT_EQ(text.kind, "rr");
  // No extension and no .atr beside it: an RR text file.
  const auto plain = read_rr_recording(write("record", "800\n810\n"), {});
  EXPECT_EQ(plain.kind, "rr");
  EXPECT_EQ(plain.rr.size(), 2U);
}

}  // namespace
