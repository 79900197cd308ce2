// Writes the seed corpora of fuzz_session_record and fuzz_wfdb_annotations:
//   fuzz_seed_corpus DIR   ->   DIR/fuzz_session_record/*.rsn, DIR/fuzz_wfdb_annotations/*.bin
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
#include <string>
#include <vector>

#include "engine/session_record.hpp"

namespace {

namespace fs = std::filesystem;
using namespace resonant::engine;

record_header header(const std::string& kind, double rate_hz) {
  record_header h;
  h.software = "resonant seed";
  h.started_utc = "2026-12-03T08:00:00Z";
  h.device = "sim:seed=1";
  h.input_kind = kind;
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

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_seed_corpus DIR\n";
    return 2;
  }
  const fs::path dir = argv[1];
  try {
    session_seeds(dir / "fuzz_session_record");
    wfdb_seeds(dir / "fuzz_wfdb_annotations");
  } catch (const std::exception& e) {
    std::cerr << "fuzz_seed_corpus: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
