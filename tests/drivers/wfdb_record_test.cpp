#include "drivers/wfdb_record.hpp"

#include <FLAC/stream_encoder.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "drivers/input_error.hpp"
#include "drivers/signal_recording.hpp"
#include "support/scratch_dir.hpp"

// Every WFDB signal format written byte by byte from known samples (signal(5)), the FLAC
// formats through libFLAC's encoder, then read back through wfdb_record.
namespace {

namespace fs = std::filesystem;
namespace dsp = resonant::dsp;
using resonant::drivers::input_error;
using resonant::drivers::max_signal_samples;
using resonant::drivers::parse_wfdb_header;
using resonant::drivers::read_wfdb_channel;
using resonant::drivers::read_wfdb_signal;
using resonant::drivers::signal_file_options;
using resonant::drivers::signal_recording;
using resonant::drivers::wfdb_channels;

const std::string recordings = std::string(RESONANT_DATA_DIR) + "/recordings/";

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const input_error& e) {
    return e.what();
  }
  return "(no input_error)";
}

void put16le(std::string& out, int v) {
  const auto u = static_cast<unsigned>(v) & 0xFFFFU;
  out.push_back(static_cast<char>(u & 0xFFU));
  out.push_back(static_cast<char>(u >> 8U));
}

// The byte layout of one format for a stream of samples (frame-interleaved already).
std::string pack(unsigned format, const std::vector<int>& stream, const std::vector<int>& firsts,
                 std::size_t per_frame) {
  std::string out;
  switch (format) {
    case 8: {
      // First differences of the same signal; the first sample's difference is from the
      // header's initial value (firsts).
      std::vector<int> previous = firsts;
      for (std::size_t i = 0; i < stream.size(); ++i) {
        const std::size_t s = i % per_frame;
        out.push_back(static_cast<char>(static_cast<std::int8_t>(stream[i] - previous[s])));
        previous[s] = stream[i];
      }
      break;
    }
    case 16:
      for (int v : stream) put16le(out, v);
      break;
    case 61:
      for (int v : stream) {
        const auto u = static_cast<unsigned>(v) & 0xFFFFU;
        out.push_back(static_cast<char>(u >> 8U));
        out.push_back(static_cast<char>(u & 0xFFU));
      }
      break;
    case 80:
      for (int v : stream) out.push_back(static_cast<char>(static_cast<unsigned>(v + 128)));
      break;
    case 160:
      for (int v : stream) put16le(out, v + 32768);
      break;
    case 212:
      for (std::size_t i = 0; i < stream.size(); i += 2) {
        const unsigned a = static_cast<unsigned>(stream[i]) & 0xFFFU;
        const unsigned b =
            i + 1 < stream.size() ? static_cast<unsigned>(stream[i + 1]) & 0xFFFU : 0U;
        out.push_back(static_cast<char>(a & 0xFFU));
        out.push_back(static_cast<char>(((a >> 8U) & 0x0FU) | ((b >> 4U) & 0xF0U)));
        if (i + 1 < stream.size()) out.push_back(static_cast<char>(b & 0xFFU));
      }
      break;
    case 310:
      // Words w0, w1: sample 0 in bits 1-10 of w0, sample 1 in bits 1-10 of w1, sample 2 split
      // into its low 5 bits (w0 bits 11-15) and high 5 bits (w1 bits 11-15).
      for (std::size_t i = 0; i < stream.size(); i += 3) {
        const unsigned a = static_cast<unsigned>(stream[i]) & 0x3FFU;
        const unsigned b =
            i + 1 < stream.size() ? static_cast<unsigned>(stream[i + 1]) & 0x3FFU : 0U;
        const unsigned c =
            i + 2 < stream.size() ? static_cast<unsigned>(stream[i + 2]) & 0x3FFU : 0U;
        put16le(out, static_cast<int>((a << 1U) | ((c & 0x1FU) << 11U)));
        if (i + 1 < stream.size()) put16le(out, static_cast<int>((b << 1U) | ((c >> 5U) << 11U)));
      }
      break;
    case 311:
      // One 32-bit little-endian word: bits 0-9, 10-19, 20-29.
      for (std::size_t i = 0; i < stream.size(); i += 3) {
        const std::size_t n = std::min<std::size_t>(3, stream.size() - i);
        std::uint32_t w = 0;
        for (std::size_t j = 0; j < n; ++j) {
          w |= (static_cast<std::uint32_t>(stream[i + j]) & 0x3FFU) << (10U * j);
        }
        const std::size_t bytes = n == 3 ? 4 : n + 1;  // 1 sample: 2 bytes, 2 samples: 3 bytes
        for (std::size_t b = 0; b < bytes; ++b) out.push_back(static_cast<char>(w >> (8U * b)));
      }
      break;
    default:
      ADD_FAILURE() << "no writer for format " << format;
  }
  return out;
}

