#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "drivers/input_error.hpp"
#include "drivers/signal_recording.hpp"
#include "support/scratch_dir.hpp"

namespace {

namespace fs = std::filesystem;
namespace dsp = resonant::dsp;
using resonant::drivers::input_error;
using resonant::drivers::is_signal_file;
using resonant::drivers::read_signal_file;
using resonant::drivers::read_wfdb_beats;
using resonant::drivers::signal_file_options;
using resonant::drivers::signal_recording;
using resonant::dsp::beat_label;

const std::string data_dir = RESONANT_DATA_DIR;
const std::string recordings = data_dir + "/recordings/";

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const input_error& e) {
    return e.what();
  }
  return "(no input_error)";
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

signal_file_options with_column(const std::string& column) {
  signal_file_options o;
  o.column = column;
  return o;
}

signal_file_options with_rate(double rate_hz) {
  signal_file_options o;
  o.rate_hz = rate_hz;
  return o;
}

signal_file_options with_signal(const std::string& signal) {
  signal_file_options o;
  o.signal = signal;
  return o;
}

bool has_warning_containing(const signal_recording& r, const std::string& text) {
  return std::any_of(r.warnings.begin(), r.warnings.end(),
                     [&](const std::string& w) { return w.find(text) != std::string::npos; });
}

// Independent WFDB writers for the tests (signal(5)): format 16 little-endian words; format 212
// packs each pair of consecutive stream samples into 3 bytes.
std::string pack_16(const std::vector<int>& stream) {
  std::string out;
  for (int v : stream) {
    const auto u = static_cast<unsigned>(v) & 0xFFFFU;
    out.push_back(static_cast<char>(u & 0xFFU));
    out.push_back(static_cast<char>(u >> 8U));
  }
  return out;
}

std::string pack_212(const std::vector<int>& stream) {
  std::string out;
  for (std::size_t i = 0; i < stream.size(); i += 2) {
    const unsigned a = static_cast<unsigned>(stream[i]) & 0xFFFU;
    const unsigned b = i + 1 < stream.size() ? static_cast<unsigned>(stream[i + 1]) & 0xFFFU : 0U;
    out.push_back(static_cast<char>(a & 0xFFU));
    out.push_back(static_cast<char>(((a >> 8U) & 0x0FU) | ((b >> 4U) & 0xF0U)));
    if (i + 1 < stream.size()) out.push_back(static_cast<char>(b & 0xFFU));
  }
  return out;
}

int checksum(const std::vector<int>& values) {
  int sum = 0;
  for (int v : values) sum = (sum + v) & 0xFFFF;
  return sum >= 0x8000 ? sum - 0x10000 : sum;
}

class signal_file_test : public resonant::test::scratch_dir_test {
 protected:
  // The message with the temp directory removed, so tests compare "file:line: message".
  std::string error_for(const fs::path& p, const signal_file_options& o) const {
    std::string message = error_of([&] { read_signal_file(p, o); });
    const std::string prefix = (dir_ / "").string();
    for (auto at = message.find(prefix); at != std::string::npos; at = message.find(prefix)) {
      message.erase(at, prefix.size());
    }
    return message;
  }
};

// ---- plain CSV ---------------------------------------------------------------------------------

TEST_F(signal_file_test, csv_with_header_reads_the_named_column_at_the_given_rate) {
  const auto p = write("a.csv", "ECG,PPG,RSP\n1.5,-2,3\n-0.25,4e-3,5\n+7,8,9\n");
  signal_file_options o = with_rate(250.0);
  o.column = "ppg";  // case-insensitive
  const signal_recording r = read_signal_file(p, o);
  EXPECT_EQ(r.column, "PPG");
  EXPECT_EQ(r.kind, dsp::input_kind::ppg);
  EXPECT_EQ(r.fs_hz, 250.0);
  EXPECT_EQ(r.samples, (std::vector<double>{-2.0, 4e-3, 8.0}));
  EXPECT_FALSE(r.source_mean_rate_hz);
  EXPECT_TRUE(r.warnings.empty());

  o.column = "ECG";
  EXPECT_EQ(read_signal_file(p, o).samples, (std::vector<double>{1.5, -0.25, 7.0}));
  EXPECT_EQ(read_signal_file(p, o).kind, dsp::input_kind::ecg);
  o.column = "2";  // 0-based index
  EXPECT_EQ(read_signal_file(p, o).samples, (std::vector<double>{3.0, 5.0, 9.0}));
  EXPECT_FALSE(read_signal_file(p, o).kind.has_value());  // RSP is neither
}

