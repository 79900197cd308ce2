// Writes the seed corpora of fuzz_session_record, fuzz_wfdb_annotations, fuzz_recording_text,
// fuzz_kubios_report, fuzz_npy, fuzz_edf (through EDFlib's writer) and fuzz_wfdb_signal (FLAC
// through libFLAC's encoder):
//   fuzz_seed_corpus DIR   ->   DIR/fuzz_session_record/*.rsn, DIR/fuzz_wfdb_annotations/*.bin,
//                              DIR/fuzz_recording_text/*, DIR/fuzz_kubios_report/*
// Session records come from the project's own writer (engine/session_record.hpp), so the seeds
// are exactly what a session writes, plus an interrupted record and one with malformed lines.
// WFDB seeds are "<.hea text>\0<.atr bytes>" (the fuzz target's input format), the .atr from a
// small independent MIT-format encoder (annot(5)): beats, non-beats, SKIP, NUM / SUB / CHN,
// and the AUX "## time resolution" note. Deterministic: the same files on every run.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <FLAC/stream_encoder.h>
#include <edflib.h>

#include "engine/session_record.hpp"

namespace {

namespace fs = std::filesystem;
using namespace resonant::engine;

record_header header(const std::string& kind, double rate_hz) {
  record_header h;
  h.software = "resonant seed";
  h.started_utc = "2026-12-03T08:00:00Z";
  h.device = "sim:seed=1";
  h.input_kind = *resonant::dsp::parse_input_kind(kind);
  h.rate_hz = rate_hz;
  h.units = kind == "rr" ? "ms" : "uV";
  h.parameters["monitor"]["tick_s"] = 1.0;
  return h;
}

fs::path fresh(const fs::path& p) {
  fs::remove(p);
  return p;
}

void write_text(const fs::path& p, const std::string& text) {
  {
    std::ofstream out(fresh(p), std::ios::binary);
    out << text;
  }
  fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write);
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void session_seeds(const fs::path& dir) {
  fs::create_directories(dir);
  {
    session_record_writer w(fresh(dir / "rr.rsn"), header("rr", 0.0));
    double t = 0.0;
    w.event(0.0, "session", "settle");
    for (int i = 0; i < 40; ++i) {
      const double rr = 850.0 + 60.0 * std::sin(0.6 * i);
      t += rr / 1000.0;
      w.rr(t, rr, i == 20);
      if (i % 5 == 0) w.clock(std::floor(t));
      if (i == 19) w.event(t, "source", "signal lost (no skin contact)");
    }
    w.event(t, "session", "complete");
  }
  {
    session_record_writer w(fresh(dir / "ecg.rsn"), header("ecg", 130.0));
    std::vector<double> block(26);
    std::int64_t n = 0;
    for (int b = 0; b < 12; ++b) {
      for (std::size_t k = 0; k < block.size(); ++k)
        block[k] = 400.0 * std::sin(0.3 * static_cast<double>(n + static_cast<std::int64_t>(k)));
      w.samples(n, block);
      n += static_cast<std::int64_t>(block.size()) + (b == 6 ? 13 : 0);  // a gap
    }
    w.event(2.4, "pacer", "6.0 bpm");
  }
  {
    session_record_writer w(fresh(dir / "ppg.rsn"), header("ppg", 64.0));
    const std::vector<double> v{1.5, 2.5, std::nan(""), 1e-300, -0.0};
    w.samples(0, v);
    w.samples(5, v);
  }
  // Interrupted (partial last line) and hand-broken lines after a good header.
  const std::string rr = slurp(dir / "rr.rsn");
  write_text(dir / "interrupted.rsn", rr.substr(0, rr.size() - 7));
  const std::string head = rr.substr(0, rr.find('\n') + 1);
  write_text(dir / "malformed.rsn", head +
                                        "r,1.0,800\nr,0.5,800\nzz\nr,1e300,800\nr,2,1e300\n"
                                        "s,9223372036854775807,1\nt,nan\ne,1,,x\nq,1\n\n"
                                        "r,3,800,g\nr,4,800,h\n");
  // Sample lines in an RR record (found by the fuzzer: the replay divided by the rate 0).
  write_text(dir / "rr_with_samples.rsn", head + "s,0,1.5,2.5\nr,0.8,800\ns,5,1\n");
}

// MIT-format encoder: 16-bit little-endian words, code in the top 6 bits.
class mit_encoder {
 public:
  void word(unsigned w) {
    bytes_.push_back(static_cast<char>(w & 0xFFU));
    bytes_.push_back(static_cast<char>((w >> 8U) & 0xFFU));
  }
  void annotation(std::int64_t sample, unsigned code) {
    const std::int64_t step = sample - at_;
    if (step < 0 || step > 1023) {
      const auto raw = static_cast<std::uint32_t>(static_cast<std::int32_t>(step));
      word(59U << 10U);
      word(raw >> 16U);
      word(raw & 0xFFFFU);
      word(code << 10U);
    } else {
      word((code << 10U) | static_cast<unsigned>(step));
    }
    at_ = sample;
  }
  void aux(const std::string& text) {
    word((63U << 10U) | static_cast<unsigned>(text.size()));
    bytes_ += text;
    if (text.size() % 2 == 1) bytes_.push_back('\0');
  }
  std::string finish() {
    word(0);
    return bytes_;
  }