int checksum(const std::vector<int>& values) {
  int sum = 0;
  for (int v : values) sum = (sum + v) & 0xFFFF;
  return sum >= 0x8000 ? sum - 0x10000 : sum;
}

struct format_case {
  unsigned format;
  int lo;  // valid range (the invalid code excluded)
  int hi;
};

// Random samples within [lo, hi]; format 8 as a random walk (steps fit in 8 bits).
std::vector<std::vector<int>> random_signals(const format_case& fc, std::size_t nsig,
                                             std::size_t frames, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::vector<int>> sig(nsig, std::vector<int>(frames));
  if (fc.format == 8) {
    std::uniform_int_distribution<int> step(-100, 100);
    for (auto& s : sig) {
      int v = 0;
      for (auto& x : s) {
        v += step(rng);
        x = v;
      }
    }
    return sig;
  }
  std::uniform_int_distribution<int> value(fc.lo, fc.hi);
  for (auto& s : sig) {
    for (auto& x : s) x = value(rng);
  }
  // The extremes are always present.
  sig[0][0] = fc.lo;
  sig[0][frames - 1] = fc.hi;
  return sig;
}

std::vector<int> interleave(const std::vector<std::vector<int>>& sig) {
  std::vector<int> stream;
  for (std::size_t k = 0; k < sig.front().size(); ++k) {
    for (const auto& s : sig) stream.push_back(s[k]);
  }
  return stream;
}

// A FLAC stream of `channels` channels of `bits` bits (libFLAC's encoder), frame-interleaved.
std::string flac_bytes(const std::vector<int>& stream, unsigned channels, unsigned bits,
                       unsigned rate) {
  FLAC__StreamEncoder* enc = FLAC__stream_encoder_new();
  EXPECT_NE(enc, nullptr);
  FLAC__stream_encoder_set_channels(enc, channels);
  FLAC__stream_encoder_set_bits_per_sample(enc, bits);
  FLAC__stream_encoder_set_sample_rate(enc, rate);
  FLAC__stream_encoder_set_compression_level(enc, 5);
  FLAC__stream_encoder_set_total_samples_estimate(enc, stream.size() / channels);
  std::string out;
  const auto write = [](const FLAC__StreamEncoder*, const FLAC__byte buffer[], size_t bytes,
                        uint32_t, uint32_t, void* data) {
    static_cast<std::string*>(data)->append(reinterpret_cast<const char*>(buffer), bytes);
    return FLAC__STREAM_ENCODER_WRITE_STATUS_OK;
  };
  EXPECT_EQ(FLAC__stream_encoder_init_stream(enc, write, nullptr, nullptr, nullptr, &out),
            FLAC__STREAM_ENCODER_INIT_STATUS_OK);
  std::vector<FLAC__int32> samples(stream.begin(), stream.end());
  EXPECT_TRUE(FLAC__stream_encoder_process_interleaved(
      enc, samples.data(), static_cast<uint32_t>(samples.size() / channels)));
  EXPECT_TRUE(FLAC__stream_encoder_finish(enc));
  FLAC__stream_encoder_delete(enc);
  return out;
}

class wfdb_record_test : public resonant::test::scratch_dir_test {
 protected:
  std::string error_for(const fs::path& p, std::size_t channel = 0) const {
    std::string message = error_of([&] { read_wfdb_channel(p, channel, {}); });
    const std::string prefix = (dir_ / "").string();
    for (auto at = message.find(prefix); at != std::string::npos; at = message.find(prefix)) {
      message.erase(at, prefix.size());
    }
    return message;
  }