TEST_F(signal_file_test, column_is_chosen_by_signal_kind_and_kind_follows_the_column_name) {
  const auto p = write("b.csv", "RSP,PLETH,MLII\n1,2,3\n4,5,6\n");
  signal_file_options o = with_rate(100.0);
  o.signal = "ppg";
  signal_recording r = read_signal_file(p, o);
  EXPECT_EQ(r.column, "PLETH");
  EXPECT_EQ(r.samples, (std::vector<double>{2.0, 5.0}));
  o.signal = "ecg";
  r = read_signal_file(p, o);
  EXPECT_EQ(r.column, "MLII");
  EXPECT_EQ(r.kind, dsp::input_kind::ecg);
  // An explicit kind wins over the name.
  o.column = "RSP";
  EXPECT_EQ(read_signal_file(p, o).kind, dsp::input_kind::ecg);

  // Only one signal kind among the names: no option needed.
  const auto q = write("c.csv", "resp,V5,time_of_day\n1,2,3\n");
  const signal_recording only = read_signal_file(q, with_rate(360.0));
  EXPECT_EQ(only.column, "V5");
  EXPECT_EQ(only.kind, dsp::input_kind::ecg);
}

TEST_F(signal_file_test, separators_quotes_comments_crlf_and_bom) {
  const std::vector<std::pair<std::string, std::string>> files = {
      {"semi.csv", "# exported\nECG;other\n1;9\n2;9\n\n3;9\n"},
      {"tab.tsv", "\xEF\xBB\xBF\"ECG\"\t\"other\"\r\n1\t9\r\n2\t9\r\n3\t9\r\n"},
      {"space.txt", "  ECG   other\n 1  9\n% note\n2 9\n3    9  \n"},
      {"quoted.csv", "\"ECG\",\"other\"\n\"1\",9\n// c\n2,9\n3,9"},
  };
  for (const auto& [name, text] : files) {
    SCOPED_TRACE(name);
    const signal_recording r = read_signal_file(write(name, text), with_rate(100.0));
    EXPECT_EQ(r.column, "ECG");
    EXPECT_EQ(r.samples, (std::vector<double>{1.0, 2.0, 3.0}));
  }
}

TEST_F(signal_file_test, one_column_without_header_needs_the_rate) {
  const auto p = write("one.csv", "-7.245\n-7.165\n\n0.5\n");
  const signal_recording r = read_signal_file(p, with_rate(360.0));
  EXPECT_EQ(r.fs_hz, 360.0);
  EXPECT_EQ(r.column, "column 0");
  EXPECT_FALSE(r.kind.has_value());
  EXPECT_EQ(r.samples, (std::vector<double>{-7.245, -7.165, 0.5}));
  signal_file_options o = with_rate(360.0);
  o.signal = "ecg";
  o.invert = true;
  const signal_recording inv = read_signal_file(p, o);
  EXPECT_EQ(inv.kind, dsp::input_kind::ecg);
  EXPECT_EQ(inv.samples, (std::vector<double>{7.245, 7.165, -0.5}));

  // Several columns without a header: by index.
  const auto q = write("two.csv", "1,2\n3,4\n");
  o = with_rate(10.0);
  o.column = "1";
  EXPECT_EQ(read_signal_file(q, o).samples, (std::vector<double>{2.0, 4.0}));
}

TEST_F(signal_file_test, every_value_of_a_random_csv_round_trips_exactly) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> dist(-1e3, 1e3);
  std::vector<double> truth(5000);
  std::ostringstream text;
  text.precision(17);
  text << "PPG,ECG\n";
  for (double& v : truth) {
    v = dist(rng);
    text << dist(rng) << ',' << v << '\n';
  }
  signal_file_options o = with_rate(500.0);
  o.signal = "ecg";
  const signal_recording r = read_signal_file(write("r.csv", text.str()), o);
  EXPECT_EQ(r.column, "ECG");
  EXPECT_EQ(r.samples, truth);  // 17 significant digits and from_chars: bit-exact
}

// ---- time-stamped CSV --------------------------------------------------------------------------

// Slow oracle: for each grid time, scan all samples for the bracketing pair.
std::vector<double> oracle_resample(const std::vector<double>& t_s, const std::vector<double>& v,
                                    double fs_hz) {
  std::vector<double> out;
  for (std::size_t k = 0;; ++k) {
    const double tk = t_s.front() + static_cast<double>(k) / fs_hz;
    if (tk > t_s.back() + 1e-12) break;
    std::size_t j = 0;
    for (std::size_t i = 0; i + 1 < t_s.size(); ++i) {
      if (t_s[i] <= tk) j = i;
    }
    const double w = std::min(1.0, (tk - t_s[j]) / (t_s[j + 1] - t_s[j]));
    out.push_back(v[j] + w * (v[j + 1] - v[j]));
  }
  return out;
}

