#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "drivers/input_error.hpp"
#include "drivers/rr_recording.hpp"
#include "drivers/signal_recording.hpp"
#include "drivers/wfdb_annotations.hpp"
#include "support/scratch_dir.hpp"

namespace {

namespace fs = std::filesystem;
using resonant::drivers::input_error;
using resonant::drivers::read_wfdb_annotations;
using resonant::drivers::read_wfdb_beats;
using resonant::drivers::rr_recording;
using resonant::dsp::beat_label;

const std::string data_dir = RESONANT_DATA_DIR;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const input_error& e) {
    return e.what();
  }
  return "(no input_error)";
}

// One annotation for the test encoder.
struct annotation {
  std::int64_t sample;
  unsigned code;
  std::string aux;
  int chan = -1;
};

// Independent MIT-format writer (annot(5)): a SKIP before any step that does not fit in 10 bits,
// CHN and AUX after their annotation, a zero word at the end.
class encoder {
 public:
  void word(unsigned w) {
    bytes_.push_back(static_cast<char>(w & 0xFFU));
    bytes_.push_back(static_cast<char>((w >> 8U) & 0xFFU));
  }
  void add(const annotation& a) {
    const std::int64_t step = a.sample - previous_;
    if (step < 0 || step > 1023) {
      const auto raw = static_cast<std::uint32_t>(static_cast<std::int32_t>(step));
      word(59U << 10U);
      word(raw >> 16U);
      word(raw & 0xFFFFU);
      word(a.code << 10U);
    } else {
      word((a.code << 10U) | static_cast<unsigned>(step));
    }
    if (a.chan >= 0) word((62U << 10U) | static_cast<unsigned>(a.chan));
    if (!a.aux.empty()) {
      word((63U << 10U) | static_cast<unsigned>(a.aux.size()));
      bytes_ += a.aux;
      if (a.aux.size() % 2 == 1) bytes_.push_back('\0');
    }
    previous_ = a.sample;
  }
  std::string finish() {
    word(0);
    return bytes_;
  }
  std::string bytes_;

 private:
  std::int64_t previous_ = 0;
};

std::string encode(const std::vector<annotation>& anns) {
  encoder e;
  for (const auto& a : anns) e.add(a);
  return e.finish();
}

class wfdb_annotations_test : public resonant::test::scratch_dir_test {
 protected:
  // Writes rec.hea and rec.atr; returns the .atr path.
  fs::path record(const std::string& atr, const std::string& hea = "rec 2 250 1000000\n") const {
    write("rec.hea", hea);
    return write("rec.atr", atr);
  }

  std::string error_for(const std::string& atr, const std::string& hea = "rec 2 250\n") const {
    const fs::path p = record(atr, hea);
    std::string message = error_of([&] { read_wfdb_annotations(p); });
    const std::string prefix = (dir_ / "").string();
    if (message.starts_with(prefix)) message = message.substr(prefix.size());
    return message;
  }
};

TEST_F(wfdb_annotations_test, beats_give_intervals_times_and_labels_non_beats_skipped) {
  const std::vector<annotation> anns = {
      {10, 28, "(N"},         // rhythm change, not a beat
      {100, 1, ""},           // N
      {300, 1, "", 0},        // N with a CHN word
      {300, 14, ""},          // noise at the same sample, not a beat
      {450, 8, ""},           // A
      {2000, 22, "comment"},  // note, SKIP needed (step 1550)
      {2700, 5, ""},          // V, step 700 after the note
      {70000, 1, ""},         // N after a long SKIP
      {69990, 22, "x"},       // note with a negative SKIP
      {70250, 1, ""},         // N
  };
  const auto r = read_wfdb_annotations(record(encode(anns)));
  const std::vector<double> samples = {100, 300, 450, 2700, 70000, 70250};
  ASSERT_EQ(r.rr.size(), samples.size() - 1);
  for (std::size_t k = 1; k < samples.size(); ++k) {
    EXPECT_NEAR(r.rr.rr_ms[k - 1], (samples[k] - samples[k - 1]) / 250.0 * 1000.0, 1e-9);
    EXPECT_NEAR(r.rr.end_s[k - 1], (samples[k] - samples[0]) / 250.0, 1e-12);
    EXPECT_EQ(r.rr.after_gap[k - 1], 0);
  }
  const std::vector<beat_label> labels = {beat_label::normal, beat_label::supraventricular,
                                          beat_label::ventricular, beat_label::normal,
                                          beat_label::normal};
  EXPECT_EQ(r.labels, labels);
  EXPECT_EQ(r.kind, "annotations");
  EXPECT_EQ(r.units, "samples");
  EXPECT_EQ(r.missing, 0U);
}

