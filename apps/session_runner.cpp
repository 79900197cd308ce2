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

#include <boost/asio/read.hpp>

namespace resonant::apps {
namespace {

constexpr auto tick_period = std::chrono::milliseconds(50);
constexpr double natural_breathing_bpm = 13.0;  // the simulated subject before pacing
constexpr double settle_max_extra_s = 100.0;    // settle waits this long at most for a signal
// A source that has given no data at all and is not even connecting any more (a serial port
// that is not there, a strap that went away) ends the session this long after the settle time.
constexpr double no_data_timeout_s = 15.0;

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string rate_text(double bpm) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "rate %.1f/min", bpm);
  return buf;
}

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

}  // namespace

session_runner::session_runner(session_settings settings)
    : settings_(std::move(settings)),
      timer_(io_),
      signals_(io_, SIGINT, SIGTERM),
      tty_(terminal_.active()) {
  engine::check_breath_pattern(settings_.pattern);
  if (settings_.assessment) {
    engine::resonance_assessment_config ac;
    ac.step_s = settings_.step_minutes * 60.0;
    if (!(ac.step_s >= 30.0 && ac.step_s <= 600.0))
      throw std::invalid_argument("--step-minutes must be between 0.5 and 10");
    plan_.settle_s = settings_.settle_s;
    plan_.baseline_s = 0.0;
    plan_.paced_s = ac.step_s * static_cast<double>(ac.rates_bpm.size());
    settings_.pattern.rate_bpm = ac.rates_bpm.front();
    assessment_config_ = ac;
  } else {
    plan_ = engine::session_plan::for_minutes(settings_.minutes, settings_.settle_s);
  }
  source_context ctx;
  ctx.guide = [this](double t) { return guide_cycles(t); };
  source_ = open_source(settings_.source, io_, ctx);
  view_.source = source_.source->description();
  view_.rate_bpm = settings_.pattern.rate_bpm;
}

session_runner::~session_runner() {
  if (audio_) audio_->stop();
}

double session_runner::now_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start_).count() *
         source_.speed;
}

double session_runner::active_s(double now) const {
  const double paused = paused_ ? paused_total_s_ + (now - paused_since_) : paused_total_s_;
  return now - paused;
}

// The simulated subject breathes naturally until pacing starts, then follows the pacer.
double session_runner::guide_cycles(double t) const {
  if (pacer_ && t >= paced_start_s_) return pacer_->cycles_at(t);
  return t * natural_breathing_bpm / 60.0;
}

void session_runner::say(const std::string& line) {
  if (tty_) return;  // the screen shows it
  std::cout << line << '\n' << std::flush;
}

void session_runner::event(const std::string& type, const std::string& detail) {
  const double t = now_s();
  if (record_) record_->event(t, type, detail);
  say("[" + std::to_string(static_cast<long>(t)) + " s] " + type + ": " + detail);
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
    synth_.reset();
  }
}

// WAV output follows the session clock: the file holds exactly the sound of the session.
void session_runner::render_wav(double until_s) {
  if (!wav_ || !synth_) return;
  const double fs = synth_->config().sample_rate_hz;
  const auto target = static_cast<std::int64_t>(until_s * fs);
  const auto ch = static_cast<std::size_t>(synth_->config().channels);
  while (synth_->frames_rendered() < target) {
    const auto frames =
        static_cast<std::size_t>(std::min<std::int64_t>(1024, target - synth_->frames_rendered()));
    std::span<float> buf(wav_buf_.data(), frames * ch);
    synth_->render(buf, frames);
    wav_->write(buf);
  }
}

void session_runner::ensure_engine(engine::input_kind kind, double rate_hz) {
  if (pipeline_) return;
  kind_ = kind;
  engine::pipeline_config cfg;
  cfg.kind = kind;
  cfg.rate_hz = rate_hz;
  pipeline_.emplace(cfg, [this](const engine::metric_snapshot& s) { on_snapshot(s); });

  engine::record_header h;
  h.software = std::string("resonant ") + RESONANT_VERSION_STRING;
  h.started_utc = started_utc_;
  h.device = source_.source->description();
  h.input_kind = engine::to_string(kind);
  h.rate_hz = rate_hz;
  h.units = kind == engine::input_kind::rr ? "ms" : "device units";
  auto& p = h.parameters;
  p["session"] = {{"mode", settings_.assessment ? "assessment" : "session"},
                  {"settle_s", plan_.settle_s},
                  {"baseline_s", plan_.baseline_s},
                  {"paced_s", plan_.paced_s},
                  {"speed", source_.speed}};
  p["pacer"] = {{"rate_bpm", settings_.pattern.rate_bpm},
                {"inhale_fraction", settings_.pattern.inhale_fraction},
                {"hold_in_s", settings_.pattern.hold_in_s},
                {"hold_out_s", settings_.pattern.hold_out_s}};
  p["engine"] = {{"tick_s", cfg.monitor.tick_s},
                 {"first_tick_s", cfg.monitor.first_tick_s},
                 {"latency_s", pipeline_->latency_s()},
                 {"artefact_lookahead_beats", pipeline_->monitor().latency_beats()}};
  record_.emplace(settings_.record_path, h);
  record_->event(0.0, "phase", engine::to_string(phase_));
}