TEST_F(signal_file_test, uneven_time_stamps_in_ms_are_resampled_linearly) {
  // A sine at uneven 20..50 ms steps against the slow oracle; column B is a line in t.
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int> step(20, 50);
  std::vector<double> t_s;
  std::vector<double> v;
  std::ostringstream text;
  text.precision(17);
  text << "time,R,G,B\n";
  int t_ms = 1000;
  for (int i = 0; i < 400; ++i) {
    t_ms += step(rng);
    const double value = 3.0 + std::sin(0.002 * t_ms);
    t_s.push_back(t_ms / 1000.0);
    v.push_back(value);
    text << t_ms << ',' << value << ",0," << 2.0 * t_ms << '\n';
  }
  signal_file_options o;
  o.signal = "ppg";
  const signal_recording r = read_signal_file(write("cam.csv", text.str()), o);
  EXPECT_EQ(r.column, "R");
  EXPECT_EQ(r.kind, dsp::input_kind::ppg);
  EXPECT_EQ(r.fs_hz, 100.0);
  ASSERT_TRUE(r.source_mean_rate_hz);
  EXPECT_NEAR(*r.source_mean_rate_hz, 399.0 / (t_s.back() - t_s.front()), 1e-9);
  const std::vector<double> expected = oracle_resample(t_s, v, 100.0);
  ASSERT_EQ(r.samples.size(), expected.size());
  for (std::size_t k = 0; k < expected.size(); ++k) {
    ASSERT_NEAR(r.samples[k], expected[k], 1e-12) << k;
  }
  EXPECT_TRUE(r.warnings.empty());

  // The linear column B = 2 t_ms: exact on the grid at 250 Hz.
  o.column = "b";
  o.resample_hz = 250.0;
  const signal_recording lin = read_signal_file(write("cam2.csv", text.str()), o);
  for (std::size_t k = 0; k < lin.samples.size(); ++k) {
    ASSERT_NEAR(lin.samples[k], 2.0 * (t_s.front() * 1000.0 + static_cast<double>(k) * 4.0), 1e-9);
  }
}

TEST_F(signal_file_test, time_unit_from_header_or_step_magnitude) {
  // Seconds by magnitude (step 0.01), ms by header despite a small step, s by header.
  const std::vector<std::tuple<std::string, std::string, double>> cases = {
      {"s_mag.csv", "t,ppg\n0,0\n0.01,1\n0.02,2\n0.03,3\n", 100.0},
      {"ms_hdr.csv", "Time (ms),ppg\n0,0\n2,1\n4,2\n6,3\n", 500.0},
      {"s_hdr.csv", "timestamp [s],ppg\n0,0\n0.02,1\n0.04,2\n0.06,3\n", 50.0},
      {"ms_mag.csv", "timer,ppg\n0,0\n10,1\n20,2\n30,3\n", 100.0},
  };
  for (const auto& [name, text, rate] : cases) {
    SCOPED_TRACE(name);
    const signal_recording r = read_signal_file(write(name, text), {});
    ASSERT_TRUE(r.source_mean_rate_hz);
    EXPECT_NEAR(*r.source_mean_rate_hz, rate, 1e-9 * rate);
  }
  // Seconds by header with steps of 10 s (by magnitude: ms): 0.1 Hz is no waveform.
  EXPECT_EQ(error_for(write("s_sparse.csv", "timestamp [s],ppg\n0,0\n10,1\n20,2\n30,3\n"), {}),
            "s_sparse.csv: time stamps a median 10 s apart (0.1 Hz): too sparse for a waveform "
            "(needs 10 Hz or more); beat times or intervals are read with --input beat-times or "
            "--input rr");
}

TEST_F(signal_file_test, non_increasing_time_stamps_are_dropped_and_counted) {
  const auto p = write("dup.csv", "time,PPG\n0,0\n10,1\n10,5\n20,2\n15,9\n30,3\n40,4\n");
  const signal_recording r = read_signal_file(p, {});
  EXPECT_TRUE(has_warning_containing(r, "2 samples dropped"));
  EXPECT_TRUE(has_warning_containing(r, "line 4"));
  ASSERT_EQ(r.samples.size(), 5U);  // 0..40 ms at 100 Hz
  for (std::size_t k = 0; k < r.samples.size(); ++k) {
    EXPECT_NEAR(r.samples[k], static_cast<double>(k), 1e-12);
  }
  // All the same time: nothing to resample, an error rather than a crash.
  EXPECT_EQ(error_for(write("same.csv", "time,PPG\n5,1\n5,2\n5,3\n"), {}),
            "same.csv: needs at least two samples with increasing time stamps");
}

// Steps far longer than the usual one are gaps, never bridged: each stretch is resampled alone.
TEST_F(signal_file_test, time_stamp_jumps_are_gaps) {
  std::string text = "time,PPG\n";
  for (int t = 0; t <= 1000; t += 10) text += std::to_string(t) + "," + std::to_string(t) + "\n";
  for (int t = 3000; t <= 3500; t += 10) text += std::to_string(t) + "," + std::to_string(t) + "\n";
  for (int t = 6000; t <= 6200; t += 10) text += std::to_string(t) + "," + std::to_string(t) + "\n";
  const signal_recording r = read_signal_file(write("gap.csv", text), {});
  EXPECT_TRUE(has_warning_containing(r, "2 gaps in the time stamps"));
  ASSERT_EQ(r.samples.size(), 101U + 51U + 21U);
  ASSERT_EQ(r.gaps.size(), 2U);
  EXPECT_EQ(r.gaps[0].at, 101U);
  EXPECT_NEAR(r.gaps[0].seconds, 3.0 - 1.0 - 0.01, 1e-9);
  EXPECT_EQ(r.gaps[1].at, 152U);
  EXPECT_NEAR(r.gaps[1].seconds, 6.0 - 3.5 - 0.01, 1e-9);
  EXPECT_NEAR(r.samples[101], 3000.0, 1e-9);  // the first sample after the gap, not a bridge
  EXPECT_NEAR(r.samples[172], 6200.0, 1e-9);
}

