#pragma once

#include <utility>  // before Asio: GCC 12 + Boost 1.74 in C++20 need std::exchange declared

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apps/live_outputs.hpp"
#include "apps/session_view.hpp"
#include "apps/source_spec.hpp"
#include "apps/terminal.hpp"
#include "drivers/audio_output.hpp"
#include "drivers/wav_sink.hpp"
#include "engine/breath_synth.hpp"
#include "engine/feedback_score.hpp"
#include "engine/pacer.hpp"
#include "engine/resonance_assessment.hpp"
#include "engine/session.hpp"
#include "engine/session_pipeline.hpp"
#include "engine/session_record.hpp"
#include "engine/session_sound.hpp"
#include "engine/session_summary.hpp"

namespace resonant::apps {

struct session_settings {
  std::string source;      // spec (source_spec.hpp)
  double minutes = 3.0;    // baseline + paced (session) or ignored (assessment)
  double settle_s = 20.0;  // upper bound: settle ends after 8 clean beats
  double after_s = 60.0;   // natural breathing after pacing (the recovery question)
  engine::breath_pattern pattern;
  std::string audio = "default";  // off | default | wav:FILE | device:NAME
  std::string audio_device;
  double volume = 0.8;
  bool quiet = false;                 // feedback sounds only on changes
  std::filesystem::path record_path;  // where the session record goes (created, 0600)
  // Resonance assessment instead of a session: step through these rates.
  bool assessment = false;
  double step_minutes = 2.0;
  live_options live;  // --serve, --osc
};

struct session_outcome {
  engine::session_summary summary;
  std::optional<engine::resonance_result> assessment;
  std::filesystem::path record_path;
  std::string source;
  std::string started_utc;
  double rate_bpm = 0.0;
  bool quit_early = false;
  double first_cue_s = 0.0;  // session time the breathing cue started (NaN: never)
  // The record could not be written to the end (disk full, file size limit): why, in words
  // ("No space left on device at 339 s"); empty when the record holds the whole session.
  std::string record_stopped;
  double end_s = 0.0;  // session time at the end
};

// The session clock of a live run: wall time since start() x the source's speed.
class scaled_clock final : public engine::session_clock {
 public:
  explicit scaled_clock(double speed) noexcept : speed_(speed) {}
  void start() noexcept { start_ = std::chrono::steady_clock::now(); }
  [[nodiscard]] double now_s() const noexcept override {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count() *
           speed_;
  }

 private:
  double speed_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// Runs one live session on the calling thread: the wiring around engine::session (which owns
// phases, pause, rate changes, assessment steps and signal loss). A Boost.Asio io_context owns
// the source, the keys and the 50 ms tick; this class turns source callbacks and keys into
// session calls and session notifications into the record file, the terminal view and the
// synthesiser. The audio callback (PortAudio) is the only other thread and reads the
// synthesiser's atomics.
//
// Time. The session clock is wall time x the source's speed (1 for devices; simulated and
// file sources may run faster). WAV output follows the session clock, so the file holds
// exactly the sound of the session.
class session_runner final : private engine::session_listener {
 public:
  explicit session_runner(session_settings settings);
  ~session_runner() override;
  session_runner(const session_runner&) = delete;
  session_runner& operator=(const session_runner&) = delete;

  // Runs to the end (or q / SIGINT / SIGTERM / a source failure) and returns what happened.
  // Throws std::runtime_error when the source fails before any data arrived.
  session_outcome run();

 private:
  // engine::session_listener
  void engine_started(const engine::session_pipeline& pipeline) override;
  void input_rr(const dsp::rr_event& e) override;
  void input_samples(std::int64_t first, std::span<const double> samples) override;
  void clock(double t_s) override;
  void event(double t_s, std::string_view type, std::string_view detail) override;
  void phase_changed(engine::session_phase p, double t_s) override;
  void phase_ahead(engine::session_phase next, double in_s) override;
  void pause_changed(bool paused) override;
  void pacer_changed(const engine::pacer* p, bool cue_on) override;
  void signal_changed(bool lost) override;
  void feedback(const engine::feedback_update& u) override;
  void concluded(const engine::session_result& r) override;
  void snapshot(const engine::metric_snapshot& s) override;
  void finished(bool early) override;

  // After every record write: the first failure stops the recording and is said at once.
  void check_record();
  // The record stopped: on screen (and the status lines), as a session event "record" that the
  // record-free listeners (sound) can use, once. The engine and the sound go on.
  void recording_stopped(const std::string& why);
  void on_status(const drivers::source_status& s);
  void tick();
  void schedule_tick();
  void read_key();
  void on_key(char c);
  void update_view();
  void render();
  void say(const std::string& line);
  void open_audio();
  void to_sound(std::function<void(engine::session_sound&)> action);
  void render_wav(double until_s, std::chrono::steady_clock::duration budget);
  void let_sound_ring_out();

  session_settings settings_;
  boost::asio::io_context io_;
  boost::asio::steady_timer timer_;
  boost::asio::signal_set signals_;
  std::optional<boost::asio::posix::stream_descriptor> keys_;
  char key_ = 0;
  raw_terminal terminal_;
  bool tty_ = false;

  opened_source source_;
  std::optional<scaled_clock> clock_;
  std::optional<engine::session> session_;
  std::optional<engine::session_record_writer> record_;

  std::unique_ptr<engine::breath_synth> synth_;
  std::optional<engine::session_sound> sound_;  // session notifications -> synth_
  std::unique_ptr<drivers::audio_renderer> renderer_;
  std::unique_ptr<drivers::audio_output> audio_;
  std::unique_ptr<drivers::wav_writer> wav_;
  std::vector<float> wav_buf_;
  struct timed_sound {
    double t_s;
    std::function<void(engine::session_sound&)> action;
  };
  std::deque<timed_sound> pending_sound_;  // WAV: sound notifications not yet rendered
  bool muted_ = false;

  std::optional<live_outputs> live_;
  view_state view_;
  double last_trace_s_ = -1.0;
  double last_status_line_s_ = -1e9;
  bool stopped_ = false;
  std::string record_stopped_;
  std::string started_utc_;
};

}  // namespace resonant::apps
