#include "resonance_assessment.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <optional>
#include <stdexcept>
#include <utility>

#include "dsp/lomb_scargle.hpp"

namespace resonant::engine {
namespace {

constexpr double max_hr_bpm = 220.0;

// Least squares y ~ X b for up to 4 regressors via the normal equations (Gaussian elimination
// with partial pivoting); returns the residual sum of squares, or nullopt if singular.
template <std::size_t K>
std::optional<double> least_squares(const std::vector<std::array<double, K>>& x,
                                    const std::vector<double>& y, std::array<double, K>& b) {
  std::array<std::array<double, K + 1>, K> a{};
  for (std::size_t n = 0; n < y.size(); ++n) {
    for (std::size_t i = 0; i < K; ++i) {
      for (std::size_t j = 0; j < K; ++j) a[i][j] += x[n][i] * x[n][j];
      a[i][K] += x[n][i] * y[n];
    }
  }
  for (std::size_t c = 0; c < K; ++c) {
    std::size_t p = c;
    for (std::size_t r = c + 1; r < K; ++r)
      if (std::abs(a[r][c]) > std::abs(a[p][c])) p = r;
    if (std::abs(a[p][c]) < 1e-12) return std::nullopt;
    std::swap(a[p], a[c]);
    for (std::size_t r = 0; r < K; ++r) {
      if (r == c) continue;
      const double f = a[r][c] / a[c][c];
      for (std::size_t j = c; j <= K; ++j) a[r][j] -= f * a[c][j];
    }
  }
  for (std::size_t i = 0; i < K; ++i) b[i] = a[i][K] / a[i][i];
  double ss = 0.0;
  for (std::size_t n = 0; n < y.size(); ++n) {
    double e = y[n];
    for (std::size_t i = 0; i < K; ++i) e -= b[i] * x[n][i];
    ss += e * e;
  }
  return ss;
}

double wrap_pi(double a) {
  while (a > std::numbers::pi) a -= 2.0 * std::numbers::pi;
  while (a <= -std::numbers::pi) a += 2.0 * std::numbers::pi;
  return a;
}

}  // namespace

resonance_assessment::resonance_assessment(resonance_assessment_config cfg, double start_s)
    : cfg_(std::move(cfg)), start_s_(start_s) {
  if (cfg_.rates_bpm.empty()) throw std::invalid_argument("resonance assessment: no rates");
  for (const double r : cfg_.rates_bpm)
    if (!(r >= 3.0 && r <= 10.0))
      throw std::invalid_argument("resonance assessment: rates must be 3-10 breaths/min");
  if (!(cfg_.settle_s >= 0.0) || !(cfg_.step_s >= cfg_.settle_s + 30.0))
    throw std::invalid_argument(
        "resonance assessment: a step must leave at least 30 s after the settling time");
  for (const double w : {cfg_.weight_sync, cfg_.weight_rsa, cfg_.weight_lf, cfg_.weight_lf_peak})
    if (!(w >= 0.0)) throw std::invalid_argument("resonance assessment: negative weight");
  beats_.reserve(static_cast<std::size_t>(duration_s() * max_hr_bpm / 60.0) + 16);
}

double resonance_assessment::duration_s() const noexcept {
  return cfg_.step_s * static_cast<double>(cfg_.rates_bpm.size());
}

double resonance_assessment::step_start_s(std::size_t i) const noexcept {
  return start_s_ + cfg_.step_s * static_cast<double>(i);
}

std::size_t resonance_assessment::step_at(double t_s) const noexcept {
  const double k = std::floor((t_s - start_s_) / cfg_.step_s);
  if (!(k > 0.0)) return 0;
  return std::min(static_cast<std::size_t>(k), cfg_.rates_bpm.size() - 1);
}

double resonance_assessment::rate_at(double t_s) const noexcept {
  return cfg_.rates_bpm[step_at(t_s)];
}

void resonance_assessment::add_beat(const dsp::rr_event& e, const pacer& p) noexcept {
  if (!(e.end_s >= start_s_) || complete(e.end_s) || !(e.rr_ms > 0.0)) return;
  const std::size_t step = step_at(e.end_s);
  if (e.end_s < step_start_s(step) + cfg_.settle_s) return;
  if (beats_.size() == beats_.capacity()) {
    ++dropped_;
    return;
  }
  const double mid_s = e.end_s - 0.0005 * e.rr_ms;
  const pacer_state at_mid = p.at(mid_s);
  beats_.push_back(beat{mid_s, e.rr_ms, at_mid.cycles, at_mid.lung, e.after_gap,
                        static_cast<std::uint32_t>(step)});
}

resonance_step resonance_assessment::analyse_step(std::size_t i) const {
  resonance_step r;
  r.rate_bpm = cfg_.rates_bpm[i];
  r.start_s = step_start_s(i);
  r.end_s = r.start_s + cfg_.step_s;
  std::vector<const beat*> bs;
  for (const beat& b : beats_)
    if (b.step == i) bs.push_back(&b);
  r.beats = bs.size();
  if (bs.size() < 20) return r;
  const double span = bs.back()->t_s - bs.front()->t_s;
  if (span < 0.5 * (cfg_.step_s - cfg_.settle_s)) return r;

  // RSA: complete breaths strictly between the first and last (partial) ones.
  const auto first_breath = static_cast<long long>(std::floor(bs.front()->cycles));
  const auto last_breath = static_cast<long long>(std::floor(bs.back()->cycles));
  double rsa_sum = 0.0;
  std::size_t k = 0;
  for (long long br = first_breath + 1; br < last_breath; ++br) {
    while (k < bs.size() && std::floor(bs[k]->cycles) < static_cast<double>(br)) ++k;
    double lo = 1e300;
    double hi = -1e300;
    std::size_t n = 0;
    bool gap = false;
    for (std::size_t j = k; j < bs.size() && std::floor(bs[j]->cycles) == static_cast<double>(br);
         ++j) {
      const double hr = 60000.0 / bs[j]->rr_ms;
      lo = std::min(lo, hr);
      hi = std::max(hi, hr);
      gap = gap || bs[j]->after_gap;
      ++n;
    }
    if (n >= 3 && !gap) {
      rsa_sum += hi - lo;
      ++r.breaths;
    }
  }
  if (r.breaths > 0) r.rsa_bpm = rsa_sum / static_cast<double>(r.breaths);

  // LF from the RR series.
  std::vector<double> t;
  std::vector<double> rr;
  t.reserve(bs.size());
  rr.reserve(bs.size());
  for (const beat* b : bs) {
    t.push_back(b->t_s);
    rr.push_back(b->rr_ms);
  }
  const dsp::spectrum psd = dsp::lomb_scargle_psd(t, rr, dsp::lomb_config{4.0, 0.5});
  r.lf_power_ms2 = dsp::band_power(psd, 0.04, 0.15, dsp::band_rule::rectangle);
  if (const auto peak = dsp::peak_frequency(psd, 0.04, 0.15)) {
    r.lf_peak_hz = *peak;
    r.lf_peak_ms2 = dsp::band_power(psd, *peak - 0.015, *peak + 0.015, dsp::band_rule::rectangle);
  }

  // Synchrony of HR with the breath.
  const double tm = 0.5 * (bs.front()->t_s + bs.back()->t_s);
  std::vector<std::array<double, 4>> x4;
  std::vector<std::array<double, 3>> x3;
  std::vector<std::array<double, 2>> x2;
  std::vector<double> hr;
  std::vector<double> lung;
  for (const beat* b : bs) {
    const double ang = 2.0 * std::numbers::pi * (b->cycles - std::floor(b->cycles));
    x4.push_back({1.0, b->t_s - tm, std::cos(ang), std::sin(ang)});
    x3.push_back({1.0, std::cos(ang), std::sin(ang)});
    x2.push_back({1.0, b->t_s - tm});
    hr.push_back(60000.0 / b->rr_ms);
    lung.push_back(b->lung);
  }
  std::array<double, 4> bh{};
  std::array<double, 3> bl{};
  std::array<double, 2> bt{};
  const auto ss_full = least_squares(x4, hr, bh);
  const auto ss_trend = least_squares(x2, hr, bt);
  const auto ss_lung = least_squares(x3, lung, bl);
  if (ss_full && ss_trend && ss_lung && *ss_trend > 0.0) {
    r.breath_locked = std::clamp(1.0 - *ss_full / *ss_trend, 0.0, 1.0);
    const double phase_hr = std::atan2(bh[3], bh[2]);
    const double phase_lung = std::atan2(bl[2], bl[1]);
    const double lag = wrap_pi(phase_lung - phase_hr);
    r.phase_lag_deg = lag * 180.0 / std::numbers::pi;
    r.sync = r.breath_locked * 0.5 * (1.0 + std::cos(lag));
  }
  r.valid = std::isfinite(r.rsa_bpm) && std::isfinite(r.lf_peak_ms2) && std::isfinite(r.sync);
  return r;
}

resonance_result resonance_assessment::result() const {
  resonance_result res;
  for (std::size_t i = 0; i < cfg_.rates_bpm.size(); ++i) res.steps.push_back(analyse_step(i));
  double best_sync = 0.0, best_rsa = 0.0, best_lf = 0.0, best_peak = 0.0;
  for (const auto& s : res.steps) {
    if (!s.valid) continue;
    best_sync = std::max(best_sync, s.sync);
    best_rsa = std::max(best_rsa, s.rsa_bpm);
    best_lf = std::max(best_lf, s.lf_power_ms2);
    best_peak = std::max(best_peak, s.lf_peak_ms2);
  }
  const double wsum = cfg_.weight_sync + cfg_.weight_rsa + cfg_.weight_lf + cfg_.weight_lf_peak;
  const auto rel = [](double v, double best) { return best > 0.0 ? v / best : 0.0; };
  double best_score = -1.0;
  for (std::size_t i = 0; i < res.steps.size(); ++i) {
    auto& s = res.steps[i];
    if (!s.valid) continue;
    s.score =
        (cfg_.weight_sync * rel(s.sync, best_sync) + cfg_.weight_rsa * rel(s.rsa_bpm, best_rsa) +
         cfg_.weight_lf * rel(s.lf_power_ms2, best_lf) +
         cfg_.weight_lf_peak * rel(s.lf_peak_ms2, best_peak)) /
        (wsum > 0.0 ? wsum : 1.0);
    if (s.score > best_score) {
      best_score = s.score;
      res.chosen = i;
      res.chosen_rate_bpm = s.rate_bpm;
    }
  }
  return res;
}

}  // namespace resonant::engine