  // A header for `sig` stored in one file of `format`, gains 100 + 10 i, baselines 7 - i.
  void write_record(const std::string& name, unsigned format, const std::string& dat,
                    const std::vector<std::vector<int>>& sig, bool with_length = true) const {
    std::ostringstream hea;
    hea << name << ' ' << sig.size() << " 250";
    if (with_length) hea << ' ' << sig.front().size();
    hea << '\n';
    for (std::size_t i = 0; i < sig.size(); ++i) {
      hea << dat << ' ' << format << ' ' << 100 + 10 * i << '(' << 7 - static_cast<int>(i)
          << ")/mV 12 0 " << sig[i][0] << ' ' << checksum(sig[i]) << " 0 S" << i << '\n';
    }
    write(name + ".hea", hea.str());
  }
};

// ---- every format ------------------------------------------------------------------------------

TEST_F(wfdb_record_test, every_packed_format_round_trips_three_interleaved_signals) {
  // 3 signals x 301 frames = 903 stream samples: the last 212 pair, 310 / 311 triple and the
  // frame boundaries fall inside groups.
  const std::vector<format_case> cases = {
      {8, 0, 0},        {16, -32767, 32767},  {61, -32767, 32767},
      {80, -127, 127},  {160, -32767, 32767}, {212, -2047, 2047},
      {310, -511, 511}, {311, -511, 511}};
  const std::size_t frames = 301;
  for (const auto& fc : cases) {
    SCOPED_TRACE("format " + std::to_string(fc.format));
    const auto sig = random_signals(fc, 3, frames, fc.format);
    std::vector<int> firsts;
    for (const auto& s : sig) firsts.push_back(s[0]);
    const std::string name = "f" + std::to_string(fc.format);
    write(name + ".dat", pack(fc.format, interleave(sig), firsts, 3));
    write_record(name, fc.format, name + ".dat", sig);
    const auto channels = wfdb_channels(dir_ / name);
    ASSERT_EQ(channels.size(), 3U);
    for (std::size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(channels[i].name, "S" + std::to_string(i));
      EXPECT_EQ(channels[i].format, "WFDB " + std::to_string(fc.format));
      EXPECT_EQ(channels[i].sample_count, frames);
      EXPECT_EQ(channels[i].fs_hz, 250.0);
      const signal_recording r = read_wfdb_channel(dir_ / (name + ".hea"), i, {});
      EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
      EXPECT_TRUE(r.gaps.empty());
      ASSERT_EQ(r.samples.size(), frames);
      const double gain = 100.0 + 10.0 * static_cast<double>(i);
      const double baseline = 7.0 - static_cast<double>(i);
      for (std::size_t k = 0; k < frames; ++k) {
        ASSERT_EQ(r.samples[k], (sig[i][k] - baseline) / gain) << "signal " << i << " sample " << k;
      }
    }
    // Without nsamples, the length comes from the file size (partial groups included).
    write_record(name, fc.format, name + ".dat", sig, false);
    EXPECT_EQ(read_wfdb_channel(dir_ / name, 2, {}).samples.size(), frames);
  }
}

TEST_F(wfdb_record_test, flac_formats_508_516_524_round_trip_through_libflac) {
  const std::vector<format_case> cases = {
      {508, -127, 127}, {516, -32767, 32767}, {524, -8388607, 8388607}};
  const std::size_t frames = 5000;  // several FLAC blocks
  for (const auto& fc : cases) {
    SCOPED_TRACE("format " + std::to_string(fc.format));
    const auto sig = random_signals(fc, 2, frames, fc.format);
    const std::string name = "c" + std::to_string(fc.format);
    write(name + ".dat", flac_bytes(interleave(sig), 2, fc.format - 500, 250));
    write_record(name, fc.format, name + ".dat", sig);
    for (std::size_t i = 0; i < 2; ++i) {
      const signal_recording r = read_wfdb_channel(dir_ / name, i, {});
      EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
      ASSERT_EQ(r.samples.size(), frames);
      const double gain = 100.0 + 10.0 * static_cast<double>(i);
      const double baseline = 7.0 - static_cast<double>(i);
      for (std::size_t k = 0; k < frames; ++k) {
        ASSERT_EQ(r.samples[k], (sig[i][k] - baseline) / gain) << "signal " << i << " sample " << k;
      }
    }
  }
  // A header that says more samples than the stream holds; a stream that is not FLAC.
  write("c516.hea",
        "c516 2 250 5001\nc516.dat 516 100 16 0 0 0 0 A\nc516.dat 516 100 16 0 0 0 0 B\n");
  EXPECT_EQ(error_for(dir_ / "c516"),
            "c516.dat: is too short: it holds 5000 samples per signal, c516.hea says 5001");
  write("c516.hea", "c516 3 250\nc516.dat 516\nc516.dat 516\nc516.dat 516\n");
  EXPECT_EQ(error_for(dir_ / "c516"),
            "c516.dat: has 2 FLAC channels, the header lists 3 signals in it");
  write("c516.dat", std::string(100, 'x'));
  EXPECT_NE(error_for(dir_ / "c516").find("c516.dat: "), std::string::npos);
}

