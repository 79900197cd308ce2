#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "dsp/input_kind.hpp"

namespace resonant::drivers {

// Where a live source stands. Shown to the user and written to the session record.
enum class source_state : std::uint8_t {
  connecting,    // opening the device / looking for it
  streaming,     // data flows
  contact_lost,  // the device is there but says (or shows) it has no skin contact
  disconnected,  // the device went away; a reconnection follows unless stopped
  reconnecting,  // trying again (backoff)
  finished,      // a finite source (file, simulation of fixed length) reached its end
  failed,        // cannot continue (no adapter, device refused); detail says why
};

struct source_status {
  source_state state = source_state::connecting;
  std::string detail;  // one line for the user: device name, error text, retry delay
};

// One RR interval as a sensor reports it. end_s is the source's own time of the beat ending
// the interval (RR sum for a strap, sensor timestamps where the device has them, sample time
// for simulated data), seconds from the start of the stream. after_gap is set on the first
// interval after lost contact, a disconnect or any data the source had to drop.
struct rr_reading {
  double end_s = 0.0;
  double rr_ms = 0.0;
  bool after_gap = false;
};

// A block of uniformly sampled waveform. first_sample is the stream's index of samples[0]
// (0-based, in rate_hz); an index that jumps forward marks lost samples (a gap).
struct sample_block {
  dsp::input_kind kind = dsp::input_kind::ecg;
  double rate_hz = 0.0;
  std::int64_t first_sample = 0;
  std::span<const double> samples;
};

// Callbacks a source delivers to. They are called only from the thread running the source's
// io_context (see DESIGN.md section 4), one at a time; none may be empty.
struct source_handlers {
  std::function<void(const rr_reading&)> on_rr;
  std::function<void(const sample_block&)> on_samples;
  std::function<void(const source_status&)> on_status;
};

// A live source of heart data: BLE strap, serial device, simulated subject, recording played
// in real time. Construction takes the io_context and the device description and does no I/O;
// start() begins connecting and returns at once; errors after start are reported through
// on_status (never thrown). stop() is idempotent and must be called on the io_context's thread
// (or before it runs); no handler is called after stop() returns.
class source {
 public:
  virtual ~source() = default;
  [[nodiscard]] virtual std::string description() const = 0;  // e.g. "ble:A0:9E:1A:12:34:56"
  virtual void start(source_handlers handlers) = 0;
  virtual void stop() = 0;
};

}  // namespace resonant::drivers
