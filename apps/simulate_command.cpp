#include "simulate_command.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "drivers/sim_source.hpp"
#include "drivers/sim_subject.hpp"
#include "drivers/sim_waveform.hpp"
#include "engine/session_record.hpp"

namespace resonant::apps {
namespace {

namespace fs = std::filesystem;

struct simulate_options {
  double minutes = 0.0;
  std::string signal = "rr";
  std::string out;
  double rate_hz = 0.0;
  std::uint64_t seed = 1;
  double breathing_bpm = 0.0;
  double resonance_bpm = 5.5;
  bool non_responder = false;
  double mean_hr_bpm = 65.0;
  double ectopic_per_min = 0.0;
  std::vector<std::string> dropouts;
};

struct file_closer {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using file_ptr = std::unique_ptr<std::FILE, file_closer>;

// A new file (or an existing one truncated) readable by its owner only: health data.
file_ptr create_private(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), path.string());
  if (::fchmod(fd, 0600) != 0) {
    const int e = errno;
    ::close(fd);
    throw std::system_error(e, std::generic_category(), path.string());
  }
  std::FILE* f = ::fdopen(fd, "wb");
  if (f == nullptr) {
    const int e = errno;
    ::close(fd);
    throw std::system_error(e, std::generic_category(), path.string());
  }
  return file_ptr(f);
}

void finish(file_ptr& f, const fs::path& path) {
  const bool ok = std::ferror(f.get()) == 0;
  if (std::fclose(f.release()) != 0 || !ok)
    throw std::system_error(errno, std::generic_category(), "writing " + path.string());
}

// A record that could not be written to its end (disk full, file size limit) is an error
// naming it, like the other outputs.
void check_written(const engine::session_record_writer& w) {
  if (w.recording_stopped())
    throw std::system_error(w.error(), std::generic_category(), "writing " + w.path().string());
}

drivers::sim_dropout parse_dropout(const std::string& text) {
  const auto plus = text.find('+');
  std::size_t used1 = 0;
  std::size_t used2 = 0;
  drivers::sim_dropout d;
  try {
    if (plus == std::string::npos) throw std::invalid_argument(text);
    d.start_s = std::stod(text.substr(0, plus), &used1);
    d.duration_s = std::stod(text.substr(plus + 1), &used2);
  } catch (const std::exception&) {
    throw std::invalid_argument("--dropout " + text + ": expected START+SECONDS, e.g. 60+10");
  }
  if (used1 != plus || used2 != text.size() - plus - 1 || !(d.start_s >= 0.0) ||
      !(d.duration_s > 0.0))
    throw std::invalid_argument("--dropout " + text + ": expected START+SECONDS, e.g. 60+10");
  return d;
}

std::string describe(const simulate_options& o) {
  char rate[64];
  std::snprintf(rate, sizeof rate, "%g /min paced", o.breathing_bpm);
  const std::string pacing = o.breathing_bpm > 0.0 ? rate : "spontaneous";
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "# resonant simulate: seed %llu, %g min, signal %s, breathing %s, resonance %g "
                "/min, %s, mean HR %g bpm, ectopic %g /min, %zu dropout(s)\n",
                static_cast<unsigned long long>(o.seed), o.minutes, o.signal.c_str(),
                pacing.c_str(), o.resonance_bpm, o.non_responder ? "non-responder" : "responder",
                o.mean_hr_bpm, o.ectopic_per_min, o.dropouts.size());
  return buf;
}

// Path of the ground truth: the output without its extension + ".truth.csv".
fs::path truth_path(const fs::path& base) {
  fs::path p = base;
  p.replace_extension();
  p += ".truth.csv";
  return p;
}

void write_truth_line(std::FILE* f, const drivers::sim_beat& b, double pulse_s, double fs_hz) {
  const long long sample = fs_hz > 0.0 ? std::llround(pulse_s * fs_hz) : -1;
  std::fprintf(f, "%.6f,%.6f,%lld,%.3f,%d,%d,%.3f,%.4f\n", b.time_s, pulse_s, sample, b.rr_ms,
               b.ectopic ? 1 : 0, b.in_dropout ? 1 : 0, b.breathing_bpm, b.breathing_phase);
}