TEST_F(wfdb_annotations_test, beats_at_absolute_samples_agree_with_the_intervals) {
  const std::vector<annotation> anns = {
      {10, 28, "(N"},         // rhythm change, not a beat
      {100, 1, ""},           // N
      {300, 1, "", 0},        // N with a CHN word
      {300, 14, ""},          // noise at the same sample, not a beat
      {450, 8, ""},           // A
      {2000, 22, "comment"},  // note, SKIP needed
      {2700, 5, ""},          // V
      {70000, 6, ""},         // F after a long SKIP
      {69990, 22, "x"},       // note with a negative SKIP
      {70250, 12, ""},        // paced
  };
  const fs::path atr = record(encode(anns));
  const auto b = read_wfdb_beats(atr);
  EXPECT_EQ(b.fs_hz, 250.0);
  EXPECT_EQ(b.samples, (std::vector<std::int64_t>{100, 300, 450, 2700, 70000, 70250}));
  EXPECT_EQ(b.labels, (std::vector<beat_label>{
                          beat_label::normal, beat_label::normal, beat_label::supraventricular,
                          beat_label::ventricular, beat_label::fusion, beat_label::paced}));
  // The same parser: the intervals are the differences of the beat samples.
  const auto r = read_wfdb_annotations(atr);
  ASSERT_EQ(r.rr.size(), b.samples.size() - 1);
  for (std::size_t k = 1; k < b.samples.size(); ++k) {
    EXPECT_EQ(r.rr.rr_ms[k - 1],
              static_cast<double>(b.samples[k] - b.samples[k - 1]) / b.fs_hz * 1000.0);
    EXPECT_EQ(r.labels[k - 1], b.labels[k]);
  }
  EXPECT_EQ(read_wfdb_beats(dir_ / "rec").samples, b.samples);  // record path

  // No beats is a valid beat list (but not an RR recording); errors are shared.
  const fs::path none = record(encode({{10, 28, "(N"}}));
  EXPECT_TRUE(read_wfdb_beats(none).samples.empty());
  EXPECT_EQ(error_of([&] {
              read_wfdb_beats(record(encode({{0, 1, ""}}).substr(0, 2)));
            }),
            (dir_ / "rec.atr").string() +
                ": corrupt annotation data at byte offset 2: the file is truncated (no "
                "end-of-annotations word)");
}

TEST_F(wfdb_annotations_test, high_resolution_beat_times_are_rounded_to_record_samples) {
  // Times in 1/1000 s, record at 250 Hz: 1001 ms -> 250.25 -> 250; 1003 ms -> 250.75 -> 251.
  const std::string atr =
      encode({{0, 22, "## time resolution: 1000"}, {1001, 1, ""}, {1003, 1, ""}, {4000, 5, ""}});
  const auto b = read_wfdb_beats(record(atr, "rec 2 250\n"));
  EXPECT_EQ(b.fs_hz, 250.0);
  EXPECT_EQ(b.samples, (std::vector<std::int64_t>{250, 251, 1000}));
}