// ---- WFDB --------------------------------------------------------------------------------------

TEST_F(signal_file_test, wfdb_format_16_interleaved_with_gain_baseline_and_units) {
  // 3 signals in one file; 200 frames of random 16-bit values.
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> adc(-32767, 32767);
  const std::size_t frames = 200;
  std::vector<std::vector<int>> sig(3, std::vector<int>(frames));
  std::vector<int> stream;
  for (std::size_t k = 0; k < frames; ++k) {
    for (auto& s : sig) {
      s[k] = adc(rng);
      stream.push_back(s[k]);
    }
  }
  write("r16.dat", pack_16(stream));
  std::ostringstream hea;
  hea << "# comment\nr16 3 500 " << frames << "\n";
  hea << "r16.dat 16 100(5)/uV 16 0 " << sig[0][0] << ' ' << checksum(sig[0]) << " 0 ECG lead I\n";
  hea << "r16.dat 16 0 16 -3 " << sig[1][0] << ' ' << checksum(sig[1]) << " 0 PLETH\n";
  hea << "r16.dat 16\n";
  const auto p = write("r16.hea", hea.str());

  signal_recording r = read_signal_file(dir_ / "r16", {});
  EXPECT_EQ(r.column, "ECG lead I");
  EXPECT_EQ(r.kind, dsp::input_kind::ecg);
  EXPECT_EQ(r.units, "uV");
  EXPECT_EQ(r.fs_hz, 500.0);
  EXPECT_TRUE(r.warnings.empty());
  ASSERT_EQ(r.samples.size(), frames);
  for (std::size_t k = 0; k < frames; ++k) ASSERT_EQ(r.samples[k], (sig[0][k] - 5) / 100.0);

  r = read_signal_file(p, with_column("pleth"));  // gain 0 -> 200, baseline = ADC zero
  EXPECT_EQ(r.kind, dsp::input_kind::ppg);
  EXPECT_EQ(r.units, "mV");
  for (std::size_t k = 0; k < frames; ++k) ASSERT_EQ(r.samples[k], (sig[1][k] + 3) / 200.0);

  signal_file_options o = with_column("2");
  o.invert = true;
  r = read_signal_file(dir_ / "r16.dat", o);  // no description: the WFDB default name
  EXPECT_EQ(r.column, "record signal 2");
  EXPECT_FALSE(r.kind.has_value());
  for (std::size_t k = 0; k < frames; ++k) ASSERT_EQ(r.samples[k], -sig[2][k] / 200.0);
}

TEST_F(signal_file_test, wfdb_format_212_odd_signal_count_and_every_12_bit_value) {
  // 3 signals: the 3-byte pairs straddle frames. Values cover -2047..2047 (not -2048, which is
  // the invalid code); odd total sample count, so the file ends with a 2-byte half pair.
  const std::size_t frames = 1365;
  std::vector<std::vector<int>> sig(3, std::vector<int>(frames));
  std::vector<int> stream;
  int next = -2047;
  for (std::size_t k = 0; k < frames; ++k) {
    for (auto& s : sig) {
      s[k] = next;
      next = next == 2047 ? -2047 : next + 1;
      stream.push_back(s[k]);
    }
  }
  ASSERT_EQ(stream.size() % 2, 1U);
  write("r212.dat", pack_212(stream));
  std::ostringstream hea;
  hea << "r212 3 360 " << frames << "\n";
  for (int s = 0; s < 3; ++s) {
    hea << "r212.dat 212 200 12 0 " << sig[static_cast<std::size_t>(s)][0] << ' '
        << checksum(sig[static_cast<std::size_t>(s)]) << " 0 S" << s << '\n';
  }
  write("r212.hea", hea.str());
  for (std::size_t s = 0; s < 3; ++s) {
    const signal_recording r =
        read_signal_file(dir_ / "r212", with_column("s" + std::to_string(s)));
    EXPECT_TRUE(r.warnings.empty());
    ASSERT_EQ(r.samples.size(), frames);
    for (std::size_t k = 0; k < frames; ++k) ASSERT_EQ(r.samples[k], sig[s][k] / 200.0) << s << k;
  }
}

