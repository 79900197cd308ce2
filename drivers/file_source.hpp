#pragma once

// Boost.Asio with C++20 on GCC 12 needs <utility> first (see shared notes, drivers-audio §0).
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "drivers/recording.hpp"
#include "drivers/rr_recording.hpp"
#include "drivers/signal_recording.hpp"
#include "drivers/source.hpp"

namespace resonant::drivers {

struct file_source_options {
  double speed = 1.0;                     // 1 = real time; N = N times faster
  std::chrono::milliseconds period{100};  // how often data is handed over
  open_options input;                     // how the file is read (drivers/recording.hpp)
};

// A recording played as if it came from a sensor, in real time (or `speed` times faster), on
// the io_context thread: `resonant session --source file:PATH`. RR files deliver rr_reading
// (their own time axis and gaps), waveform files sample_block (their rate and kind). A gap in a
// waveform (signal_recording::gaps: EDF+D, empty cells, time-stamp jumps) is delivered as a
// jump of the stream's sample index by the gap's missing samples, so the session sees a dropout
// (its detector restarts, no interval spans the gap) and stream time stays the recording's; no
// block spans a gap.
//
// Unlike device sources, the file is read by the constructor, so a bad file is a clear setup
// error (input_error naming file and line) before the session starts; start() only schedules
// timers. At the end of the file the status becomes `finished`.
class file_source final : public source {
 public:
  file_source(boost::asio::io_context& io, const std::filesystem::path& path,
              const file_source_options& options);

  [[nodiscard]] std::string description() const override;
  void start(source_handlers handlers) override;
  void stop() override;

  [[nodiscard]] bool is_waveform() const noexcept { return waveform_; }
  [[nodiscard]] dsp::input_kind kind() const noexcept { return kind_; }
  [[nodiscard]] double rate_hz() const noexcept { return signal_.fs_hz; }
  // Stream time of the end of the recording, seconds.
  [[nodiscard]] double duration_s() const noexcept;

 private:
  void schedule();
  void on_timer();

  boost::asio::io_context& io_;
  boost::asio::steady_timer timer_;
  std::filesystem::path path_;
  file_source_options options_;
  bool waveform_ = false;
  dsp::input_kind kind_ = dsp::input_kind::ecg;
  signal_recording signal_;
  rr_recording rr_;
  source_handlers handlers_;
  std::chrono::steady_clock::time_point start_;
  std::size_t next_ = 0;      // next interval or stored sample to deliver
  std::size_t next_gap_ = 0;  // waveform: first gap not yet passed
  std::int64_t missing_ = 0;  // waveform: samples of the gaps passed (stream index - stored)
  std::int64_t total_missing_ = 0;
  bool running_ = false;
};

}  // namespace resonant::drivers