TEST_F(wfdb_annotations_test, every_code_maps_to_its_beat_class_or_is_skipped) {
  // ecgcodes.h beat codes and the class each belongs to.
  const std::vector<std::pair<unsigned, beat_label>> beats = {
      {1, beat_label::normal},
      {2, beat_label::normal},
      {3, beat_label::normal},
      {25, beat_label::normal},
      {4, beat_label::supraventricular},
      {7, beat_label::supraventricular},
      {8, beat_label::supraventricular},
      {9, beat_label::supraventricular},
      {11, beat_label::supraventricular},
      {34, beat_label::supraventricular},
      {35, beat_label::supraventricular},
      {5, beat_label::ventricular},
      {10, beat_label::ventricular},
      {41, beat_label::ventricular},
      {6, beat_label::fusion},
      {38, beat_label::fusion},
      {12, beat_label::paced},
      {13, beat_label::unknown},
      {30, beat_label::unknown},
  };
  std::vector<annotation> anns = {{50, 1, ""}};
  std::vector<beat_label> expected;
  std::int64_t t = 50;
  for (unsigned code = 1; code <= 49; ++code) {
    t += 100;
    anns.push_back({t, code, ""});
    const auto it =
        std::find_if(beats.begin(), beats.end(), [&](const auto& b) { return b.first == code; });
    if (it != beats.end()) expected.push_back(it->second);
  }
  const auto r = read_wfdb_annotations(record(encode(anns)));
  EXPECT_EQ(r.labels, expected);
  EXPECT_EQ(r.rr.size(), beats.size());
}

TEST_F(wfdb_annotations_test, sampling_frequency_forms_in_the_header) {
  const std::string atr = encode({{0, 1, ""}, {360, 1, ""}});
  const std::vector<std::pair<std::string, double>> headers = {
      {"rec 2 360 650000\n", 360.0},
      {"# comment\n\n  # indented comment\nrec 2 360/1.5 650000\n", 360.0},
      {"rec 2 128(0)/2 100\r\n", 128.0},
      {"rec\t1\t500.5\n", 500.5},
      {"rec 1\n", 250.0},  // no frequency: WFDB default
      {"rec\n", 250.0},
  };
  for (const auto& [hea, fs_hz] : headers) {
    const auto r = read_wfdb_annotations(record(atr, hea));
    ASSERT_EQ(r.rr.size(), 1U) << hea;
    EXPECT_NEAR(r.rr.rr_ms[0], 360.0 / fs_hz * 1000.0, 1e-9) << hea;
  }
}

TEST_F(wfdb_annotations_test, record_path_without_extension_reads_the_atr) {
  record(encode({{0, 1, ""}, {250, 1, ""}}));
  const auto r = read_wfdb_annotations(dir_ / "rec");
  ASSERT_EQ(r.rr.size(), 1U);
  EXPECT_NEAR(r.rr.rr_ms[0], 1000.0, 1e-9);
  EXPECT_EQ(r.path, (dir_ / "rec").string());
}

TEST_F(wfdb_annotations_test, time_resolution_note_overrides_the_header_frequency) {
  const std::string atr =
      encode({{0, 22, "## time resolution: 1000.000000"}, {100, 1, ""}, {900, 1, ""}});
  const auto r = read_wfdb_annotations(record(atr, "rec 2 250\n"));
  ASSERT_EQ(r.rr.size(), 1U);
  EXPECT_NEAR(r.rr.rr_ms[0], 800.0, 1e-9);
  // The same note later in the file is only a comment.
  const std::string late =
      encode({{5, 22, "## time resolution: 1000"}, {100, 1, ""}, {350, 1, ""}});
  EXPECT_NEAR(read_wfdb_annotations(record(late)).rr.rr_ms[0], 1000.0, 1e-9);
}

