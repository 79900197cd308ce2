#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dsp/rr_series.hpp"
#include "engine/metric_snapshot.hpp"

namespace resonant::engine {

// The phases of a clinician's micro-recovery session, in stream time.
enum class session_phase : std::uint8_t { settle, baseline, paced, after, done, paused };
[[nodiscard]] const char* to_string(session_phase p) noexcept;

// Phase lengths. settle: the signal is checked, nothing is scored (an upper bound: the session
// moves on as soon as the signal is clean); baseline: natural breathing; paced: breathing with
// the pacer; after: natural breathing again, compared with the baseline (did the person
// recover?). A session of `minutes` spends a third of it (at most 60 s) on the baseline and the
// rest paced; the after phase comes on top of it.
struct session_plan {
  double settle_s = 20.0;
  double baseline_s = 60.0;
  double paced_s = 120.0;
  double after_s = 0.0;

  // Throws std::invalid_argument unless 0.5 <= minutes <= 60, 0 <= settle_s <= 120 and
  // 0 <= after_s <= 600.
  static session_plan for_minutes(double minutes, double settle_s = 20.0, double after_s = 0.0);
  [[nodiscard]] double total_s() const noexcept { return settle_s + baseline_s + paced_s; }
  [[nodiscard]] session_phase phase_at(double t_s) const noexcept;
  [[nodiscard]] double phase_start_s(session_phase p) const noexcept;
};

// What one phase showed.
struct phase_metrics {
  double duration_s = 0.0;         // phase time the session actually covered
  double coverage_pct = no_value;  // share of that time covered by valid RR intervals
  double mean_hr_bpm = no_value;
  double rmssd_ms = no_value;       // over the phase's own accepted intervals (gaps not spanned)
  double rsa_bpm = no_value;        // mean RSA amplitude of the phase's snapshots
  double coherence = no_value;      // mean coherence of the phase's snapshots
  double lf_hf = no_value;          // mean LF/HF of the phase's snapshots
  double corrected_pct = no_value;  // mean share of corrected time in the phase's snapshots
  std::int64_t beats = 0;
};

// The recovery question: rest before (baseline) against rest after (the after phase).
struct recovery_answer {
  // "more_rested", "less_rested", "no_change", or "insufficient" (no after phase or too little
  // clean data in one of the two rests).
  std::string verdict = "insufficient";
  std::string confidence;           // "high", "moderate" or "low" (empty when insufficient)
  double hr_change_bpm = no_value;  // after - before
  double rmssd_change_pct = no_value;
  double rsa_change_pct = no_value;
  std::string line;  // the summary's first line, in plain words
};

struct session_summary {
  phase_metrics baseline;
  phase_metrics paced;
  phase_metrics after;
  recovery_answer recovery;
  bool ended_early = false;
  double session_s = 0.0;  // stream time covered
  double coverage_pct = no_value;
  std::int64_t signal_losses = 0;
  // "responded" when paced RSA amplitude and coherence both exceed baseline meaningfully;
  // "no_change" otherwise; "insufficient" when a phase has too little clean data to judge.
  std::string verdict;
  std::vector<std::string> lines;  // the summary in plain words, for the terminal
};

// Collects the metric stream of a session by phase and tells, at the end, what changed.
// The session loop calls enter() at each phase change (pauses included, as `paused`);
// snapshots are assigned to phases by their own stream time, since they arrive a few
// seconds after the beat (detector and artefact look-ahead). Fed from the engine thread;
// memory grows with the session's beats (minutes, not hours).
class session_summarizer {
 public:
  session_summarizer() = default;

  // From t_s on, the session is in phase p. Calls must come in time order.
  void enter(session_phase p, double t_s);
  void on_snapshot(const metric_snapshot& s);
  void on_signal_lost() noexcept { ++losses_; }
  // Metrics of the baseline so far (for the feedback score's reference when pacing starts).
  [[nodiscard]] phase_metrics baseline_so_far(double now_s) const;
  // planned_s: the session's planned scored length (baseline + paced), to tell an early end.
  [[nodiscard]] session_summary summarize(double end_s, double planned_s) const;
  // The recovery answer from the two rests (see recovery_answer); public for tests.
  [[nodiscard]] static recovery_answer judge_recovery(const phase_metrics& before,
                                                      const phase_metrics& after);

 private:
  struct phase_data {
    dsp::rr_series rr;
    double rsa_sum = 0.0, coh_sum = 0.0, lfhf_sum = 0.0, corr_sum = 0.0;
    std::int64_t rsa_n = 0, coh_n = 0, lfhf_n = 0, corr_n = 0;
    double last_end_s = -1.0;
  };
  struct boundary {
    double t_s;
    session_phase phase;
  };
  [[nodiscard]] session_phase phase_at(double t_s) const noexcept;
  [[nodiscard]] double time_in(session_phase p, double end_s) const noexcept;
  [[nodiscard]] phase_metrics metrics_of(const phase_data& d, session_phase p, double end_s) const;

  std::vector<boundary> boundaries_;
  phase_data baseline_;
  phase_data paced_;
  phase_data after_;
  std::int64_t losses_ = 0;
};

}  // namespace resonant::engine