 private:
  std::string bytes_;
  std::int64_t at_ = 0;
};

void wfdb_seeds(const fs::path& dir) {
  fs::create_directories(dir);
  const auto seed = [&](const std::string& name, const std::string& hea, const std::string& atr) {
    write_text(dir / name, hea + std::string(1, '\0') + atr);
  };
  {
    mit_encoder e;  // N beats, a V, a rhythm change, a noise annotation
    const unsigned codes[] = {1, 1, 5, 1, 28, 1, 8, 14, 1, 1};
    for (int i = 0; i < 10; ++i) e.annotation(77 + 290 * i, codes[i]);
    seed("beats.bin", "100 2 360 650000\n", e.finish());
  }
  {
    mit_encoder e;  // long steps through SKIP, NUM / SUB / CHN after a beat
    e.annotation(10, 1);
    e.word((60U << 10U) | 3U);
    e.word((61U << 10U) | 1U);
    e.word((62U << 10U) | 1U);
    e.annotation(100000, 1);
    e.annotation(100500, 12);
    e.annotation(400000, 1);
    seed("skip_chn.bin", "# comment\nrec 1 128(0)/2 1000000\n", e.finish());
  }
  {
    mit_encoder e;  // high-resolution annotations
    e.annotation(0, 22);
    e.aux("## time resolution: 1000.000000");
    e.annotation(800, 1);
    e.annotation(1650, 1);
    e.annotation(2400, 5);
    seed("time_resolution.bin", "rec 2 250\n", e.finish());
  }
  {
    mit_encoder e;  // AUX of odd length on a rhythm annotation
    e.annotation(50, 28);
    e.aux("(AFIB");
    e.annotation(300, 1);
    e.annotation(600, 1);
    seed("aux_rhythm.bin", "rec\t1\t500.5\n", e.finish());
  }
}

}  // namespace