constexpr const char* truth_header =
    "time_s,pulse_s,sample,rr_ms,ectopic,dropout,breathing_bpm,breathing_phase\n";

void simulate_rr(const simulate_options& o, const drivers::sim_subject_config& c) {
  const fs::path out = o.out;
  const fs::path truth = truth_path(out);
  file_ptr f = create_private(out);
  file_ptr t = create_private(truth);
  const std::string head = describe(o);
  std::fputs(head.c_str(), f.get());
  std::fputs("time_s,rr_ms\n", f.get());
  std::fputs(head.c_str(), t.get());
  std::fputs("# time_s: true beat time (s); pulse_s = time_s for RR; sample -1\n", t.get());
  std::fputs(truth_header, t.get());
  drivers::sim_subject subject(c);
  const double end = o.minutes * 60.0;
  while (true) {
    const drivers::sim_beat b = subject.next_beat();
    if (b.time_s > end) break;
    write_truth_line(t.get(), b, b.time_s, 0.0);
    if (b.rr_ms > 0.0 && !b.in_dropout) std::fprintf(f.get(), "%.6f,%.3f\n", b.time_s, b.rr_ms);
  }
  finish(f, out);
  finish(t, truth);
}

void simulate_waveform(const simulate_options& o, const drivers::sim_subject_config& c) {
  fs::path base = o.out;
  if (base.extension() == ".hea" || base.extension() == ".dat") base.replace_extension();
  if (base.has_extension())
    throw std::invalid_argument("--out " + o.out +
                                ": ECG / PPG are written as a WFDB record: give NAME, NAME.hea "
                                "or NAME.dat");
  const bool ecg = o.signal == "ecg";
  drivers::sim_waveform_config wc;
  wc.kind = ecg ? dsp::input_kind::ecg : dsp::input_kind::ppg;
  wc.rate_hz = o.rate_hz > 0.0 ? o.rate_hz : (ecg ? 250.0 : 100.0);
  if (wc.rate_hz != std::floor(wc.rate_hz))
    throw std::invalid_argument("--rate must be a whole number of Hz for a WFDB record");
  drivers::sim_waveform w(c, wc);
  const double gain = ecg ? 1000.0 : 10000.0;
  const auto total = static_cast<std::int64_t>(std::llround(o.minutes * 60.0 * wc.rate_hz));
  if (total <= 0) throw std::invalid_argument("--minutes too short for one sample");

  fs::path dat = base;
  dat += ".dat";
  fs::path hea = base;
  hea += ".hea";
  const fs::path truth = truth_path(dat);
  file_ptr d = create_private(dat);
  file_ptr t = create_private(truth);
  const std::string head = describe(o);
  std::fputs(head.c_str(), t.get());
  std::fprintf(t.get(),
               "# time_s: true R peak (s); pulse_s: %s (s); sample: nearest sample of pulse_s at "
               "%g Hz\n",
               ecg ? "= time_s" : "systolic peak at the finger", wc.rate_hz);
  std::fputs(truth_header, t.get());

  const auto chunk = static_cast<std::size_t>(wc.rate_hz);
  std::vector<double> x(chunk);
  std::vector<unsigned char> bytes(2 * chunk);
  std::vector<drivers::sim_beat> beats;
  std::uint16_t checksum = 0;
  std::int16_t first_adc = 0;
  for (std::int64_t done = 0; done < total;) {
    const auto n = static_cast<std::size_t>(std::min<std::int64_t>(total - done, chunk));
    beats.clear();
    w.generate(std::span<double>(x.data(), n), &beats);
    for (std::size_t i = 0; i < n; ++i) {
      // -32768 is WFDB's invalid-sample code: stay above it.
      const double adc = std::clamp(std::round(x[i] * gain), -32767.0, 32767.0);
      const auto v = static_cast<std::int16_t>(adc);
      if (done == 0 && i == 0) first_adc = v;
      checksum = static_cast<std::uint16_t>(checksum + static_cast<std::uint16_t>(v));
      const auto u = static_cast<std::uint16_t>(v);
      bytes[2 * i] = static_cast<unsigned char>(u & 0xFFU);
      bytes[2 * i + 1] = static_cast<unsigned char>(u >> 8U);
    }
    std::fwrite(bytes.data(), 1, 2 * n, d.get());
    for (const auto& b : beats) {
      const double pulse = w.fiducial_s(b);
      if (pulse * wc.rate_hz < static_cast<double>(total))
        write_truth_line(t.get(), b, pulse, wc.rate_hz);
    }
    done += static_cast<std::int64_t>(n);
  }
  finish(d, dat);
  finish(t, truth);

  file_ptr h = create_private(hea);
  const std::string record = base.filename().string();
  std::fprintf(h.get(), "%s 1 %g %lld\n", record.c_str(), wc.rate_hz,
               static_cast<long long>(total));
  std::fprintf(h.get(), "%s.dat 16 %g/%s 16 0 %d %d 0 %s\n", record.c_str(), gain,
               ecg ? "mV" : "NU", static_cast<int>(first_adc),
               static_cast<int>(static_cast<std::int16_t>(checksum)), ecg ? "ECG" : "PPG");
  std::fputs(head.c_str(), h.get());
  finish(h, hea);
}

