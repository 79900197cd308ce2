#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "engine/metric_snapshot.hpp"
#include "engine/pacer.hpp"

namespace resonant::apps {

// Sends the metric stream as Open Sound Control messages over UDP (liblo), for Pure Data, Max,
// TouchDesigner, PsychoPy. One message per value, float32 arguments; unknown values (NaN) are
// not sent. Addresses (documented in README.md and docs/ARCHITECTURE.md):
//   /resonant/time f            stream time of the snapshot, s
//   /resonant/beat i            1 when the snapshot is for a new beat, 0 for a tick
//   /resonant/rr f              latest RR interval, ms
//   /resonant/hr f              heart rate, bpm
//   /resonant/rmssd f           RMSSD over 60 s, ms (/resonant/rmssd30 f: over 30 s)
//   /resonant/sdnn f            SDNN over 60 s, ms
//   /resonant/lf_hf f           LF/HF
//   /resonant/coherence f       coherence (0-1 scale of peak power ratio, see metric_snapshot)
//   /resonant/rsa f             RSA, bpm
//   /resonant/breathing_rate f  breaths per minute from the heart rhythm
//   /resonant/missing f         share of the last 60 s with no valid beat, %
//   /resonant/pacer/phase f     position in the breath, 0-1 (0 = start of the inhale)
//   /resonant/pacer/lung f      breathing cue shape, 0 (empty) to 1 (full)
//   /resonant/pacer/rate f      pacer rate, breaths per minute
//   /resonant/event ss          event type and detail ("signal" "lost", ...)
// UDP sends never wait for a receiver; send errors are counted, not thrown.
class osc_sender {
 public:
  // "HOST:PORT". Throws std::invalid_argument for a malformed spec or unknown host.
  explicit osc_sender(const std::string& host_port);
  ~osc_sender();
  osc_sender(const osc_sender&) = delete;
  osc_sender& operator=(const osc_sender&) = delete;

  void snapshot(const engine::metric_snapshot& s);
  void pacer(const engine::pacer_state& p);
  void event(std::string_view type, std::string_view detail);

  [[nodiscard]] long errors() const noexcept { return errors_; }

 private:
  void send_float(const char* path, double v);
  struct address;
  std::unique_ptr<address> addr_;
  long errors_ = 0;
};

}  // namespace resonant::apps