TEST_F(signal_file_test, wfdb_byte_offset_missing_length_checksum_and_invalid_samples) {
  const std::vector<int> values = {-2048, -2048, 10, 20, -2048, 40};
  write("off.dat", "HEAD" + pack_212(values));
  // nsamples left out: taken from the file size; a wrong checksum is only a warning.
  write("off.hea", "off 1 100\noff.dat 212+4 10 12 0 10 12345 0 ECG\n");
  const signal_recording r = read_signal_file(dir_ / "off.hea", {});
  // Invalid samples are not data: the two at the start are dropped, the one inside is a gap.
  EXPECT_EQ(r.samples, (std::vector<double>{1.0, 2.0, 4.0}));
  ASSERT_EQ(r.gaps.size(), 1U);
  EXPECT_EQ(r.gaps[0].at, 2U);
  EXPECT_DOUBLE_EQ(r.gaps[0].seconds, 0.01);
  EXPECT_TRUE(
      has_warning_containing(r, "3 invalid samples in lead ECG: 1 gap, 2 dropped at the start"));
  EXPECT_TRUE(has_warning_containing(r, "first sample of lead ECG is -2048"));
  EXPECT_FALSE(has_warning_containing(r, "checksum"));  // not checked without nsamples

  write("off.hea", "off 1 100 6\noff.dat 212+4 10 12 0 -2048 12345 0 ECG\n");
  EXPECT_TRUE(has_warning_containing(read_signal_file(dir_ / "off", {}),
                                     "checksum of lead ECG is -6074, the header says 12345"));
}

TEST(signal_file_real, mitdb_100_matches_an_independent_decoding_of_the_bytes) {
  const std::string record = recordings + "mitdb/100";
  const signal_recording mlii = read_signal_file(record, {});
  EXPECT_EQ(mlii.column, "MLII");
  EXPECT_EQ(mlii.kind, dsp::input_kind::ecg);
  EXPECT_EQ(mlii.units, "mV");
  EXPECT_EQ(mlii.fs_hz, 360.0);
  EXPECT_TRUE(mlii.warnings.empty());  // checksums and initial values of 100.hea agree
  ASSERT_EQ(mlii.samples.size(), 650000U);
  const signal_recording v5 = read_signal_file(record + ".hea", with_column("v5"));
  EXPECT_EQ(v5.column, "V5");
  ASSERT_EQ(v5.samples.size(), 650000U);
  EXPECT_EQ(read_signal_file(record + ".dat", with_column("1")).samples, v5.samples);

  // Frame k is bytes 3k..3k+2: MLII = low 12 bits, V5 = the high nibble of byte 1 over byte 2.
  const std::string bytes = slurp(record + ".dat");
  ASSERT_EQ(bytes.size(), 1950000U);
  const auto byte = [&](std::size_t i) {
    return static_cast<int>(static_cast<unsigned char>(bytes[i]));
  };
  for (std::size_t k : {0UL, 1UL, 77UL, 12345UL, 333333UL, 649999UL}) {
    int a = byte(3 * k) + 256 * (byte(3 * k + 1) % 16);
    int b = byte(3 * k + 2) + 256 * (byte(3 * k + 1) / 16);
    if (a >= 2048) a -= 4096;
    if (b >= 2048) b -= 4096;
    EXPECT_EQ(mlii.samples[k], (a - 1024) / 200.0) << k;
    EXPECT_EQ(v5.samples[k], (b - 1024) / 200.0) << k;
  }
  EXPECT_EQ(mlii.samples[0], -0.145);  // initial value 995 in 100.hea
  EXPECT_EQ(v5.samples[0], -0.065);    // initial value 1011
  // Plausible ECG in mV (numpy over the whole record: min -2.715, max 1.435, mean -0.306).
  const auto [lo, hi] = std::minmax_element(mlii.samples.begin(), mlii.samples.end());
  EXPECT_EQ(*lo, -2.715);
  EXPECT_EQ(*hi, 1.435);
  double mean = 0.0;
  for (double x : mlii.samples) mean += x;
  EXPECT_NEAR(mean / 650000.0, -0.3063, 1e-4);
}

TEST(signal_file_real, resting_csv_ecg_and_ppg_columns) {
  const std::string path = recordings + "neurokit_bio_resting_5min_100hz.csv";
  signal_file_options o = with_rate(100.0);
  o.signal = "ppg";
  const signal_recording ppg = read_signal_file(path, o);
  EXPECT_EQ(ppg.column, "PPG");
  EXPECT_EQ(ppg.kind, dsp::input_kind::ppg);
  ASSERT_EQ(ppg.samples.size(), 30000U);
  EXPECT_EQ(ppg.samples[0], -0.1025390625);
  o.signal = "ecg";
  const signal_recording ecg = read_signal_file(path, o);
  EXPECT_EQ(ecg.column, "ECG");
  EXPECT_EQ(ecg.samples[1], -0.01746591697758673);
  EXPECT_EQ(ecg.fs_hz, 100.0);
}

