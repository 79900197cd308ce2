// engine::session in virtual time, in process: whole sessions on the simulated subject (or on
// hand-made RR streams) driven by a virtual_clock in 50 ms steps, as the live loop would drive
// it, but without waiting. Every phase transition, the keys (pause, +/-, quit), signal loss and
// reconnection, the end of a finite source, a failing source, the assessment, the recovery
// answer, and that RR events keep their gap flag on the way.
#include "engine/session.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "drivers/sim_subject.hpp"
#include "drivers/sim_waveform.hpp"

namespace {

using namespace resonant;
using engine::session_phase;

struct logged_event {
  double t_s;
  std::string type;
  std::string detail;
};

// Records everything the session says.
struct recorder final : engine::session_listener {
  std::vector<logged_event> events;
  std::vector<std::pair<session_phase, double>> phases;
  std::vector<std::pair<double, bool>> cues;  // (rate, cue on) at each pacer change
  std::vector<bool> signal;
  std::vector<dsp::rr_event> input;
  std::vector<engine::metric_snapshot> snapshots;
  std::vector<double> clocks;
  int engine_started_calls = 0;
  int finished_calls = 0;
  bool finished_early = false;

  void engine_started(const engine::session_pipeline& /*p*/) override { ++engine_started_calls; }
  void input_rr(const dsp::rr_event& e) override { input.push_back(e); }
  void clock(double t) override { clocks.push_back(t); }
  void event(double t, std::string_view type, std::string_view detail) override {
    events.push_back({t, std::string(type), std::string(detail)});
  }
  void phase_changed(session_phase p, double t) override { phases.emplace_back(p, t); }
  void pacer_changed(const engine::pacer* p, bool cue_on) override {
    cues.emplace_back(p != nullptr ? 60.0 / p->period_s() : 0.0, cue_on);
  }
  void signal_changed(bool lost) override { signal.push_back(lost); }
  void snapshot(const engine::metric_snapshot& s) override { snapshots.push_back(s); }
  void finished(bool early) override {
    ++finished_calls;
    finished_early = early;
  }

  [[nodiscard]] double phase_start(session_phase p) const {
    for (const auto& [q, t] : phases)
      if (q == p) return t;
    return NAN;
  }
  [[nodiscard]] bool has_event(const std::string& type, const std::string& detail) const {
    for (const auto& e : events)
      if (e.type == type && e.detail == detail) return true;
    return false;
  }
};

engine::session_config three_minutes(double after_s = 60.0) {
  engine::session_config c;
  c.plan = engine::session_plan::for_minutes(3.0, 20.0, after_s);
  return c;
}

// A session fed by the simulated subject (RR intervals, the sim source's rules: beats in a
// dropout are not delivered, the link says lost, the first interval after it has after_gap).
class sim_harness {
 public:
  sim_harness(engine::session_config cfg, drivers::sim_subject_config subject)
      : session_(std::move(cfg), clock_, rec_) {
    subject.guide = [this](double t) { return session_.guide_cycles(t); };
    subject_.emplace(std::move(subject));
    session_.start();
    session_.on_link(engine::link_state::connecting);
    session_.on_link(engine::link_state::streaming);
  }

  // Runs in 50 ms steps until t_end (session time) or the end of the session; `at` is called
  // once per step before the session's tick (keys, link events).
  void run_until(double t_end, const std::function<void(double)>& at = {}) {
    while (!session_.done() && clock_.now_s() < t_end - 1e-9) {
      const double t = clock_.now_s() + 0.05;
      deliver(t);
      clock_.advance_to(t);
      if (at) at(t);
      session_.tick();
    }
  }
  void run_to_end(const std::function<void(double)>& at = {}) { run_until(3600.0, at); }

  engine::session& session() { return session_; }
  recorder& rec() { return rec_; }
  engine::virtual_clock& clock() { return clock_; }

 private:
  void deliver(double t) {
    while (true) {
      if (!next_) next_ = subject_->next_beat();
      if (next_->time_s > t) break;
      const drivers::sim_beat b = *next_;
      next_.reset();
      if (b.in_dropout) {
        if (!lost_) session_.on_link(engine::link_state::lost, "simulated dropout");
        lost_ = true;
        gap_ = true;
        continue;
      }
      if (lost_) session_.on_link(engine::link_state::streaming);
      lost_ = false;
      if (b.rr_ms <= 0.0) continue;
      session_.on_rr(b.time_s, b.rr_ms, gap_);
      gap_ = false;
      if (session_.done()) return;
    }
  }

