#include "artefacts.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <memory>
#include <stdexcept>
#include <utility>

namespace resonant::dsp {

// Lipponen & Tarvainen artefact detection and correction (Kubios "automatic correction").
//
// Reference: J. A. Lipponen, M. P. Tarvainen, "A robust algorithm for heart rate variability
// time series artefact correction using novel beat classification", J Med Eng Technol
// 43(3):173-181, 2019. Cross-read: NeuroKit2 signal_fixpeaks (method "kubios") and systole
// rr_artefacts/correct_rr; see ../shared/notes/hrv-algorithms.md section 4.
//
// Per contiguous run of n >= 4 intervals (shorter runs are left alone):
//   dRR(i) = RR(i) - RR(i-1), dRR(0) = mean of dRR(1..n-1) (a stand-in, never itself tested as
//     an ectopic centre); Th1 = alpha * QD(|dRR|) over a centred qd_window (91 beats,
//     shrinking at the run edges); dRR /= Th1.
//   QD = (Q3 - Q1) / 2 with quantiles by linear interpolation between order statistics at
//     position q * (m - 1) of the m sorted window values (numpy's default, pandas' rolling
//     quantile, which NeuroKit2 uses).
//   S12(i) = max(dRR(i-1), dRR(i+1)) if dRR(i) > 0, else the min; S22(i) = min(dRR(i+1),
//     dRR(i+2)) if dRR(i) >= 0, else the max; dRR beyond the run end counts as 0. (NeuroKit2
//     pads with numpy "reflect", which mirrors dRR(n-2) into dRR(n) and so manufactures an
//     NPN pattern when the second-to-last interval is long: with it, a missed beat there came
//     out as "ectopic".)
//   med = median of RR over a centred median_window (11 beats, shrinking at the edges, so an
//     even count averages the two middle values; NeuroKit2's scipy medfilt zero-pads instead,
//     which drags the first and last 5 medians towards 0 and is not copied here);
//     mRR = RR - med, negative values doubled; Th2 = alpha * QD(|mRR|) over qd_window;
//     mRR /= Th2.
//   Ectopic pattern at i: |dRR(i)| > 1 and (dRR > 1 and S12 < -c1 dRR - c2, or dRR < -1 and
//     S12 > -c1 dRR + c2). The pattern is centred on the second difference t(i) - 2 t(i-1) +
//     t(i-2), i.e. on the beat ENDING interval i-1, so the label goes to interval i-1 (the
//     premature beat) and interval i (its compensatory pause) gets no long/short label.
//     When adjacent centres both qualify, only the one with the larger |dRR| counts (our rule:
//     without it the label sometimes lands one beat early and the wrong beat gets moved).
//     (As we read NeuroKit2's _correct_misaligned, it moves peak i, the beat after the ectopic
//     one, which leaves the premature interval short; not copied.)
//   Long if (dRR > 1 and S22 < -1) or mRR > 3; short if (dRR < -1 and S22 > 1) or mRR < -3
//     (the dRR pattern decides first, then the sign of mRR). Decision on |dRR| <= 1 with
//     |mRR| > 3: such beats ARE tested, as in the paper and systole (NeuroKit2 skips every beat
//     with |dRR| <= 1 and only reaches them through its "also test i+1" rule). This catches the
//     second of two consecutive long or short intervals, whose successive difference is small.
//     Long -> missed if |RR/2 - med| < Th2; short -> extra if |RR(i) + RR(i+1) - med| < Th2.
//   One event, one label: when interval i is ectopic, extra, long or short, its correction
//     rewrites interval i+1 too, so a label on i+1 is dropped (left to right).
//
// Correction (on beat times, so end_s stays the time of each interval's ending beat and the
// run's first and last beat times are unchanged): extra -> delete the beat (intervals i and i+1
// merge); missed -> split interval i into max(2, round(RR/med)) equal parts; ectopic, long,
// short -> move the beat ending interval i to the midpoint of its neighbours (intervals i and
// i+1 both become their mean; for the last interval of a run its starting beat is moved
// instead). Detection and correction repeat while the number of detections strictly falls, at
// most max_passes passes.
//
// Parameters (lipponen_config): alpha 5.2, qd_window 91 beats, median_window 11 beats,
// c1 0.13, c2 0.17 (dimensionless, in units of the thresholds), max_passes 4.
// Cost: O(N * W) with W = qd_window (sorted windows with insertion/removal), no allocation per
// beat. Latency for a streaming version: the label of interval i depends on intervals up to
// i + (qd_window - 1)/2 + (median_window - 1)/2 (50 with the defaults), see classify_beat.
// Pitfalls: a window whose quartiles coincide (QD = 0, e.g. a constant or heavily quantised
// stretch) normalises to 0, so nothing is flagged there, not even a large outlier. Input must
// be finite and > 0 ms (checked; NaN would break the sorted windows): mark missing data as gaps.
namespace {

constexpr std::size_t min_run_intervals = 4;

void check_config(const lipponen_config& cfg) {
  if (!(cfg.alpha > 0.0) || !std::isfinite(cfg.alpha)) {
    throw std::invalid_argument("lipponen_config: alpha must be finite and > 0");
  }
  if (cfg.qd_window < 3 || cfg.qd_window % 2 == 0) {
    throw std::invalid_argument("lipponen_config: qd_window must be odd and >= 3 beats");
  }
  if (cfg.median_window < 3 || cfg.median_window % 2 == 0) {
    throw std::invalid_argument("lipponen_config: median_window must be odd and >= 3 beats");
  }
  if (!(cfg.c1 >= 0.0) || !(cfg.c2 >= 0.0) || !std::isfinite(cfg.c1) || !std::isfinite(cfg.c2)) {
    throw std::invalid_argument("lipponen_config: c1 and c2 must be finite and >= 0");
  }
  if (cfg.max_passes < 1) throw std::invalid_argument("lipponen_config: max_passes must be >= 1");
}

void check_intervals(std::span<const double> rr_ms) {
  for (const double v : rr_ms) {
    if (!std::isfinite(v) || !(v > 0.0)) {
      throw std::invalid_argument("artefact detection: RR intervals must be finite and > 0 ms");
    }
  }
}

void check_series(const rr_series& rr) {
  if (rr.end_s.size() != rr.size() || rr.after_gap.size() != rr.size()) {
    throw std::invalid_argument("artefact correction: rr_ms, end_s and after_gap sizes differ");
  }
  check_intervals(rr.rr_ms);
}

// The values of a sliding window kept sorted; capacity fixed at construction.
class sorted_window {
 public:
  explicit sorted_window(std::size_t capacity) : values_(capacity) {}

