#include "drivers/edf_reader.hpp"

#include <edflib.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "drivers/input_error.hpp"
#include "drivers/signal_recording.hpp"
#include "drivers/wfdb_record.hpp"
#include "dsp/ecg_detector.hpp"
#include "support/scratch_dir.hpp"

// EDF+ and BDF+ files written by EDFlib's writer (MIT-BIH 100, synthetic signals) and EDF+D
// files written byte by byte (EDFlib cannot write discontinuous files), read back through
// edf_reader.
namespace {

namespace fs = std::filesystem;
namespace dsp = resonant::dsp;
using resonant::drivers::edf_channels;
using resonant::drivers::input_error;
using resonant::drivers::read_edf_annotations;
using resonant::drivers::read_edf_channel;
using resonant::drivers::read_wfdb_channel;
using resonant::drivers::signal_recording;

const std::string recordings = std::string(RESONANT_DATA_DIR) + "/recordings/";

std::vector<std::int64_t> detect_beats(const std::vector<double>& samples, double fs_hz) {
  resonant::dsp::ecg_detector_config cfg;
  cfg.sample_rate_hz = fs_hz;
  resonant::dsp::ecg_detector det(cfg);
  std::vector<std::int64_t> beats;
  const auto sink = [&](const resonant::dsp::beat_event& b) { beats.push_back(b.sample); };
  det.process(samples, sink);
  det.finish(sink);
  return beats;
}

// A left-aligned ASCII field of n bytes.
std::string pad(const std::string& s, std::size_t n) {
  std::string out = s.substr(0, n);
  out.resize(n, ' ');
  return out;
}

struct hand_signal {
  std::string label;
  std::string units;
  std::string phys_min;
  std::string phys_max;
  std::string dig_min;
  std::string dig_max;
  int samples_per_record;
};

// The EDF header (edfplus.info/specs/edf.html) of a file of `records` data records.
std::string edf_header(const std::string& reserved, const std::string& records,
                       const std::string& duration, const std::vector<hand_signal>& sigs) {
  std::string h = pad("0", 8) + pad("X X X X", 80) + pad("Startdate 02-MAR-2002 X X X", 80) +
                  "02.03.02" + "10.11.12" + pad(std::to_string(256 * (sigs.size() + 1)), 8) +
                  pad(reserved, 44) + pad(records, 8) + pad(duration, 8) +
                  pad(std::to_string(sigs.size()), 4);
  const auto each = [&](auto f, std::size_t n) {
    for (const auto& s : sigs) h += pad(f(s), n);
  };
  each([](const hand_signal& s) { return s.label; }, 16);
  each([](const hand_signal&) { return std::string(); }, 80);
  each([](const hand_signal& s) { return s.units; }, 8);
  each([](const hand_signal& s) { return s.phys_min; }, 8);
  each([](const hand_signal& s) { return s.phys_max; }, 8);
  each([](const hand_signal& s) { return s.dig_min; }, 8);
  each([](const hand_signal& s) { return s.dig_max; }, 8);
  each([](const hand_signal&) { return std::string(); }, 80);
  each([](const hand_signal& s) { return std::to_string(s.samples_per_record); }, 8);
  each([](const hand_signal&) { return std::string(); }, 32);
  return h;
}

void put16(std::string& out, int v) {
  const auto u = static_cast<unsigned>(v) & 0xFFFFU;
  out.push_back(static_cast<char>(u & 0xFFU));
  out.push_back(static_cast<char>(u >> 8U));
}

// EDF+D: one ECG signal of 100 samples per 1 s record (digital k at overall sample k, physical
// k * 1e-4 mV) and an annotation signal whose first TAL dates each record at `onsets`.
std::string edf_plus_d(const std::vector<std::string>& onsets) {
  const std::vector<hand_signal> sigs = {{"ECG", "mV", "-3.2768", "3.2767", "-32768", "32767", 100},
                                         {"EDF Annotations", "", "-1", "1", "-32768", "32767", 30}};
  std::string out = edf_header("EDF+D", std::to_string(onsets.size()), "1", sigs);
  int k = 0;
  for (const auto& onset : onsets) {
    for (int i = 0; i < 100; ++i) put16(out, k++);
    std::string tal = "+" + onset + "\x14\x14" + std::string(1, '\0');
    if (k == 200)
      tal +=
          "+1.25\x15"
          "0.5\x14"
          "beep\x14" +
          std::string(1, '\0');
    tal.resize(60, '\0');
    out += tal;
  }
  return out;
}

class edf_reader_test : public resonant::test::scratch_dir_test {
 protected:
  std::string error_for(const fs::path& p) const {
    try {
      read_edf_channel(p, 0, {});
    } catch (const input_error& e) {
      std::string m = e.what();
      const std::string prefix = (dir_ / "").string();
      if (m.starts_with(prefix)) m.erase(0, prefix.size());
      return m;
    }
    return "(no input_error)";
  }