  engine::virtual_clock clock_;
  recorder rec_;
  engine::session session_;
  std::optional<drivers::sim_subject> subject_;
  std::optional<drivers::sim_beat> next_;
  bool gap_ = false;
  bool lost_ = false;
};

drivers::sim_subject_config subject(std::uint64_t seed, bool responder = true) {
  drivers::sim_subject_config c;
  c.seed = seed;
  c.responder = responder;
  return c;
}

TEST(session, a_three_minute_session_runs_every_phase_in_order_and_paces_within_70_s) {
  const auto wall = std::chrono::steady_clock::now();
  sim_harness h(three_minutes(), subject(3));
  h.run_to_end();
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count();
  const auto& r = h.rec();

  std::vector<session_phase> order;
  for (const auto& [p, t] : r.phases) order.push_back(p);
  EXPECT_EQ(order, (std::vector<session_phase>{session_phase::settle, session_phase::baseline,
                                               session_phase::paced, session_phase::after}));
  // Settle ends on 8 clean beats (~8 s at 65 bpm), long before its 20 s bound.
  const double baseline = r.phase_start(session_phase::baseline);
  EXPECT_GT(baseline, 6.0);
  EXPECT_LT(baseline, 10.0);
  EXPECT_NEAR(r.phase_start(session_phase::paced) - baseline, 60.0, 0.06);
  EXPECT_NEAR(r.phase_start(session_phase::after) - r.phase_start(session_phase::paced), 120.0,
              0.06);
  const engine::session_result res = h.session().result();
  EXPECT_NEAR(res.end_s - r.phase_start(session_phase::after), 60.0, 0.06);
  EXPECT_LE(res.first_cue_s, 70.0);
  std::printf("[ figure   ] command to first pacing cue: %.2f s of session time\n",
              res.first_cue_s);
  std::printf("[ figure   ] whole %.0f s session in %.3f s wall time\n", res.end_s, wall_s);

  // The cue sounds during pacing only; the session ended complete.
  ASSERT_EQ(r.cues.size(), 2U);
  EXPECT_TRUE(r.cues[0].second);
  EXPECT_FALSE(r.cues[1].second);
  EXPECT_EQ(r.finished_calls, 1);
  EXPECT_FALSE(r.finished_early);
  EXPECT_TRUE(r.has_event("session", "complete"));
  EXPECT_TRUE(r.has_event("phase", "after"));
  EXPECT_FALSE(res.summary.ended_early);
  EXPECT_EQ(res.summary.verdict, "responded");
  EXPECT_NEAR(res.summary.baseline.duration_s, 60.0, 0.1);
  EXPECT_NEAR(res.summary.paced.duration_s, 120.0, 0.1);
  EXPECT_NEAR(res.summary.after.duration_s, 60.0, 0.1);
  // RR streams: the engine's clock is told once per second, 3 s behind.
  ASSERT_FALSE(r.clocks.empty());
  EXPECT_NEAR(r.clocks[r.clocks.size() - 2], std::floor(res.end_s - 3.0), 1.0);
}

TEST(session, guide_breathes_naturally_then_follows_the_pacer_then_breathes_naturally_again) {
  sim_harness h(three_minutes(), subject(3));
  h.run_to_end();
  const auto& r = h.rec();
  const auto& s = h.session();
  const double paced = r.phase_start(session_phase::paced);
  const double after = r.phase_start(session_phase::after);
  const auto rate = [&](double t) { return (s.guide_cycles(t + 1.0) - s.guide_cycles(t)) * 60.0; };
  EXPECT_NEAR(rate(paced - 5.0), 13.0, 1e-6);
  EXPECT_NEAR(rate(paced + 20.0), 6.0, 1e-6);
  EXPECT_NEAR(rate(after + 5.0), 13.0, 1e-6);
  // No jump at either boundary.
  EXPECT_NEAR(s.guide_cycles(after + 1e-6) - s.guide_cycles(after - 1e-6), 0.0, 1e-3);
}

TEST(session, settle_waits_for_a_steady_rhythm_up_to_its_bound) {
  engine::virtual_clock clock;
  recorder rec;
  engine::session s(three_minutes(), clock, rec);
  s.start();
  s.on_link(engine::link_state::streaming);
  // Alternating 600 / 1000 ms: in range but never steady, so never 8 clean beats in a row.
  double t = 0.0;
  bool short_beat = true;
  while (clock.now_s() < 30.0) {
    const double next = clock.now_s() + 0.05;
    while (t + (short_beat ? 0.6 : 1.0) <= next) {
      t += short_beat ? 0.6 : 1.0;
      s.on_rr(t, short_beat ? 600.0 : 1000.0, false);
      short_beat = !short_beat;
    }
    clock.advance_to(next);
    s.tick();
  }
  EXPECT_LE(s.clean_beats(), 1);
  EXPECT_NEAR(rec.phase_start(session_phase::baseline), 20.0, 0.06);
}

TEST(session, a_gap_restarts_the_clean_beat_count) {
  engine::virtual_clock clock;
  recorder rec;
  engine::session s(three_minutes(), clock, rec);
  s.start();
  for (int k = 1; k <= 5; ++k) s.on_rr(k * 1.0, 1000.0, false);
  EXPECT_EQ(s.clean_beats(), 5);
  s.on_rr(8.0, 1000.0, true);
  EXPECT_EQ(s.clean_beats(), 1);
  s.on_rr(9.0, 3000.0, false);  // out of range
  EXPECT_EQ(s.clean_beats(), 0);
  s.on_rr(10.0, 1000.0, false);
  s.on_rr(10.5, 500.0, false);  // a 50 % jump
  EXPECT_EQ(s.clean_beats(), 1);
}

TEST(session, a_source_that_gives_no_data_fails_after_settle_plus_15_s) {
  engine::virtual_clock clock;
  recorder rec;
  engine::session s(three_minutes(), clock, rec);
  s.start();
  s.on_link(engine::link_state::streaming);
  while (!s.done() && clock.now_s() < 100.0) {
    clock.advance_to(clock.now_s() + 0.05);
    s.tick();
  }
  ASSERT_TRUE(s.done());
  EXPECT_NEAR(clock.now_s(), 35.0, 0.06);
  const auto res = s.result();
  EXPECT_TRUE(res.failed);
  EXPECT_FALSE(res.had_data);
  EXPECT_EQ(res.failure, "no data");
  EXPECT_TRUE(rec.finished_early);
}

TEST(session, a_source_still_connecting_is_given_up_after_settle_plus_100_s) {
  engine::virtual_clock clock;
  recorder rec;
  engine::session s(three_minutes(), clock, rec);
  s.start();
  s.on_link(engine::link_state::connecting);
  while (!s.done() && clock.now_s() < 200.0) {
    clock.advance_to(clock.now_s() + 0.05);
    s.tick();
  }
  ASSERT_TRUE(s.done());
  EXPECT_NEAR(clock.now_s(), 120.0, 0.06);
  EXPECT_TRUE(s.result().failed);
  EXPECT_NE(s.result().failure.find("no usable heart signal"), std::string::npos);
}

TEST(session, a_failing_source_ends_the_session_with_its_reason) {
  sim_harness h(three_minutes(), subject(4));
  h.run_until(40.0);
  h.session().on_link(engine::link_state::failed, "adapter removed");
  ASSERT_TRUE(h.session().done());
  const auto res = h.session().result();
  EXPECT_TRUE(res.failed);
  EXPECT_TRUE(res.had_data);
  EXPECT_EQ(res.failure, "adapter removed");
  EXPECT_TRUE(res.summary.ended_early);
  EXPECT_TRUE(h.rec().has_event("session", "ended early"));
}

TEST(session, a_finite_source_that_ends_ends_the_session_early) {
  sim_harness h(three_minutes(), subject(4));
  h.run_until(100.0);
  h.session().on_link(engine::link_state::finished);
  ASSERT_TRUE(h.session().done());
  const auto res = h.session().result();
  EXPECT_FALSE(res.failed);
  EXPECT_TRUE(res.summary.ended_early);
  EXPECT_NEAR(res.end_s, 100.0, 1e-9);
}

TEST(session, pause_stops_the_phase_clock_and_the_cue_and_is_not_scored) {
  sim_harness h(three_minutes(), subject(5));
  double paused_at = -1.0;
  double resumed_at = -1.0;
  h.run_to_end([&](double t) {
    // Pause 30 s into the paced phase for 25 s.
    const double paced = h.rec().phase_start(session_phase::paced);
    if (std::isfinite(paced) && paused_at < 0.0 && t >= paced + 30.0) {
      h.session().toggle_pause();
      paused_at = t;
      EXPECT_TRUE(h.session().paused());
    }
    if (paused_at > 0.0 && resumed_at < 0.0 && t >= paused_at + 25.0) {
      h.session().toggle_pause();
      resumed_at = t;
    }
  });
  const auto& r = h.rec();
  ASSERT_GT(resumed_at, 0.0);
  EXPECT_TRUE(r.has_event("session", "paused"));
  EXPECT_TRUE(r.has_event("session", "resumed"));
  // Cue: on at pacing, off at the pause, on at the resume, off at the end of pacing.
  ASSERT_EQ(r.cues.size(), 4U);
  EXPECT_TRUE(r.cues[0].second);
  EXPECT_FALSE(r.cues[1].second);
  EXPECT_TRUE(r.cues[2].second);
  EXPECT_FALSE(r.cues[3].second);
  // The paced phase lasted 120 s of active time: 145 s of session time.
  EXPECT_NEAR(r.phase_start(session_phase::after) - r.phase_start(session_phase::paced), 145.0,
              0.11);
  const auto res = h.session().result();
  EXPECT_NEAR(res.summary.paced.duration_s, 120.0, 0.11);
  EXPECT_FALSE(res.summary.ended_early);
}

TEST(session, plus_and_minus_change_the_rate_in_tenths_within_the_safe_range) {
  sim_harness h(three_minutes(), subject(5));
  h.run_until(80.0);
  ASSERT_EQ(h.session().phase(), session_phase::paced);
  h.session().change_rate(0.1);
  h.session().change_rate(0.1);
  EXPECT_DOUBLE_EQ(h.session().rate_bpm(), 6.2);
  EXPECT_DOUBLE_EQ(h.session().current_pacer()->period_s(), 60.0 / 6.2);
  EXPECT_TRUE(h.rec().has_event("pacer", "rate 6.2/min"));
  EXPECT_DOUBLE_EQ(h.rec().cues.back().first, 6.2);
  EXPECT_TRUE(h.rec().cues.back().second);
  for (int k = 0; k < 60; ++k) h.session().change_rate(-0.1);
  EXPECT_GE(h.session().rate_bpm(), 3.0);
  EXPECT_LT(h.session().rate_bpm(), 3.5);
  for (int k = 0; k < 100; ++k) h.session().change_rate(0.1);
  EXPECT_LE(h.session().rate_bpm(), 10.0);
  h.run_to_end();
  EXPECT_DOUBLE_EQ(h.session().result().rate_bpm, h.session().rate_bpm());
}

TEST(session, a_rate_chosen_before_pacing_is_the_rate_pacing_starts_with) {
  sim_harness h(three_minutes(), subject(5));
  h.run_until(30.0);
  ASSERT_EQ(h.session().phase(), session_phase::baseline);
  h.session().change_rate(-0.5);
  h.run_until(80.0);
  ASSERT_FALSE(h.rec().cues.empty());
  EXPECT_DOUBLE_EQ(h.rec().cues.front().first, 5.5);
}

TEST(session, quitting_ends_early_and_keeps_what_was_measured) {
  sim_harness h(three_minutes(), subject(6));
  h.run_until(120.0);
  h.session().quit();
  EXPECT_TRUE(h.session().done());
  const auto& r = h.rec();
  EXPECT_EQ(r.finished_calls, 1);
  EXPECT_TRUE(r.finished_early);
  EXPECT_TRUE(r.has_event("session", "ended early"));
  const auto res = h.session().result();
  EXPECT_TRUE(res.quit_early);
  EXPECT_TRUE(res.summary.ended_early);
  EXPECT_NEAR(res.summary.baseline.duration_s, 60.0, 0.1);
  EXPECT_GT(res.summary.paced.duration_s, 40.0);
  EXPECT_TRUE(std::isfinite(res.summary.baseline.rmssd_ms));
  EXPECT_EQ(res.summary.recovery.verdict, "insufficient");
  // Nothing more happens after the end.
  h.session().change_rate(0.1);
  h.session().toggle_pause();
  h.session().on_rr(200.0, 900.0, false);
  EXPECT_EQ(r.finished_calls, 1);
  EXPECT_FALSE(h.session().paused());
}

TEST(session, signal_loss_and_reconnection_are_counted_once_and_the_gap_is_kept) {
  auto sub = subject(5);
  sub.dropouts.push_back({120.0, 20.0});
  sim_harness h(three_minutes(), sub);
  h.run_to_end();
  const auto& r = h.rec();
  ASSERT_EQ(r.signal.size(), 2U);
  EXPECT_TRUE(r.signal[0]);
  EXPECT_FALSE(r.signal[1]);
  const auto res = h.session().result();
  EXPECT_EQ(res.summary.signal_losses, 1);
  // 20 s of the 120 s paced phase were missing.
  EXPECT_NEAR(res.summary.paced.coverage_pct, 100.0 * 100.0 / 120.0, 5.0);
  EXPECT_TRUE(std::isfinite(res.summary.paced.rmssd_ms));
  // The first interval after the dropout reaches the engine flagged after a gap, and its
  // snapshot says so.
  const dsp::rr_event* first_after = nullptr;
  for (const auto& e : r.input)
    if (e.end_s > 140.0) {
      first_after = &e;
      break;
    }
  ASSERT_NE(first_after, nullptr);
  EXPECT_TRUE(first_after->after_gap);
  bool snapshot_gap = false;
  for (const auto& s : r.snapshots)
    if (s.beat && std::abs(s.time_s - first_after->end_s) < 1e-9) snapshot_gap = s.after_gap;
  EXPECT_TRUE(snapshot_gap);
  for (const auto& e : r.input)
    if (e.end_s < 119.0) {
      EXPECT_FALSE(e.after_gap) << e.end_s;
    }
}

TEST(session, a_loss_during_settle_restarts_the_clean_run) {
  auto sub = subject(5);
  sub.dropouts.push_back({4.0, 3.0});
  sim_harness h(three_minutes(), sub);
  h.run_until(40.0);
  // 8 clean beats after the dropout ends at 7 s.
  EXPECT_GT(h.rec().phase_start(session_phase::baseline), 13.0);
  EXPECT_LT(h.rec().phase_start(session_phase::baseline), 17.0);
}

TEST(session, assessment_steps_through_its_rates_and_finds_the_resonance) {
  engine::session_config c;
  c.assessment = true;
  c.assessment_config.step_s = 90.0;
  c.plan.settle_s = 5.0;
  auto sub = subject(2);
  sub.resonance_bpm = 5.5;
  sim_harness h(c, sub);
  h.session().change_rate(0.1);  // keys do not change an assessment's rates
  h.run_to_end();
  const auto& r = h.rec();
  for (const char* rate :
       {"rate 6.5/min", "rate 6.0/min", "rate 5.5/min", "rate 5.0/min", "rate 4.5/min"})
    EXPECT_TRUE(r.has_event("pacer", rate)) << rate;
  EXPECT_FALSE(r.has_event("pacer", "rate 6.6/min"));
  EXPECT_TRUE(std::isnan(r.phase_start(session_phase::baseline)));
  EXPECT_TRUE(std::isnan(r.phase_start(session_phase::after)));
  const auto res = h.session().result();
  ASSERT_TRUE(res.assessment.has_value());
  EXPECT_DOUBLE_EQ(res.assessment->chosen_rate_bpm, 5.5);
  EXPECT_NEAR(res.end_s - r.phase_start(session_phase::paced), 450.0, 0.06);
}

TEST(session, a_responder_is_more_rested_afterwards_and_a_non_responder_shows_no_clear_change) {
  for (const std::uint64_t seed : {3U, 4U, 5U, 6U, 7U}) {
    sim_harness yes(three_minutes(), subject(seed, true));
    yes.run_to_end();
    const auto a = yes.session().result().summary;
    EXPECT_EQ(a.recovery.verdict, "more_rested") << seed << ": " << a.recovery.line;
    std::printf("[ figure   ] seed %d responder: %s\n", static_cast<int>(seed),
                a.recovery.line.c_str());
    EXPECT_GT(a.after.rmssd_ms, a.baseline.rmssd_ms) << seed;
    EXPECT_LT(a.after.mean_hr_bpm, a.baseline.mean_hr_bpm + 1.0) << seed;
    ASSERT_FALSE(a.lines.empty());
    EXPECT_EQ(a.lines[0].rfind("More rested: resting heart rate ", 0), 0U) << a.lines[0];

    sim_harness no(three_minutes(), subject(seed, false));
    no.run_to_end();
    const auto b = no.session().result().summary;
    EXPECT_EQ(b.recovery.verdict, "no_change")
        << seed << ": " << b.recovery.line << " before: " << b.baseline.rmssd_ms << " ms "
        << b.baseline.beats << " beats " << b.baseline.coverage_pct << " % covered "
        << b.baseline.corrected_pct << " % corrected; after: " << b.after.rmssd_ms << " ms "
        << b.after.beats << " beats " << b.after.coverage_pct << " % covered "
        << b.after.corrected_pct << " % corrected";
    EXPECT_EQ(b.lines[0].rfind("No clear change: ", 0), 0U) << b.lines[0];
    std::printf("[ figure   ] seed %d non-responder: %s\n", static_cast<int>(seed),
                b.recovery.line.c_str());
    EXPECT_EQ(b.verdict, "no_change");
  }
}

TEST(session, without_an_after_phase_the_session_ends_with_pacing_and_recovery_is_not_judged) {
  sim_harness h(three_minutes(0.0), subject(3));
  h.run_to_end();
  EXPECT_TRUE(std::isnan(h.rec().phase_start(session_phase::after)));
  const auto res = h.session().result();
  EXPECT_FALSE(res.summary.ended_early);
  EXPECT_EQ(res.summary.recovery.verdict, "insufficient");
  EXPECT_EQ(res.summary.lines[0].rfind("Session summary", 0), 0U);
}

TEST(session, recovery_confidence_drops_with_short_or_patchy_rests) {
  engine::phase_metrics before;
  before.duration_s = 60.0;
  before.coverage_pct = 99.0;
  before.mean_hr_bpm = 66.0;
  before.rmssd_ms = 20.0;
  before.corrected_pct = 0.0;
  before.beats = 66;
  engine::phase_metrics after = before;
  after.mean_hr_bpm = 62.0;
  after.rmssd_ms = 27.0;
  auto r = engine::session_summarizer::judge_recovery(before, after);
  EXPECT_EQ(r.verdict, "more_rested");
  EXPECT_EQ(r.confidence, "high");
  EXPECT_NEAR(r.hr_change_bpm, -4.0, 1e-9);
  EXPECT_NEAR(r.rmssd_change_pct, 35.0, 1e-9);
  EXPECT_EQ(r.line, "More rested: resting heart rate -4 bpm, RMSSD +35 % (confidence: high)");
  after.duration_s = 40.0;
  after.beats = 44;
  EXPECT_EQ(engine::session_summarizer::judge_recovery(before, after).confidence, "moderate");
  after.coverage_pct = 80.0;
  EXPECT_EQ(engine::session_summarizer::judge_recovery(before, after).confidence, "low");
  after.coverage_pct = 50.0;
  EXPECT_EQ(engine::session_summarizer::judge_recovery(before, after).verdict, "insufficient");
  // Small changes are no clear change; a clear drop is less rested.
  after = before;
  after.rmssd_ms = 21.0;
  EXPECT_EQ(engine::session_summarizer::judge_recovery(before, after).verdict, "no_change");
  after.rmssd_ms = 14.0;
  after.mean_hr_bpm = 70.0;
  EXPECT_EQ(engine::session_summarizer::judge_recovery(before, after).verdict, "less_rested");
}

TEST(session, ecg_input_settles_on_the_detectors_clean_beats_and_runs_the_session) {
  engine::virtual_clock clock;
  recorder rec;
  engine::session s(three_minutes(), clock, rec);
  auto sub = subject(7);
  sub.guide = [&s](double t) { return s.guide_cycles(t); };
  drivers::sim_waveform_config wc;
  wc.kind = dsp::input_kind::ecg;
  wc.rate_hz = 250.0;
  drivers::sim_waveform wave(sub, wc);
  s.start();
  s.on_link(engine::link_state::streaming);
  std::vector<double> block(static_cast<std::size_t>(wc.rate_hz * 0.05));
  while (!s.done()) {
    const std::int64_t first = wave.samples_generated();
    wave.generate(block);
    s.on_samples(dsp::input_kind::ecg, wc.rate_hz, first, block);
    clock.advance_to(static_cast<double>(wave.samples_generated()) / wc.rate_hz);
    s.tick();
  }
  EXPECT_EQ(rec.engine_started_calls, 1);
  const double baseline = rec.phase_start(session_phase::baseline);
  EXPECT_GT(baseline, 6.0);
  EXPECT_LT(baseline, 15.0);
  const auto res = s.result();
  EXPECT_FALSE(res.summary.ended_early);
  EXPECT_GT(res.summary.paced.coverage_pct, 95.0);
  // RR from another source kind is ignored once the engine runs on ECG.
  EXPECT_TRUE(rec.input.empty());
}

}  // namespace
