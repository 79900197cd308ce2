#pragma once

#include <utility>  // before Asio: GCC 12 + Boost 1.74 in C++20 need std::exchange declared

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "drivers/sim_subject.hpp"
#include "drivers/sim_waveform.hpp"
#include "drivers/source.hpp"

namespace resonant::drivers {

// A simulated subject as the user names it:
//   sim[:key=value,...]
// keys: seed=N, signal=rr|ecg|ppg, rate=HZ (waveforms; default ECG 250, PPG 100), speed=X
// (simulated seconds per wall-clock second), minutes=M (then finished; default endless),
// hr=BPM (mean heart rate), resonance=BPM (breaths/min of the RSA peak), responder=yes|no,
// pace=BPM (the subject follows a constant pacer at this rate; without it and without a guide
// set by the program it breathes spontaneously), breathing=BPM (spontaneous rate),
// compliance=0..1, lag=S (reaction delay to the pacer), ectopic=PER_MIN,
// dropout=START+DURATION (seconds; repeatable), motion=START+DURATION (seconds, repeatable: strong
// motion artefact on the ecg / ppg waveform, see sim_waveform).
struct sim_spec {
  sim_subject_config subject;
  std::optional<dsp::input_kind> waveform;  // nullopt: RR intervals
  double rate_hz = 0.0;                     // 0: default for the waveform
  double speed = 1.0;
  double minutes = 0.0;   // 0: endless
  double pace_bpm = 0.0;  // 0: no constant pacer
};

// Parses "sim" or "sim:key=value,...". Throws std::invalid_argument naming the key.
sim_spec parse_sim_spec(std::string_view spec);

// The subject config the spec describes, with the constant pacer (pace=) installed as guide
// unless a guide is already set.
sim_subject_config subject_config(const sim_spec& spec);

// Live source playing a simulated subject in (scaled) real time.
//
// An asio steady_timer fires every 20 ms of wall-clock time; each tick generates the subject's
// data up to (wall time since start) x speed of simulated time (at most 60 s per tick, so a huge
// speed still returns to the io_context between ticks) and delivers it: RR as rr_reading with
// end_s = true beat time (simulated seconds), waveforms as sample_block (at most 1024 samples)
// with first_sample counting from 0. During a scheduled dropout the status is contact_lost and
// no RR is emitted (the first RR afterwards has after_gap); waveforms stay flat (lead off /
// finger off) and keep streaming. minutes=M ends with status finished.
// Time: the simulation clock is the data's clock; the guide (pacer phase function) is called
// with simulated seconds. Threads: the io_context thread only; no handler after stop().
class sim_source final : public source {
 public:
  sim_source(boost::asio::io_context& io, sim_spec spec);
  ~sim_source() override;
  sim_source(const sim_source&) = delete;
  sim_source& operator=(const sim_source&) = delete;

  [[nodiscard]] std::string description() const override;
  void start(source_handlers handlers) override;
  void stop() override;

  // Beats generated so far, with their truth (for tests and ground-truth files); the list is
  // kept only when keep_truth(true) was called before start().
  void keep_truth(bool keep) { keep_truth_ = keep; }
  [[nodiscard]] const std::vector<sim_beat>& truth() const noexcept { return truth_; }

 private:
  void tick();
  void advance_to(double sim_s);
  void set_state(source_state s, std::string detail);
  void schedule();

  boost::asio::io_context& io_;
  sim_spec spec_;
  boost::asio::steady_timer timer_;
  source_handlers handlers_;
  std::shared_ptr<char> alive_ = std::make_shared<char>();
  std::optional<sim_subject> subject_;    // RR
  std::optional<sim_waveform> waveform_;  // ECG / PPG
  std::vector<double> block_;
  std::vector<sim_beat> truth_;
  bool keep_truth_ = false;
  bool started_ = false;
  bool stopped_ = false;
  bool finished_ = false;
  source_state state_ = source_state::connecting;
  std::chrono::steady_clock::time_point start_{};
  std::chrono::steady_clock::time_point next_tick_{};
  double sim_s_ = 0.0;
  std::optional<sim_beat> next_beat_;
  bool gap_ = false;
};

}  // namespace resonant::drivers