TEST(signal_file_real, nstdb_one_column_file) {
  const signal_recording r = read_signal_file(recordings + "nstdb_118e24.csv", with_rate(360.0));
  ASSERT_EQ(r.samples.size(), 43200U);
  EXPECT_EQ(r.samples[0], -7.245);
  EXPECT_EQ(r.fs_hz, 360.0);
}

TEST(signal_file_real, welltory_camera_ppg_is_resampled_to_100_hz) {
  signal_file_options o;
  o.signal = "ppg";
  o.invert = true;
  const std::string path = recordings + "welltory/subject_01_PPG.csv";
  const signal_recording r = read_signal_file(path, o);
  EXPECT_EQ(r.column, "R");
  EXPECT_EQ(r.kind, dsp::input_kind::ppg);
  EXPECT_EQ(r.fs_hz, 100.0);
  // 3155 frames from 0 to 111 609 ms (last line of the file).
  ASSERT_TRUE(r.source_mean_rate_hz);
  EXPECT_NEAR(*r.source_mean_rate_hz, 3154.0 / 111.609, 1e-9);
  EXPECT_EQ(r.samples.size(), 11161U);  // floor(111.609 s * 100 Hz) + 1
  EXPECT_EQ(r.samples[0], -252.65);     // inverted R of the first frame at t = 0
  // 40 ms lies between the frames at 39 ms (252.556) and 62 ms (252.228).
  EXPECT_NEAR(r.samples[4], -(252.556 + (252.228 - 252.556) * 1.0 / 23.0), 1e-12);
  EXPECT_TRUE(r.warnings.empty());
}

TEST(signal_file_real, heartpy_timer_file_mean_rate) {
  const signal_recording r = read_signal_file(recordings + "heartpy_data2.csv", {});
  EXPECT_EQ(r.column, "hr");
  ASSERT_TRUE(r.source_mean_rate_hz);
  // 15 000 samples over 128.210 s (timer column, ms): 116.99 Hz.
  EXPECT_NEAR(*r.source_mean_rate_hz, 14999.0 / 128.21, 1e-3);
  EXPECT_EQ(r.samples.size(), 12822U);
  EXPECT_EQ(r.samples[0], 515.0);
}

// ---- errors ------------------------------------------------------------------------------------

TEST_F(signal_file_test, text_errors_name_file_line_and_column) {
  const auto p = write("bad.csv", "ECG,PPG\n1,2\n3,x7\n");
  EXPECT_EQ(error_for(p, with_column("PPG")),
            "bad.csv: has no time column, so the sampling rate "
            "must be given: use --rate HZ");
  signal_file_options o = with_rate(100.0);
  o.column = "PPG";
  o.strict = true;
  EXPECT_EQ(error_for(p, o),
            "bad.csv:3: \"x7\" is not a number in column \"PPG\" (remove --strict to read it "
            "as a gap)");
  o.strict = false;
  const signal_recording gapped = read_signal_file(p, o);  // without --strict: a gap
  EXPECT_EQ(gapped.samples.size(), 1U);
  EXPECT_TRUE(has_warning_containing(gapped, "1 bad line read as gaps (first: line 3:"));
  o.column = "ECG";
  EXPECT_NO_THROW(read_signal_file(p, o));  // unused columns are not converted
  o.column = "resp";
  EXPECT_EQ(error_for(p, o), "bad.csv: has no column \"resp\" (columns: ECG, PPG)");
  EXPECT_EQ(error_for(p, with_rate(100.0)),
            "bad.csv: has both ECG and PPG columns: give the column with --column (columns: "
            "ECG, PPG)");
  o = with_rate(100.0);
  o.signal = "ecg";
  EXPECT_EQ(error_for(write("noname.csv", "a,b\n1,2\n"), o),
            "noname.csv: has no column named like ecg: give the column with --column (columns: "
            "a, b)");
  EXPECT_EQ(error_for(write("two.csv", "1,2\n"), with_rate(1.0)),
            "two.csv: has several columns and none is named like ECG or PPG: give the column "
            "with --column (0-based column indices: 0, 1)");
  o.column = "PPG";
  o.strict = true;
  EXPECT_EQ(error_for(write("short.csv", "ECG,PPG\n1,2\n\n3\n"), o),
            "short.csv:4: has 1 field, expected at least 2 (remove --strict to read it as a gap)");
  o.strict = false;
  EXPECT_EQ(error_for(write("empty.csv", ""), with_rate(1.0)),
            "empty.csv: is empty (no data lines)");
  EXPECT_EQ(error_for(write("blank.csv", "\n  \n# only a comment\n"), with_rate(1.0)),
            "blank.csv: is empty (no data lines)");
  EXPECT_EQ(error_for(write("hdr.csv", "ECG\n"), with_rate(1.0)),
            "hdr.csv: has a header but no data lines");
  o.column = "ECG";
  // Empty cells and NaN are gaps: the stretch after them is its own.
  const signal_recording empty_cell =
      read_signal_file(write("emptyfield.csv", "ECG,PPG\n1,2\n,3\n4,5\n"), o);
  ASSERT_EQ(empty_cell.samples.size(), 2U);
  ASSERT_EQ(empty_cell.gaps.size(), 1U);
  EXPECT_EQ(empty_cell.gaps[0].at, 1U);
  EXPECT_NEAR(empty_cell.gaps[0].seconds, 0.01, 1e-12);
  const signal_recording nan =
      read_signal_file(write("nan.csv", "ECG\n1\nnan\nNaN\n2\n"), with_rate(1.0));
  ASSERT_EQ(nan.gaps.size(), 1U);
  EXPECT_NEAR(nan.gaps[0].seconds, 2.0, 1e-12);
  signal_file_options strict_time;
  strict_time.strict = true;
  EXPECT_EQ(error_for(write("time.csv", "time,PPG\n0,1\n1x,2\n"), strict_time),
            "time.csv:3: \"1x\" is not a time in column \"time\" (remove --strict to read it as "
            "a gap)");
  o = with_rate(-1.0);
  o.column = "ECG";
  EXPECT_EQ(error_for(p, o),
            "bad.csv: the sampling rate (--rate) must be between 0 and 1000000 Hz");
  EXPECT_EQ(error_for(write("far.csv", "t (s),PPG\n0,1\n1e300,2\n"), {}),
            "far.csv: time stamps a median 1e+300 s apart (1e-300 Hz): too sparse for a waveform "
            "(needs 10 Hz or more); beat times or intervals are read with --input beat-times or "
            "--input rr");
  // 300 s at 20 Hz, asked at 1 MHz: 3e8 samples, refused before they are allocated.
  std::string long_text = "t (s),PPG\n";
  for (int k = 0; k <= 6000; ++k) long_text += std::to_string(k * 0.05) + ",1\n";
  signal_file_options fast;
  fast.resample_hz = 1e6;
  EXPECT_EQ(error_for(write("long.csv", long_text), fast),
            "long.csv: time stamps cover 300.000 s: too long to resample at 1000000.000 Hz within "
            "the limit of 2e8 samples");
  EXPECT_EQ(error_for(fs::path("missing.csv"), with_rate(1.0)).substr(0, 25),
            "missing.csv: cannot open:");
}

