#include "session_sound.hpp"

#include <algorithm>

namespace resonant::engine {

session_sound::session_sound(breath_synth& synth, double pause_level) noexcept
    : synth_(synth), pause_level_(std::clamp(pause_level, 0.0, 1.0)) {}

double session_sound::phase_rest_level() const noexcept {
  if (paused_) return pause_level_;
  switch (phase_) {
    case session_phase::settle:
    case session_phase::baseline:
    case session_phase::after:
      return 1.0;
    case session_phase::paced:
    case session_phase::done:
    case session_phase::paused:
      return 0.0;
  }
  return 0.0;
}

void session_sound::phase_changed(session_phase p, double /*t_s*/) {
  const session_phase before = phase_;
  phase_ = p;
  switch (p) {
    case session_phase::settle:
      synth_.play(cue_sound::session_start);
      break;
    case session_phase::paced:
      if (!announced_) synth_.play(cue_sound::pacing_next);
      announced_ = true;
      break;
    case session_phase::after:
      if (before == session_phase::paced) synth_.play(cue_sound::rest_next);
      break;
    case session_phase::baseline:
    case session_phase::done:
    case session_phase::paused:
      break;
  }
  // Pacing: the rest layer goes when the cue comes (pacer_changed), not before. Outside pacing
  // the feedback chord fades (it scores the pacing).
  if (p != session_phase::paced) {
    synth_.set_rest_layer(phase_rest_level());
    synth_.set_score(0.0);
  }
}

void session_sound::phase_ahead(session_phase next, double /*in_s*/) {
  if (next != session_phase::paced || announced_) return;
  announced_ = true;
  synth_.play(cue_sound::pacing_next);
}

void session_sound::pause_changed(bool paused) {
  paused_ = paused;
  synth_.play(paused ? cue_sound::paused : cue_sound::resumed);
  if (paused) synth_.set_score(0.0);  // the next feedback update brings the chord back
  synth_.set_rest_layer(phase_rest_level());
}

void session_sound::pacer_changed(const pacer* p, bool cue_on) {
  if (p != nullptr) synth_.set_pacer(*p);
  synth_.set_cue_enabled(cue_on);
  if (cue_on) synth_.set_rest_layer(0.0);
}

void session_sound::signal_changed(bool lost) {
  synth_.set_signal_lost(lost);
}

void session_sound::feedback(const feedback_update& u) {
  synth_.apply(u);
}

cue_sound session_sound::end_sound(const recovery_answer& r) noexcept {
  return r.verdict == "more_rested" ? cue_sound::end_rested : cue_sound::end_neutral;
}

void session_sound::concluded(const session_result& r) {
  phase_ = session_phase::done;
  synth_.set_cue_enabled(false);
  synth_.set_rest_layer(0.0);
  synth_.set_signal_lost(false);  // no alert over the end
  synth_.play(end_sound(r.summary.recovery));
}

}  // namespace resonant::engine
