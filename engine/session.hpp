#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "dsp/rr_event.hpp"
#include "engine/clock.hpp"
#include "engine/feedback_score.hpp"
#include "engine/metric_snapshot.hpp"
#include "engine/pacer.hpp"
#include "engine/resonance_assessment.hpp"
#include "engine/session_pipeline.hpp"
#include "engine/session_summary.hpp"

namespace resonant::engine {

// Where the heart-data source stands, as far as the session cares (the drivers' richer
// source_state maps onto it in the app).
enum class link_state : std::uint8_t {
  connecting,  // opening / looking for the device
  streaming,   // data flows
  lost,        // contact lost, disconnected or reconnecting: no data for now
  finished,    // a finite source reached its end
  failed,      // cannot continue
};

struct session_config {
  // Phase lengths. plan.settle_s is an upper bound: settle ends as soon as settle_clean_beats
  // consecutive clean beats arrived (or at settle_s when some heart signal is there by then).
  session_plan plan;
  breath_pattern pattern;
  int settle_clean_beats = 8;
  // A clean beat: an interval of 300..2000 ms (30..200 bpm), not after a gap, within 25 % of
  // the previous one (an ectopic beat or a missed detection breaks the run).
  double clean_beat_change = 0.25;
  // Resonance assessment instead of a session: the paced phase steps through these rates.
  bool assessment = false;
  resonance_assessment_config assessment_config;
  // RR streams carry no time of their own between beats: the engine is told once per second
  // that the stream is complete up to (clock - clock_margin_s).
  double clock_margin_s = 3.0;
  // Waiting for a signal: the session gives up when no data came at all and the source is not
  // connecting this long after settle_s, or when no heart rate after settle_s + settle_max_extra_s.
  double no_data_timeout_s = 15.0;
  double settle_max_extra_s = 100.0;
  // The subject's natural breathing rate used for guide_cycles() outside pacing.
  double natural_breathing_bpm = 13.0;
  // phase_ahead(paced) comes this long before a baseline ends (the pacing announcement is
  // heard before the first cue without delaying it); pacing starts at least this long (or the
  // whole baseline, if shorter) after it, even when a tick came late.
  double announce_lead_s = 4.0;
};

struct session_result;

// What the session tells the program around it (terminal, sound, record file). Every method
// has an empty default; all are called synchronously from the session's methods.
class session_listener {
 public:
  virtual ~session_listener() = default;
  // The first data fixed the input kind: the pipeline now exists (the record can be opened).
  virtual void engine_started(const session_pipeline& /*pipeline*/) {}
  // Raw input as it reached the engine, and the RR clock lines (for the record).
  virtual void input_rr(const dsp::rr_event& /*e*/) {}
  virtual void input_samples(std::int64_t /*first*/, std::span<const double> /*samples*/) {}
  virtual void clock(double /*t_s*/) {}
  // Something worth writing down (type: phase, pacer, session, source, signal, feedback, ...).
  virtual void event(double /*t_s*/, std::string_view /*type*/, std::string_view /*detail*/) {}
  virtual void phase_changed(session_phase /*p*/, double /*t_s*/) {}
  // The current phase ends in about in_s seconds and `next` follows (once per phase, when its
  // end is known in advance: a baseline's end, announce_lead_s before it).
  virtual void phase_ahead(session_phase /*next*/, double /*in_s*/) {}
  virtual void pause_changed(bool /*paused*/) {}
  // The pacer started or changed rate; cue_on: the breathing cue should sound.
  virtual void pacer_changed(const pacer* /*p*/, bool /*cue_on*/) {}
  virtual void signal_changed(bool /*lost*/) {}
  virtual void feedback(const feedback_update& /*u*/) {}
  virtual void snapshot(const metric_snapshot& /*s*/) {}
  // The session is over: its result (summary with the recovery answer), just before finished().
  virtual void concluded(const session_result& /*r*/) {}
  virtual void finished(bool /*early*/) {}
};

// What a session came to.
struct session_result {
  session_summary summary;
  std::optional<resonance_result> assessment;
  double rate_bpm = 0.0;  // the last pacing rate (after +/-)
  double end_s = 0.0;
  bool quit_early = false;
  bool failed = false;            // the source failed or gave no usable signal
  bool had_data = false;          // any data reached the engine (a record exists)
  std::string failure;            // one line, when failed
  double first_cue_s = no_value;  // session time the breathing cue started
};

// A clinician's micro-recovery session (or a resonance assessment) as engine logic.
//
// Phases: connect/settle -> baseline (natural breathing) -> paced (the pacer sounds) -> after
// (natural breathing again: did the person recover?) -> done. Settle is the signal check: it
// ends as soon as settle_clean_beats consecutive clean intervals have arrived (see
// session_config), so a good strap starts the baseline within ~10 s; a noisy one waits up to
// plan.settle_s. The assessment skips baseline and after and steps the pacer through its rates.
//
// Time. Everything runs on the injected session_clock (real_clock x source speed live,
// virtual_clock in tests and simulations): tick() reads it and moves the phases; phase time is
// active time (pauses excluded). The engine proper (session_pipeline) runs on the data's own
// time; for RR streams the clock, less clock_margin_s, is handed to it once per second.
//
// Input: on_rr / on_samples (source data), on_link (source state), the keys toggle_pause,
// change_rate, quit. Signal loss is decided here only: a link state of lost, or the feedback
// score's data-based loss (coverage collapsed while the link claims to stream); both go
// through one switch, counted once per loss in the summary.
// RR events reach the pipeline and the assessment with their gap flag and status as the
// artefact stage left them.
// Threads: one (the caller's). Not real-time safe (the summary keeps the session's beats).
class session {
 public:
  // Throws std::invalid_argument on a bad pattern or assessment config.
  session(session_config cfg, const session_clock& clock, session_listener& listener);