TEST_F(wfdb_record_test, samples_per_frame_give_each_signal_its_own_rate) {
  // Signal 0 at 2 samples per frame, signal 1 at 1, signal 2 at 3: frame = 6 stream samples.
  const std::size_t frames = 50;
  std::vector<int> s0(2 * frames), s1(frames), s2(3 * frames), stream;
  for (std::size_t f = 0; f < frames; ++f) {
    for (std::size_t j = 0; j < 2; ++j)
      stream.push_back(s0[2 * f + j] = static_cast<int>(f * 2 + j));
    stream.push_back(s1[f] = -static_cast<int>(f));
    for (std::size_t j = 0; j < 3; ++j)
      stream.push_back(s2[3 * f + j] = 1000 + static_cast<int>(3 * f + j));
  }
  std::string dat;
  for (int v : stream) put16le(dat, v);
  write("spf.dat", dat);
  write("spf.hea",
        "spf 3 100 50\nspf.dat 16x2 1 16 0 0 0 0 A\nspf.dat 16 1 16 0 0 0 0 B\n"
        "spf.dat 16x3 1 16 0 1000 0 0 C\n");
  const auto ch = wfdb_channels(dir_ / "spf");
  ASSERT_EQ(ch.size(), 3U);
  EXPECT_EQ(ch[0].fs_hz, 200.0);
  EXPECT_EQ(ch[0].sample_count, 100U);
  EXPECT_EQ(ch[2].fs_hz, 300.0);
  EXPECT_EQ(ch[2].sample_count, 150U);
  const std::vector<std::vector<int>*> want = {&s0, &s1, &s2};
  for (std::size_t i = 0; i < 3; ++i) {
    const signal_recording r = read_wfdb_channel(dir_ / "spf", i, {});
    EXPECT_EQ(r.fs_hz, ch[i].fs_hz);
    ASSERT_EQ(r.samples.size(), want[i]->size());
    for (std::size_t k = 0; k < r.samples.size(); ++k) ASSERT_EQ(r.samples[k], (*want[i])[k]);
  }
}

TEST_F(wfdb_record_test, invalid_sample_runs_are_gaps_not_held_values) {
  // Format 16, 10 Hz: 2 invalid at the start (dropped), a run of 3 and a run of 1 inside
  // (gaps of 0.3 s and 0.1 s), 1 at the end (dropped).
  const int x = -32768;
  const std::vector<int> v = {x, x, 10, 20, x, x, x, 30, 40, x, 50, x};
  std::string dat;
  for (int s : v) put16le(dat, s);
  write("g.dat", dat);
  write("g.hea", "g 1 10 12\ng.dat 16 10 16 0 -32768 " + std::to_string(checksum(v)) + " 0 ECG\n");
  const signal_recording r = read_wfdb_channel(dir_ / "g", 0, {});
  EXPECT_EQ(r.samples, (std::vector<double>{1.0, 2.0, 3.0, 4.0, 5.0}));
  ASSERT_EQ(r.gaps.size(), 2U);
  EXPECT_EQ(r.gaps[0].at, 2U);
  EXPECT_DOUBLE_EQ(r.gaps[0].seconds, 0.3);
  EXPECT_EQ(r.gaps[1].at, 4U);
  EXPECT_DOUBLE_EQ(r.gaps[1].seconds, 0.1);
  ASSERT_EQ(r.warnings.size(), 1U);
  EXPECT_EQ(r.warnings[0],
            "7 invalid samples in lead ECG: 2 gaps, 2 dropped at the start, 1 dropped at the end");

  // Format 310's invalid code is -512; a lead with nothing valid is an error.
  const std::vector<int> w = {-512, 5, -512, -512, 6, 7};
  write("h.dat", pack(310, w, {0}, 1));
  write("h.hea", "h 1 100 6\nh.dat 310 1 10 0\n");
  const signal_recording q = read_wfdb_channel(dir_ / "h", 0, {});
  EXPECT_EQ(q.samples, (std::vector<double>{5.0, 6.0, 7.0}));
  ASSERT_EQ(q.gaps.size(), 1U);
  EXPECT_EQ(q.gaps[0].at, 1U);
  EXPECT_DOUBLE_EQ(q.gaps[0].seconds, 0.02);
  write("h.dat", pack(310, {-512, -512, -512}, {0}, 1));
  write("h.hea", "h 1 100 3\nh.dat 310 1 10 0\n");
  EXPECT_EQ(error_for(dir_ / "h"), "h.dat: lead record signal 0 holds no valid sample");
}

