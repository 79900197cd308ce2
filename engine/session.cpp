#include "session.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <utility>

namespace resonant::engine {
namespace {

std::string rate_text(double bpm) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "rate %.1f/min", bpm);
  return buf;
}

constexpr double clean_min_rr_ms = 300.0;
constexpr double clean_max_rr_ms = 2000.0;
// How long after the link came back a data-based loss is taken for the same gap: the engine's
// latency (artefact look-ahead, clock margin) plus the feedback score's window.
constexpr double link_echo_s = 15.0;
// A tick on time announces up to one tick (50 ms live) after baseline_s - announce_lead_s.
constexpr double announce_slack_s = 0.1;

}  // namespace

session::session(session_config cfg, const session_clock& clock, session_listener& listener)
    : cfg_(std::move(cfg)), clock_(clock), out_(listener) {
  check_breath_pattern(cfg_.pattern);
  if (cfg_.settle_clean_beats < 1) throw std::invalid_argument("settle needs at least 1 beat");
  if (cfg_.assessment) {
    // Validates the config (throws) before anything runs.
    const resonance_assessment probe(cfg_.assessment_config, 0.0);
    cfg_.plan.baseline_s = 0.0;
    cfg_.plan.after_s = 0.0;
    cfg_.plan.paced_s = probe.duration_s();
    cfg_.pattern.rate_bpm = cfg_.assessment_config.rates_bpm.front();
  }
}

double session::active_s(double now) const noexcept {
  const double paused = paused_ ? paused_total_s_ + (now - paused_since_) : paused_total_s_;
  return now - paused;
}

double session::phase_length_s(session_phase p) const noexcept {
  switch (p) {
    case session_phase::settle:
      return cfg_.plan.settle_s;
    case session_phase::baseline:
      return cfg_.plan.baseline_s;
    case session_phase::paced:
      return cfg_.plan.paced_s;
    case session_phase::after:
      return cfg_.plan.after_s;
    case session_phase::done:
    case session_phase::paused:
      return 0.0;
  }
  return 0.0;
}

double session::phase_left_s() const noexcept {
  return std::max(0.0, phase_length_s(phase_) - (active_s(clock_.now_s()) - phase_start_active_s_));
}

double session::session_left_s() const noexcept {
  double left = phase_left_s();
  bool later = false;
  for (const session_phase p : {session_phase::settle, session_phase::baseline,
                                session_phase::paced, session_phase::after}) {
    if (later) left += phase_length_s(p);
    if (p == phase_) later = true;
  }
  return left;
}

double session::guide_cycles(double t) const {
  if (pacer_ && t >= paced_start_s_) {
    if (paced_end_s_ < 0.0 || t < paced_end_s_) return pacer_->cycles_at(t);
    // After pacing the subject breathes naturally on from where the pacer left it.
    return paced_end_cycles_ + (t - paced_end_s_) * cfg_.natural_breathing_bpm / 60.0;
  }
  return t * cfg_.natural_breathing_bpm / 60.0;
}

void session::event(std::string_view type, std::string_view detail) {
  event_at(clock_.now_s(), type, detail);
}

// Events that mark a boundary the summary also uses carry that boundary's own time, so a
// replay of the record cuts the phases where the live session cut them.
void session::event_at(double t, std::string_view type, std::string_view detail) {
  out_.event(t, type, detail);
}

void session::note(std::string_view type, std::string_view detail) {
  event(type, detail);
}

void session::start() {
  if (started_) return;
  started_ = true;
  summarizer_.enter(session_phase::settle, clock_.now_s());
  out_.phase_changed(session_phase::settle, clock_.now_s());
}

void session::ensure_engine(input_kind kind, double rate_hz) {
  if (pipeline_) return;
  kind_ = kind;
  pipeline_config pc;
  pc.kind = kind;
  pc.rate_hz = rate_hz;
  pipeline_.emplace(pc, [this](const metric_snapshot& s) { on_snapshot(s); });
  out_.engine_started(*pipeline_);
  out_.event(0.0, "phase", to_string(phase_));
}

void session::count_clean(double rr_ms, bool after_gap) {
  const bool in_range =
      std::isfinite(rr_ms) && rr_ms >= clean_min_rr_ms && rr_ms <= clean_max_rr_ms;
  const bool steady = clean_run_ == 0 || std::abs(rr_ms - last_clean_rr_ms_) <=
                                             cfg_.clean_beat_change * last_clean_rr_ms_;
  if (!in_range || after_gap) {
    clean_run_ = in_range ? 1 : 0;  // a beat after a gap starts a new run
  } else if (!steady) {
    clean_run_ = 1;
  } else {
    ++clean_run_;
  }
  if (in_range) last_clean_rr_ms_ = rr_ms;
}

void session::on_rr(double end_s, double rr_ms, bool after_gap) {
  if (finished_) return;
  ensure_engine(input_kind::rr, 0.0);
  if (kind_ != input_kind::rr) {
    ++ignored_other_kind_;
    return;
  }
  out_.input_rr(dsp::rr_event{end_s, rr_ms, after_gap, dsp::rr_status::accepted});
  pipeline_->push_rr(end_s, rr_ms, after_gap);
  count_clean(rr_ms, after_gap);
}

