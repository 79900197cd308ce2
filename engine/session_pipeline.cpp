#include "session_pipeline.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

namespace resonant::engine {

session_pipeline::session_pipeline(const pipeline_config& cfg, hrv_monitor::sink out)
    : cfg_(cfg), monitor_(cfg.monitor, std::move(out)) {
  if (cfg_.kind == input_kind::ecg) {
    if (!(cfg_.rate_hz > 0.0)) throw std::invalid_argument("ECG input needs a sample rate");
    dsp::ecg_detector_config dc;
    dc.sample_rate_hz = cfg_.rate_hz;
    ecg_.emplace(dc);
  } else if (cfg_.kind == input_kind::ppg) {
    if (!(cfg_.rate_hz > 0.0)) throw std::invalid_argument("PPG input needs a sample rate");
    dsp::ppg_detector_config dc;
    dc.sample_rate_hz = cfg_.rate_hz;
    ppg_.emplace(dc);
  } else if (cfg_.kind != input_kind::rr) {
    throw std::invalid_argument(
        std::string("the streaming pipeline takes RR intervals, ECG or PPG, not ") +
        std::string(to_string(cfg_.kind)));
  }
}

double session_pipeline::latency_s() const noexcept {
  const double detector = cfg_.kind == input_kind::rr
                              ? 0.0
                              : static_cast<double>(detector_latency_samples()) / cfg_.rate_hz;
  return detector + monitor_.max_latency_s();
}

std::int64_t session_pipeline::detector_latency_samples() const noexcept {
  if (ecg_) return ecg_->latency_samples();
  if (ppg_) return ppg_->latency_samples();
  return 0;
}

void session_pipeline::push_rr(double end_s, double rr_ms, bool after_gap) noexcept {
  ++counters_.intervals;
  monitor_.push(dsp::rr_event{end_s, rr_ms, after_gap, dsp::rr_status::accepted});
  if (std::isfinite(end_s)) stream_time_s_ = std::max(stream_time_s_, end_s);
}

void session_pipeline::on_beat(const dsp::beat_event& b) noexcept {
  ++counters_.beats;
  const bool lost = b.flag == dsp::signal_flag::flat || b.flag == dsp::signal_flag::clipped;
  if (lost) ++counters_.lost_beats;
  const double t = (static_cast<double>(detector_origin_ + b.sample) + b.offset) / cfg_.rate_hz;
  if (have_beat_ && !lost && !last_beat_lost_) {
    ++counters_.intervals;
    monitor_.push(
        dsp::rr_event{t, (t - last_beat_s_) * 1000.0, gap_pending_, dsp::rr_status::accepted});
    gap_pending_ = false;
  } else if (have_beat_) {
    gap_pending_ = true;
  }
  have_beat_ = true;
  last_beat_lost_ = lost;
  last_beat_s_ = t;
}

void session_pipeline::restart_detector() noexcept {
  const auto sink = [this](const dsp::beat_event& b) { on_beat(b); };
  if (ecg_) {
    ecg_->finish(sink);
    ecg_->reset();
  } else if (ppg_) {
    ppg_->finish(sink);
    ppg_->reset();
  }
  // No interval may join a beat before the dropout to one after it.
  have_beat_ = false;
  last_beat_lost_ = false;
  gap_pending_ = true;
}

void session_pipeline::push_samples(std::int64_t first_sample,
                                    std::span<const double> samples) noexcept {
  if (cfg_.kind == input_kind::rr || samples.empty()) return;
  if (!started_) {
    started_ = true;
    detector_origin_ = first_sample;
    next_sample_ = first_sample;
  }
  if (first_sample < next_sample_) {
    // Overlapping or backwards block: keep only what is new.
    const auto overlap = next_sample_ - first_sample;
    if (overlap >= static_cast<std::int64_t>(samples.size())) {
      counters_.invalid_samples += static_cast<std::int64_t>(samples.size());
      return;
    }
    counters_.invalid_samples += overlap;
    samples = samples.subspan(static_cast<std::size_t>(overlap));
    first_sample = next_sample_;
  }
  if (first_sample > next_sample_) {
    counters_.missing_samples += first_sample - next_sample_;
    restart_detector();
    detector_origin_ = first_sample;
  }

  const auto sink = [this](const dsp::beat_event& b) { on_beat(b); };
  // Non-finite samples are held at the previous value, in small chunks on the stack so the
  // detector sees clean numbers without any allocation.
  std::array<double, 256> chunk{};
  std::size_t i = 0;
  while (i < samples.size()) {
    const std::size_t n = std::min(chunk.size(), samples.size() - i);
    for (std::size_t k = 0; k < n; ++k) {
      double x = samples[i + k];
      if (!std::isfinite(x)) {
        ++counters_.invalid_samples;
        x = last_value_;
      }
      last_value_ = x;
      chunk[k] = x;
    }
    const std::span<const double> block(chunk.data(), n);
    if (ecg_)
      ecg_->process(block, sink);
    else
      ppg_->process(block, sink);
    i += n;
  }
  counters_.samples += static_cast<std::int64_t>(samples.size());
  next_sample_ = first_sample + static_cast<std::int64_t>(samples.size());
  stream_time_s_ = static_cast<double>(next_sample_) / cfg_.rate_hz;

  // Every beat up to (processed - latency) samples has been emitted: the stream is complete
  // up to there. Half a sample of margin covers the sub-sample offset of the next beat.
  const double known =
      (static_cast<double>(next_sample_ - detector_latency_samples()) - 0.5) / cfg_.rate_hz;
  if (known > known_until_s_) {
    known_until_s_ = known;
    monitor_.advance_to(known);
  }
}

void session_pipeline::advance_to(double t_s) noexcept {
  if (!std::isfinite(t_s) || t_s <= known_until_s_) return;
  if (cfg_.kind != input_kind::rr) return;  // waveform time comes from the samples
  known_until_s_ = t_s;
  stream_time_s_ = std::max(stream_time_s_, t_s);
  monitor_.advance_to(t_s);
}

void session_pipeline::finish(double end_s) noexcept {
  if (ecg_ || ppg_) {
    const auto sink = [this](const dsp::beat_event& b) { on_beat(b); };
    if (ecg_)
      ecg_->finish(sink);
    else
      ppg_->finish(sink);
  }
  if (std::isfinite(end_s)) stream_time_s_ = std::max(stream_time_s_, end_s);
  monitor_.finish(stream_time_s_);
}

}  // namespace resonant::engine