// A Resonant session record (NAME.rsn): what a live session on the simulated subject would
// have recorded, streamed to disk (memory does not grow with --minutes); replayable.
void simulate_record(const simulate_options& o, const drivers::sim_subject_config& c) {
  const fs::path out = o.out;
  const fs::path truth = truth_path(out);
  engine::record_header h;
  h.software = std::string("resonant simulate");
  std::string d = describe(o);  // "# resonant simulate: seed ...\n"
  d = d.substr(d.find(':') + 2);
  if (!d.empty() && d.back() == '\n') d.pop_back();
  h.device = "simulated subject: " + d;
  // Like the other outputs, an existing file of that name is replaced.
  std::error_code ec;
  fs::remove(out, ec);
  h.input_kind = *dsp::parse_input_kind(o.signal);
  h.units = o.signal == "rr" ? "ms" : "simulated units";
  file_ptr t = create_private(truth);
  std::fputs(describe(o).c_str(), t.get());
  std::fputs(truth_header, t.get());
  const double end = o.minutes * 60.0;
  if (o.signal == "rr") {
    engine::session_record_writer w(out, h);
    drivers::sim_subject subject(c);
    bool gap = false;
    while (true) {
      const drivers::sim_beat b = subject.next_beat();
      if (b.time_s > end) break;
      write_truth_line(t.get(), b, b.time_s, 0.0);
      if (b.in_dropout) {
        gap = true;
        continue;
      }
      if (b.rr_ms > 0.0) {
        w.rr(b.time_s, b.rr_ms, gap);
        gap = false;
      }
    }
    check_written(w);
  } else {
    const bool ecg = o.signal == "ecg";
    drivers::sim_waveform_config wc;
    wc.kind = ecg ? dsp::input_kind::ecg : dsp::input_kind::ppg;
    wc.rate_hz = o.rate_hz > 0.0 ? o.rate_hz : (ecg ? 250.0 : 100.0);
    h.rate_hz = wc.rate_hz;
    engine::session_record_writer w(out, h);
    drivers::sim_waveform wave(c, wc);
    const auto total = static_cast<std::int64_t>(std::llround(end * wc.rate_hz));
    const auto chunk = static_cast<std::size_t>(std::ceil(wc.rate_hz));  // one line a second
    std::vector<double> x(chunk);
    std::vector<drivers::sim_beat> beats;
    for (std::int64_t done = 0; done < total;) {
      const auto n = static_cast<std::size_t>(std::min<std::int64_t>(total - done, chunk));
      beats.clear();
      wave.generate(std::span<double>(x.data(), n), &beats);
      // Three decimals are far below the simulated noise and keep the file compact.
      for (std::size_t i = 0; i < n; ++i) x[i] = std::round(x[i] * 1000.0) / 1000.0;
      w.samples(done, std::span<const double>(x.data(), n));
      for (const auto& b : beats) {
        const double pulse = wave.fiducial_s(b);
        if (pulse * wc.rate_hz < static_cast<double>(total))
          write_truth_line(t.get(), b, pulse, wc.rate_hz);
      }
      done += static_cast<std::int64_t>(n);
      if (w.recording_stopped()) break;
    }
    check_written(w);
  }
  finish(t, truth);
}