// Seeds of fuzz_recording_text: one options byte, then the text of a recording of each layout
// the door knows (bit 0 strict, bit 1 rate 100 Hz, bits 2-4 the --input kind).
void text_seeds(const fs::path& dir) {
  fs::create_directories(dir);
  const auto seed = [&](const std::string& name, unsigned char flags, const std::string& text) {
    write_text(dir / name, std::string(1, static_cast<char>(flags)) + text);
  };
  std::string rr;
  std::string times = "0.000\n";
  std::string timed = "time,rr\n";
  double t = 0.0;
  for (int i = 0; i < 40; ++i) {
    const int v = 820 + static_cast<int>(50.0 * std::sin(1.3 * i));
    rr += std::to_string(v) + (i == 20 ? "\nNaN\n" : "\n");
    t += v / 1000.0;
    times += std::to_string(t) + "\n";
    timed += std::to_string(t) + "," + std::to_string(v) + "\n";
  }
  seed("rr.txt", 0, rr);
  seed("rr_strict_garbage.txt", 1, rr + "@ marker\n12a\n-5\n5475531\n");
  seed("beat_times.txt", 0, times);
  seed("time_rr.csv", 0, timed);
  seed("polar_logger.txt", 0,
       "Phone timestamp;RR-interval [ms]\n2026-12-03T10:00:00.000;812\n"
       "2026-12-03T10:00:01.000;790\n2026-12-03T10:00:02.000;805\n");
  seed("pandas.csv", 0, ",rr\n0,800\n1,810\n2,790\n3,805\n4,795\n");
  std::string ecg = "ECG,PPG\n";
  std::string one = "";
  std::string camera = "time,R,G,B\n";
  for (int k = 0; k < 600; ++k) {
    const double x = std::fmod(k * 0.01, 0.8);
    const double e = std::exp(-0.5 * (x - 0.3) * (x - 0.3) / 1e-4);
    const double p = std::exp(-0.5 * (x - 0.45) * (x - 0.45) / 0.01);
    ecg += std::to_string(e) + "," + std::to_string(p) + (k == 300 ? ",\n" : "\n");
    one += std::to_string(500 + static_cast<int>(100 * p)) + "\n";
    camera += std::to_string(k * 35) + ",255," + std::to_string(100.0 - 5.0 * p) + ",0\n";
  }
  seed("ecg_ppg.csv", 2, ecg);
  seed("one_column_ppg.csv", 0, one);
  seed("one_column_ppg_rate.csv", 2, one);
  seed("camera.csv", 0, camera);
  seed("peaks.txt", 2 | (3U << 2U), "12\n95\n171\n250\n331\n410\n");
  seed("timer_hr.csv", 0, "timer,hr\n0.0,515\n8.5,514\n17.1,512\n25.6,510\n34.2,509\n");
}

// Seeds of fuzz_kubios_report: a report's Parameters and RR data blocks (first byte even), and
// WFDB headers (first byte odd).
void report_seeds(const fs::path& dir) {
  fs::create_directories(dir);
  std::string report =
      "HRV ANALYSIS RESULTS - 03-Dec-2026 10:00:00\nKubios HRV Standard\n3.1.0.1\n\n"
      "Parameters\n Number of samples: 1\n Detrending method: Smoothn priors (Lambda: 500)\n"
      " Min/Max HR as average of: 5 beats\n Threshold for NNxx/pNNxx: 50 ms\n"
      " Frequency bands\n  VLF: 0 - 0.04 Hz\n  LF: 0.04 - 0.15 Hz\n  HF: 0.15 - 0.4 Hz\n"
      " Interpolation rate: 4 Hz\n Points in frequency-domain: 300 points/Hz\n"
      " FFT spectrum options\n  Window width: 300 s\n  Window overlap: 50 %\n"
      " AR spectrum options\n  AR model order: 16\n  Use factorization: Yes\n"
      " Entropy, embedding dimension: 2\n Entropy, tolerance: 0.2 x SD\n"
      " DFA, short-term fluctuations: 4-12 beats\n DFA, long-term fluctuations: 13-64 beats\n\n"
      "Time-Domain Results           ,\n  Mean RR  (ms):              ,    707.5437,            ,\n"
      "\nRR INTERVAL DATA and SPECTRUM ESTIMATES,\n"
      "                              ,    SAMPLE 1,\n"
      "                              ,     RR Data,            ,\n"
      "                              ,        Time, RR interval,\n"
      "                              ,         (s),         (s),\n";
  double t = 0.0;
  for (int i = 0; i < 30; ++i) {
    const double v = 0.7 + 0.05 * std::sin(1.1 * i);
    t += v;
    report += "                              ,       " + std::to_string(t) + ",       " +
              std::to_string(v) + ",\n";
  }
  write_text(dir / "report.txt", std::string(1, '\0') + report);
  write_text(dir / "mitdb_100.hea",
             std::string(1, '\1') +
                 "100 2 360 650000\n100.dat 212 200 11 1024 995 -22131 0 MLII\n"
                 "100.dat 212 200 11 1024 1011 20052 0 V5\n# 69 M 1085 1629 x1\n");
  write_text(dir / "flac_spf.hea",
             std::string(1, '\1') +
                 "rec 3 250/1000(0) 1000 10:20:30 03/12/2026\nrec.dat 516x2:1+24 400(-5)/uV 16 0 "
                 "12 345 0 ECG lead I\nrec.dat 516 400 16 0 0 0 0 PPG\nrec2.dat 16 0\n");
}