TEST_F(wfdb_record_test, physionet_challenge_mat_record_with_byte_offset) {
  // MATLAB v4: 5 int32 (type 30 = int16 matrix, rows = signals, cols = samples, imagf, name
  // length 4), the name "val\0", then the matrix column by column = frame-interleaved.
  const std::size_t frames = 40;
  std::vector<std::vector<int>> sig(2, std::vector<int>(frames));
  for (std::size_t k = 0; k < frames; ++k) {
    sig[0][k] = static_cast<int>(k) * 37 - 700;
    sig[1][k] = 300 - static_cast<int>(k) * 11;
  }
  std::string mat;
  for (std::uint32_t v : {30U, 2U, static_cast<std::uint32_t>(frames), 0U, 4U}) {
    for (int b = 0; b < 4; ++b) mat.push_back(static_cast<char>(v >> (8U * b)));
  }
  mat += std::string("val\0", 4);
  ASSERT_EQ(mat.size(), 24U);
  for (int v : interleave(sig)) put16le(mat, v);
  write("A0001.mat", mat);
  write("A0001.hea",
        "A0001 2 500 40 05:06:07 21/03/2017\n"
        "A0001.mat 16+24 1000/mV 16 0 -700 " +
            std::to_string(checksum(sig[0])) +
            " 0 I\n"
            "A0001.mat 16+24 1000/mV 16 0 300 " +
            std::to_string(checksum(sig[1])) +
            " 0 II\n"
            "# Age: 74\n# Dx: 59118001\n");
  signal_file_options o;
  o.column = "ii";
  const signal_recording r = read_wfdb_signal(dir_ / "A0001.mat", o);
  EXPECT_EQ(r.column, "II");
  EXPECT_EQ(r.kind, dsp::input_kind::ecg);
  EXPECT_EQ(r.fs_hz, 500.0);
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ(r.start_time, "2017-03-21T05:06:07");
  ASSERT_EQ(r.samples.size(), frames);
  for (std::size_t k = 0; k < frames; ++k) ASSERT_EQ(r.samples[k], sig[1][k] / 1000.0);
  const auto h = resonant::drivers::read_wfdb_header(dir_ / "A0001");
  EXPECT_EQ(h.comments, (std::vector<std::string>{"Age: 74", "Dx: 59118001"}));
  EXPECT_EQ(h.base_date, "21/03/2017");
}