void run_simulate(const simulate_options& o) {
  if (!(o.minutes > 0.0) || o.minutes > 7 * 24 * 60)
    throw std::invalid_argument("--minutes must be in (0, 10080]");
  drivers::sim_subject_config c;
  c.seed = o.seed;
  c.resonance_bpm = o.resonance_bpm;
  c.responder = !o.non_responder;
  c.mean_hr_bpm = o.mean_hr_bpm;
  c.ectopic_per_min = o.ectopic_per_min;
  for (const auto& d : o.dropouts) c.dropouts.push_back(parse_dropout(d));
  if (o.breathing_bpm > 0.0) {
    const double cycles_per_s = o.breathing_bpm / 60.0;
    c.guide = [cycles_per_s](double t) { return t * cycles_per_s; };
  }
  if (fs::path(o.out).extension() == ".rsn") {
    simulate_record(o, c);
  } else if (o.signal == "rr") {
    simulate_rr(o, c);
  } else {
    simulate_waveform(o, c);
  }
}

}  // namespace

void add_simulate_command(CLI::App& app) {
  auto opts = std::make_shared<simulate_options>();
  CLI::App* cmd = app.add_subcommand(
      "simulate", "write a recording of the simulated subject (RR, ECG or PPG) and its true beats");
  cmd->add_option("--minutes", opts->minutes, "length of the recording")
      ->required()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--signal", opts->signal, "what to record")
      ->check(CLI::IsMember({"rr", "ecg", "ppg"}))
      ->capture_default_str();
  cmd->add_option("--out", opts->out,
                  "output: CSV for rr, WFDB record (NAME[.hea]) for ecg / ppg, or a Resonant "
                  "session record (NAME.rsn) for any signal")
      ->required();
  cmd->add_option("--rate", opts->rate_hz, "waveform sampling rate in Hz (ECG 250, PPG 100)")
      ->check(CLI::Range(50.0, 20000.0));
  cmd->add_option("--seed", opts->seed, "random seed (same seed, same recording)")
      ->capture_default_str();
  cmd->add_option("--breathing-rate", opts->breathing_bpm,
                  "the subject follows a pacer at this many breaths/min (default: spontaneous)")
      ->check(CLI::Range(1.0, 40.0));
  cmd->add_option("--resonance", opts->resonance_bpm, "breathing rate of the RSA resonance")
      ->check(CLI::Range(1.0, 20.0))
      ->capture_default_str();
  cmd->add_flag("--non-responder", opts->non_responder, "tiny RSA, no resonance");
  cmd->add_option("--mean-hr", opts->mean_hr_bpm, "mean heart rate (bpm)")
      ->check(CLI::Range(25.0, 200.0))
      ->capture_default_str();
  cmd->add_option("--ectopic-per-min", opts->ectopic_per_min, "premature beats per minute")
      ->check(CLI::Range(0.0, 30.0));
  cmd->add_option("--dropout", opts->dropouts, "sensor dropout START+SECONDS (repeatable)");
  cmd->callback([opts] { run_simulate(*opts); });
}

}  // namespace resonant::apps