// .npy seeds: a header dict as NumPy writes it (version 1.0, padded to 64 bytes with a newline)
// and the data, for a float, an integer and a big-endian dtype, a column shape and version 2.0.
std::string npy_file(const std::string& descr, const std::string& shape, const std::string& data,
                     int major = 1) {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  const std::size_t prefix = major == 1 ? 10 : 12;
  while ((prefix + dict.size() + 1) % 64 != 0) dict += ' ';
  dict += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  const auto n = static_cast<std::uint32_t>(dict.size());
  for (std::size_t i = 0; i < (major == 1 ? 2U : 4U); ++i)
    out += static_cast<char>((n >> (8 * i)) & 0xffU);
  return out + dict + data;
}

template <typename T>
std::string bytes_of(const std::vector<T>& v, bool big_endian = false) {
  std::string out;
  for (const T x : v) {
    std::string b(reinterpret_cast<const char*>(&x), sizeof x);
    if (big_endian) b.assign(b.rbegin(), b.rend());
    out += b;
  }
  return out;
}

void npy_seeds(const fs::path& dir) {
  fs::create_directories(dir);
  std::vector<double> f8;
  std::vector<std::int16_t> i2;
  for (int i = 0; i < 64; ++i) {
    f8.push_back(std::sin(0.3 * i));
    i2.push_back(static_cast<std::int16_t>(1000.0 * std::sin(0.3 * i)));
  }
  write_text(dir / "f8.npy", npy_file("<f8", "(64,)", bytes_of(f8)));
  write_text(dir / "i2.npy", npy_file("<i2", "(64, 1)", bytes_of(i2)));
  write_text(dir / "be_f8.npy", npy_file(">f8", "(64,)", bytes_of(f8, true)));
  write_text(dir / "v2_u1.npy", npy_file("|u1", "(4,)", "\x01\x02\x03\x04", 2));
}

// EDF seeds through EDFlib's writer: EDF+C and BDF+C with an annotation, each one ECG channel
// of 2 s at 64 Hz (plain EDF differs in the reserved field only, which the fuzzer reaches).
void edf_seeds(const fs::path& dir) {
  fs::create_directories(dir);
  const auto write_edf = [&](const fs::path& p, int filetype) {
    fs::remove(p);
    const int h = edfopen_file_writeonly(p.c_str(), filetype, 1);
    if (h < 0) throw std::runtime_error("edflib cannot write " + p.string());
    const int dig = filetype == EDFLIB_FILETYPE_BDFPLUS ? 8388607 : 32767;
    bool ok = edf_set_samplefrequency(h, 0, 64) == 0 && edf_set_physical_maximum(h, 0, 5.0) == 0 &&
              edf_set_physical_minimum(h, 0, -5.0) == 0 &&
              edf_set_digital_maximum(h, 0, dig) == 0 &&
              edf_set_digital_minimum(h, 0, -dig - 1) == 0 && edf_set_label(h, 0, "ECG") == 0 &&
              edf_set_physical_dimension(h, 0, "mV") == 0 &&
              edf_set_startdatetime(h, 2026, 12, 3, 8, 0, 0) == 0;
    std::vector<double> buf(64);
    for (int r = 0; r < 2 && ok; ++r) {
      for (int i = 0; i < 64; ++i) buf[static_cast<std::size_t>(i)] = std::sin(0.5 * (64 * r + i));
      ok = edfwrite_physical_samples(h, buf.data()) == 0;
    }
    if (ok) ok = edfwrite_annotation_utf8(h, 5000, 2000, "electrode check") == 0;
    if (edfclose_file(h) != 0 || !ok) throw std::runtime_error("edflib: " + p.string());
    fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write);
  };
  write_edf(dir / "ecg.edf", EDFLIB_FILETYPE_EDFPLUS);
  write_edf(dir / "ecg.bdf", EDFLIB_FILETYPE_BDFPLUS);
}