void session_runner::on_rr(const drivers::rr_reading& r) {
  ensure_engine(engine::input_kind::rr, 0.0);
  if (kind_ != engine::input_kind::rr) {
    ++ignored_other_kind_;
    return;
  }
  record_->rr(r.end_s, r.rr_ms, r.after_gap);
  pipeline_->push_rr(r.end_s, r.rr_ms, r.after_gap);
}

void session_runner::on_samples(const drivers::sample_block& b) {
  ensure_engine(
      b.kind == drivers::signal_kind::ppg ? engine::input_kind::ppg : engine::input_kind::ecg,
      b.rate_hz);
  if (kind_ == engine::input_kind::rr) {
    ++ignored_other_kind_;
    return;
  }
  record_->samples(b.first_sample, b.samples);
  pipeline_->push_samples(b.first_sample, b.samples);
}

void session_runner::on_status(const drivers::source_status& s) {
  connecting_ = s.state == drivers::source_state::connecting;
  view_.status = state_words(s.state);
  if (!s.detail.empty() && s.state != drivers::source_state::streaming)
    view_.status += " - " + s.detail;
  event("source", std::string(state_words(s.state)) + (s.detail.empty() ? "" : ": " + s.detail));
  switch (s.state) {
    case drivers::source_state::contact_lost:
    case drivers::source_state::disconnected:
    case drivers::source_state::reconnecting:
      if (!signal_lost_) {
        signal_lost_ = true;
        summarizer_.on_signal_lost();
        if (synth_) synth_->set_signal_lost(true);
      }
      view_.signal_ok = false;
      break;
    case drivers::source_state::streaming:
      if (signal_lost_) {
        signal_lost_ = false;
        if (synth_) synth_->set_signal_lost(false);
      }
      break;
    case drivers::source_state::failed:
      source_failed_ = true;
      failure_ = s.detail.empty() ? std::string("source failed") : s.detail;
      finish(true);
      break;
    case drivers::source_state::finished:
      finish(false);
      break;
    case drivers::source_state::connecting:
      break;
  }
}

void session_runner::on_snapshot(const engine::metric_snapshot& s) {
  summarizer_.on_snapshot(s);
  view_.metrics = s;
  if (std::isfinite(s.hr_bpm)) {
    have_hr_ = true;
    if (!signal_lost_) view_.signal_ok = true;
    if (s.time_s >= last_trace_s_ + 1.0) {
      view_.hr_trace.push_back(s.hr_bpm);
      if (view_.hr_trace.size() > 120) view_.hr_trace.erase(view_.hr_trace.begin());
      last_trace_s_ = s.time_s;
    }
  }
  if (assessment_ && s.beat && pacer_ && std::isfinite(s.rr_ms))
    assessment_->add_beat(dsp::rr_event{s.time_s, s.rr_ms, false, dsp::rr_status::accepted},
                          *pacer_);
  if (phase_ == engine::session_phase::paced) {
    const engine::feedback_update u = feedback_.update(s);
    if (synth_) synth_->apply(u);
    if (u.signal_lost) event("signal", "lost");
    if (u.signal_found) event("signal", "found");
    if (u.level_reached) event("feedback", "level " + std::to_string(u.level) + " held");
  }
}

void session_runner::enter(engine::session_phase p, double t) {
  phase_ = p;
  phase_start_active_s_ = active_s(t);
  summarizer_.enter(p, t);
  event("phase", engine::to_string(p));
}