TEST_F(wfdb_record_test, sizes_are_checked_before_anything_is_read) {
  // A sparse signal file of 400 MB: 16-bit samples over the limit are refused unread.
  write("big.hea", "big 1 360\nbig.dat 16 200 16 0 0 0 0 ECG\n");
  write("big.dat", "");
  fs::resize_file(dir_ / "big.dat", 2 * (max_signal_samples + 2));
  EXPECT_EQ(error_for(dir_ / "big"),
            "big.dat: holds 400000004 bytes, more than 200000000 samples per signal");
  write("big.hea", "big 1 360 200000000\nbig.dat 16x2 200 16 0 0 0 0 ECG\n");
  EXPECT_EQ(error_for(dir_ / "big"),
            "big.hea:2: lead \"ECG\" has 200000000 frames of 2 samples, over the limit of "
            "200000000 samples per signal");
  // With nsamples, only the bytes of those frames are read.
  write("big.hea", "big 1 360 3\nbig.dat 16 200 16 0 0 0 0 ECG\n");
  EXPECT_EQ(read_wfdb_channel(dir_ / "big", 0, {}).samples, (std::vector<double>{0.0, 0.0, 0.0}));
  fs::create_directory(dir_ / "dir.dat");
  write("dir.hea", "dir 1 360\ndir.dat 16\n");
  EXPECT_EQ(error_for(dir_ / "dir"), "dir.dat: is not a regular file");
  fs::create_directory(dir_ / "hdir.hea");
  EXPECT_EQ(error_for(dir_ / "hdir"), "hdir.hea: is not a regular file");
  write("none.hea", "none 1 360\nnone.dat 16\n");
  EXPECT_EQ(error_for(dir_ / "none"), "none.dat: cannot open: No such file or directory");
}

// ---- header ------------------------------------------------------------------------------------

TEST(wfdb_header, numbers_are_range_checked_with_the_line) {
  const auto err = [](const std::string& text) {
    return error_of([&] { parse_wfdb_header(text, "r.hea"); });
  };
  EXPECT_EQ(err("r 1 0\nr.dat 16\n"),
            "r.hea:1: sampling frequency \"0\" is not a number from 0.001 Hz to below 1e6 Hz");
  EXPECT_EQ(err("r 1 -5\nr.dat 16\n"),
            "r.hea:1: sampling frequency \"-5\" is not a number from 0.001 Hz to below 1e6 Hz");
  EXPECT_EQ(err("r 1 inf\nr.dat 16\n"),
            "r.hea:1: sampling frequency \"inf\" is not a number from 0.001 Hz to below 1e6 Hz");
  EXPECT_EQ(err("r 1 nan\nr.dat 16\n"),
            "r.hea:1: sampling frequency \"nan\" is not a number from 0.001 Hz to below 1e6 Hz");
  EXPECT_EQ(err("# c\n\nr 1 1e6\nr.dat 16\n"),
            "r.hea:3: sampling frequency \"1e6\" is not a number from 0.001 Hz to below 1e6 Hz");
  EXPECT_EQ(err("r 1 360 " + std::to_string(max_signal_samples + 1) + "\nr.dat 16\n"),
            "r.hea:1: number of samples \"200000001\" is over the limit of 200000000");
  EXPECT_EQ(err("r 1 360 99999999999999999999\nr.dat 16\n"),
            "r.hea:1: number of samples \"99999999999999999999\" is not a non-negative integer");
  EXPECT_EQ(err("r 5000 360\n"), "r.hea:1: number of signals \"5000\" is over the limit of 4096");
  EXPECT_EQ(err("r 1 360\nr.dat 16 1e400\n"), "r.hea:2: gain \"1e400\" is invalid");
  EXPECT_EQ(err("r 1 360\nr.dat 16x1001\n"),
            "r.hea:2: samples per frame in \"16x1001\" must be 1 to 1000");
  EXPECT_EQ(err("r 1 360 10 25:00:00\nr.dat 16\n"),
            "r.hea:1: base time \"25:00:00\" is not of the form HH:MM:SS");
  EXPECT_EQ(err("r 1 360 10 10:00:00 32/01/2000\nr.dat 16\n"),
            "r.hea:1: base date \"32/01/2000\" is not of the form DD/MM/YYYY");
  EXPECT_EQ(err(""), "r.hea: contains no record line");

  const auto h = parse_wfdb_header(
      "# first\nr 2 128/2(5) 7680 13:45:30.5 01/02/2003\n# middle\n"
      "r.dat 212 200(1024)/uV 11 1024 995 -22131 0 MLII lead\nr.dat 212\n",
      "r.hea");
  EXPECT_EQ(h.record_name, "r");
  EXPECT_EQ(h.fs_hz, 128.0);
  EXPECT_EQ(h.frames, 7680);
  EXPECT_EQ(h.base_time, "13:45:30.5");
  EXPECT_EQ(h.comments, (std::vector<std::string>{"first", "middle"}));
  ASSERT_EQ(h.signals.size(), 2U);
  EXPECT_EQ(h.signals[0].description, "MLII lead");
  EXPECT_EQ(h.signals[0].units, "uV");
  EXPECT_EQ(h.signals[0].baseline, 1024.0);
  EXPECT_EQ(h.signals[1].description, "record signal 1");
  EXPECT_EQ(h.signals[1].gain, 200.0);
}