TEST_F(wfdb_annotations_test, corrupt_or_truncated_streams_are_errors_with_byte_offsets) {
  const std::string good = encode({{0, 1, ""}, {300, 1, ""}});  // 3 words
  EXPECT_EQ(error_for(good.substr(0, 4)),
            "rec.atr: corrupt annotation data at byte offset 4: the file is truncated (no "
            "end-of-annotations word)");
  EXPECT_EQ(error_for(good.substr(0, 3)),
            "rec.atr: corrupt annotation data at byte offset 2: the file is truncated (no "
            "end-of-annotations word)");
  encoder skip;
  skip.word(59U << 10U);
  skip.word(0);
  EXPECT_EQ(error_for(skip.bytes_),
            "rec.atr: corrupt annotation data at byte offset 0: the file is truncated inside a "
            "SKIP");
  encoder aux;
  aux.word(1U << 10U);
  aux.word((63U << 10U) | 5U);
  aux.bytes_ += "abcd";
  EXPECT_EQ(error_for(aux.bytes_),
            "rec.atr: corrupt annotation data at byte offset 2: the file is truncated inside an "
            "AUX");
  encoder undefined;
  undefined.word(1U << 10U);
  undefined.word(55U << 10U);
  EXPECT_EQ(error_for(undefined.finish()),
            "rec.atr: corrupt annotation data at byte offset 2: undefined annotation code 55");
  EXPECT_EQ(error_for(encode({{10, 1, ""}, {5, 22, ""}, {-3, 1, ""}})),
            "rec.atr: corrupt annotation data at byte offset 10: a SKIP moves the time before "
            "the start of the record");
  EXPECT_EQ(error_for(encode({{10, 1, ""}, {10, 1, ""}})),
            "rec.atr: corrupt annotation data at byte offset 2: beat at sample 10 is not after "
            "the previous beat at sample 10");
  EXPECT_EQ(error_for(encode({{10, 1, ""}, {20, 28, "(N"}})),
            "rec.atr: contains no RR intervals (1 beat)");
  EXPECT_EQ(error_for(std::string()),
            "rec.atr: corrupt annotation data at byte offset 0: the file is truncated (no "
            "end-of-annotations word)");
  EXPECT_EQ(error_for(encode({})), "rec.atr: contains no RR intervals (0 beats)");
}

TEST_F(wfdb_annotations_test, header_problems_name_the_header) {
  const std::string atr = encode({{0, 1, ""}, {300, 1, ""}});
  EXPECT_EQ(error_for(atr, "rec 2 abc\n"),
            "rec.hea:1: sampling frequency \"abc\" is not a number from 0.001 Hz to below 1e6 Hz");
  EXPECT_EQ(error_for(atr, "# c\nrec 2 -5/2\n"),
            "rec.hea:2: sampling frequency \"-5/2\" is not a number from 0.001 Hz to below 1e6 Hz");
  EXPECT_EQ(error_for(atr, "# only comments\n"), "rec.hea: contains no record line");
  const fs::path atr_only = write("lonely.atr", atr);
  EXPECT_EQ(error_of([&] { read_wfdb_annotations(atr_only); }),
            (dir_ / "lonely.hea").string() + ": cannot open: No such file or directory");
  EXPECT_EQ(error_of([&] { read_wfdb_annotations(dir_ / "nothing.atr"); }),
            (dir_ / "nothing.atr").string() + ": cannot open: No such file or directory");
}