// WFDB record seeds: "<.hea text>\0<rec.dat bytes>" (fuzz_wfdb_signal's input), a small sine
// ECG-like trace per signal in each format the reader decodes.
std::vector<int> trace(int n, int amplitude, double phase) {
  std::vector<int> v;
  for (int i = 0; i < n; ++i)
    v.push_back(static_cast<int>(std::lround(amplitude * std::sin(0.2 * i + phase))));
  return v;
}

void put16(std::string& out, int x, bool big_endian) {
  const auto u = static_cast<std::uint16_t>(x);
  const char lo = static_cast<char>(u & 0xFFU);
  const char hi = static_cast<char>(u >> 8U);
  out += big_endian ? hi : lo;
  out += big_endian ? lo : hi;
}

// Interleaved frames of two signals in a packed format.
std::string packed(int format, const std::vector<int>& a, const std::vector<int>& b) {
  std::string out;
  std::vector<int> all;
  for (std::size_t i = 0; i < a.size(); ++i) {
    all.push_back(a[i]);
    all.push_back(b[i]);
  }
  switch (format) {
    case 16:
    case 61:
      for (int x : all) put16(out, x, format == 61);
      break;
    case 80:
      for (int x : all) out += static_cast<char>(static_cast<std::uint8_t>(x + 128));
      break;
    case 160:
      for (int x : all) put16(out, x + 32768, false);
      break;
    case 212:
      for (std::size_t i = 0; i + 1 < all.size(); i += 2) {
        const auto s0 = static_cast<std::uint16_t>(all[i]) & 0x0FFFU;
        const auto s1 = static_cast<std::uint16_t>(all[i + 1]) & 0x0FFFU;
        out += static_cast<char>(s0 & 0xFFU);
        out += static_cast<char>(((s0 >> 8U) & 0x0FU) | ((s1 >> 4U) & 0xF0U));
        out += static_cast<char>(s1 & 0xFFU);
      }
      break;
    case 311:
      for (std::size_t i = 0; i + 2 < all.size(); i += 3) {
        std::uint32_t w = 0;
        for (std::size_t k = 0; k < 3; ++k)
          w |= (static_cast<std::uint32_t>(all[i + k]) & 0x3FFU) << (10U * k);
        for (unsigned k = 0; k < 4; ++k) out += static_cast<char>((w >> (8U * k)) & 0xFFU);
      }
      break;
    default:
      throw std::runtime_error("no seed encoder for format " + std::to_string(format));
  }
  return out;
}