void session_runner::start_pacing(double t) {
  if (settings_.assessment) assessment_.emplace(assessment_config_, t);
  pacer_.emplace(settings_.pattern, t);
  paced_start_s_ = t;
  const auto base = summarizer_.baseline_so_far(t);
  feedback_.set_baseline(base.rsa_bpm, base.coherence);
  if (synth_) {
    // The synthesiser's clock is its frame counter, which started with the session.
    synth_->set_pacer(*pacer_);
    synth_->set_cue_enabled(true);
  }
  event("pacer", rate_text(settings_.pattern.rate_bpm));
}

void session_runner::change_rate(double delta) {
  const double t = now_s();
  const double rate =
      std::clamp(std::round((settings_.pattern.rate_bpm + delta) * 10.0) / 10.0, 3.0, 10.0);
  engine::breath_pattern next = settings_.pattern;
  next.rate_bpm = rate;
  try {
    engine::check_breath_pattern(next);
  } catch (const std::invalid_argument&) {
    return;  // outside the safety envelope: the key does nothing
  }
  settings_.pattern = next;
  view_.rate_bpm = rate;
  if (pacer_) {
    pacer_->set_rate(rate, t);
    if (synth_) synth_->set_pacer(*pacer_);
  }
  event("pacer", rate_text(rate));
}

void session_runner::on_key(char c) {
  switch (c) {
    case 'q':
    case 'Q':
      quit_early_ = true;
      finish(true);
      break;
    case '+':
    case '=':
      if (!settings_.assessment) change_rate(0.1);
      break;
    case '-':
    case '_':
      if (!settings_.assessment) change_rate(-0.1);
      break;
    case 'm':
    case 'M':
      muted_ = !muted_;
      view_.muted = muted_;
      if (synth_) synth_->set_volume(muted_ ? 0.0 : settings_.volume);
      event("audio", muted_ ? "muted" : "unmuted");
      break;
    case ' ': {
      const double t = now_s();
      if (!paused_) {
        paused_ = true;
        paused_since_ = t;
        summarizer_.enter(engine::session_phase::paused, t);
        if (synth_) synth_->set_cue_enabled(false);
        event("session", "paused");
      } else {
        paused_ = false;
        paused_total_s_ += t - paused_since_;
        summarizer_.enter(phase_, t);
        if (synth_ && pacer_) synth_->set_cue_enabled(true);
        event("session", "resumed");
      }
      view_.paused = paused_;
      break;
    }
    default:
      break;
  }
}

void session_runner::read_key() {
  if (!keys_) return;
  keys_->async_read_some(boost::asio::buffer(&key_, 1),
                         [this](const boost::system::error_code& ec, std::size_t n) {
                           if (ec || finished_) return;
                           if (n == 1) on_key(key_);
                           read_key();
                         });
}

