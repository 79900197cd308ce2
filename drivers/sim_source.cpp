#include "drivers/sim_source.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include <boost/asio/post.hpp>

namespace resonant::drivers {
namespace {

constexpr std::chrono::milliseconds tick_period{20};
constexpr double max_sim_per_tick_s = 60.0;
constexpr std::size_t max_block = 1024;

[[noreturn]] void bad_spec(std::string_view spec, const std::string& what) {
  throw std::invalid_argument("simulated source \"" + std::string(spec) + "\": " + what);
}

double number(std::string_view spec, std::string_view key, std::string_view v, double lo,
              double hi) {
  double x = 0.0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc{} || end != v.data() + v.size() || !(x >= lo && x <= hi)) {
    bad_spec(spec, std::string(key) + "=" + std::string(v) + " is not a number in " +
                       std::to_string(lo) + ".." + std::to_string(hi));
  }
  return x;
}

// START+DURATION (seconds) of a dropout or a motion episode.
sim_dropout episode(std::string_view spec, std::string_view key, std::string_view v) {
  const auto plus = v.find('+');
  if (plus == std::string_view::npos) bad_spec(spec, std::string(key) + " must be START+DURATION");
  sim_dropout d;
  d.start_s = number(spec, std::string(key) + " start", v.substr(0, plus), 0.0, 1e9);
  d.duration_s = number(spec, std::string(key) + " duration", v.substr(plus + 1), 1e-3, 1e9);
  return d;
}

}  // namespace

sim_spec parse_sim_spec(std::string_view spec) {
  sim_spec s;
  if (spec == "sim") return s;
  if (!spec.starts_with("sim:")) bad_spec(spec, "does not start with sim");
  std::string_view rest = spec.substr(4);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string_view::npos)
      bad_spec(spec, "option \"" + std::string(item) + "\" has no =");
    const std::string_view key = item.substr(0, eq);
    const std::string_view v = item.substr(eq + 1);
    auto& sub = s.subject;
    if (key == "seed") {
      std::uint64_t seed = 0;
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), seed);
      if (ec != std::errc{} || end != v.data() + v.size()) bad_spec(spec, "seed is not a number");
      sub.seed = seed;
    } else if (key == "signal") {
      if (v == "rr") {
        s.waveform.reset();
      } else if (v == "ecg") {
        s.waveform = dsp::input_kind::ecg;
      } else if (v == "ppg") {
        s.waveform = dsp::input_kind::ppg;
      } else {
        bad_spec(spec, "signal=" + std::string(v) + " is not rr, ecg or ppg");
      }
    } else if (key == "rate") {
      s.rate_hz = number(spec, key, v, 50.0, 20000.0);
    } else if (key == "speed") {
      s.speed = number(spec, key, v, 1e-3, 1e6);
    } else if (key == "minutes") {
      s.minutes = number(spec, key, v, 0.0, 1e6);
    } else if (key == "hr") {
      sub.mean_hr_bpm = number(spec, key, v, 25.0, 200.0);
    } else if (key == "resonance") {
      sub.resonance_bpm = number(spec, key, v, 1.0, 20.0);
    } else if (key == "responder") {
      if (v != "yes" && v != "no") bad_spec(spec, "responder must be yes or no");
      sub.responder = v == "yes";
    } else if (key == "pace") {
      s.pace_bpm = number(spec, key, v, 1.0, 40.0);
    } else if (key == "breathing") {
      sub.spontaneous_bpm = number(spec, key, v, 2.0, 40.0);
    } else if (key == "compliance") {
      sub.compliance = number(spec, key, v, 0.0, 1.0);
    } else if (key == "lag") {
      sub.follow_lag_s = number(spec, key, v, 0.0, 10.0);
    } else if (key == "ectopic") {
      sub.ectopic_per_min = number(spec, key, v, 0.0, 30.0);
    } else if (key == "dropout") {
      sub.dropouts.push_back(episode(spec, key, v));
    } else if (key == "motion") {
      sub.motion.push_back(episode(spec, key, v));
    } else {
      bad_spec(spec, "unknown option \"" + std::string(key) +
                         "\" (seed, signal, rate, speed, minutes, hr, resonance, responder, pace, "
                         "breathing, compliance, lag, ectopic, dropout, motion)");
    }
  }
  return s;
}

sim_subject_config subject_config(const sim_spec& spec) {
  sim_subject_config c = spec.subject;
  if (!c.guide && spec.pace_bpm > 0.0) {
    const double cycles_per_s = spec.pace_bpm / 60.0;
    c.guide = [cycles_per_s](double t) { return t * cycles_per_s; };
  }
  return c;
}

