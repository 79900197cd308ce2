#include "engine/hrv_monitor.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

namespace resonant::engine {

namespace {

const hrv_monitor_config& checked(const hrv_monitor_config& cfg) {
  if (!std::isfinite(cfg.tick_s) || !(cfg.tick_s > 0.0)) {
    throw std::invalid_argument("hrv_monitor: tick_s must be finite and > 0");
  }
  if (!std::isfinite(cfg.first_tick_s) || !(cfg.first_tick_s > 0.0)) {
    throw std::invalid_argument("hrv_monitor: first_tick_s must be finite and > 0");
  }
  return cfg;
}

}  // namespace

hrv_monitor::hrv_monitor(const hrv_monitor_config& cfg, sink out)
    : cfg_(checked(cfg)),
      out_(std::move(out)),
      artefacts_(cfg.artefacts),
      time_(cfg.time),
      spectrum_(cfg.spectrum),
      rsa_(cfg.rsa) {}

void hrv_monitor::reset() noexcept {
  artefacts_.reset();
  time_.reset();
  spectrum_.reset();
  rsa_.reset();
  dropped_ = 0;
  beats_ = 0;
  last_rr_ms_ = no_value;
  last_after_gap_ = false;
  last_status_ = dsp::rr_status::accepted;
  last_push_end_s_ = 0.0;
  have_push_ = false;
  advanced_s_ = 0.0;
  have_advanced_ = false;
  last_beat_s_ = 0.0;
  have_beat_ = false;
  next_tick_ = 0;
}

int hrv_monitor::latency_beats() const noexcept {
  return dsp::streaming_artefacts::latency_beats();
}

double hrv_monitor::max_latency_s() const noexcept {
  return artefacts_.max_latency_s();
}

void hrv_monitor::emit(double time_s, bool beat) noexcept {
  metric_snapshot s;
  s.time_s = time_s;
  s.beats = beats_;
  s.beat = beat;
  s.rr_ms = last_rr_ms_;
  s.after_gap = last_after_gap_;
  s.rr_status = last_status_;

  const dsp::rolling_time_domain_values t = time_.evaluate(time_s);
  s.hr_bpm = t.hr_bpm;
  s.rmssd_30s_ms = t.rmssd_short_ms;
  s.rmssd_60s_ms = t.rmssd_long_ms;
  s.sdnn_60s_ms = t.sdnn_ms;
  s.pnn50_60s_pct = t.pnn50_pct;
  s.corrected_pct = t.corrected_pct;
  s.missing_pct = t.missing_pct;

  const dsp::sliding_spectrum_values& f = spectrum_.evaluate(time_s);
  s.lf_ms2 = f.lf_ms2;
  s.hf_ms2 = f.hf_ms2;
  s.lf_hf = f.lf_hf;
  s.coherence = f.coherence;
  s.coherence_peak_hz = f.coherence_peak_hz;

  const dsp::rsa_values r = rsa_.evaluate(time_s);
  s.rsa_bpm = r.rsa_bpm;
  s.breathing_rate_bpm = r.breathing_rate_bpm;

  if (out_) {
    try {
      out_(s);
    } catch (...) {
      // A throwing sink must not unwind through the stream; the snapshot is lost.
    }
  }
}

// Ticks at last_beat + first_tick_s + k * tick_s up to limit_s (inclusive or not).
void hrv_monitor::ticks_through(double limit_s, bool inclusive) noexcept {
  if (!have_beat_) return;
  for (;;) {
    const double t =
        last_beat_s_ + cfg_.first_tick_s + static_cast<double>(next_tick_) * cfg_.tick_s;
    if (inclusive ? !(t <= limit_s) : !(t < limit_s)) break;
    emit(t, false);
    ++next_tick_;
  }
}

void hrv_monitor::release(std::span<const dsp::rr_event> events) noexcept {
  for (const dsp::rr_event& e : events) {
    ticks_through(e.end_s, false);
    time_.push(e);
    spectrum_.push(e);
    rsa_.push(e);
    ++beats_;
    last_rr_ms_ = e.rr_ms;
    last_after_gap_ = e.after_gap;
    last_status_ = e.status;
    emit(e.end_s, true);
    last_beat_s_ = e.end_s;
    have_beat_ = true;
    next_tick_ = 0;
  }
}

void hrv_monitor::push(const dsp::rr_event& raw) noexcept {
  const bool ordered = std::isfinite(raw.end_s) && (!have_push_ || raw.end_s >= last_push_end_s_) &&
                       (!have_advanced_ || raw.end_s > advanced_s_);
  if (!ordered) {
    ++dropped_;
    return;
  }
  have_push_ = true;
  last_push_end_s_ = raw.end_s;
  if (!std::isfinite(raw.rr_ms)) {
    ++dropped_;
    // Still a gap: the artefact stage treats a NaN interval as a gap marker.
    dsp::rr_event marker = raw;
    marker.rr_ms = std::numeric_limits<double>::quiet_NaN();
    release(artefacts_.push(marker));
    return;
  }
  release(artefacts_.push(raw));
}

void hrv_monitor::advance_to(double time_s) noexcept {
  if (!std::isfinite(time_s)) return;
  if (have_advanced_ && time_s <= advanced_s_) return;
  advanced_s_ = time_s;
  have_advanced_ = true;
  release(artefacts_.advance_to(time_s));
  // No later beat snapshot can be earlier than this: a future interval ends after time_s and
  // lasts at most max_rr; a pending one ends after its start.
  const double horizon =
      std::min(time_s - cfg_.artefacts.gate.max_rr_ms / 1000.0, artefacts_.pending_start_s());
  ticks_through(horizon, true);
}

void hrv_monitor::finish(double time_s) noexcept {
  release(artefacts_.finish());
  if (std::isfinite(time_s)) ticks_through(time_s, true);
}

}  // namespace resonant::engine