TEST_F(signal_file_test, wfdb_errors_name_the_problem) {
  write("s.dat", pack_212({1, 2, 3, 4, 5}));  // 8 bytes: 5 samples
  write("s.hea", "s 1 360 6\ns.dat 212 200 12 0 1 0 0 MLII\n");
  EXPECT_EQ(error_for(dir_ / "s", {}),
            "s.dat: is too short: 8 bytes hold 5 samples per signal, s.hea says 6");
  write("s.hea", "s 1 360 5\ns.dat 24 200 12 0 1 0 0 MLII\n");
  EXPECT_EQ(error_for(dir_ / "s", {}),
            "s.hea:2: unsupported WFDB format 24 for lead \"MLII\" (supported: 8, 16, 61, 80, "
            "160, 212, 310, 311, 508, 516, 524)");
  write("s.hea", "s 2 360 2\ns.dat 212 200 12 0 1 0 0 MLII\ns.dat 212 200 12 0 1 0 0 V1\n");
  EXPECT_EQ(error_for(dir_ / "s", with_column("V5")),
            "s.hea: has no lead \"V5\" (leads: 0 MLII, 1 V1)");
  write("s.hea", "s 2 360\ns.dat 212\n");
  EXPECT_EQ(error_for(dir_ / "s", {}), "s.hea: declares 2 signals but has 1 signal lines");
  write("s.hea", "s/2 1 360\n");
  EXPECT_EQ(error_for(dir_ / "s", {}),
            "s.hea:1: multi-segment records (\"s/2\") are not supported");
  write("s.hea", "s 1 360\ns.dat 212x0\n");
  EXPECT_EQ(error_for(dir_ / "s", {}), "s.hea:2: samples per frame in \"212x0\" must be 1 to 1000");
  write("s.hea", "s 1 abc\ns.dat 212\n");
  EXPECT_EQ(error_for(dir_ / "s", {}),
            "s.hea:1: sampling frequency \"abc\" is not a number from 0.001 Hz to below 1e6 Hz");
  write("s.hea", "s 1 360\ns.dat 212 2x00\n");
  EXPECT_EQ(error_for(dir_ / "s", {}), "s.hea:2: gain \"2x00\" is invalid");
  write("s.hea", "");
  EXPECT_EQ(error_for(dir_ / "s.hea", {}), "s.hea: contains no record line");
  write("e.dat", "");
  write("e.hea", "e 1 360\ne.dat 16\n");
  EXPECT_EQ(error_for(dir_ / "e", {}), "e.dat: is empty (no samples)");
  write("n.hea", "n 1 360 1\nnowhere.dat 16\n");
  EXPECT_EQ(error_for(dir_ / "n", {}).substr(0, 25), "nowhere.dat: cannot open:");
}