sim_source::sim_source(boost::asio::io_context& io, sim_spec spec)
    : io_(io), spec_(std::move(spec)), timer_(io) {
  if (spec_.waveform) {
    sim_waveform_config w;
    w.kind = *spec_.waveform;
    w.rate_hz =
        spec_.rate_hz > 0.0 ? spec_.rate_hz : (w.kind == dsp::input_kind::ecg ? 250.0 : 100.0);
    spec_.rate_hz = w.rate_hz;
    waveform_.emplace(subject_config(spec_), w);
    block_.reserve(max_block);
  } else {
    subject_.emplace(subject_config(spec_));
  }
}

sim_source::~sim_source() {
  alive_.reset();
  timer_.cancel();
}

std::string sim_source::description() const {
  std::string d = "sim:seed=" + std::to_string(spec_.subject.seed) + ",signal=";
  d += !spec_.waveform ? "rr" : (*spec_.waveform == dsp::input_kind::ecg ? "ecg" : "ppg");
  return d;
}

void sim_source::start(source_handlers handlers) {
  if (started_) return;
  started_ = true;
  handlers_ = std::move(handlers);
  boost::asio::post(io_, [this, weak = std::weak_ptr<char>(alive_)] {
    if (weak.expired() || stopped_) return;
    handlers_.on_status(source_status{source_state::connecting, description()});
    set_state(source_state::streaming, description());
    start_ = std::chrono::steady_clock::now();
    next_tick_ = start_;
    tick();
  });
}

void sim_source::stop() {
  stopped_ = true;
  timer_.cancel();
}

void sim_source::set_state(source_state s, std::string detail) {
  if (stopped_ || s == state_) return;
  state_ = s;
  handlers_.on_status(source_status{s, std::move(detail)});
}

void sim_source::schedule() {
  next_tick_ += tick_period;
  timer_.expires_at(next_tick_);
  timer_.async_wait([this, weak = std::weak_ptr<char>(alive_)](const boost::system::error_code& e) {
    if (weak.expired() || stopped_ || e) return;
    tick();
  });
}

void sim_source::tick() {
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double target = std::min(wall * spec_.speed, sim_s_ + max_sim_per_tick_s);
  const double end = spec_.minutes * 60.0;
  if (spec_.minutes > 0.0) target = std::min(target, end);
  advance_to(target);
  if (stopped_) return;
  if (spec_.minutes > 0.0 && sim_s_ >= end) {
    finished_ = true;
    set_state(source_state::finished,
              description() + ": " + std::to_string(spec_.minutes) + " min simulated");
    return;
  }
  schedule();
}

void sim_source::advance_to(double sim_s) {
  const sim_subject& subject = waveform_ ? waveform_->subject() : *subject_;
  if (waveform_) {
    const double fs = spec_.rate_hz;
    const auto want = static_cast<std::int64_t>(std::floor(sim_s * fs));
    while (!stopped_ && waveform_->samples_generated() < want) {
      const std::int64_t first = waveform_->samples_generated();
      const double t = static_cast<double>(first) / fs;
      set_state(subject.in_dropout(t) ? source_state::contact_lost : source_state::streaming,
                description() + (subject.in_dropout(t) ? ": simulated dropout" : ""));
      // Up to the next dropout boundary, so the status changes where the signal does.
      std::int64_t n = std::min<std::int64_t>(want - first, static_cast<std::int64_t>(max_block));
      for (const auto& d : spec_.subject.dropouts) {
        for (const double edge : {d.start_s, d.start_s + d.duration_s}) {
          const auto k = static_cast<std::int64_t>(std::ceil(edge * fs));
          if (k > first && k < first + n) n = k - first;
        }
      }
      block_.resize(static_cast<std::size_t>(n));
      waveform_->generate(block_, keep_truth_ ? &truth_ : nullptr);
      sample_block b;
      b.kind = waveform_->config().kind;
      b.rate_hz = fs;
      b.first_sample = first;
      b.samples = block_;
      handlers_.on_samples(b);
    }
  } else {
    while (!stopped_) {
      if (!next_beat_) next_beat_ = subject_->next_beat();
      if (next_beat_->time_s > sim_s) break;
      const sim_beat b = *next_beat_;
      next_beat_.reset();
      if (keep_truth_) truth_.push_back(b);
      if (b.in_dropout) {
        set_state(source_state::contact_lost, description() + ": simulated dropout");
        gap_ = true;
        continue;
      }
      set_state(source_state::streaming, description());
      if (b.rr_ms <= 0.0) continue;  // the first beat ends no interval
      handlers_.on_rr(rr_reading{b.time_s, b.rr_ms, gap_});
      gap_ = false;
    }
    if (!stopped_) {
      set_state(subject.in_dropout(sim_s) ? source_state::contact_lost : source_state::streaming,
                description() + (subject.in_dropout(sim_s) ? ": simulated dropout" : ""));
    }
  }
  sim_s_ = sim_s;
}

}  // namespace resonant::drivers
