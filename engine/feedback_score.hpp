#pragma once

#include <array>
#include <cstdint>

#include "engine/metric_snapshot.hpp"

namespace resonant::engine {

enum class feedback_metric : std::uint8_t {
  rsa,        // peak-to-trough HR swing per breath (rsa_bpm): available after one breath
  coherence,  // McCraty peak ratio (coherence): 64 s window, slower and steadier
  blend,      // mean of the two scores when both are known, else whichever is
};

// Parameters of the recovery score.
//   metric            what drives the score (rsa by default: it follows the breath within ~10 s)
//   half_score_ratio  value / baseline giving a score of 0.5 (Hill constant K), default 2: RSA
//                     grows 4-10x at resonance (Vaschillo 2002), so 2x is "clearly responding"
//   hill_exponent     steepness n of score = r^n / (K^n + r^n), default 3 (Brammer's thesis
//                     feedback map); r = 1 (baseline) gives 0.11, r = 4 gives 0.89
//   smoothing_s       time constant of the exponential smoothing on stream time, default 10 s
//                     (one breath at 6/min: the loop closes on the breath scale, not per beat)
//   baseline_s        when no baseline was set, the mean over the first baseline_s seconds of
//                     valid values becomes it (score 0 and ready() false until then)
//   lost_after_s      no beat for this long means the signal is lost, default 5 s
//   lost_missing_pct  or the 60 s window more than this much missing, default 50 %
//   level_thresholds  score thresholds of levels 1, 2, 3; a level is left only when the score
//                     falls level_hysteresis below its threshold
//   level_hold_s      a higher level held this long is "reached" (the reward motif), default 15 s
//                     (HeartMath's 3-tone reward after 15 s of sustained high coherence)
struct feedback_score_config {
  feedback_metric metric = feedback_metric::rsa;
  double half_score_ratio = 2.0;
  double hill_exponent = 3.0;
  double smoothing_s = 10.0;
  double baseline_s = 60.0;
  double lost_after_s = 5.0;
  double lost_missing_pct = 50.0;
  std::array<double, 3> level_thresholds{0.25, 0.5, 0.75};
  double level_hysteresis = 0.05;
  double level_hold_s = 15.0;
};

// What one snapshot changed. Edges (level_up, reached, lost, found) are true on exactly one
// update; the control side turns them into sounds.
struct feedback_update {
  double score = 0.0;  // 0..1, smoothed; 0 before the baseline is known
  int level = 0;       // 0..3
  bool ready = false;  // baseline known and data seen
  bool signal_ok = true;
  bool level_up = false;
  bool level_down = false;
  bool level_reached = false;  // a higher level held for level_hold_s: play the motif
  bool signal_lost = false;
  bool signal_found = false;
};

// Recovery score: maps the live RSA amplitude and/or coherence, relative to the person's own
// baseline, to 0..1 with a Hill function, smoothed on the breath time scale, quantised into
// levels with hysteresis, and watches for a lost signal.
//
// Algorithm: r = value / baseline; s = r^n / (K^n + r^n) (Hill map, as in Brammer's
// biofeedback_analyses); score += (1 - exp(-dt / smoothing_s)) (s - score) with dt the stream
// time between snapshots. While the signal is lost the score and level are frozen (a dropout
// says nothing about recovery). Snapshots with a NaN metric leave the score unchanged.
// Latency: a step in the metric reaches 63 % of its effect after smoothing_s; on top comes the
// metric's own window (one breath for RSA, 64 s for coherence).
// Pitfalls: a baseline learned while the person already breathes slowly is high and the score
// stays low; sessions should set it from a rest period (set_baseline). Streaming call is
// noexcept and allocation-free.
class feedback_score {
 public:
  // Throws std::invalid_argument for non-positive constants or unordered thresholds.
  explicit feedback_score(const feedback_score_config& cfg = {});

  // Baseline from a rest period; NaN or <= 0 leaves that metric to be learned.
  void set_baseline(double rsa_bpm, double coherence) noexcept;

  feedback_update update(const metric_snapshot& m) noexcept;

  [[nodiscard]] double score() const noexcept { return score_; }
  [[nodiscard]] int level() const noexcept { return level_; }
  [[nodiscard]] bool signal_ok() const noexcept { return !lost_; }
  [[nodiscard]] double baseline_rsa_bpm() const noexcept { return base_rsa_; }
  [[nodiscard]] double baseline_coherence() const noexcept { return base_coh_; }
  void reset() noexcept;

  // The unsmoothed Hill map for a value relative to its baseline.
  [[nodiscard]] double map_ratio(double ratio) const noexcept;

 private:
  struct learner {
    double sum = 0.0;
    int n = 0;
  };
  [[nodiscard]] bool uses_rsa() const noexcept { return cfg_.metric != feedback_metric::coherence; }
  [[nodiscard]] bool uses_coherence() const noexcept { return cfg_.metric != feedback_metric::rsa; }
  void learn(const metric_snapshot& m) noexcept;
  [[nodiscard]] bool ready() const noexcept;
  void update_level(double t_s, feedback_update& u) noexcept;

  feedback_score_config cfg_;
  double base_rsa_ = no_value;
  double base_coh_ = no_value;
  learner rsa_learner_;
  learner coh_learner_;
  double first_time_s_ = no_value;
  double last_beat_s_ = no_value;
  double last_time_s_ = no_value;
  double score_ = 0.0;
  bool scored_ = false;
  int level_ = 0;
  double level_since_s_ = 0.0;
  int rewarded_level_ = 0;  // highest level whose motif has played since last falling below it
  bool lost_ = false;
};

}  // namespace resonant::engine