TEST_F(signal_file_test, random_garbage_never_crashes) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> byte(0, 255);
  const std::string alphabet = "0123456789.,;-+e\n\t #xtimeECG";
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  for (int trial = 0; trial < 300; ++trial) {
    std::string text = "time,ECG\n";
    std::string dat;
    for (int i = 0; i < 60; ++i) {
      text.push_back(alphabet[pick(rng)]);
      dat.push_back(static_cast<char>(byte(rng)));
    }
    const auto p = write("g.csv", text);
    write("g.dat", dat);
    write("g.hea", "g 2 100\ng.dat 212\ng.dat 212\n");
    const fs::path h = write("h.hea", "h " + text.substr(9));
    for (const fs::path& path : {p, dir_ / "g", h}) {
      try {
        const signal_recording r = read_signal_file(path, with_rate(50.0));
        for (double x : r.samples) ASSERT_TRUE(std::isfinite(x));
      } catch (const input_error&) {
      }
    }
  }
}

// ---- detection of signal files -----------------------------------------------------------------

TEST_F(signal_file_test, is_signal_file_tells_waveforms_from_interval_files) {
  EXPECT_TRUE(is_signal_file(write("a.csv", "ECG,PPG\n1,2\n"), {}));
  EXPECT_TRUE(is_signal_file(write("b.csv", "time,R,G,B\n0,1,2,3\n"), {}));
  EXPECT_TRUE(is_signal_file(write("c.csv", "timer,hr\n0,515\n"), {}));
  EXPECT_FALSE(is_signal_file(write("d.txt", "812\n790\n"), {}));
  EXPECT_FALSE(is_signal_file(write("e.csv", "time,rr\n0.8,800\n"), {}));
  EXPECT_FALSE(is_signal_file(write("f.csv", "RR (ms)\n800\n"), {}));
  EXPECT_TRUE(is_signal_file(write("g.txt", "812\n790\n"), with_rate(360.0)));
  EXPECT_TRUE(is_signal_file(dir_ / "x.hea", {}));
  EXPECT_TRUE(is_signal_file(dir_ / "x.dat", {}));
  write("rec.hea", "rec 1 360\nrec.dat 16\n");
  EXPECT_TRUE(is_signal_file(dir_ / "rec", {}));
  write("rec.atr", "");
  EXPECT_FALSE(is_signal_file(dir_ / "rec", {}));  // annotations win without signal options
  EXPECT_TRUE(is_signal_file(dir_ / "rec", with_signal("ecg")));
  EXPECT_FALSE(is_signal_file(dir_ / "rec.atr", {}));
  EXPECT_FALSE(is_signal_file(recordings + "mitdb/100", {}));
  EXPECT_TRUE(is_signal_file(recordings + "mitdb/100.hea", {}));
  EXPECT_TRUE(is_signal_file(recordings + "welltory/subject_01_PPG.csv", {}));
  EXPECT_TRUE(is_signal_file(recordings + "neurokit_bio_resting_5min_100hz.csv", {}));
}

// ---- WFDB beats --------------------------------------------------------------------------------

TEST(wfdb_beats_real, mitdb_100_beats_at_absolute_samples) {
  const std::string atr = recordings + "mitdb/100.atr";
  const auto beats = read_wfdb_beats(atr);
  EXPECT_EQ(beats.fs_hz, 360.0);
  ASSERT_EQ(beats.samples.size(), 2273U);
  ASSERT_EQ(beats.labels.size(), 2273U);
  std::map<beat_label, int> counts;
  for (auto l : beats.labels) ++counts[l];
  EXPECT_EQ(counts[beat_label::normal], 2239);
  EXPECT_EQ(counts[beat_label::supraventricular], 33);
  EXPECT_EQ(counts[beat_label::ventricular], 1);
  EXPECT_TRUE(std::is_sorted(beats.samples.begin(), beats.samples.end()));
  EXPECT_EQ(beats.samples, read_wfdb_beats(recordings + "mitdb/100").samples);

  // The first beat from the raw words: sum the 10-bit steps of ordinary annotations until the
  // first N (code 1); AUX (63) words are followed by their padded bytes, 59..62 carry no step.
  const std::string bytes = slurp(atr);
  std::size_t pos = 0;
  std::int64_t t = 0;
  for (;;) {
    ASSERT_LT(pos + 1, bytes.size());
    const unsigned w =
        static_cast<unsigned char>(bytes[pos]) + 256U * static_cast<unsigned char>(bytes[pos + 1]);
    pos += 2;
    const unsigned code = w >> 10U;
    const unsigned field = w & 1023U;
    if (code == 63) {
      pos += field + field % 2;
    } else if (code < 59) {
      t += field;
      if (code == 1) break;
    }
  }
  EXPECT_EQ(beats.samples.front(), t);
  EXPECT_EQ(t, 77);  // after the rhythm annotation '+' at sample 18
  EXPECT_EQ(beats.samples.back(), 649991);
}

}  // namespace