// ---- MIT-BIH 100 -------------------------------------------------------------------------------

TEST(wfdb_record_real, mitdb_100_every_sample_equals_an_independent_decoding) {
  const std::string record = recordings + "mitdb/100";
  std::ifstream in(record + ".dat", std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  ASSERT_EQ(bytes.size(), 1950000U);
  const auto channels = wfdb_channels(record);
  ASSERT_EQ(channels.size(), 2U);
  EXPECT_EQ(channels[0].name, "MLII");
  EXPECT_EQ(channels[1].name, "V5");
  EXPECT_EQ(channels[0].sample_count, 650000U);
  EXPECT_EQ(channels[0].fs_hz, 360.0);
  EXPECT_EQ(channels[0].format, "WFDB 212");
  const signal_recording mlii = read_wfdb_channel(record, 0, {});
  const signal_recording v5 = read_wfdb_channel(record + ".hea", 1, {});
  EXPECT_TRUE(mlii.warnings.empty());
  EXPECT_TRUE(v5.warnings.empty());
  EXPECT_TRUE(mlii.gaps.empty());
  EXPECT_FALSE(mlii.start_time);  // 100.hea gives no base date
  ASSERT_EQ(mlii.samples.size(), 650000U);
  ASSERT_EQ(v5.samples.size(), 650000U);
  // Frame k = bytes 3k..3k+2: MLII = low 12 bits, V5 = high nibble of byte 1 over byte 2;
  // baseline 1024 and gain 200 for both (100.hea).
  const auto byte = [&](std::size_t i) {
    return static_cast<int>(static_cast<unsigned char>(bytes[i]));
  };
  for (std::size_t k = 0; k < 650000; ++k) {
    int a = byte(3 * k) + 256 * (byte(3 * k + 1) % 16);
    int b = byte(3 * k + 2) + 256 * (byte(3 * k + 1) / 16);
    if (a >= 2048) a -= 4096;
    if (b >= 2048) b -= 4096;
    ASSERT_EQ(mlii.samples[k], (a - 1024) / 200.0) << k;
    ASSERT_EQ(v5.samples[k], (b - 1024) / 200.0) << k;
  }
}

}  // namespace

namespace {

// ---- robustness --------------------------------------------------------------------------------

TEST_F(wfdb_record_test, mutated_headers_and_cut_data_are_read_or_refused_never_crash) {
  const std::size_t frames = 64;
  const format_case fc{212, -2047, 2047};
  const auto sig = random_signals(fc, 2, frames, 9);
  const std::string dat = pack(212, interleave(sig), {}, 2);
  const std::string hea =
      "m 2 360 64 10:00:00 01/01/2020\nm.dat 212 200(5)/mV 12 0 1 2 0 A\n"
      "m.dat 212x1:0+0 100 12 0 1 2 0 B\n";
  std::mt19937 rng(17);
  const std::string alphabet = "0123456789 x:+/()-.e#\nabc";
  std::size_t read = 0;
  std::size_t refused = 0;
  for (int trial = 0; trial < 400; ++trial) {
    std::string h = hea;
    const int edits = 1 + trial % 3;
    for (int e = 0; e < edits; ++e) {
      std::uniform_int_distribution<std::size_t> at(0, h.size() - 1);
      std::uniform_int_distribution<std::size_t> ch(0, alphabet.size() - 1);
      h[at(rng)] = alphabet[ch(rng)];
    }
    std::uniform_int_distribution<std::size_t> cut(0, dat.size());
    write("m.hea", h);
    write("m.dat", trial % 4 == 0 ? dat.substr(0, cut(rng)) : dat);
    for (std::size_t channel : {0UL, 1UL}) {
      try {
        const signal_recording r = read_wfdb_channel(dir_ / "m", channel, {});
        ASSERT_FALSE(r.samples.empty());
        ++read;
      } catch (const input_error&) {
        ++refused;
      }
    }
  }
  EXPECT_GT(read, 0U);
  EXPECT_GT(refused, 0U);
}

}  // namespace
