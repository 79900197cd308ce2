#include "feedback_score.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace resonant::engine {
namespace {

bool usable(double v) noexcept {
  return std::isfinite(v) && v > 0.0;
}

}  // namespace

feedback_score::feedback_score(const feedback_score_config& cfg) : cfg_(cfg) {
  if (!(cfg.half_score_ratio > 0.0) || !(cfg.hill_exponent > 0.0) || !(cfg.smoothing_s > 0.0) ||
      !(cfg.baseline_s >= 0.0) || !(cfg.lost_after_s > 0.0) || !(cfg.level_hold_s >= 0.0) ||
      !(cfg.level_hysteresis >= 0.0))
    throw std::invalid_argument("feedback score: constants must be positive");
  const auto& th = cfg.level_thresholds;
  if (!(th[0] > 0.0 && th[0] < th[1] && th[1] < th[2] && th[2] < 1.0))
    throw std::invalid_argument("feedback score: level thresholds must rise within (0, 1)");
}

void feedback_score::set_baseline(double rsa_bpm, double coherence) noexcept {
  if (usable(rsa_bpm)) base_rsa_ = rsa_bpm;
  if (usable(coherence)) base_coh_ = coherence;
}

void feedback_score::reset() noexcept {
  *this = feedback_score(cfg_);
}

double feedback_score::map_ratio(double ratio) const noexcept {
  if (!(ratio > 0.0)) return 0.0;
  const double rn = std::pow(ratio, cfg_.hill_exponent);
  const double kn = std::pow(cfg_.half_score_ratio, cfg_.hill_exponent);
  return rn / (kn + rn);
}

bool feedback_score::ready() const noexcept {
  switch (cfg_.metric) {
    case feedback_metric::rsa:
      return usable(base_rsa_);
    case feedback_metric::coherence:
      return usable(base_coh_);
    case feedback_metric::blend:
      return usable(base_rsa_) || usable(base_coh_);
  }
  return false;
}

void feedback_score::learn(const metric_snapshot& m) noexcept {
  const bool learning_window = m.time_s - first_time_s_ <= cfg_.baseline_s;
  if (uses_rsa() && !usable(base_rsa_)) {
    if (learning_window && m.beat && usable(m.rsa_bpm)) {
      rsa_learner_.sum += m.rsa_bpm;
      ++rsa_learner_.n;
    } else if (!learning_window && rsa_learner_.n > 0) {
      base_rsa_ = rsa_learner_.sum / rsa_learner_.n;
    }
  }
  if (uses_coherence() && !usable(base_coh_)) {
    if (learning_window && usable(m.coherence)) {
      coh_learner_.sum += m.coherence;
      ++coh_learner_.n;
    } else if (!learning_window && coh_learner_.n > 0) {
      base_coh_ = coh_learner_.sum / coh_learner_.n;
    }
  }
}

void feedback_score::update_level(double t_s, feedback_update& u) noexcept {
  const auto& th = cfg_.level_thresholds;
  int lvl = level_;
  while (lvl < 3 && score_ >= th[static_cast<std::size_t>(lvl)]) ++lvl;
  while (lvl > 0 && score_ < th[static_cast<std::size_t>(lvl - 1)] - cfg_.level_hysteresis) --lvl;
  if (lvl != level_) {
    u.level_up = lvl > level_;
    u.level_down = lvl < level_;
    level_ = lvl;
    level_since_s_ = t_s;
    rewarded_level_ = std::min(rewarded_level_, level_);
  }
  if (level_ > rewarded_level_ && t_s - level_since_s_ >= cfg_.level_hold_s) {
    u.level_reached = true;
    rewarded_level_ = level_;
  }
}

feedback_update feedback_score::update(const metric_snapshot& m) noexcept {
  feedback_update u;
  if (!std::isfinite(m.time_s)) {
    u.score = score_;
    u.level = level_;
    u.ready = ready();
    u.signal_ok = !lost_;
    return u;
  }
  if (std::isnan(first_time_s_)) first_time_s_ = m.time_s;
  if (m.beat) last_beat_s_ = m.time_s;

  // Signal: no beat for lost_after_s, or most of the window missing (left 10 points lower).
  const double since_beat = m.time_s - (std::isnan(last_beat_s_) ? first_time_s_ : last_beat_s_);
  const double missing_limit = lost_ ? cfg_.lost_missing_pct - 10.0 : cfg_.lost_missing_pct;
  const bool too_much_missing = std::isfinite(m.missing_pct) && m.missing_pct > missing_limit;
  const bool lost_now = since_beat > cfg_.lost_after_s || too_much_missing;
  u.signal_lost = lost_now && !lost_;
  u.signal_found = !lost_now && lost_;
  lost_ = lost_now;

  learn(m);
  const double dt = std::isnan(last_time_s_) ? 0.0 : std::max(0.0, m.time_s - last_time_s_);
  last_time_s_ = m.time_s;

  if (!lost_ && ready()) {
    double sum = 0.0;
    int n = 0;
    if (uses_rsa() && usable(base_rsa_) && std::isfinite(m.rsa_bpm) && m.rsa_bpm >= 0.0) {
      sum += map_ratio(m.rsa_bpm / base_rsa_);
      ++n;
    }
    if (uses_coherence() && usable(base_coh_) && std::isfinite(m.coherence) && m.coherence >= 0.0) {
      sum += map_ratio(m.coherence / base_coh_);
      ++n;
    }
    if (n > 0) {
      const double raw = sum / n;
      if (!scored_) {
        score_ = raw;
        scored_ = true;
      } else {
        score_ += (1.0 - std::exp(-dt / cfg_.smoothing_s)) * (raw - score_);
      }
      score_ = std::clamp(score_, 0.0, 1.0);
      update_level(m.time_s, u);
    }
  }
  u.score = score_;
  u.level = level_;
  u.ready = ready() && scored_;
  u.signal_ok = !lost_;
  return u;
}

}  // namespace resonant::engine
