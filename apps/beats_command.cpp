#include "beats_command.hpp"

#include <cstdio>
#include <memory>
#include <string>

#include "beat_detection.hpp"
#include "drivers/input_error.hpp"
#include "input_options.hpp"

namespace resonant::apps {
namespace {

struct beats_options {
  std::string path;
  input_options_cli input;
};

void run_beats(const beats_options& o) {
  const drivers::recording rec = drivers::open_recording(o.path, to_open_options(o.input));
  if (!rec.signal) {
    throw drivers::input_error(rec.path, 0,
                               "holds " + std::string(dsp::to_string(rec.kind)) + " (" +
                                   rec.decided_by +
                                   "), not a waveform to detect beats in (--input ecg|ppg "
                                   "--rate HZ if it is one)");
  }
  const drivers::signal_recording& sig = *rec.signal;
  const beat_track track = detect_beats(sig);
  std::fprintf(stderr, "resonant: %s: read as %s: %s\n", rec.path.c_str(),
               std::string(dsp::to_string(rec.kind)).c_str(), rec.decided_by.c_str());
  for (const auto& w : sig.warnings) {
    std::fprintf(stderr, "resonant: %s: %s\n", rec.path.c_str(), w.c_str());
  }
  std::printf("sample,time_s,quality\n");
  for (std::size_t i = 0; i < track.beats.size(); ++i) {
    const auto& b = track.beats[i];
    std::printf("%lld,%.6f,%.3f\n", static_cast<long long>(b.sample), track.time_s[i], b.quality);
  }
}

}  // namespace

void add_beats_command(CLI::App& app) {
  auto opts = std::make_shared<beats_options>();
  CLI::App* cmd =
      app.add_subcommand("beats", "detect heart beats in an ECG or PPG file, one per line (CSV)");
  cmd->add_option("FILE", opts->path,
                  "signal file: CSV, one column with --rate, WFDB record; - for standard input")
      ->required();
  add_input_options(*cmd, opts->input, false);
  cmd->callback([opts] { run_beats(*opts); });
}

}  // namespace resonant::apps
