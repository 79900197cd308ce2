#pragma once

#include <utility>  // before Asio: GCC 12 + Boost 1.74 in C++20 need std::exchange declared

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/serial_port.hpp>
#include <boost/asio/steady_timer.hpp>

#include "drivers/serial_line_protocol.hpp"
#include "drivers/source.hpp"

namespace resonant::drivers {

// A serial device as the user names it (docs/serial-protocol.md):
//   serial:PATH[@BAUD][,key=value...]
// keys: rate=HZ (waveform sample rate), time=seq|us|ms (unit of the time field of waveform
// lines), columns=A:B:... (bare CSV column map: t, ecg, ppg, rr, hr, - to skip), signal=ecg|ppg
// (kind of PulseSensor S<n> / plotter samples), checksum=required|optional, maxline=BYTES.
struct serial_spec {
  std::string path;
  unsigned baud = 115200;
  serial_protocol_config protocol;
  double rate_hz = 0.0;  // 0: from the device's "@... fs=" line
  bool has_time_unit = false;
  serial_time_unit time_unit = serial_time_unit::seq;
  std::chrono::milliseconds reconnect_initial{200};  // first retry delay, doubled per failure
  std::chrono::milliseconds reconnect_max{5000};
};

// Parses "serial:PATH[@BAUD][,key=value...]". Throws std::invalid_argument naming the field.
serial_spec parse_serial_spec(std::string_view spec);

// Live source reading the serial line protocol from a tty with Boost.Asio.
//
// The port is opened at `baud`, 8N1, no flow control, and read with async_read_some on the
// io_context; the bytes go through serial_line_decoder, and the records become:
//  - RR / IBI / Q lines: rr_reading. end_s is the device time (ms field) when the line has one,
//    anchored so that the stream starts at the first interval; otherwise the running sum of the
//    intervals. A device time that goes backwards (device reset) re-anchors with after_gap.
//  - waveform samples (ECG, PPG, PulseSensor, bare CSV): batched into sample_block per read
//    (at most 512 samples each) with stream sample indices. With a time field the index is
//    derived from it (seq: one per sample; us / ms: time x rate, +-1 sample of jitter
//    tolerated); a forward jump is a gap, a backward jump re-anchors one sample later (a gap).
//    Without a rate (rate= or "@fs=") samples are dropped and counted.
//  - RR time running ahead of the wall clock is a device fault: an RR stream is real time, so
//    its time (end_s since the first interval) may not exceed the wall time since that interval
//    by more than rr_ahead_fraction (10 %) + rr_ahead_slack_s (5 s) (the slack covers a backlog
//    buffered before the port opened; 10 % covers any real clock error). An interval beyond
//    that is dropped and counted (rr_ahead_dropped), the first of an episode reports
//    contact_lost with a "device fault: RR intervals run N s ahead of the wall clock" detail
//    (counted in rr_ahead_faults), and the first interval that fits again is delivered with
//    after_gap and streaming. A clean device is never affected: its intervals arrive after the
//    beats they measure.
//  - HR lines: only contact: "HR,0" (or B0) -> contact_lost, a rate again -> streaming.
//  - "@..." metadata: fs= and t= apply unless the spec set them.
// Status: connecting, streaming on the first record after each open, disconnected when a read
// fails or returns end of file (device unplugged), then reconnecting with a retry timer
// (reconnect_initial doubling up to reconnect_max) until the path opens again. The first RR
// after a reconnect has after_gap; waveform indices jump by the time away (x rate), or by the
// device's time field when it has one.
// Threads: everything runs on the io_context's thread; stop() there. No handler runs after
// stop(); the destructor stops. Pitfall: USB bridges deliver bytes in bursts (FTDI latency
// timer), so sample times come from indices, never from arrival time.
class serial_source final : public source {
 public:
  serial_source(boost::asio::io_context& io, serial_spec spec);
  ~serial_source() override;
  serial_source(const serial_source&) = delete;
  serial_source& operator=(const serial_source&) = delete;

  [[nodiscard]] std::string description() const override;
  void start(source_handlers handlers) override;
  void stop() override;

  [[nodiscard]] const serial_counters& counters() const noexcept { return decoder_.counters(); }
  [[nodiscard]] std::uint64_t samples_without_rate() const noexcept { return no_rate_; }
  [[nodiscard]] std::uint64_t reconnects() const noexcept { return reconnects_; }
  // RR time ahead of the wall clock (see above): intervals dropped, and episodes reported.
  [[nodiscard]] std::uint64_t rr_ahead_dropped() const noexcept { return rr_ahead_dropped_; }
  [[nodiscard]] std::uint64_t rr_ahead_faults() const noexcept { return rr_ahead_faults_; }

  static constexpr double rr_ahead_fraction = 0.10;
  static constexpr double rr_ahead_slack_s = 5.0;

 private:
  void try_open();
  void schedule_retry(const std::string& why);
  void read_more();
  void on_read(std::size_t n);
  void on_lost(const std::string& why);
  void on_record(const serial_record& r);
  void on_rr(const serial_record& r);
  void on_sample(const serial_record& r);
  void flush_samples();
  void set_state(source_state s, std::string detail);
  [[nodiscard]] double rate() const noexcept;
  [[nodiscard]] serial_time_unit time_unit() const noexcept;

  boost::asio::io_context& io_;
  serial_spec spec_;
  boost::asio::serial_port port_;
  boost::asio::steady_timer timer_;
  serial_line_decoder decoder_;
  source_handlers handlers_;
  std::shared_ptr<char> alive_ = std::make_shared<char>();
  std::array<std::uint8_t, 4096> read_buffer_{};
  bool started_ = false;
  bool stopped_ = false;
  source_state state_ = source_state::connecting;
  bool state_known_ = false;
  std::chrono::milliseconds retry_delay_{0};
  std::uint64_t reconnects_ = 0;

  // After a disconnect: the first data is after a gap; wall time away for streams without a
  // device clock.
  bool gap_pending_ = false;
  std::chrono::steady_clock::time_point lost_at_{};
  double lost_seconds_ = 0.0;

  // Device metadata.
  double meta_rate_hz_ = 0.0;
  bool meta_has_unit_ = false;
  serial_time_unit meta_unit_ = serial_time_unit::seq;

  // RR time axis.
  double last_end_s_ = 0.0;
  bool rr_anchored_ = false;
  double rr_anchor_device_ms_ = 0.0;
  double rr_anchor_end_s_ = 0.0;
  double rr_last_device_ms_ = 0.0;

  // RR time against the wall clock (device fault detection).
  bool rr_clock_started_ = false;
  std::chrono::steady_clock::time_point rr_wall_origin_{};
  double rr_stream_origin_s_ = 0.0;
  bool rr_ahead_ = false;
  std::uint64_t rr_ahead_dropped_ = 0;
  std::uint64_t rr_ahead_faults_ = 0;

  // Waveform indices and the pending block.
  std::int64_t next_index_ = 0;
  bool wave_anchored_ = false;
  double wave_anchor_time_ = 0.0;
  std::int64_t wave_anchor_index_ = 0;
  dsp::input_kind batch_kind_ = dsp::input_kind::ecg;
  std::int64_t batch_first_ = 0;
  std::vector<double> batch_;
  std::uint64_t no_rate_ = 0;
  bool no_rate_reported_ = false;
};

}  // namespace resonant::drivers
