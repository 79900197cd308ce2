#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dsp/rr_series.hpp"
#include "engine/metric_snapshot.hpp"

namespace resonant::engine {

// The phases of a clinician's micro-recovery session, in stream time.
enum class session_phase : std::uint8_t { settle, baseline, paced, done, paused };
[[nodiscard]] const char* to_string(session_phase p) noexcept;

// Phase lengths. settle: the signal is checked, nothing is scored; baseline: natural
// breathing; paced: breathing with the pacer. A session of `minutes` spends a third of it (at
// most 60 s) on the baseline and the rest paced, after the settle time.
struct session_plan {
  double settle_s = 20.0;
  double baseline_s = 60.0;
  double paced_s = 120.0;

  // Throws std::invalid_argument unless 0.5 <= minutes <= 60.
  static session_plan for_minutes(double minutes, double settle_s = 20.0);
  [[nodiscard]] double total_s() const noexcept { return settle_s + baseline_s + paced_s; }
  [[nodiscard]] session_phase phase_at(double t_s) const noexcept;
  [[nodiscard]] double phase_start_s(session_phase p) const noexcept;
};

// What one phase showed.
struct phase_metrics {
  double duration_s = 0.0;         // phase time the session actually covered
  double coverage_pct = no_value;  // share of that time covered by valid RR intervals
  double mean_hr_bpm = no_value;
  double rmssd_ms = no_value;   // over the phase's own intervals (gaps not spanned)
  double rsa_bpm = no_value;    // mean RSA amplitude of the phase's snapshots
  double coherence = no_value;  // mean coherence of the phase's snapshots
  double lf_hf = no_value;      // mean LF/HF of the phase's snapshots
  std::int64_t beats = 0;
};

struct session_summary {
  phase_metrics baseline;
  phase_metrics paced;
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

 private:
  struct phase_data {
    dsp::rr_series rr;
    double rsa_sum = 0.0, coh_sum = 0.0, lfhf_sum = 0.0;
    std::int64_t rsa_n = 0, coh_n = 0, lfhf_n = 0;
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
  std::int64_t losses_ = 0;
};

}  // namespace resonant::engine
