#include "session_runner.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <boost/asio/read.hpp>

#include "apps/record_index.hpp"

namespace resonant::apps {
namespace {

constexpr auto tick_period = std::chrono::milliseconds(50);
constexpr auto wav_budget = std::chrono::milliseconds(20);

std::size_t terminal_width() {
  winsize ws{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

const char* state_words(drivers::source_state s) {
  switch (s) {
    case drivers::source_state::connecting:
      return "connecting";
    case drivers::source_state::streaming:
      return "streaming";
    case drivers::source_state::contact_lost:
      return "signal lost (no skin contact)";
    case drivers::source_state::disconnected:
      return "disconnected";
    case drivers::source_state::reconnecting:
      return "reconnecting";
    case drivers::source_state::finished:
      return "recording ended";
    case drivers::source_state::failed:
      return "failed";
  }
  return "";
}

engine::link_state link_of(drivers::source_state s) {
  switch (s) {
    case drivers::source_state::connecting:
      return engine::link_state::connecting;
    case drivers::source_state::streaming:
      return engine::link_state::streaming;
    case drivers::source_state::contact_lost:
    case drivers::source_state::disconnected:
    case drivers::source_state::reconnecting:
      return engine::link_state::lost;
    case drivers::source_state::finished:
      return engine::link_state::finished;
    case drivers::source_state::failed:
      return engine::link_state::failed;
  }
  return engine::link_state::failed;
}

}  // namespace

session_runner::session_runner(session_settings settings)
    : settings_(std::move(settings)),
      timer_(io_),
      signals_(io_, SIGINT, SIGTERM),
      tty_(terminal_.active()) {
  engine::check_breath_pattern(settings_.pattern);
  engine::session_config cfg;
  cfg.pattern = settings_.pattern;
  if (settings_.assessment) {
    engine::resonance_assessment_config ac;
    ac.step_s = settings_.step_minutes * 60.0;
    if (!(ac.step_s >= 30.0 && ac.step_s <= 600.0))
      throw std::invalid_argument("--step-minutes must be between 0.5 and 10");
    cfg.assessment = true;
    cfg.assessment_config = ac;
    cfg.plan.settle_s = settings_.settle_s;
  } else {
    cfg.plan =
        engine::session_plan::for_minutes(settings_.minutes, settings_.settle_s, settings_.after_s);
  }
  source_context ctx;
  ctx.guide = [this](double t) { return session_ ? session_->guide_cycles(t) : t * 13.0 / 60.0; };
  source_ = open_source(settings_.source, io_, ctx);
  // A speeded-up source delivers in bursts (a 50 ms wall tick is 0.05 x speed seconds of data):
  // the engine's clock stays behind the data by more than one burst.
  cfg.clock_margin_s = std::max(3.0, 0.1 * source_.speed);
  clock_.emplace(source_.speed);
  session_.emplace(cfg, *clock_, static_cast<engine::session_listener&>(*this));
  settings_.pattern = session_->config().pattern;
  view_.source = source_.source->description();
  view_.rate_bpm = settings_.pattern.rate_bpm;
}

session_runner::~session_runner() {
  if (audio_) audio_->stop();
}

void session_runner::say(const std::string& line) {
  if (tty_) return;  // the screen shows it
  std::cout << line << '\n' << std::flush;
}

void session_runner::event(double t, std::string_view type, std::string_view detail) {
  if (record_) record_->event(t, type, detail);
  if (live_) live_->event(t, type, detail);
  say("[" + std::to_string(static_cast<long>(t)) + " s] " + std::string(type) + ": " +
      std::string(detail));
  check_record();
}

void session_runner::check_record() {
  if (!record_ || !record_->recording_stopped() || !record_stopped_.empty()) return;
  char at[48];
  std::snprintf(at, sizeof at, " at %.0f s", record_->recorded_s());
  recording_stopped(std::generic_category().message(record_->error()) + at);
}

void session_runner::recording_stopped(const std::string& why) {
  record_stopped_ = why;
  view_.recording_stopped = why;
  // Said at once, whatever the screen: stderr is not the alternate screen's scrollback.
  std::cerr << "resonant: recording stopped: " << why << " (" << settings_.record_path.string()
            << "); the session goes on, unrecorded from here\n"
            << std::flush;
  // A session event like any other (the record cannot take it any more): listeners that
  // give feedback, such as the sound, hear of it here.
  session_->note("record", "stopped: " + why);
}

void session_runner::open_audio() {
  const drivers::audio_spec spec =
      drivers::resolve_audio_spec(settings_.audio, settings_.audio_device);
  if (spec.kind == drivers::audio_sink_kind::off) return;
  if (spec.kind == drivers::audio_sink_kind::device && source_.speed != 1.0) {
    std::cerr << "resonant: sound needs a real-time source (speed 1); continuing silently\n";
    return;
  }
  engine::synth_config sc;
  sc.volume = settings_.volume;
  sc.mode = settings_.quiet ? engine::feedback_mode::quiet : engine::feedback_mode::continuous;
  synth_ = std::make_unique<engine::breath_synth>(sc, engine::pacer(settings_.pattern, 0.0));
  synth_->set_cue_enabled(false);
  sound_.emplace(*synth_);
  if (spec.kind == drivers::audio_sink_kind::wav) {
    wav_ = std::make_unique<drivers::wav_writer>(spec.wav_path, sc.sample_rate_hz, sc.channels);
    wav_buf_.resize(static_cast<std::size_t>(1024 * sc.channels));
    view_.audio = true;
    return;
  }
  renderer_ = std::make_unique<drivers::render_adapter<engine::breath_synth>>(*synth_);
  try {
    drivers::audio_output_config ac;
    ac.device = spec.device;
    ac.sample_rate_hz = sc.sample_rate_hz;
    ac.channels = sc.channels;
    audio_ = std::make_unique<drivers::audio_output>(ac, *renderer_);
    view_.audio = true;
  } catch (const std::exception& e) {
    // Missing or busy sound device: say so once and go on silently.
    std::cerr << "resonant: no sound (" << e.what() << "); continuing silently\n";
    audio_.reset();
    renderer_.reset();
    sound_.reset();
    synth_.reset();
  }
}

// WAV output follows the session clock: the file holds exactly the sound of the session, each
// sound at the session time it was asked for. The session's sound notifications are queued
// with their time (to_sound); render_wav plays them when the file reaches that time. A tick
// renders at most wav_budget of wall time, so that minutes of sound of a speeded-up session do
// not hold up the session's ticks: the file may lag behind and catches up at the end.
void session_runner::to_sound(std::function<void(engine::session_sound&)> action) {
  if (!sound_) return;
  if (!wav_) {
    action(*sound_);  // a device: heard from its next buffer
    return;
  }
  pending_sound_.push_back({session_->now_s(), std::move(action)});
}

void session_runner::render_wav(double until_s, std::chrono::steady_clock::duration budget) {
  if (!wav_ || !synth_) return;
  const double fs = synth_->config().sample_rate_hz;
  const auto ch = static_cast<std::size_t>(synth_->config().channels);
  const auto give_up = std::chrono::steady_clock::now() + budget;
  const auto target = static_cast<std::int64_t>(until_s * fs);
  while (true) {
    // Sounds due by now are applied before the next block.
    const std::int64_t now = synth_->frames_rendered();
    while (!pending_sound_.empty() &&
           static_cast<std::int64_t>(pending_sound_.front().t_s * fs) <= now) {
      pending_sound_.front().action(*sound_);
      pending_sound_.pop_front();
    }
    std::int64_t stop_at = target;
    if (!pending_sound_.empty())
      stop_at = std::min(
          stop_at, std::max(now + 1, static_cast<std::int64_t>(pending_sound_.front().t_s * fs)));
    if (now >= stop_at) break;
    const auto frames = static_cast<std::size_t>(std::min<std::int64_t>(1024, stop_at - now));
    std::span<float> buf(wav_buf_.data(), frames * ch);
    synth_->render(buf, frames);
    wav_->write(buf);
    if (std::chrono::steady_clock::now() >= give_up) break;
  }
}

void session_runner::engine_started(const engine::session_pipeline& pipeline) {
  const engine::session_config& sc = session_->config();
  const engine::pipeline_config& cfg = pipeline.config();
  engine::record_header h;
  h.software = std::string("resonant ") + RESONANT_VERSION_STRING;
  h.started_utc = started_utc_;
  h.device = source_.source->description();
  h.input_kind = cfg.kind;
  h.rate_hz = cfg.rate_hz;
  h.units = cfg.kind == dsp::input_kind::rr ? "ms" : "device units";
  auto& p = h.parameters;
  p["session"] = {{"mode", settings_.assessment ? "assessment" : "session"},
                  {"settle_s", sc.plan.settle_s},
                  {"settle_clean_beats", sc.settle_clean_beats},
                  {"baseline_s", sc.plan.baseline_s},
                  {"paced_s", sc.plan.paced_s},
                  {"after_s", sc.plan.after_s},
                  {"speed", source_.speed}};
  p["pacer"] = {{"rate_bpm", sc.pattern.rate_bpm},
                {"inhale_fraction", sc.pattern.inhale_fraction},
                {"hold_in_s", sc.pattern.hold_in_s},
                {"hold_out_s", sc.pattern.hold_out_s}};
  p["engine"] = {{"tick_s", cfg.monitor.tick_s},
                 {"first_tick_s", cfg.monitor.first_tick_s},
                 {"latency_s", pipeline.latency_s()},
                 {"artefact_lookahead_beats", pipeline.monitor().latency_beats()}};
  try {
    record_.emplace(settings_.record_path, h);
  } catch (const std::system_error& e) {
    // Not even the header fits: the session goes on without a record.
    record_.reset();
    recording_stopped(e.code().message() + " at the start, nothing recorded");
  }
}

void session_runner::input_rr(const dsp::rr_event& e) {
  if (!record_) return;
  record_->rr(e.end_s, e.rr_ms, e.after_gap);
  check_record();
}

void session_runner::input_samples(std::int64_t first, std::span<const double> samples) {
  if (!record_) return;
  record_->samples(first, samples);
  check_record();
}

void session_runner::clock(double t_s) {
  if (!record_) return;
  record_->clock(t_s);
  check_record();
}

// The sound follows the session's notifications through engine::session_sound. The
// synthesiser's clock is its frame counter, which started with the session.
void session_runner::phase_changed(engine::session_phase p, double t_s) {
  to_sound([p, t_s](engine::session_sound& s) { s.phase_changed(p, t_s); });
}

void session_runner::phase_ahead(engine::session_phase next, double in_s) {
  to_sound([next, in_s](engine::session_sound& s) { s.phase_ahead(next, in_s); });
}

void session_runner::pause_changed(bool paused) {
  to_sound([paused](engine::session_sound& s) { s.pause_changed(paused); });
}

void session_runner::pacer_changed(const engine::pacer* p, bool cue_on) {
  if (p != nullptr) settings_.pattern.rate_bpm = session_->rate_bpm();
  view_.rate_bpm = session_->rate_bpm();
  if (p == nullptr) {
    to_sound([cue_on](engine::session_sound& s) { s.pacer_changed(nullptr, cue_on); });
  } else {
    to_sound([pacer = *p, cue_on](engine::session_sound& s) { s.pacer_changed(&pacer, cue_on); });
  }
}

void session_runner::signal_changed(bool lost) {
  to_sound([lost](engine::session_sound& s) { s.signal_changed(lost); });
  if (lost) view_.signal_ok = false;
}

void session_runner::feedback(const engine::feedback_update& u) {
  to_sound([u](engine::session_sound& s) { s.feedback(u); });
}

void session_runner::concluded(const engine::session_result& r) {
  to_sound([r](engine::session_sound& s) { s.concluded(r); });
}

// After the session: the end earcon rings out (at most 8 s), into the WAV file at once, on a
// device in real time.
void session_runner::let_sound_ring_out() {
  if (!synth_) return;
  const double fs = synth_->config().sample_rate_hz;
  const std::int64_t limit = synth_->frames_rendered() + static_cast<std::int64_t>(8.0 * fs);
  if (wav_) {
    const auto ch = static_cast<std::size_t>(synth_->config().channels);
    while (!synth_->finished() && synth_->frames_rendered() < limit) {
      std::span<float> buf(wav_buf_.data(), 1024 * ch);
      synth_->render(buf, 1024);
      wav_->write(buf);
    }
    return;
  }
  if (!audio_) return;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(8);
  while (!synth_->finished() && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

void session_runner::snapshot(const engine::metric_snapshot& s) {
  view_.metrics = s;
  if (live_) live_->snapshot(s);
  if (std::isfinite(s.hr_bpm)) {
    if (!session_->signal_lost()) view_.signal_ok = true;
    if (s.time_s >= last_trace_s_ + 1.0) {
      view_.hr_trace.push_back(s.hr_bpm);
      if (view_.hr_trace.size() > 120) view_.hr_trace.erase(view_.hr_trace.begin());
      last_trace_s_ = s.time_s;
    }
  }
}

void session_runner::finished(bool /*early*/) {
  if (stopped_) return;
  stopped_ = true;
  const double end = session_->now_s();
  source_.source->stop();
  timer_.cancel();
  signals_.cancel();
  if (keys_) keys_->cancel();
  if (record_) {
    record_->sync();
    check_record();
  }
  render_wav(end, std::chrono::hours(1));
  if (synth_) synth_->stop();
  io_.stop();
}

void session_runner::on_status(const drivers::source_status& s) {
  view_.status = state_words(s.state);
  if (!s.detail.empty() && s.state != drivers::source_state::streaming)
    view_.status += " - " + s.detail;
  session_->note("source",
                 std::string(state_words(s.state)) + (s.detail.empty() ? "" : ": " + s.detail));
  session_->on_link(link_of(s.state), s.detail);
}

void session_runner::on_key(char c) {
  switch (c) {
    case 'q':
    case 'Q':
      session_->quit();
      break;
    case '+':
    case '=':
      session_->change_rate(0.1);
      break;
    case '-':
    case '_':
      session_->change_rate(-0.1);
      break;
    case 'm':
    case 'M':
      muted_ = !muted_;
      view_.muted = muted_;
      if (synth_) synth_->set_volume(muted_ ? 0.0 : settings_.volume);
      session_->note("audio", muted_ ? "muted" : "unmuted");
      break;
    case ' ':
      session_->toggle_pause();
      view_.paused = session_->paused();
      break;
    default:
      break;
  }
}

void session_runner::read_key() {
  if (!keys_) return;
  keys_->async_read_some(boost::asio::buffer(&key_, 1),
                         [this](const boost::system::error_code& ec, std::size_t n) {
                           if (ec || stopped_) return;
                           if (n == 1) on_key(key_);
                           read_key();
                         });
}

void session_runner::update_view() {
  const double t = session_->now_s();
  view_.phase = session_->phase();
  view_.stream_s = t;
  view_.phase_left_s = session_->phase_left_s();
  view_.session_left_s = session_->session_left_s();
  const auto& pacer = session_->current_pacer();
  view_.pacing =
      pacer.has_value() && session_->phase() == engine::session_phase::paced && !session_->paused();
  if (view_.pacing) {
    const engine::pacer_state ps = pacer->at(t);
    if (live_) live_->pacer(t, ps);
    view_.inhale =
        ps.phase == engine::breath_phase::inhale || ps.phase == engine::breath_phase::hold_in;
    view_.breath_fraction = ps.phase == engine::breath_phase::inhale    ? ps.progress
                            : ps.phase == engine::breath_phase::exhale  ? ps.progress
                            : ps.phase == engine::breath_phase::hold_in ? 1.0
                                                                        : 0.0;
  }
}

void session_runner::tick() {
  if (stopped_) return;
  session_->tick();
  if (stopped_) return;
  render_wav(session_->now_s(), wav_budget);
  update_view();
  render();
  schedule_tick();
}

void session_runner::render() {
  if (tty_) {
    std::string out = "\033[H";
    for (const auto& line : render_screen(view_, terminal_width())) {
      out += line;
      out += "\033[K\r\n";
    }
    out += "\033[J";
    std::cout << out << std::flush;
    return;
  }
  if (view_.stream_s >= last_status_line_s_ + 10.0) {
    last_status_line_s_ = view_.stream_s;
    std::cout << render_status_line(view_) << '\n' << std::flush;
  }
}

void session_runner::schedule_tick() {
  timer_.expires_after(tick_period);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tick();
  });
}

session_outcome session_runner::run() {
  started_utc_ = utc_now("%Y-%m-%dT%H:%M:%SZ");
  live_.emplace(settings_.live);
  open_audio();
  if (tty_) {
    // Key-by-key input through asio on a duplicate of stdin; the alternate screen keeps the
    // user's scrollback clean and the summary is printed after leaving it.
    keys_.emplace(io_, ::dup(STDIN_FILENO));
    read_key();
    std::cout << "\033[?1049h\033[?25l" << std::flush;
  }
  signals_.async_wait([this](const boost::system::error_code& ec, int) {
    if (!ec) session_->quit();
  });
  clock_->start();
  say("session: " + view_.source + ", settling (at most " +
      std::to_string(static_cast<int>(session_->config().plan.settle_s)) + " s)");
  session_->start();
  source_.source->start(
      {[this](const drivers::rr_reading& r) { session_->on_rr(r.end_s, r.rr_ms, r.after_gap); },
       [this](const drivers::sample_block& b) {
         session_->on_samples(b.kind, b.rate_hz, b.first_sample, b.samples);
       },
       [this](const drivers::source_status& s) { on_status(s); }});
  schedule_tick();
  io_.run();
  if (tty_) std::cout << "\033[?25h\033[?1049l" << std::flush;
  let_sound_ring_out();
  if (audio_) audio_->stop();
  if (wav_) wav_->close();

  const engine::session_result res = session_->result();
  if (res.failed && !res.had_data)
    throw std::system_error(std::make_error_code(std::errc::no_such_device),
                            view_.source + ": " + res.failure + " (" + view_.status +
                                "). Choose a source with " + source_kinds_help());
  session_outcome out;
  out.summary = res.summary;
  out.assessment = res.assessment;
  out.record_path = settings_.record_path;
  out.source = view_.source;
  out.started_utc = started_utc_;
  out.rate_bpm = res.rate_bpm;
  out.quit_early = res.quit_early;
  out.first_cue_s = res.first_cue_s;
  out.record_stopped = record_stopped_;
  out.end_s = res.end_s;
  if (!res.had_data) {
    // No data, no record: the name reserved at the start goes.
    std::error_code ec;
    if (!record_) std::filesystem::remove(settings_.record_path, ec);
    out.record_path.clear();
  }
  if (res.failed) std::cerr << "resonant: " << view_.source << ": " << res.failure << '\n';
  return out;
}

}  // namespace resonant::apps