void session::on_samples(input_kind kind, double rate_hz, std::int64_t first_sample,
                         std::span<const double> samples) {
  if (finished_) return;
  ensure_engine(kind, rate_hz);
  if (kind_ == input_kind::rr || kind != kind_) {
    ++ignored_other_kind_;
    return;
  }
  out_.input_samples(first_sample, samples);
  pipeline_->push_samples(first_sample, samples);
}

void session::set_signal_lost(bool lost, std::string_view why) {
  if (lost == signal_lost_) return;
  signal_lost_ = lost;
  if (lost) {
    summarizer_.on_signal_lost();
    clean_run_ = 0;
  }
  event("signal", std::string(lost ? "lost" : "found") + (why.empty() ? "" : " (") +
                      std::string(why) + (why.empty() ? "" : ")"));
  out_.signal_changed(lost);
}

void session::on_link(link_state s, std::string_view detail) {
  if (finished_) return;
  connecting_ = s == link_state::connecting;
  switch (s) {
    case link_state::lost:
      set_signal_lost(true, detail);
      break;
    case link_state::streaming:
      if (signal_lost_) link_found_s_ = clock_.now_s();
      set_signal_lost(false, "");
      data_loss_ = false;
      break;
    case link_state::failed:
      fail(detail.empty() ? std::string("source failed") : std::string(detail));
      break;
    case link_state::finished:
      finish(false);
      break;
    case link_state::connecting:
      break;
  }
}

void session::on_snapshot(const metric_snapshot& s) {
  summarizer_.on_snapshot(s);
  if (std::isfinite(s.hr_bpm)) have_hr_ = true;
  // Waveform input: the detector's intervals (after the artefact stage) make the clean run.
  if (kind_ != input_kind::rr && s.beat)
    count_clean(s.rr_ms, s.after_gap || s.rr_status != dsp::rr_status::accepted);
  if (assessment_ && s.beat && pacer_ && std::isfinite(s.rr_ms))
    assessment_->add_beat(dsp::rr_event{s.time_s, s.rr_ms, s.after_gap, s.rr_status}, *pacer_);
  if (phase_ == session_phase::paced && !paused_) {
    const feedback_update u = feedback_.update(s);
    out_.feedback(u);
    // The data itself can show a loss the link does not report (a strap that streams noise).
    // Snapshots trail the link by the engine's latency: a gap the link already reported (and
    // recovered from) shows in the data a few seconds later and is the same loss.
    const bool link_echo = clock_.now_s() - link_found_s_ < link_echo_s;
    if (u.signal_lost && !signal_lost_ && !link_echo) {
      set_signal_lost(true, "no clean beats");
      data_loss_ = true;
    }
    if (u.signal_found && signal_lost_ && data_loss_) {
      set_signal_lost(false, "");
      data_loss_ = false;
    }
    if (u.level_reached) event("feedback", "level " + std::to_string(u.level) + " held");
  }
  out_.snapshot(s);
}

void session::enter(session_phase p, double t) {
  phase_ = p;
  phase_start_active_s_ = active_s(t);
  summarizer_.enter(p, t);
  event_at(t, "phase", to_string(p));
  out_.phase_changed(p, t);
}

void session::start_pacing(double t) {
  if (cfg_.assessment) assessment_.emplace(cfg_.assessment_config, t);
  pacer_.emplace(cfg_.pattern, t);
  paced_start_s_ = t;
  if (!std::isfinite(first_cue_s_)) first_cue_s_ = t;
  const auto base = summarizer_.baseline_so_far(t);
  feedback_.set_baseline(base.rsa_bpm, base.coherence);
  event("pacer", rate_text(cfg_.pattern.rate_bpm));
  out_.pacer_changed(&*pacer_, true);
}

void session::stop_pacing(double t) {
  if (!pacer_) return;
  paced_end_s_ = t;
  paced_end_cycles_ = pacer_->cycles_at(t);
  out_.pacer_changed(&*pacer_, false);
}

void session::change_rate(double delta) {
  if (finished_ || cfg_.assessment) return;
  const double t = clock_.now_s();
  const double rate =
      std::clamp(std::round((cfg_.pattern.rate_bpm + delta) * 10.0) / 10.0, 3.0, 10.0);
  breath_pattern next = cfg_.pattern;
  next.rate_bpm = rate;
  try {
    check_breath_pattern(next);
  } catch (const std::invalid_argument&) {
    return;  // outside the safety envelope: the key does nothing
  }
  cfg_.pattern = next;
  event("pacer", rate_text(rate));
  if (pacer_ && paced_end_s_ < 0.0) {
    pacer_->set_rate(rate, t);
    out_.pacer_changed(&*pacer_, !paused_);
  }
}