  // Writes `samples` as one signal of an EDF+ (or BDF+) file through EDFlib's writer, whole
  // 1 s data records only; returns the number of samples written.
  std::size_t write_with_edflib(const fs::path& p, int filetype, const std::vector<double>& samples,
                                int fs, double phys_range, int dig_max, const char* label) const {
    const int h = edfopen_file_writeonly(p.c_str(), filetype, 1);
    EXPECT_GE(h, 0);
    EXPECT_EQ(edf_set_samplefrequency(h, 0, fs), 0);
    EXPECT_EQ(edf_set_physical_maximum(h, 0, phys_range), 0);
    EXPECT_EQ(edf_set_physical_minimum(h, 0, -phys_range), 0);
    EXPECT_EQ(edf_set_digital_maximum(h, 0, dig_max), 0);
    EXPECT_EQ(edf_set_digital_minimum(h, 0, -dig_max - 1), 0);
    EXPECT_EQ(edf_set_label(h, 0, label), 0);
    EXPECT_EQ(edf_set_physical_dimension(h, 0, "mV"), 0);
    EXPECT_EQ(edf_set_startdatetime(h, 2002, 3, 2, 10, 11, 12), 0);
    const std::size_t records = samples.size() / static_cast<std::size_t>(fs);
    std::vector<double> buf(static_cast<std::size_t>(fs));
    for (std::size_t r = 0; r < records; ++r) {
      std::copy_n(samples.begin() + static_cast<std::ptrdiff_t>(r * buf.size()), buf.size(),
                  buf.begin());
      EXPECT_EQ(edfwrite_physical_samples(h, buf.data()), 0);
    }
    EXPECT_EQ(edfwrite_annotation_utf8(h, 15000, 5000, "electrode check"), 0);  // 1.5 s, 0.5 s
    EXPECT_EQ(edfclose_file(h), 0);
    return records * buf.size();
  }
};

// ---- MIT-BIH 100 as EDF+ -----------------------------------------------------------------------

TEST_F(edf_reader_test, mitdb_100_written_as_edf_plus_gives_the_same_beats_as_the_wfdb_record) {
  const signal_recording wfdb = read_wfdb_channel(recordings + "mitdb/100", 0, {});
  ASSERT_EQ(wfdb.fs_hz, 360.0);
  // EDF stores 16-bit integers: +-12 mV over -32768..32767 is 24 / 65535 mV = 0.37 uV per step,
  // finer than MIT-BIH's 5 uV (gain 200 adu/mV), so the EDF values are the WFDB values rounded
  // to the EDF grid. Whole 1 s records only: the last 200 samples (0.56 s) are not written.
  const fs::path p = dir_ / "100.edf";
  const std::size_t n =
      write_with_edflib(p, EDFLIB_FILETYPE_EDFPLUS, wfdb.samples, 360, 12.0, 32767, "MLII");
  ASSERT_EQ(n, 649800U);

  const auto channels = edf_channels(p);
  ASSERT_EQ(channels.size(), 1U);  // the annotation signal is not a channel
  EXPECT_EQ(channels[0].name, "MLII");
  EXPECT_EQ(channels[0].format, "EDF+C");
  EXPECT_EQ(channels[0].sample_count, n);
  const signal_recording edf = read_edf_channel(p, 0, {});
  EXPECT_EQ(edf.column, "MLII");
  EXPECT_EQ(edf.kind, dsp::input_kind::ecg);
  EXPECT_EQ(edf.units, "mV");
  EXPECT_EQ(edf.fs_hz, 360.0);
  EXPECT_EQ(edf.start_time, "2002-03-02T10:11:12");
  EXPECT_TRUE(edf.gaps.empty());
  ASSERT_EQ(edf.samples.size(), n);
  const double step = 24.0 / 65535.0;
  double worst = 0.0;
  for (std::size_t k = 0; k < n; ++k)
    worst = std::max(worst, std::abs(edf.samples[k] - wfdb.samples[k]));
  EXPECT_LE(worst, step);  // within one EDF step (0.37 uV)
  std::cout << "largest |EDF - WFDB| = " << worst * 1000.0 << " uV (EDF step " << step * 1000.0
            << " uV)\n";

  const std::vector<double> head(wfdb.samples.begin(),
                                 wfdb.samples.begin() + static_cast<std::ptrdiff_t>(n));
  const auto beats_wfdb = detect_beats(head, 360.0);
  const auto beats_edf = detect_beats(edf.samples, 360.0);
  ASSERT_GT(beats_wfdb.size(), 2000U);  // about 2270 beats in 30 min
  ASSERT_EQ(beats_edf.size(), beats_wfdb.size());
  std::size_t moved = 0;
  for (std::size_t i = 0; i < beats_wfdb.size(); ++i) {
    ASSERT_LE(std::abs(beats_edf[i] - beats_wfdb[i]), 1) << "beat " << i;
    if (beats_edf[i] != beats_wfdb[i]) ++moved;
  }
  std::cout << beats_wfdb.size() << " beats, " << moved << " moved by one sample\n";

  const auto notes = read_edf_annotations(p);
  ASSERT_EQ(notes.size(), 1U);
  EXPECT_DOUBLE_EQ(notes[0].onset_s, 1.5);
  EXPECT_DOUBLE_EQ(notes[0].duration_s, 0.5);
  EXPECT_EQ(notes[0].text, "electrode check");
}

TEST_F(edf_reader_test, bdf_plus_round_trip_keeps_24_bit_resolution) {
  // 10 s of a 1.3 Hz sine at 256 Hz, +-5 mV over 24 bits: steps of 10 / 16777215 mV.
  std::vector<double> x(2560);
  for (std::size_t k = 0; k < x.size(); ++k) {
    x[k] = 4.0 * std::sin(2.0 * M_PI * 1.3 * static_cast<double>(k) / 256.0);
  }
  const fs::path p = dir_ / "s.bdf";
  ASSERT_EQ(write_with_edflib(p, EDFLIB_FILETYPE_BDFPLUS, x, 256, 5.0, 8388607, "PPG"), 2560U);
  std::ifstream in(p, std::ios::binary);
  std::string head(8, '\0');
  in.read(head.data(), 8);
  EXPECT_TRUE(resonant::drivers::looks_like_edf(head));
  EXPECT_FALSE(resonant::drivers::looks_like_edf("0,800\n"));
  const auto channels = edf_channels(p);
  ASSERT_EQ(channels.size(), 1U);
  EXPECT_EQ(channels[0].format, "BDF+C");
  EXPECT_EQ(channels[0].fs_hz, 256.0);
  resonant::drivers::signal_file_options o;
  o.invert = true;
  const signal_recording r = read_edf_channel(p, 0, o);
  EXPECT_EQ(r.kind, dsp::input_kind::ppg);
  ASSERT_EQ(r.samples.size(), x.size());
  for (std::size_t k = 0; k < x.size(); ++k) ASSERT_NEAR(r.samples[k], -x[k], 10.0 / 16777215.0);
}

// ---- EDF+D -------------------------------------------------------------------------------------

TEST_F(edf_reader_test, discontinuous_records_become_gaps_of_the_right_length) {
  // Records at 0, 1, 3.5 and 4.5 s: 1.5 s missing before the third record (sample 200).
  const auto p = write("d.edf", edf_plus_d({"0", "1", "3.5", "4.5"}));
  EXPECT_TRUE(resonant::drivers::looks_like_edf(edf_plus_d({"0"})));
  const auto channels = edf_channels(p);
  ASSERT_EQ(channels.size(), 1U);
  EXPECT_EQ(channels[0].format, "EDF+D");
  EXPECT_EQ(channels[0].sample_count, 400U);
  const signal_recording r = read_edf_channel(p, 0, {});
  EXPECT_EQ(r.fs_hz, 100.0);
  ASSERT_EQ(r.samples.size(), 400U);
  for (std::size_t k = 0; k < 400; ++k)
    ASSERT_NEAR(r.samples[k], static_cast<double>(k) * 1e-4, 1e-9);
  ASSERT_EQ(r.gaps.size(), 1U);
  EXPECT_EQ(r.gaps[0].at, 200U);
  EXPECT_NEAR(r.gaps[0].seconds, 1.5, 1e-9);
  EXPECT_EQ(r.start_time, "2002-03-02T10:11:12");
  const auto notes = read_edf_annotations(p);
  ASSERT_EQ(notes.size(), 1U);
  EXPECT_DOUBLE_EQ(notes[0].onset_s, 1.25);
  EXPECT_DOUBLE_EQ(notes[0].duration_s, 0.5);
  EXPECT_EQ(notes[0].text, "beep");

  // Contiguous onsets: no gap; onsets that go back: an error naming the record.
  EXPECT_TRUE(read_edf_channel(write("c.edf", edf_plus_d({"0", "1", "2"})), 0, {}).gaps.empty());
  const std::string back = error_for(write("b.edf", edf_plus_d({"0", "1", "1.5"})));
  EXPECT_TRUE(back.starts_with("b.edf: ")) << back;
}

// ---- bad files ---------------------------------------------------------------------------------

TEST_F(edf_reader_test, truncated_or_corrupt_files_are_refused_naming_the_file) {
  std::string good = edf_plus_d({"0", "1", "2"});
  const std::size_t size = good.size();  // 768 header + 3 * 260
  EXPECT_EQ(error_for(write("t.edf", good.substr(0, size - 10))),
            "t.edf: is truncated: the header announces 3 data records of 260 bytes (1548 bytes in "
            "all), the file has 1538 bytes");
  EXPECT_EQ(error_for(write("t.edf", good.substr(0, 100))),
            "t.edf: is too short for an EDF header (100 bytes, at least 256 needed)");
  EXPECT_EQ(error_for(write("t.edf", good.substr(0, 600))),
            "t.edf: is truncated inside the signal headers (2 signals declared)");
  std::string bad = good;
  bad.replace(0, 8, "\x1b[31mXYZ");  // an escape sequence is shown, not sent to the terminal
  EXPECT_EQ(error_for(write("v.edf", bad)),
            "v.edf: is not an EDF or BDF file (version field \"\\x1B[31mXYZ\")");
  bad = good;
  bad.replace(236, 8, pad("-1", 8));
  EXPECT_EQ(error_for(write("r.edf", bad)),
            "r.edf: header field number of data records \"-1\" is not a positive integer (-1: the "
            "recording was not closed)");
  bad = good;
  bad.replace(244, 8, pad("0", 8));
  EXPECT_EQ(error_for(write("r.edf", bad)),
            "r.edf: header field data record duration \"0\" is not a positive number");
  bad = good;
  bad.replace(256 + 2 * 216, 8, pad("abc", 8));
  EXPECT_EQ(error_for(write("r.edf", bad)),
            "r.edf: header field samples per data record of signal 1 \"abc\" is not a positive "
            "integer");
  bad = good;
  bad.replace(256 + 2 * 104, 8, pad("zz", 8));
  EXPECT_EQ(error_for(write("p.edf", bad)),
            "p.edf: header field physical minimum of signal 1 \"zz\" is not a number");
  // EDF+C whose patient field lacks the EDF+ subfields: only EDFlib checks that.
  bad = good;
  bad.replace(192, 5, "EDF+C");
  EXPECT_EQ(read_edf_channel(write("c.edf", bad), 0, {}).samples.size(), 300U);
  bad.replace(8, 80, pad("nospaces", 80));
  EXPECT_EQ(error_for(write("p.edf", bad)),
            "p.edf: is not a valid EDF / BDF file (EDFlib found format errors in its header or "
            "its annotations)");
  EXPECT_EQ(error_for(dir_ / "missing.edf"), "missing.edf: cannot open: No such file or directory");
  fs::create_directory(dir_ / "d.edf");
  EXPECT_EQ(error_for(dir_ / "d.edf"),
            "d.edf: is not a regular file (EDF and BDF are read with seeks)");
}

}  // namespace

namespace {

TEST_F(edf_reader_test, mutated_files_are_read_or_refused_never_crash) {
  const std::string good = edf_plus_d({"0", "1", "3.5"});
  std::mt19937 rng(3);
  const std::string alphabet = "0123456789 +-.EDF\x14\x15";
  std::size_t read = 0;
  std::size_t refused = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::string bytes = good;
    if (trial % 2 == 1) bytes.replace(192, 5, "EDF+C");  // through EDFlib
    std::uniform_int_distribution<std::size_t> at(0, bytes.size() - 1);
    std::uniform_int_distribution<std::size_t> ch(0, alphabet.size() - 1);
    for (int e = 0; e < 1 + trial % 4; ++e) bytes[at(rng)] = alphabet[ch(rng)];
    const auto p = write("m.edf", bytes);
    try {
      const signal_recording r = read_edf_channel(p, 0, {});
      read_edf_annotations(p);
      ASSERT_FALSE(r.samples.empty());
      ++read;
    } catch (const input_error&) {
      ++refused;
    }
  }
  EXPECT_GT(read, 0U);
  EXPECT_GT(refused, 0U);
}

}  // namespace