  void clear() noexcept { size_ = 0; }

  // Precondition: size() < capacity.
  void insert(double x) noexcept {
    double* const first = values_.data();
    double* const last = first + size_;
    double* const pos = std::upper_bound(first, last, x);
    std::copy_backward(pos, last, last + 1);
    *pos = x;
    ++size_;
  }

  // Precondition: x is in the window (finite values, so the exact value is found).
  void erase(double x) noexcept {
    double* const first = values_.data();
    double* const last = first + size_;
    double* const pos = std::lower_bound(first, last, x);
    std::copy(pos + 1, last, pos);
    --size_;
  }

  // erase(old_value) then insert(new_value) in one shift: the slot of old_value slides to
  // where new_value belongs (insertion-sort step), touching only the values in between.
  void replace(double old_value, double new_value) noexcept {
    double* const first = values_.data();
    double* const last = first + size_;
    double* pos = std::lower_bound(first, last, old_value);
    if (new_value > old_value) {
      while (pos + 1 < last && pos[1] < new_value) {
        pos[0] = pos[1];
        ++pos;
      }
    } else {
      while (pos > first && pos[-1] > new_value) {
        pos[0] = pos[-1];
        --pos;
      }
    }
    *pos = new_value;
  }

  // Linear interpolation between order statistics at position q * (size - 1).
  [[nodiscard]] double quantile(double q) const noexcept {
    const double pos = q * static_cast<double>(size_ - 1);
    const auto lo = static_cast<std::size_t>(pos);
    if (lo + 1 >= size_) return values_[lo];
    const double frac = pos - static_cast<double>(lo);
    return values_[lo] + frac * (values_[lo + 1] - values_[lo]);
  }