void session::toggle_pause() {
  if (finished_) return;
  const double t = clock_.now_s();
  const bool cue_phase = pacer_ && paced_end_s_ < 0.0;
  if (!paused_) {
    paused_ = true;
    paused_since_ = t;
    summarizer_.enter(session_phase::paused, t);
    event_at(t, "session", "paused");
    out_.pause_changed(true);
    if (cue_phase) out_.pacer_changed(&*pacer_, false);
  } else {
    paused_ = false;
    paused_total_s_ += t - paused_since_;
    summarizer_.enter(phase_, t);
    event_at(t, "session", "resumed");
    out_.pause_changed(false);
    if (cue_phase) out_.pacer_changed(&*pacer_, true);
  }
}

void session::quit() {
  quit_early_ = true;
  finish(true);
}

void session::fail(std::string why) {
  failed_ = true;
  failure_ = std::move(why);
  finish(true);
}

void session::tick() {
  if (finished_ || !started_) return;
  const double t = clock_.now_s();
  const double a = active_s(t);

  if (!paused_) {
    const double in_phase = a - phase_start_active_s_;
    switch (phase_) {
      case session_phase::settle: {
        if (!pipeline_ && !connecting_ && in_phase >= cfg_.plan.settle_s + cfg_.no_data_timeout_s) {
          fail("no data");
          return;
        }
        const bool clean = clean_run_ >= cfg_.settle_clean_beats && !signal_lost_;
        const bool waited = in_phase >= cfg_.plan.settle_s && have_hr_;
        if (clean || waited) {
          if (cfg_.plan.baseline_s > 0.0) {
            enter(session_phase::baseline, t);
          } else {
            enter(session_phase::paced, t);
            start_pacing(t);
          }
        } else if (in_phase >= cfg_.plan.settle_s + cfg_.settle_max_extra_s) {
          fail("no usable heart signal after " + std::to_string(static_cast<int>(in_phase)) + " s");
          return;
        }
        break;
      }
      case session_phase::baseline:
        if (!announced_ && in_phase >= cfg_.plan.baseline_s - cfg_.announce_lead_s) {
          announced_ = true;
          announced_in_phase_s_ = in_phase;
          out_.phase_ahead(session_phase::paced, std::max(0.0, cfg_.plan.baseline_s - in_phase));
        }
        // The announcement always comes its lead before the cue, even when a late tick made it
        // late (a speeded-up session on a busy machine): then the baseline is that much longer.
        if (in_phase >= cfg_.plan.baseline_s &&
            in_phase - announced_in_phase_s_ >=
                std::min(cfg_.announce_lead_s, cfg_.plan.baseline_s) - announce_slack_s) {
          enter(session_phase::paced, t);
          start_pacing(t);
        }
        break;
      case session_phase::paced:
        if (assessment_ && pacer_) {
          const double rate = assessment_->rate_at(t);
          if (std::isfinite(rate) && std::abs(rate - cfg_.pattern.rate_bpm) > 1e-9) {
            cfg_.pattern.rate_bpm = rate;
            pacer_->set_rate(rate, t);
            event("pacer", rate_text(rate));
            out_.pacer_changed(&*pacer_, true);
          }
        }
        if (in_phase >= cfg_.plan.paced_s) {
          stop_pacing(t);
          if (cfg_.plan.after_s > 0.0) {
            enter(session_phase::after, t);
          } else {
            finish(false);
            return;
          }
        }
        break;
      case session_phase::after:
        if (in_phase >= cfg_.plan.after_s) {
          finish(false);
          return;
        }
        break;
      case session_phase::done:
      case session_phase::paused:
        break;
    }
  }

  // RR streams: the engine learns that time goes on once per second (and the record too).
  if (pipeline_ && kind_ == input_kind::rr) {
    const double known = std::floor(t - cfg_.clock_margin_s);
    if (known > last_clock_s_) {
      last_clock_s_ = known;
      out_.clock(known);
      pipeline_->advance_to(known);
    }
  }
}

void session::finish(bool early) {
  if (finished_) return;
  finished_ = true;
  end_s_ = clock_.now_s();
  quit_early_ = quit_early_ || early;
  if (pipeline_) {
    if (kind_ == input_kind::rr) out_.clock(end_s_);
    pipeline_->finish(end_s_);
  }
  if (phase_ != session_phase::done) summarizer_.enter(session_phase::done, end_s_);
  phase_ = session_phase::done;
  if (pipeline_) event_at(end_s_, "session", early ? "ended early" : "complete");
  final_ = compute_result();
  out_.concluded(*final_);
  out_.finished(early);
}

session_result session::result() const {
  return final_ ? *final_ : compute_result();
}

session_result session::compute_result() const {
  session_result r;
  const double end = finished_ ? end_s_ : clock_.now_s();
  r.summary =
      summarizer_.summarize(end, cfg_.plan.baseline_s + cfg_.plan.paced_s + cfg_.plan.after_s);
  r.summary.ended_early = r.summary.ended_early || quit_early_;
  if (assessment_) r.assessment = assessment_->result();
  r.rate_bpm = cfg_.pattern.rate_bpm;
  r.end_s = end;
  r.quit_early = quit_early_;
  r.failed = failed_;
  r.had_data = pipeline_.has_value();
  r.failure = failure_;
  r.first_cue_s = first_cue_s_;
  return r;
}

}  // namespace resonant::engine