// Hostile frequencies (issue 13): a sampling frequency or time resolution of 1e-320, 0, a
// negative number, inf or nan is an input error, never infinite or zero intervals.
TEST_F(wfdb_annotations_test, absurd_frequencies_and_resolutions_are_input_errors) {
  const std::string atr = encode({{0, 1, ""}, {300, 1, ""}});
  for (const std::string fs :
       {"1e-320", "0", "-250", "inf", "nan", "1e300", "0.0001", "-inf", "1e6"}) {
    EXPECT_EQ(error_for(atr, "rec 2 " + fs + "\n"),
              "rec.hea:1: sampling frequency \"" + fs +
                  "\" is not a number from 0.001 Hz to below 1e6 Hz")
        << fs;
  }
  for (const std::string res : {"1e-320", "0", "-1000", "inf", "nan", "1e300", "x"}) {
    const std::string hires =
        encode({{0, 22, "## time resolution: " + res}, {100, 1, ""}, {900, 1, ""}});
    EXPECT_EQ(error_for(hires),
              "rec.atr: corrupt annotation data at byte offset 2: time resolution \"" + res +
                  "\" is not a number from 0.001 to 1e9 Hz")
        << res;
    // read_wfdb_beats goes through the same checks.
    const fs::path p = record(hires, "rec 2 250\n");
    EXPECT_THROW(read_wfdb_beats(p), input_error) << res;
  }
  // The limits themselves read, and give finite intervals.
  const auto low = read_wfdb_annotations(record(atr, "rec 2 0.001\n"));
  ASSERT_EQ(low.rr.size(), 1U);
  EXPECT_NEAR(low.rr.rr_ms[0], 300.0 / 0.001 * 1000.0, 1e-3);
  const auto high = read_wfdb_annotations(record(atr, "rec 2 999999\n"));
  EXPECT_NEAR(high.rr.rr_ms[0], 300.0 / 999999.0 * 1000.0, 1e-12);
}

