#include "beats_command.hpp"

#include <cstdio>
#include <memory>
#include <string>

#include "beat_detection.hpp"
#include "drivers/signal_recording.hpp"

namespace resonant::apps {
namespace {

struct beats_options {
  std::string path;
  signal_options_cli signal;
};

void run_beats(const beats_options& o) {
  drivers::signal_file_options so;
  if (!o.signal.column.empty()) so.column = o.signal.column;
  if (!o.signal.signal.empty()) so.signal = o.signal.signal;
  if (o.signal.rate_hz > 0.0) so.rate_hz = o.signal.rate_hz;
  so.invert = o.signal.invert;
  const drivers::signal_recording rec = drivers::read_signal_file(o.path, so);
  const auto beats = detect_beats(rec);
  for (const auto& w : rec.warnings)
    std::fprintf(stderr, "resonant: %s: %s\n", o.path.c_str(), w.c_str());
  std::printf("sample,time_s,quality\n");
  for (const auto& b : beats) {
    std::printf("%lld,%.6f,%.3f\n", static_cast<long long>(b.sample), b.time_s(rec.fs_hz),
                b.quality);
  }
}

}  // namespace

void add_signal_options(CLI::App& cmd, signal_options_cli& opts) {
  cmd.add_option("--signal", opts.signal, "waveform kind when the file does not say")
      ->check(CLI::IsMember({"ecg", "ppg"}));
  cmd.add_option("--column", opts.column, "CSV column or WFDB lead (name or 0-based index)");
  cmd.add_option("--rate", opts.rate_hz, "sampling rate (Hz) of a file without time stamps")
      ->check(CLI::PositiveNumber);
  cmd.add_flag("--invert", opts.invert, "the pulse goes down (camera PPG red channel)");
}

void add_beats_command(CLI::App& app) {
  auto opts = std::make_shared<beats_options>();
  CLI::App* cmd =
      app.add_subcommand("beats", "detect heart beats in an ECG or PPG file, one per line (CSV)");
  cmd->add_option("FILE", opts->path, "signal file: CSV, one column with --rate, or WFDB record")
      ->required();
  add_signal_options(*cmd, opts->signal);
  cmd->callback([opts] { run_beats(*opts); });
}

}  // namespace resonant::apps
