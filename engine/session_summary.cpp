#include "session_summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "dsp/time_domain.hpp"

namespace resonant::engine {

const char* to_string(session_phase p) noexcept {
  switch (p) {
    case session_phase::settle:
      return "settle";
    case session_phase::baseline:
      return "baseline";
    case session_phase::paced:
      return "paced";
    case session_phase::after:
      return "after";
    case session_phase::done:
      return "done";
    case session_phase::paused:
      return "paused";
  }
  return "done";
}

session_plan session_plan::for_minutes(double minutes, double settle_s, double after_s) {
  if (!(minutes >= 0.5 && minutes <= 60.0))
    throw std::invalid_argument("--minutes must be between 0.5 and 60");
  if (!(settle_s >= 0.0 && settle_s <= 120.0))
    throw std::invalid_argument("settle time must be between 0 and 120 s");
  if (!(after_s >= 0.0 && after_s <= 600.0))
    throw std::invalid_argument("after time must be between 0 and 600 s");
  session_plan p;
  const double total = minutes * 60.0;
  p.settle_s = settle_s;
  p.baseline_s = std::min(60.0, total / 3.0);
  p.paced_s = total - p.baseline_s;
  p.after_s = after_s;
  return p;
}

session_phase session_plan::phase_at(double t_s) const noexcept {
  if (t_s < settle_s) return session_phase::settle;
  if (t_s < settle_s + baseline_s) return session_phase::baseline;
  if (t_s < settle_s + baseline_s + paced_s) return session_phase::paced;
  if (t_s < total_s()) return session_phase::after;
  return session_phase::done;
}

double session_plan::phase_start_s(session_phase p) const noexcept {
  switch (p) {
    case session_phase::settle:
      return 0.0;
    case session_phase::baseline:
      return settle_s;
    case session_phase::paced:
      return settle_s + baseline_s;
    case session_phase::after:
      return settle_s + baseline_s + paced_s;
    case session_phase::done:
    case session_phase::paused:
      return total_s();
  }
  return total_s();
}

void session_summarizer::enter(session_phase p, double t_s) {
  if (!boundaries_.empty() && t_s < boundaries_.back().t_s) t_s = boundaries_.back().t_s;
  boundaries_.push_back({t_s, p});
}

session_phase session_summarizer::phase_at(double t_s) const noexcept {
  session_phase p = session_phase::settle;
  for (const auto& b : boundaries_) {
    if (b.t_s > t_s) break;
    p = b.phase;
  }
  return p;
}

double session_summarizer::time_in(session_phase p, double end_s) const noexcept {
  double total = 0.0;
  for (std::size_t i = 0; i < boundaries_.size(); ++i) {
    if (boundaries_[i].phase != p) continue;
    const double stop = i + 1 < boundaries_.size() ? boundaries_[i + 1].t_s : end_s;
    total += std::max(0.0, std::min(stop, end_s) - boundaries_[i].t_s);
  }
  return total;
}

void session_summarizer::on_snapshot(const metric_snapshot& s) {
  const session_phase phase = phase_at(s.time_s);
  phase_data* d = phase == session_phase::baseline ? &baseline_
                  : phase == session_phase::paced  ? &paced_
                  : phase == session_phase::after  ? &after_
                                                   : nullptr;
  if (d == nullptr) return;
  // Intervals the artefact stage corrected are left out of the phase's own RMSSD and heart
  // rate (a corrected value is an estimate; a difference across it is not a measured one).
  if (s.beat && std::isfinite(s.rr_ms) && s.rr_ms > 0.0 &&
      s.rr_status == dsp::rr_status::accepted) {
    // An interval that started in another phase belongs to that phase's rhythm.
    const double start = s.time_s - s.rr_ms / 1000.0;
    if (phase_at(start) == phase) {
      const bool gap = !d->rr.empty() && start > d->last_end_s + 1e-6;
      d->rr.push_back(s.rr_ms, s.time_s, gap);
      d->last_end_s = s.time_s;
    }
  }
  if (std::isfinite(s.rsa_bpm)) {
    d->rsa_sum += s.rsa_bpm;
    ++d->rsa_n;
  }
  if (std::isfinite(s.coherence)) {
    d->coh_sum += s.coherence;
    ++d->coh_n;
  }
  if (std::isfinite(s.lf_hf)) {
    d->lfhf_sum += s.lf_hf;
    ++d->lfhf_n;
  }
  if (std::isfinite(s.corrected_pct)) {
    d->corr_sum += s.corrected_pct;
    ++d->corr_n;
  }
}

phase_metrics session_summarizer::metrics_of(const phase_data& d, session_phase p,
                                             double end_s) const {
  phase_metrics m;
  m.duration_s = time_in(p, end_s);
  m.beats = static_cast<std::int64_t>(d.rr.size());
  if (m.duration_s > 0.0) {
    double covered = 0.0;
    for (const double rr : d.rr.rr_ms) covered += rr / 1000.0;
    m.coverage_pct = std::min(100.0, 100.0 * covered / m.duration_s);
  }
  if (d.rr.size() >= 2) {
    const auto td = dsp::time_domain(d.rr, dsp::time_domain_config{});
    if (td.mean_hr_bpm) m.mean_hr_bpm = *td.mean_hr_bpm;
    if (td.rmssd_ms) m.rmssd_ms = *td.rmssd_ms;
  }
  if (d.rsa_n > 0) m.rsa_bpm = d.rsa_sum / static_cast<double>(d.rsa_n);
  if (d.coh_n > 0) m.coherence = d.coh_sum / static_cast<double>(d.coh_n);
  if (d.lfhf_n > 0) m.lf_hf = d.lfhf_sum / static_cast<double>(d.lfhf_n);
  if (d.corr_n > 0) m.corrected_pct = d.corr_sum / static_cast<double>(d.corr_n);
  return m;
}

phase_metrics session_summarizer::baseline_so_far(double now_s) const {
  return metrics_of(baseline_, session_phase::baseline, now_s);
}

namespace {

std::string fmt(const char* format, double v) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string change(double before, double after) {
  if (!std::isfinite(before) || !std::isfinite(after) || before <= 0.0) return "";
  const double pct = 100.0 * (after - before) / before;
  char buf[32];
  std::snprintf(buf, sizeof buf, " (%+.0f %%)", pct);
  return buf;
}

}  // namespace

// Recovery: rest before (baseline) against rest after. Ultra-short RMSSD over 60 s tracks the
// 5-minute value closely (Munoz et al. 2015, Baek et al. 2015) but a single minute of a resting
// person still varies by roughly +-10 % and heart rate by +-2 bpm, so the thresholds sit above
// that: more rested = RMSSD up by >= 15 % (and by three standard errors, see below) with
// heart rate not up by more than 1 bpm, or heart
// rate down by >= 3 bpm with RMSSD not down by more than 5 %; less rested mirrors it. RSA is
// reported but does not decide (it follows the breathing rate, which the person chose freely
// in both rests). Confidence counts what supports the comparison: both rests >= 60 s, both
// covered >= 90 %, corrected (artefact) time <= 5 % in both: high with all three, moderate
// with two, low otherwise. Too little data (a rest < 30 s or < 60 % covered): insufficient.
recovery_answer session_summarizer::judge_recovery(const phase_metrics& before,
                                                   const phase_metrics& after) {
  recovery_answer r;
  const auto usable = [](const phase_metrics& m) {
    return m.duration_s >= 30.0 && std::isfinite(m.coverage_pct) && m.coverage_pct >= 60.0 &&
           std::isfinite(m.rmssd_ms) && std::isfinite(m.mean_hr_bpm) && m.rmssd_ms > 0.0;
  };
  if (!usable(before) || !usable(after)) {
    r.line = after.duration_s > 0.0
                 ? "Recovery not judged: too little clean signal at rest before or after "
                   "(need 30 s of each, 60 % covered)."
                 : "";
    return r;
  }
  r.hr_change_bpm = after.mean_hr_bpm - before.mean_hr_bpm;
  r.rmssd_change_pct = 100.0 * (after.rmssd_ms - before.rmssd_ms) / before.rmssd_ms;
  if (std::isfinite(before.rsa_bpm) && std::isfinite(after.rsa_bpm) && before.rsa_bpm > 0.0)
    r.rsa_change_pct = 100.0 * (after.rsa_bpm - before.rsa_bpm) / before.rsa_bpm;
  const double dhr = r.hr_change_bpm;
  const double drm = r.rmssd_change_pct;
  // RMSSD from n successive differences has a relative standard error of about
  // sqrt(1 / (2 n)) (Gaussian differences; real ones have heavier tails); a change must exceed
  // three times the error of the difference of the two rests (~38 % for two 60 s rests at
  // 65 bpm, ~17 % for two 5-minute rests), and 15 % in any case.
  const auto n_diff = [](const phase_metrics& m) {
    return std::max<double>(2.0, static_cast<double>(m.beats - 1));
  };
  const double rmssd_threshold =
      std::max(15.0, 300.0 * std::sqrt(0.5 / n_diff(before) + 0.5 / n_diff(after)));
  if ((drm >= rmssd_threshold && dhr <= 1.0) || (dhr <= -3.0 && drm >= -5.0))
    r.verdict = "more_rested";
  else if ((drm <= -rmssd_threshold && dhr >= -1.0) || (dhr >= 3.0 && drm <= 5.0))
    r.verdict = "less_rested";
  else
    r.verdict = "no_change";
  int support = 0;
  if (before.duration_s >= 60.0 && after.duration_s >= 60.0) ++support;
  if (before.coverage_pct >= 90.0 && after.coverage_pct >= 90.0) ++support;
  const auto clean = [](const phase_metrics& m) {
    return !std::isfinite(m.corrected_pct) || m.corrected_pct <= 5.0;
  };
  if (clean(before) && clean(after)) ++support;
  r.confidence = support == 3 ? "high" : support == 2 ? "moderate" : "low";
  char buf[200];
  const char* head = r.verdict == "more_rested"   ? "More rested"
                     : r.verdict == "less_rested" ? "Less rested"
                                                  : "No clear change";
  std::snprintf(buf, sizeof buf,
                "%s: resting heart rate %+.0f bpm, RMSSD %+.0f %% (confidence: %s)", head, dhr, drm,
                r.confidence.c_str());
  r.line = buf;
  return r;
}

session_summary session_summarizer::summarize(double end_s, double planned_s) const {
  session_summary s;
  s.session_s = end_s;
  s.signal_losses = losses_;
  s.baseline = metrics_of(baseline_, session_phase::baseline, end_s);
  s.paced = metrics_of(paced_, session_phase::paced, end_s);
  s.after = metrics_of(after_, session_phase::after, end_s);
  double covered_s = 0.0;
  double scored_s = 0.0;
  for (const phase_metrics* m : {&s.baseline, &s.paced, &s.after}) {
    if (std::isfinite(m->coverage_pct)) covered_s += m->coverage_pct * m->duration_s;
    scored_s += m->duration_s;
  }
  s.ended_early = scored_s < planned_s - 1.0;
  if (scored_s > 0.0) s.coverage_pct = covered_s / scored_s;

  // Judging needs enough clean data in both phases: 20 s and 60 % coverage each.
  const auto usable = [](const phase_metrics& m) {
    return m.duration_s >= 20.0 && std::isfinite(m.coverage_pct) && m.coverage_pct >= 60.0 &&
           std::isfinite(m.rsa_bpm);
  };
  if (!usable(s.baseline) || !usable(s.paced)) {
    s.verdict = "insufficient";
  } else {
    // A response: RSA amplitude up by at least 20 % and coherence not lower (when both are
    // known), the size of change biofeedback studies report within minutes.
    const bool rsa_up = s.paced.rsa_bpm >= 1.2 * s.baseline.rsa_bpm;
    const bool coh_ok = !std::isfinite(s.baseline.coherence) || !std::isfinite(s.paced.coherence)
                            ? true
                            : s.paced.coherence > s.baseline.coherence;
    s.verdict = rsa_up && coh_ok ? "responded" : "no_change";
  }
  s.recovery = judge_recovery(s.baseline, s.after);

  auto& l = s.lines;
  if (!s.recovery.line.empty()) l.push_back(s.recovery.line);
  l.push_back("Session summary" + std::string(s.ended_early ? " (ended early)" : ""));
  const bool with_after = s.after.duration_s > 0.0;
  l.push_back(std::string("                      before (natural)   during (paced)") +
              (with_after ? "     after (natural)" : ""));
  const auto row = [&](const char* name, const char* f, double a, double b, double c) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "  %-20s %-18s %-18s", name, fmt(f, a).c_str(),
                  (fmt(f, b) + change(a, b)).c_str());
    std::string line = buf;
    if (with_after) line += " " + fmt(f, c) + change(a, c);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    l.push_back(line);
  };
  row("heart rate (bpm)", "%.0f", s.baseline.mean_hr_bpm, s.paced.mean_hr_bpm, s.after.mean_hr_bpm);
  row("RMSSD (ms)", "%.1f", s.baseline.rmssd_ms, s.paced.rmssd_ms, s.after.rmssd_ms);
  row("RSA amplitude (bpm)", "%.1f", s.baseline.rsa_bpm, s.paced.rsa_bpm, s.after.rsa_bpm);
  row("coherence", "%.2f", s.baseline.coherence, s.paced.coherence, s.after.coherence);
  l.push_back("  signal coverage: " + fmt("%.0f", s.coverage_pct) + " %" +
              (losses_ > 0 ? ", signal lost " + std::to_string(losses_) + " time" +
                                 (losses_ == 1 ? "" : "s")
                           : ""));
  l.push_back("How your heart followed the breathing (paced against before):");
  if (s.verdict == "responded")
    l.push_back(
        "Your heart rhythm followed the slow breathing: the heart-rate swing with each "
        "breath grew and the rhythm became more coherent, signs of vagal recovery.");
  else if (s.verdict == "no_change")
    l.push_back(
        "No clear change this time: the heart-rate swing with each breath did not grow "
        "much. Breathing slower and deeper, or a different rate, may help.");
  else
    l.push_back(
        "Not enough clean signal to judge the change (need at least 20 s of each phase "
        "with 60 % coverage).");
  l.push_back(
      "Note: during paced breathing at ~6/min the breathing itself moves power into "
      "the LF band, so LF/HF reflects breathing, not stress.");
  return s;
}

}  // namespace resonant::engine
