#include "file_source.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <stdexcept>

#include "drivers/input_error.hpp"
#include "drivers/recording.hpp"

namespace resonant::drivers {

namespace {

// Samples a gap stands for at the recording's rate (gaps are bounded by the readers: at most
// max_signal_samples of recording time).
std::int64_t gap_samples(const signal_gap& g, double fs_hz) {
  return std::llround(g.seconds * fs_hz);
}

}  // namespace

file_source::file_source(boost::asio::io_context& io, const std::filesystem::path& path,
                         const file_source_options& options)
    : io_(io), timer_(io), path_(path), options_(options) {
  if (!(options_.speed > 0.0)) throw std::invalid_argument("file source: speed must be positive");
  if (options_.period.count() <= 0)
    throw std::invalid_argument("file source: period must be positive");
  recording rec = open_recording(path.string(), options_.input);
  waveform_ = rec.signal.has_value();
  if (waveform_) {
    signal_ = std::move(*rec.signal);
    kind_ = rec.kind;  // ecg or ppg: open_recording settles a waveform's kind
    for (const signal_gap& g : signal_.gaps) total_missing_ += gap_samples(g, signal_.fs_hz);
  } else {
    rr_ = std::move(*rec.intervals);
  }
}

std::string file_source::description() const {
  return "file:" + path_.string();
}

double file_source::duration_s() const noexcept {
  if (waveform_)
    return signal_.fs_hz > 0.0
               ? static_cast<double>(static_cast<std::int64_t>(signal_.samples.size()) +
                                     total_missing_) /
                     signal_.fs_hz
               : 0.0;
  return rr_.rr.empty() ? 0.0 : rr_.rr.end_s.back();
}

void file_source::start(source_handlers handlers) {
  handlers_ = std::move(handlers);
  running_ = true;
  start_ = std::chrono::steady_clock::now();
  next_ = 0;
  next_gap_ = 0;
  missing_ = 0;
  handlers_.on_status({source_state::streaming, description()});
  schedule();
}

void file_source::stop() {
  running_ = false;
  timer_.cancel();
}

void file_source::schedule() {
  timer_.expires_after(options_.period);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && running_) on_timer();
  });
}

void file_source::on_timer() {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double due_s = elapsed * options_.speed;
  if (waveform_) {
    const std::size_t n = signal_.samples.size();
    // Stream samples due so far (stream index = stored index + samples of the gaps passed).
    const double due = std::floor(due_s * signal_.fs_hz);
    while (running_ && next_ < n) {
      const std::size_t boundary = next_gap_ < signal_.gaps.size() ? signal_.gaps[next_gap_].at : n;
      if (next_ == boundary) {
        missing_ += gap_samples(signal_.gaps[next_gap_], signal_.fs_hz);
        ++next_gap_;
        continue;
      }
      const double room = due - static_cast<double>(missing_) - static_cast<double>(next_);
      if (!(room >= 1.0)) break;
      const std::size_t until = std::min(
          boundary, next_ + static_cast<std::size_t>(std::min(room, static_cast<double>(n))));
      sample_block block;
      block.kind = kind_;
      block.rate_hz = signal_.fs_hz;
      block.first_sample = static_cast<std::int64_t>(next_) + missing_;
      block.samples = std::span<const double>(signal_.samples).subspan(next_, until - next_);
      next_ = until;
      handlers_.on_samples(block);
    }
    if (next_ >= signal_.samples.size()) {
      running_ = false;
      handlers_.on_status({source_state::finished, description()});
      return;
    }
  } else {
    while (running_ && next_ < rr_.rr.size() && rr_.rr.end_s[next_] <= due_s) {
      handlers_.on_rr({rr_.rr.end_s[next_], rr_.rr.rr_ms[next_], rr_.rr.after_gap[next_] != 0});
      ++next_;
    }
    if (next_ >= rr_.rr.size()) {
      running_ = false;
      handlers_.on_status({source_state::finished, description()});
      return;
    }
  }
  if (running_) schedule();
}

}  // namespace resonant::drivers