void session_runner::tick() {
  if (finished_) return;
  const double t = now_s();
  const double a = active_s(t);

  // Phases run on active (unpaused) session time.
  if (!paused_) {
    const double in_phase = a - phase_start_active_s_;
    switch (phase_) {
      case engine::session_phase::settle:
        if (!pipeline_ && !connecting_ && in_phase >= plan_.settle_s + no_data_timeout_s) {
          failure_ = "no data (" + view_.status + ")";
          source_failed_ = true;
          finish(true);
          return;
        }
        if ((in_phase >= plan_.settle_s && have_hr_) ||
            in_phase >= plan_.settle_s + settle_max_extra_s) {
          if (!have_hr_) {
            failure_ = "no usable heart signal from " + view_.source + " after " +
                       std::to_string(static_cast<int>(in_phase)) + " s";
            source_failed_ = true;
            finish(true);
            return;
          }
          if (plan_.baseline_s > 0.0) {
            enter(engine::session_phase::baseline, t);
          } else {
            enter(engine::session_phase::paced, t);
            start_pacing(t);
          }
        }
        break;
      case engine::session_phase::baseline:
        if (in_phase >= plan_.baseline_s) {
          enter(engine::session_phase::paced, t);
          start_pacing(t);
        }
        break;
      case engine::session_phase::paced:
        if (assessment_ && pacer_) {
          const double rate = assessment_->rate_at(t);
          if (std::isfinite(rate) && std::abs(rate - settings_.pattern.rate_bpm) > 1e-9) {
            settings_.pattern.rate_bpm = rate;
            view_.rate_bpm = rate;
            pacer_->set_rate(rate, t);
            if (synth_) synth_->set_pacer(*pacer_);
            event("pacer", rate_text(rate));
          }
        }
        if (in_phase >= plan_.paced_s) {
          finish(false);
          return;
        }
        break;
      case engine::session_phase::done:
      case engine::session_phase::paused:
        break;
    }
  }

  // RR streams: the engine learns that time goes on once per second (and the record too).
  if (pipeline_ && kind_ == engine::input_kind::rr) {
    const double margin = std::max(3.0, 0.1 * source_.speed);
    const double known = std::floor(t - margin);
    if (known > last_clock_s_) {
      last_clock_s_ = known;
      record_->clock(known);
      pipeline_->advance_to(known);
    }
  }
  render_wav(t);

  // View.
  view_.phase = phase_;
  view_.stream_s = t;
  const double phase_len = phase_ == engine::session_phase::settle     ? plan_.settle_s
                           : phase_ == engine::session_phase::baseline ? plan_.baseline_s
                                                                       : plan_.paced_s;
  view_.phase_left_s = std::max(0.0, phase_len - (a - phase_start_active_s_));
  double left = view_.phase_left_s;
  if (phase_ == engine::session_phase::settle) left += plan_.baseline_s + plan_.paced_s;
  if (phase_ == engine::session_phase::baseline) left += plan_.paced_s;
  view_.session_left_s = left;
  view_.pacing = pacer_.has_value() && !paused_;
  if (pacer_) {
    const engine::pacer_state ps = pacer_->at(t);
    view_.inhale =
        ps.phase == engine::breath_phase::inhale || ps.phase == engine::breath_phase::hold_in;
    view_.breath_fraction = ps.phase == engine::breath_phase::inhale    ? ps.progress
                            : ps.phase == engine::breath_phase::exhale  ? ps.progress
                            : ps.phase == engine::breath_phase::hold_in ? 1.0
                                                                        : 0.0;
  }
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

void session_runner::finish(bool early) {
  if (finished_) return;
  finished_ = true;
  end_s_ = now_s();
  quit_early_ = quit_early_ || early;
  source_.source->stop();
  timer_.cancel();
  signals_.cancel();
  if (keys_) keys_->cancel();
  if (pipeline_) {
    if (kind_ == engine::input_kind::rr) record_->clock(end_s_);
    pipeline_->finish(end_s_);
  }
  if (record_) {
    record_->event(end_s_, "session", early ? "ended early" : "complete");
    record_->sync();
  }
  render_wav(end_s_);
  if (synth_) synth_->stop();
  io_.stop();
}

session_outcome session_runner::run() {
  started_utc_ = utc_now();
  open_audio();
  if (tty_) {
    // Key-by-key input through asio on a duplicate of stdin; the alternate screen keeps the
    // user's scrollback clean and the summary is printed after leaving it.
    keys_.emplace(io_, ::dup(STDIN_FILENO));
    read_key();
    std::cout << "\033[?1049h\033[?25l" << std::flush;
  }
  signals_.async_wait([this](const boost::system::error_code& ec, int) {
    if (!ec) {
      quit_early_ = true;
      finish(true);
    }
  });
  wall_start_ = std::chrono::steady_clock::now();
  summarizer_.enter(engine::session_phase::settle, 0.0);
  say("session: " + view_.source + ", settling for " +
      std::to_string(static_cast<int>(plan_.settle_s)) + " s");
  source_.source->start({[this](const drivers::rr_reading& r) { on_rr(r); },
                         [this](const drivers::sample_block& b) { on_samples(b); },
                         [this](const drivers::source_status& s) { on_status(s); }});
  schedule_tick();
  io_.run();
  if (tty_) std::cout << "\033[?25h\033[?1049l" << std::flush;
  if (audio_) audio_->stop();
  if (wav_) wav_->close();

  if (source_failed_ && !pipeline_)
    throw std::system_error(
        std::make_error_code(std::errc::no_such_device),
        view_.source + ": " + failure_ + ". Choose a source with " + source_kinds_help());
  session_outcome out;
  out.summary = summarizer_.summarize(end_s_, plan_.baseline_s + plan_.paced_s);
  out.summary.ended_early = out.summary.ended_early || quit_early_;
  if (assessment_) out.assessment = assessment_->result();
  out.record_path = settings_.record_path;
  out.source = view_.source;
  out.started_utc = started_utc_;
  out.rate_bpm = settings_.pattern.rate_bpm;
  out.quit_early = quit_early_;
  if (!pipeline_) out.record_path.clear();
  if (source_failed_) std::cerr << "resonant: " << view_.source << ": " << failure_ << '\n';
  return out;
}

}  // namespace resonant::apps