 private:
  std::vector<double> values_;
  std::size_t size_ = 0;
};

// Window statistics and value maps as function objects, so that rolling_centred inlines them.
struct quartile_deviation {
  double operator()(const sorted_window& w) const noexcept {
    return 0.5 * (w.quantile(0.75) - w.quantile(0.25));
  }
};
struct median {
  double operator()(const sorted_window& w) const noexcept { return w.quantile(0.5); }
};
struct absolute {
  double operator()(double v) const noexcept { return std::abs(v); }
};
struct identity {
  double operator()(double v) const noexcept { return v; }
};

// out[i] = stat(map(x) over [i - half, i + half] clipped to the run); w has capacity 2 half + 1.
template <class Map, class Stat>
void rolling_centred(std::span<const double> x, std::size_t half, sorted_window& w,
                     std::span<double> out, Map map, Stat stat) {
  const std::size_t n = x.size();
  w.clear();
  for (std::size_t k = 0; k < half && k < n; ++k) w.insert(map(x[k]));
  for (std::size_t i = 0; i < n; ++i) {
    const bool leaves = i > half;
    const bool enters = i + half < n;
    if (leaves && enters) {
      w.replace(map(x[i - half - 1]), map(x[i + half]));
    } else if (leaves) {
      w.erase(map(x[i - half - 1]));
    } else if (enters) {
      w.insert(map(x[i + half]));
    }
    out[i] = stat(w);
  }
}

// Per-interval buffers for one series, allocated once per call without zero-filling (they
// are fully written before being read) and grown only when a pass inserts intervals.
class workspace {
 public:
  explicit workspace(const lipponen_config& cfg)
      : qd_window(cfg.qd_window), median_window(cfg.median_window) {}

  void ensure(std::size_t n) {
    if (n <= capacity_) return;
    for (auto* b : {&drr_, &mrr_, &med_, &th_}) *b = std::make_unique_for_overwrite<double[]>(n);
    capacity_ = n;
  }

  [[nodiscard]] std::span<double> drr(std::size_t offset, std::size_t n) noexcept {
    return {drr_.get() + offset, n};
  }
  [[nodiscard]] std::span<double> mrr(std::size_t offset, std::size_t n) noexcept {
    return {mrr_.get() + offset, n};
  }
  [[nodiscard]] std::span<double> med(std::size_t offset, std::size_t n) noexcept {
    return {med_.get() + offset, n};
  }
  [[nodiscard]] std::span<double> th(std::size_t offset, std::size_t n) noexcept {
    return {th_.get() + offset, n};
  }

  sorted_window qd_window;
  sorted_window median_window;

 private:
  std::unique_ptr<double[]> drr_, mrr_, med_, th_;
  std::size_t capacity_ = 0;
};

// Features of one run, views into a workspace.
struct run_features {
  std::span<const double> rr;   // ms
  std::span<const double> drr;  // dRR / Th1
  std::span<const double> mrr;  // mRR (negative values doubled), ms
  std::span<const double> med;  // ms
  std::span<const double> th2;  // ms

  [[nodiscard]] std::size_t size() const noexcept { return rr.size(); }