  void start();  // the session begins at clock time now (normally 0)
  void on_rr(double end_s, double rr_ms, bool after_gap);
  void on_samples(input_kind kind, double rate_hz, std::int64_t first_sample,
                  std::span<const double> samples);
  void on_link(link_state s, std::string_view detail = {});
  void tick();  // call often (every 50 ms live; at any step in virtual time)

  void toggle_pause();
  void change_rate(double delta_bpm);  // ignored in an assessment and outside the safe range
  void quit();
  void note(std::string_view type, std::string_view detail);  // an app event, time-stamped

  // The breathing guide the simulated subject follows (cycles at session time t).
  [[nodiscard]] double guide_cycles(double t_s) const;

  [[nodiscard]] session_phase phase() const noexcept { return phase_; }
  [[nodiscard]] bool paused() const noexcept { return paused_; }
  [[nodiscard]] bool done() const noexcept { return finished_; }
  [[nodiscard]] bool signal_lost() const noexcept { return signal_lost_; }
  [[nodiscard]] bool have_hr() const noexcept { return have_hr_; }
  [[nodiscard]] double now_s() const noexcept { return clock_.now_s(); }
  [[nodiscard]] double phase_left_s() const noexcept;
  [[nodiscard]] double session_left_s() const noexcept;
  [[nodiscard]] double rate_bpm() const noexcept { return cfg_.pattern.rate_bpm; }
  [[nodiscard]] const std::optional<pacer>& current_pacer() const noexcept { return pacer_; }
  [[nodiscard]] const session_config& config() const noexcept { return cfg_; }
  [[nodiscard]] const std::optional<session_pipeline>& pipeline() const noexcept {
    return pipeline_;
  }
  [[nodiscard]] int clean_beats() const noexcept { return clean_run_; }
  // Summary, assessment and outcome; call after done() (or any time for a partial result).
  [[nodiscard]] session_result result() const;

 private:
  [[nodiscard]] session_result compute_result() const;
  [[nodiscard]] double active_s(double now) const noexcept;
  [[nodiscard]] double phase_length_s(session_phase p) const noexcept;
  void ensure_engine(input_kind kind, double rate_hz);
  void on_snapshot(const metric_snapshot& s);
  void count_clean(double rr_ms, bool after_gap);
  void enter(session_phase p, double t);
  void start_pacing(double t);
  void stop_pacing(double t);
  void set_signal_lost(bool lost, std::string_view why);
  void fail(std::string why);
  void finish(bool early);
  void event(std::string_view type, std::string_view detail);
  void event_at(double t, std::string_view type, std::string_view detail);

  session_config cfg_;
  const session_clock& clock_;
  session_listener& out_;

  std::optional<session_pipeline> pipeline_;
  input_kind kind_ = input_kind::rr;
  std::int64_t ignored_other_kind_ = 0;
  double last_clock_s_ = 0.0;

  session_phase phase_ = session_phase::settle;
  double phase_start_active_s_ = 0.0;
  double paused_total_s_ = 0.0;
  double paused_since_ = 0.0;
  bool paused_ = false;
  bool started_ = false;

  std::optional<pacer> pacer_;
  double paced_start_s_ = -1.0;
  double paced_end_s_ = -1.0;
  double paced_end_cycles_ = 0.0;
  double first_cue_s_ = no_value;
  bool announced_ = false;
  double announced_in_phase_s_ = 0.0;

  session_summarizer summarizer_;
  feedback_score feedback_;
  std::optional<resonance_assessment> assessment_;

  int clean_run_ = 0;
  double last_clean_rr_ms_ = 0.0;
  bool have_hr_ = false;
  bool signal_lost_ = false;
  bool data_loss_ = false;      // the current loss was seen in the data, not the link
  double link_found_s_ = -1e9;  // when the link last came back
  bool connecting_ = true;
  bool finished_ = false;
  bool quit_early_ = false;
  bool failed_ = false;
  std::string failure_;
  double end_s_ = 0.0;
  std::optional<session_result> final_;  // computed once, when the session ends
};

}  // namespace resonant::engine
