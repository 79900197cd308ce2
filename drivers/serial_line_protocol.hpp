#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "drivers/source.hpp"

namespace resonant::drivers {

// What one decoded line of the serial line protocol carries (docs/serial-protocol.md).
enum class serial_record_kind : std::uint8_t {
  rr,      // an interval: value = ms; time = device time of the beat ending it (ms) if has_time
  hr,      // a heart rate: value = bpm (0 = no contact); time = device time (ms) if has_time
  sample,  // one waveform sample: signal, value (= channels[0]), time = device stamp if has_time
  meta,    // "@..." line: text holds what follows '@' (valid until the next decoder call)
};

struct serial_record {
  serial_record_kind kind = serial_record_kind::meta;
  dsp::input_kind signal = dsp::input_kind::ecg;  // sample records
  bool has_time = false;
  double time = 0.0;   // as sent: ms for RR / HR, the sequence or time field for samples
  double value = 0.0;  // ms, bpm or the (first) sample value
  std::array<double, 3> channels{};  // PPG red, ir, green (as many as channel_count)
  std::uint8_t channel_count = 0;
  std::string_view text;  // meta records
};

// Meaning of a column of bare numeric CSV lines (`columns=` in the serial source spec).
enum class serial_column : std::uint8_t { skip, time, ecg, ppg, rr, hr };

struct serial_protocol_config {
  // Column map for bare numeric lines ("812,1043"): empty = a bare line of exactly three
  // numbers is PulseSensor Playground's plotter output BPM,IBI,Signal (a PPG sample), any other
  // bare line is unknown. With a map, a line must have at least as many fields as the map.
  std::vector<serial_column> columns;
  dsp::input_kind bare_signal =
      dsp::input_kind::ppg;       // kind of PulseSensor "S<n>" / plotter samples
  bool require_checksum = false;  // lines without "*HH" are then counted as corrupt
  std::size_t max_line = 256;     // bytes before the terminator; longer lines are dropped
};

// Running counts of what the decoder saw; every line lands in exactly one of the line counters.
struct serial_counters {
  std::uint64_t bytes = 0;
  std::uint64_t lines_ok = 0;  // decoded into a record
  std::uint64_t comments = 0;  // "#..." lines
  std::uint64_t unknown = 0;   // well-formed text of no known format
  std::uint64_t corrupt = 0;   // known tag with bad fields, bad or missing checksum, line noise
  std::uint64_t checksum_failures = 0;  // of which the "*HH" did not match
  std::uint64_t overlong = 0;           // longer than max_line: dropped
};

// Decodes one line (without its terminator). Pure: no state, no allocation. A line is decoded
// only when it matches the protocol completely: a line with any byte outside printable ASCII
// (other than in a comment) is corrupt, and no part of a line is ever decoded on its own.
// Returns record with `out` filled, or why there is none (`out` is then reset). Used by
// serial_line_decoder.
enum class serial_line_result : std::uint8_t {
  record,
  comment,
  empty,
  unknown,
  corrupt,
  bad_checksum
};
serial_line_result decode_serial_line(std::string_view line, const serial_protocol_config& config,
                                      serial_record& out) noexcept;

// Metadata a device may send as "@key=value key=value" (e.g. "@hello v=1 fs=100 t=us").
enum class serial_time_unit : std::uint8_t { seq, us, ms };
struct serial_meta {
  double rate_hz = 0.0;  // fs=  (0: not given)
  bool has_time_unit = false;
  serial_time_unit time_unit = serial_time_unit::seq;  // t=seq|us|ms
};
// Reads fs= and t= from the text after '@'; unknown keys are ignored.
serial_meta parse_serial_meta(std::string_view text) noexcept;

// Incremental decoder of the serial line protocol (see docs/serial-protocol.md).
//
// Bytes arrive in arbitrary pieces; a line ends at '\n' or '\r' (so CRLF, LF and CR all work;
// the empty line between CR and LF is ignored). Each complete line goes to decode_serial_line
// and decoded records to the sink. Garbage is tolerated and never decoded: a line with bytes
// outside printable ASCII, or that does not match the protocol completely, is counted (corrupt
// or unknown) and dropped; the next line decodes as usual. A line longer than max_line is
// dropped up to its terminator and counted once.
// Memory: one line buffer of max_line bytes, allocated at construction; feed() does not
// allocate (the sink may). Latency: a record is delivered when its terminator arrives.
// Pitfall: a device that never sends a terminator delivers nothing (counted as overlong once
// max_line bytes have come).
class serial_line_decoder {
 public:
  explicit serial_line_decoder(serial_protocol_config config);

  // sink(const serial_record&) for each decoded line, in order.
  template <class Sink>
  void feed(std::span<const std::uint8_t> bytes, Sink&& sink) {
    counters_.bytes += bytes.size();
    for (const std::uint8_t b : bytes) {
      if (b == '\n' || b == '\r') {
        if (!overflow_ && length_ != 0 && end_line())
          sink(static_cast<const serial_record&>(record_));
        overflow_ = false;
        length_ = 0;
      } else if (!overflow_) {
        if (length_ == buffer_.size()) {
          overflow_ = true;
          ++counters_.overlong;
        } else {
          buffer_[length_++] = static_cast<char>(b);
        }
      }
    }
  }

  // Forgets a partial line (after a disconnect); counters are kept.
  void reset_line() noexcept {
    length_ = 0;
    overflow_ = false;
  }

  [[nodiscard]] const serial_counters& counters() const noexcept { return counters_; }
  [[nodiscard]] const serial_protocol_config& config() const noexcept { return config_; }

 private:
  bool end_line() noexcept;  // decodes the buffered line into record_; true if a record

  serial_protocol_config config_;
  std::vector<char> buffer_;
  std::size_t length_ = 0;
  bool overflow_ = false;
  serial_record record_;
  serial_counters counters_;
};

}  // namespace resonant::drivers