  // dRR outside the run is 0 ("no change"), see the comment above the stage.
  [[nodiscard]] double drr_at(std::ptrdiff_t k) const noexcept {
    if (k < 0 || k >= static_cast<std::ptrdiff_t>(drr.size())) return 0.0;
    return drr[static_cast<std::size_t>(k)];
  }
};

double normalised(double value, double threshold) noexcept {
  return threshold > 0.0 ? value / threshold : 0.0;
}

// Features of rr (one run, n >= 4) into the workspace slice starting at `offset`.
run_features compute_features(std::span<const double> rr, const lipponen_config& cfg, workspace& ws,
                              std::size_t offset) {
  const std::size_t n = rr.size();
  const std::span<double> drr = ws.drr(offset, n);
  const std::span<double> mrr = ws.mrr(offset, n);
  const std::span<double> med = ws.med(offset, n);
  const std::span<double> th = ws.th(offset, n);  // Th1, then Th2
  const std::size_t qd_half = (cfg.qd_window - 1) / 2;
  const std::size_t med_half = (cfg.median_window - 1) / 2;

  drr[0] = (rr[n - 1] - rr[0]) / static_cast<double>(n - 1);  // mean of dRR(1..n-1)
  for (std::size_t i = 1; i < n; ++i) drr[i] = rr[i] - rr[i - 1];
  rolling_centred(drr, qd_half, ws.qd_window, th, absolute{}, quartile_deviation{});
  for (std::size_t i = 0; i < n; ++i) drr[i] = normalised(drr[i], cfg.alpha * th[i]);

  rolling_centred(rr, med_half, ws.median_window, med, identity{}, median{});
  for (std::size_t i = 0; i < n; ++i) {
    const double m = rr[i] - med[i];
    mrr[i] = m < 0.0 ? 2.0 * m : m;
  }
  rolling_centred(mrr, qd_half, ws.qd_window, th, absolute{}, quartile_deviation{});
  for (std::size_t i = 0; i < n; ++i) th[i] *= cfg.alpha;
  return {rr, drr, mrr, med, th};
}

// NPN / PNP pattern of normalised dRR centred on i (i >= 1): the beat ending interval i-1 is
// misplaced. Reads dRR(i-1..i+1).
bool ectopic_pattern(const run_features& f, std::size_t i, const lipponen_config& cfg) noexcept {
  if (i == 0) return false;  // dRR(0) is a stand-in, not a difference
  const double d = f.drr[i];
  if (std::abs(d) <= 1.0) return false;
  const auto k = static_cast<std::ptrdiff_t>(i);
  const double prev = f.drr_at(k - 1);
  const double next = f.drr_at(k + 1);
  if (d > 0.0) return std::max(prev, next) < -cfg.c1 * d - cfg.c2;
  return std::min(prev, next) > -cfg.c1 * d + cfg.c2;
}

// An ectopic centre that is not outdone by a qualifying neighbour centre: a premature beat
// gives dRR = (-s, +2s, -s), and when the interval before it happened to lengthen, the -s
// centre qualifies too; the true centre is the one with the larger |dRR| (ties: the earlier).
// Reads dRR(i-2..i+2).
bool ectopic_centre(const run_features& f, std::size_t i, const lipponen_config& cfg) noexcept {
  if (!ectopic_pattern(f, i, cfg)) return false;
  const double here = std::abs(f.drr[i]);
  if (ectopic_pattern(f, i - 1, cfg) && std::abs(f.drr[i - 1]) >= here) return false;
  return !(i + 1 < f.size() && ectopic_pattern(f, i + 1, cfg) && std::abs(f.drr[i + 1]) > here);
}

// The label of interval i from the features around it: dRR(i-1..i+3), mRR(i), med(i),
// Th2(i), RR(i..i+1). This is the per-beat decision a streaming version reuses once the
// windows around beat i are complete.
artefact_kind classify_beat(const run_features& f, std::size_t i,
                            const lipponen_config& cfg) noexcept {
  const std::size_t n = f.size();
  if (i + 1 < n && ectopic_centre(f, i + 1, cfg)) return artefact_kind::ectopic;
  // Part of an ectopic complex (the compensatory interval, or next to a weaker centre).
  if (ectopic_pattern(f, i, cfg)) return artefact_kind::none;
  if (i + 1 < n && ectopic_pattern(f, i + 1, cfg)) return artefact_kind::none;

  const auto k = static_cast<std::ptrdiff_t>(i);
  const double next = i + 1 < n ? f.rr[i + 1] : std::numeric_limits<double>::quiet_NaN();
  return classify_long_short(f.drr[i], normalised(f.mrr[i], f.th2[i]), f.drr_at(k + 1),
                             f.drr_at(k + 2), f.rr[i], f.med[i], f.th2[i], next);
}

// Labels one run; features land in the workspace slice at `offset`.
void detect_run(std::span<const double> rr, const lipponen_config& cfg, workspace& ws,
                std::size_t offset, std::span<artefact_kind> labels) {
  std::fill(labels.begin(), labels.end(), artefact_kind::none);
  const std::size_t n = rr.size();
  if (n < min_run_intervals) return;
  const run_features f = compute_features(rr, cfg, ws, offset);
  for (std::size_t i = 0; i < n; ++i) labels[i] = classify_beat(f, i, cfg);
  for (std::size_t i = 0; i + 1 < n; ++i) {
    if (rewrites_next(labels[i])) labels[++i] = artefact_kind::none;
  }
}

template <class F>
void for_each_run(const rr_series& s, F&& f) {
  std::size_t begin = 0;
  for (std::size_t i = 1; i <= s.size(); ++i) {
    if (i == s.size() || s.after_gap[i] != 0) {
      f(begin, i);
      begin = i;
    }
  }
}

void detect_series(const rr_series& s, const lipponen_config& cfg, workspace& ws,
                   std::vector<artefact_kind>& labels) {
  ws.ensure(s.size());
  labels.assign(s.size(), artefact_kind::none);
  const std::span<const double> rr(s.rr_ms);
  for_each_run(s, [&](std::size_t b, std::size_t e) {
    detect_run(rr.subspan(b, e - b), cfg, ws, b, std::span(labels).subspan(b, e - b));
  });
}

artefact_counts count_labels(std::span<const artefact_kind> labels) noexcept {
  artefact_counts c;
  for (const artefact_kind k : labels) count_artefact(c, k);
  return c;
}

// Builds the output series run by run; `kinds_in` is the correction status of each input
// interval, `med` the median (ms) computed by the detection that produced `labels`.
class corrector {
 public:
  corrector(rr_series& out, std::vector<artefact_kind>& kinds) : out_(out), kinds_(kinds) {}

