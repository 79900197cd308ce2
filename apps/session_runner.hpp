#pragma once

#include <utility>  // before Asio: GCC 12 + Boost 1.74 in C++20 need std::exchange declared

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apps/session_view.hpp"
#include "apps/source_spec.hpp"
#include "apps/terminal.hpp"
#include "drivers/audio_output.hpp"
#include "drivers/wav_sink.hpp"
#include "engine/breath_synth.hpp"
#include "engine/feedback_score.hpp"
#include "engine/pacer.hpp"
#include "engine/resonance_assessment.hpp"
#include "engine/session_pipeline.hpp"
#include "engine/session_record.hpp"
#include "engine/session_summary.hpp"

namespace resonant::apps {

struct session_settings {
  std::string source;    // spec (source_spec.hpp)
  double minutes = 3.0;  // baseline + paced (session) or ignored (assessment)
  double settle_s = 20.0;
  engine::breath_pattern pattern;
  std::string audio = "default";  // off | default | wav:FILE | device:NAME
  std::string audio_device;
  double volume = 0.8;
  bool quiet = false;                 // feedback sounds only on changes
  std::filesystem::path record_path;  // where the session record goes (created, 0600)
  // Resonance assessment instead of a session: step through these rates.
  bool assessment = false;
  double step_minutes = 2.0;
};

struct session_outcome {
  engine::session_summary summary;
  std::optional<engine::resonance_result> assessment;
  std::filesystem::path record_path;
  std::string source;
  std::string started_utc;
  double rate_bpm = 0.0;
  bool quit_early = false;
};

// Runs one live session on the calling thread: a Boost.Asio io_context owns the source, the
// engine (session_pipeline), the session record, the terminal view and the keys; the audio
// callback (PortAudio) is the only other thread and reads the synthesiser's atomics.
//
// Time. The session clock is wall time x the source's speed (1 for devices; simulated and
// file sources may run faster), so a simulated session can be tested quickly. Phases (settle,
// baseline, paced) and the pacer run on it. The engine sees the data's own time; for RR
// sources the session clock (less a margin) is handed to the engine once per second and
// written to the record as a clock line, so a replay of the record reproduces the metric
// stream, tick snapshots included.
class session_runner {
 public:
  explicit session_runner(session_settings settings);
  ~session_runner();
  session_runner(const session_runner&) = delete;
  session_runner& operator=(const session_runner&) = delete;

  // Runs to the end (or q / SIGINT / SIGTERM / a source failure) and returns what happened.
  // Throws std::runtime_error when the source fails before any data arrived.
  session_outcome run();

 private:
  [[nodiscard]] double now_s() const;
  [[nodiscard]] double active_s(double now) const;
  void on_rr(const drivers::rr_reading& r);
  void on_samples(const drivers::sample_block& b);
  void on_status(const drivers::source_status& s);
  void on_snapshot(const engine::metric_snapshot& s);
  void ensure_engine(engine::input_kind kind, double rate_hz);
  void tick();
  void schedule_tick();
  void read_key();
  void on_key(char c);
  void enter(engine::session_phase p, double t);
  void start_pacing(double t);
  void change_rate(double delta);
  void finish(bool early);
  void render();
  void say(const std::string& line);
  void event(const std::string& type, const std::string& detail);
  void open_audio();
  void render_wav(double until_s);
  [[nodiscard]] double guide_cycles(double t) const;

  session_settings settings_;
  boost::asio::io_context io_;
  boost::asio::steady_timer timer_;
  boost::asio::signal_set signals_;
  std::optional<boost::asio::posix::stream_descriptor> keys_;
  char key_ = 0;
  raw_terminal terminal_;
  bool tty_ = false;

  opened_source source_;
  std::chrono::steady_clock::time_point wall_start_;
  std::optional<engine::session_pipeline> pipeline_;
  std::optional<engine::session_record_writer> record_;
  engine::input_kind kind_ = engine::input_kind::rr;
  std::int64_t ignored_other_kind_ = 0;
  double last_clock_s_ = 0.0;

  engine::session_plan plan_;
  engine::session_phase phase_ = engine::session_phase::settle;
  double phase_start_active_s_ = 0.0;
  double paused_total_s_ = 0.0;
  double paused_since_ = -1.0;
  bool paused_ = false;
  std::optional<engine::pacer> pacer_;
  double paced_start_s_ = -1.0;

  engine::session_summarizer summarizer_;
  engine::feedback_score feedback_;
  engine::resonance_assessment_config assessment_config_;
  std::optional<engine::resonance_assessment> assessment_;

  std::unique_ptr<engine::breath_synth> synth_;
  std::unique_ptr<drivers::audio_renderer> renderer_;
  std::unique_ptr<drivers::audio_output> audio_;
  std::unique_ptr<drivers::wav_writer> wav_;
  std::vector<float> wav_buf_;
  bool muted_ = false;

  view_state view_;
  double last_trace_s_ = -1.0;
  double last_status_line_s_ = -1e9;
  bool have_hr_ = false;
  bool signal_lost_ = false;
  bool finished_ = false;
  bool quit_early_ = false;
  bool source_failed_ = false;
  bool connecting_ = true;
  std::string failure_;
  double end_s_ = 0.0;
  std::string started_utc_;
};

}  // namespace resonant::apps