// Annotation times beyond 1e8 s (3 years) are refused before any conversion to record
// samples: a SKIP of 2^31-1 ticks at 1 Hz resolution would otherwise reach 2e9 s.
TEST_F(wfdb_annotations_test, annotation_times_beyond_the_record_span_are_input_errors) {
  const std::string atr = encode({{0, 22, "## time resolution: 1"},
                                  {100, 1, ""},
                                  {2'000'000'000, 1, ""},
                                  {2'000'000'001, 1, ""}});
  EXPECT_EQ(error_for(atr, "rec 2 500000\n"),
            "rec.atr: annotation times reach 2000000001.000000 s, beyond the 1e8 s a record can "
            "span (wrong time resolution?)");
  // Many SKIPs of 2^31-1 ticks: the tick counter stops at 2^53, before int64 overflow.
  encoder e;
  for (int i = 0; i < 4'200'000; ++i) {
    e.word(59U << 10U);
    e.word(0x7FFFU);
    e.word(0xFFFFU);
  }
  const std::string many = e.finish();
  const std::string message = error_for(many);
  EXPECT_NE(message.find("a SKIP moves the time beyond 2^53 ticks"), std::string::npos) << message;
}

// The bytes-level entry point (fuzz target) agrees with the file reader.
TEST_F(wfdb_annotations_test, bytes_entry_point_agrees_with_the_file_reader) {
  const std::string atr = encode({{0, 1, ""}, {360, 5, ""}, {700, 28, "(N"}, {1000, 1, ""}});
  const std::string hea = "rec 2 360 650000\n";
  const auto from_file = read_wfdb_annotations(record(atr, hea));
  const auto from_bytes = resonant::drivers::parse_wfdb_annotations(atr, "mem.atr", hea, "mem.hea");
  EXPECT_EQ(from_bytes.rr.rr_ms, from_file.rr.rr_ms);
  EXPECT_EQ(from_bytes.rr.end_s, from_file.rr.end_s);
  EXPECT_EQ(from_bytes.labels, from_file.labels);
  const auto beats = resonant::drivers::parse_wfdb_beats(atr, "mem.atr", hea, "mem.hea");
  EXPECT_EQ(beats.samples, (std::vector<std::int64_t>{0, 360, 1000}));
  EXPECT_EQ(error_of([&] {
              resonant::drivers::parse_wfdb_annotations(atr, "mem.atr", "rec 2 inf\n", "mem.hea");
            }),
            "mem.hea:1: sampling frequency \"inf\" is not a number from 0.001 Hz to below 1e6 Hz");
}

// Decoder fixture split at every byte boundary: each strict prefix of a valid stream (with
// SKIP, CHN and odd-length AUX) is an error, never a crash or a silent partial read.
TEST_F(wfdb_annotations_test, every_truncation_of_a_valid_stream_is_an_error) {
  const std::string full = encode({{18, 28, "(N"},
                                   {77, 1, ""},
                                   {370, 1, "", 1},
                                   {5000, 8, "odd"},
                                   {5300, 5, ""},
                                   {5600, 1, ""}});
  ASSERT_EQ(read_wfdb_annotations(record(full)).rr.size(), 4U);
  for (std::size_t n = 0; n < full.size(); ++n) {
    const std::string message = error_for(full.substr(0, n));
    EXPECT_TRUE(message.starts_with("rec.atr: corrupt annotation data at byte offset "))
        << n << ": " << message;
  }
}

TEST_F(wfdb_annotations_test, random_bytes_never_crash) {
  std::mt19937 rng(2024);
  std::size_t returned = 0;
  write("rec.hea", "rec 2 250\n");
  for (int trial = 0; trial < 500; ++trial) {
    std::string bytes(rng() % 200, '\0');
    for (char& c : bytes) c = static_cast<char>(rng() & 0xFF);
    if (trial % 2 == 0) bytes += std::string(2, '\0');  // give half of them an end word
    try {
      const auto r = read_wfdb_annotations(write("rec.atr", bytes));
      ++returned;
      ASSERT_GE(r.rr.size(), 1U);
      ASSERT_EQ(r.labels.size(), r.rr.size());
      for (std::size_t i = 0; i < r.rr.size(); ++i) ASSERT_GT(r.rr.rr_ms[i], 0.0);
    } catch (const input_error&) {
    }
  }
  EXPECT_GT(returned, 0U);
}

// MIT-BIH record 100: the annotation file against the intervals in
// data/reference/rr/wfdb_100_atr.txt (ms, 4 decimals) and the beat classes it contains.
TEST(wfdb_annotations_real, mitdb_100_matches_reference_intervals_and_beat_classes) {
  const auto r = read_wfdb_annotations(data_dir + "/recordings/mitdb/100.atr");
  std::ifstream in(data_dir + "/reference/rr/wfdb_100_atr.txt");
  std::vector<double> ref;
  double v = 0.0;
  while (in >> v) ref.push_back(v);
  ASSERT_EQ(r.rr.size(), 2272U);  // 2273 beats
  ASSERT_EQ(ref.size(), 2272U);
  double sum_ms = 0.0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    ASSERT_NEAR(r.rr.rr_ms[i], ref[i], 1e-3) << "interval " << i;
    sum_ms += r.rr.rr_ms[i];
    ASSERT_NEAR(r.rr.end_s[i], sum_ms / 1000.0, 1e-9);
  }
  // Beat classes of the beats ending the intervals (the first beat, an N at sample 77, ends
  // none): 2238 N, 33 A, 1 V.
  const auto count = [&](beat_label l) { return std::count(r.labels.begin(), r.labels.end(), l); };
  EXPECT_EQ(count(beat_label::normal), 2238);
  EXPECT_EQ(count(beat_label::supraventricular), 33);
  EXPECT_EQ(count(beat_label::ventricular), 1);
  // Cross-check with the intervals: every A beat is premature (interval below 90 % of the
  // median, 797 ms); the V beat is premature and followed by a compensatory pause.
  std::vector<double> sorted = r.rr.rr_ms;
  std::nth_element(sorted.begin(), sorted.begin() + 1136, sorted.end());
  const double median = sorted[1136];
  for (std::size_t i = 0; i < r.labels.size(); ++i) {
    if (r.labels[i] == beat_label::supraventricular) {
      EXPECT_LT(r.rr.rr_ms[i], 0.9 * median) << i;
    }
    if (r.labels[i] == beat_label::ventricular) {
      EXPECT_LT(r.rr.rr_ms[i], 0.75 * median);
      ASSERT_LT(i + 1, r.rr.size());
      EXPECT_GT(r.rr.rr_ms[i + 1], 1.3 * median);
    }
  }
}

}  // namespace