// Two 16-bit channels as a FLAC stream (format 516), by libFLAC's encoder into memory.
std::string flac_of(const std::vector<int>& a, const std::vector<int>& b) {
  FLAC__StreamEncoder* e = FLAC__stream_encoder_new();
  std::string out;
  const auto write = [](const FLAC__StreamEncoder*, const FLAC__byte buffer[], size_t bytes,
                        uint32_t, uint32_t, void* data) {
    static_cast<std::string*>(data)->append(reinterpret_cast<const char*>(buffer), bytes);
    return FLAC__STREAM_ENCODER_WRITE_STATUS_OK;
  };
  bool ok = e != nullptr && FLAC__stream_encoder_set_channels(e, 2) &&
            FLAC__stream_encoder_set_bits_per_sample(e, 16) &&
            FLAC__stream_encoder_set_sample_rate(e, 250) &&
            FLAC__stream_encoder_init_stream(e, write, nullptr, nullptr, nullptr, &out) ==
                FLAC__STREAM_ENCODER_INIT_STATUS_OK;
  std::vector<FLAC__int32> frames;
  for (std::size_t i = 0; i < a.size(); ++i) {
    frames.push_back(a[i]);
    frames.push_back(b[i]);
  }
  ok = ok &&
       FLAC__stream_encoder_process_interleaved(e, frames.data(), static_cast<uint32_t>(a.size()));
  ok = FLAC__stream_encoder_finish(e) && ok;
  if (e != nullptr) FLAC__stream_encoder_delete(e);
  if (!ok) throw std::runtime_error("libFLAC could not encode the seed");
  return out;
}

void wfdb_signal_seeds(const fs::path& dir) {
  fs::create_directories(dir);
  const auto seed = [&](const std::string& name, const std::string& hea, const std::string& dat) {
    write_text(dir / name, hea + std::string(1, '\0') + dat);
  };
  const auto a = trace(120, 900, 0.0);
  const auto b = trace(120, 400, 1.0);
  for (int format : {16, 61, 80, 160, 212, 311}) {
    const int amp = format == 80 ? 100 : format == 311 ? 400 : 900;
    const auto a2 = trace(120, amp, 0.0);
    const auto b2 = trace(120, amp / 2, 1.0);
    const std::string f = std::to_string(format);
    seed("format" + f + ".bin",
         "rec 2 250 120\nrec.dat " + f + " 200 12 0 0 0 0 ECG I\nrec.dat " + f +
             " 100(5)/mV 12 0 0 0 0 ECG II\n",
         packed(format, a2, b2));
  }
  {
    // Format 8 (first differences), with its initial value; and a byte offset.
    std::string d;
    int last = 0;
    for (int x : trace(120, 60, 0.0)) {
      d += static_cast<char>(static_cast<std::int8_t>(x - last));
      last = x;
    }
    seed("format8.bin", "rec 1 125\nrec.dat 8 50 8 0 0 0 0 pleth\n", d);
    seed("offset.bin",
         "rec 2 250/2(3) 100 10:00:00 03/12/2026\nrec.dat 16+8 200 16 0 0\nrec.dat 16+8 200\n",
         std::string(8, '\x7f') + packed(16, a, b));
  }
  {
    // Two samples per frame for the first signal, invalid samples (a gap) in the second.
    std::string d;
    for (std::size_t i = 0; i < 60; ++i) {
      put16(d, a[2 * i], false);
      put16(d, a[2 * i + 1], false);
      put16(d, i >= 20 && i < 25 ? -32768 : b[i], false);
    }
    seed("frames_gaps.bin",
         "rec 2 100 60\nrec.dat 16x2 200 16 0 0 0 0 ECG\nrec.dat 16 200 16 0 0 0 0 PPG\n", d);
  }
  seed("flac516.bin",
       "rec 2 250 120\nrec.dat 516 200 16 0 0 0 0 ECG I\nrec.dat 516 200 16 0 0 0 0 ECG II\n",
       flac_of(a, b));
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_seed_corpus DIR\n";
    return 2;
  }
  const fs::path dir = argv[1];
  try {
    session_seeds(dir / "fuzz_session_record");
    wfdb_seeds(dir / "fuzz_wfdb_annotations");
    wfdb_signal_seeds(dir / "fuzz_wfdb_signal");
    text_seeds(dir / "fuzz_recording_text");
    report_seeds(dir / "fuzz_kubios_report");
    npy_seeds(dir / "fuzz_npy");
    edf_seeds(dir / "fuzz_edf");
  } catch (const std::exception& e) {
    std::cerr << "fuzz_seed_corpus: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