  void start_run(bool after_gap) noexcept { gap_ = after_gap; }

  void emit(double rr, double end, artefact_kind kind) {
    out_.push_back(rr, end, gap_);
    kinds_.push_back(kind);
    gap_ = false;
  }

  void pop() noexcept {
    gap_ = out_.after_gap.back() != 0;
    out_.rr_ms.pop_back();
    out_.end_s.pop_back();
    out_.after_gap.pop_back();
    kinds_.pop_back();
  }

  // Intervals a (ending at end_a) and b (ending at end_b) become their mean: the beat between
  // them moves to the midpoint of its neighbours.
  void emit_mean_pair(double rr_a, double rr_b, double end_b, artefact_kind kind) {
    const double mean = 0.5 * (rr_a + rr_b);
    emit(mean, end_b - mean / 1000.0, kind);
    emit(mean, end_b, kind);
  }

 private:
  rr_series& out_;
  std::vector<artefact_kind>& kinds_;
  bool gap_ = false;
};

void apply_corrections(const rr_series& in, std::span<const artefact_kind> kinds_in,
                       std::span<const artefact_kind> labels, std::span<const double> med,
                       rr_series& out, std::vector<artefact_kind>& kinds_out) {
  out = rr_series{};
  kinds_out.clear();
  out.rr_ms.reserve(in.size() + in.size() / 8);
  out.end_s.reserve(in.size() + in.size() / 8);
  out.after_gap.reserve(in.size() + in.size() / 8);
  kinds_out.reserve(in.size() + in.size() / 8);
  corrector c(out, kinds_out);

  for_each_run(in, [&](std::size_t b, std::size_t e) {
    c.start_run(in.after_gap[b] != 0);
    bool previous_untouched = false;  // the last emitted interval is input interval i-1 as is
    for (std::size_t i = b; i < e; ++i) {
      const artefact_kind label = labels[i];
      const double rr = in.rr_ms[i];
      const double end = in.end_s[i];
      if (label == artefact_kind::missed) {
        const double parts = std::max(2.0, std::round(rr / med[i]));
        const double step = rr / parts;
        const double start = end - rr / 1000.0;
        const auto count = static_cast<std::size_t>(parts);
        for (std::size_t p = 1; p < count; ++p) {
          c.emit(step, start + static_cast<double>(p) * step / 1000.0, label);
        }
        c.emit(step, end, label);
        previous_untouched = false;
      } else if (label == artefact_kind::extra && i + 1 < e) {
        c.emit(rr + in.rr_ms[i + 1], in.end_s[i + 1], label);
        ++i;
        previous_untouched = false;
      } else if (rewrites_next(label) && i + 1 < e) {
        c.emit_mean_pair(rr, in.rr_ms[i + 1], in.end_s[i + 1], label);
        ++i;
        previous_untouched = false;
      } else if (rewrites_next(label) && previous_untouched) {
        // Last interval of the run: move the beat that starts it instead.
        c.pop();
        c.emit_mean_pair(in.rr_ms[i - 1], rr, end, label);
        previous_untouched = false;
      } else {
        c.emit(rr, end, kinds_in[i]);
        previous_untouched = true;
      }
    }
  });
}

}  // namespace

std::vector<artefact_kind> detect_artefacts(std::span<const double> rr_ms,
                                            const lipponen_config& cfg) {
  check_config(cfg);
  check_intervals(rr_ms);
  workspace ws(cfg);
  ws.ensure(rr_ms.size());
  std::vector<artefact_kind> labels(rr_ms.size(), artefact_kind::none);
  detect_run(rr_ms, cfg, ws, 0, labels);
  return labels;
}

std::vector<artefact_kind> detect_artefacts(const rr_series& rr, const lipponen_config& cfg) {
  check_config(cfg);
  check_series(rr);
  workspace ws(cfg);
  std::vector<artefact_kind> labels;
  detect_series(rr, cfg, ws, labels);
  return labels;
}

artefact_correction correct_artefacts(const rr_series& rr, const lipponen_config& cfg) {
  check_config(cfg);
  check_series(rr);
  artefact_correction result;
  workspace ws(cfg);
  std::vector<artefact_kind> labels;
  detect_series(rr, cfg, ws, labels);
  result.detected = labels;
  result.found = count_labels(labels);

  rr_series current = rr;
  std::vector<artefact_kind> kinds(rr.size(), artefact_kind::none);
  rr_series next;
  std::vector<artefact_kind> next_kinds;
  std::size_t count = result.found.total();
  while (count > 0 && result.passes < cfg.max_passes) {
    apply_corrections(current, kinds, labels, ws.med(0, current.size()), next, next_kinds);
    std::swap(current, next);
    std::swap(kinds, next_kinds);
    ++result.passes;
    if (result.passes == cfg.max_passes) break;
    detect_series(current, cfg, ws, labels);
    const std::size_t now = count_labels(labels).total();
    if (now >= count) break;
    count = now;
  }

  result.corrected = std::move(current);
  result.corrected_intervals = static_cast<std::size_t>(std::count_if(
      kinds.begin(), kinds.end(), [](artefact_kind k) { return k != artefact_kind::none; }));
  result.correction = std::move(kinds);
  return result;
}

void count_artefact(artefact_counts& c, artefact_kind k) noexcept {
  switch (k) {
    case artefact_kind::none:
      break;
    case artefact_kind::ectopic:
      ++c.ectopic;
      break;
    case artefact_kind::missed:
      ++c.missed;
      break;
    case artefact_kind::extra:
      ++c.extra;
      break;
    case artefact_kind::long_beat:
      ++c.long_beats;
      break;
    case artefact_kind::short_beat:
      ++c.short_beats;
      break;
  }
}

artefact_kind classify_long_short(double d, double m, double a, double b, double rr_ms,
                                  double median_ms, double th2_ms, double next_rr_ms) noexcept {
  const double s22 = d >= 0.0 ? std::min(a, b) : std::max(a, b);
  bool is_long = false;
  if (d > 1.0 && s22 < -1.0) {
    is_long = true;
  } else if (d < -1.0 && s22 > 1.0) {
    is_long = false;
  } else if (m > 3.0) {
    is_long = true;
  } else if (m < -3.0) {
    is_long = false;
  } else {
    return artefact_kind::none;
  }
  if (is_long) {
    return std::abs(0.5 * rr_ms - median_ms) < th2_ms ? artefact_kind::missed
                                                      : artefact_kind::long_beat;
  }
  if (!std::isnan(next_rr_ms) && std::abs(rr_ms + next_rr_ms - median_ms) < th2_ms)
    return artefact_kind::extra;
  return artefact_kind::short_beat;
}

bool rewrites_next(artefact_kind k) noexcept {
  return k == artefact_kind::ectopic || k == artefact_kind::extra ||
         k == artefact_kind::long_beat || k == artefact_kind::short_beat;
}

}  // namespace resonant::dsp
