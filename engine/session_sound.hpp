#pragma once

#include "engine/breath_synth.hpp"
#include "engine/session.hpp"

namespace resonant::engine {

// The sound of a session for a person with eyes closed: turns the session's notifications
// into the synthesiser's layers and earcons, so the phase logic stays in engine::session.
//
//   session start (settle)   session_start earcon at once + the rest layer (calm noise)
//   baseline                 the rest layer goes on
//   announce_lead_s before pacing: pacing_next earcon ("now follow the tone"); when pacing
//                            follows settle directly (no baseline), at its start
//   pacer on                 the breathing cue fades in (1 s), the rest layer out (1.5 s)
//   after                    rest_next earcon, the cue and the feedback chord fade out, the
//                            rest layer comes back
//   pause / resume           paused earcon, then the rest layer at pause_level (the cue
//                            stops, the chord fades) / resumed earcon, the layer of the phase
//                            comes back
//   signal lost / found      the synthesiser's alert, the chord mutes (breath_synth)
//   feedback                 chord, chimes and motif (breath_synth::apply)
//   the end                  end_rested when the recovery answer is "more rested",
//                            end_neutral otherwise (no clear change, less rested, too little
//                            data, an assessment); cue and rest layer off
// So outside quiet mode something sounds at every moment until the end earcon has rung out.
// Threads: the session's (control) thread; every call is a wait-free synthesiser setter.
class session_sound final : public session_listener {
 public:
  // pause_level: the rest layer's level while paused (0..1), quieter than at rest.
  explicit session_sound(breath_synth& synth, double pause_level = 0.6) noexcept;

  void phase_changed(session_phase p, double t_s) override;
  void phase_ahead(session_phase next, double in_s) override;
  void pause_changed(bool paused) override;
  void pacer_changed(const pacer* p, bool cue_on) override;
  void signal_changed(bool lost) override;
  void feedback(const feedback_update& u) override;
  void concluded(const session_result& r) override;

  // The end earcon for a recovery answer.
  [[nodiscard]] static cue_sound end_sound(const recovery_answer& r) noexcept;

 private:
  [[nodiscard]] double phase_rest_level() const noexcept;

  breath_synth& synth_;
  double pause_level_;
  session_phase phase_ = session_phase::settle;
  bool announced_ = false;
  bool paused_ = false;
};

}  // namespace resonant::engine
