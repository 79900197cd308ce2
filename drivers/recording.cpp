#include "drivers/recording.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <string_view>
#include <system_error>

#include "drivers/edf_reader.hpp"
#include "drivers/input_error.hpp"
#include "drivers/kubios_report.hpp"
#include "drivers/npy_reader.hpp"
#include "drivers/wfdb_record.hpp"
#include "dsp/beat_intervals.hpp"
#include "dsp/ecg_detector.hpp"
#include "dsp/ppg_detector.hpp"
#include "dsp/resample.hpp"
#include "dsp/series_shape.hpp"

// How a recording is recognised (the rules behind open_recording).
//
// By path first, for formats that span several files or are binary: a WFDB record (`100`,
// `100.hea`, `100.dat`: the signal; `100.atr`, or a record with a .atr beside it and no signal
// option: the expert annotations).
//
// Everything else is read once as text (drivers/input_bytes: stdin, pipes, gzip, UTF-16) and
// scanned as a table: blank and comment lines skipped, the separator from the first data line
// (',' ';' tab, else spaces), header lines = the lines before the first line that starts with a
// number, column names = the last header line when it has as many fields as the data. Then, in
// this order:
//  1. --input given: that kind (its own checks still apply: a rate for peaks and waveforms).
//  2. A column named like RR intervals (rr, rri, ibi, nn, nni, interval, with units: "RR (ms)",
//     "rr_ms", "RR-interval [ms]") -> RR intervals, read by the RR reader (index columns and
//     date-time columns are recognised there and not used as time).
//  3. A column named like a waveform (ECG leads, PPG, PLETH, BVP, camera R / G / B ...), or a
//     time column whose median step is under 0.1 s (many samples per second: HeartPy's
//     `timer,hr` is a PPG) -> a waveform, read by the signal reader.
//  4. Otherwise the numbers decide (dsp/series_shape): the only value column (an index column
//     that counts up by 1 is set aside), or every value in reading order when the lines differ
//     in width (Polar dumps with many intervals per line). Beat times, peak indices, RR intervals,
//     a waveform, or unsure.
// A waveform needs a rate: from a time column, from the WFDB header, or --rate; without one it is
// refused with the hint `--input ecg|ppg --rate HZ`. ECG or PPG: --input, else the column name,
// else the waveform's RMS bandwidth (dsp/series_shape); unsure is refused.
// Camera PPG (several PPG channels, `time,R,G,B`): each channel that is neither flat nor
// saturated is run through the PPG detector in both polarities over its first 5 minutes; the
// channel and polarity with the best pulse score (median beat quality x share of regular
// intervals x a polarity factor: a pulse rises in 20-40 % of the beat and falls in the rest, so
// a wave whose rise takes over half the beat is upside down and scores 0.6 of itself) is read,
// and the choice is reported; saturated or flat channels are named.
namespace resonant::drivers {
namespace {

constexpr std::size_t scan_rows = 200000;  // rows looked at to decide (bounded cost)

char lower_c(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view trim_view(std::string_view s) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '"'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

// The alphabetic words of a column name, lower case: "RR-interval [ms]" -> rr, interval, ms.
std::vector<std::string> words_of(std::string_view name) {
  std::vector<std::string> out;
  std::string word;
  for (char c : name) {
    const char l = lower_c(c);
    if ((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9')) {
      word += l;
    } else if (!word.empty()) {
      out.push_back(word);
      word.clear();
    }
  }
  if (!word.empty()) out.push_back(word);
  return out;
}

bool any_word(const std::vector<std::string>& words, std::initializer_list<std::string_view> set) {
  return std::any_of(words.begin(), words.end(), [&](const std::string& w) {
    return std::find(set.begin(), set.end(), w) != set.end();
  });
}

bool names_rr(std::string_view name) {
  const auto w = words_of(name);
  if (any_word(w, {"rr", "rri", "ibi", "nn", "nni", "interval", "intervals", "rrinterval",
                   "rrintervals", "ibis"})) {
    return true;
  }
  return std::any_of(w.begin(), w.end(), [](const std::string& x) {
    return x.starts_with("rr") && x.size() <= 4;  // rr, rrms, rr1
  });
}

bool names_time(std::string_view name) {
  const auto w = words_of(name);
  if (w.size() == 1 && w[0] == "t") return true;
  return any_word(w, {"time", "timer", "timestamp", "timestamps", "datetime", "date", "sec",
                      "seconds", "elapsed"});
}

bool names_index(std::string_view name) {
  const auto w = words_of(name);
  return w.empty() ||
         (w.size() == 1 && (w[0] == "index" || w[0] == "idx" || w[0] == "no" || w[0] == "n" ||
                            w[0] == "beat" || w[0] == "unnamed")) ||
         (w.size() == 2 && w[0] == "unnamed");
}

// ECG leads and PPG channels by name; nullopt when the name says neither.
std::optional<dsp::input_kind> names_waveform(std::string_view name) {
  const auto w = words_of(name);
  if (w.empty()) return std::nullopt;
  const std::string& first = w.front();
  if (first.starts_with("ecg") || first.starts_with("ekg") ||
      any_word(w, {"mlii", "mli", "mliii", "ml2", "avr", "avl", "avf", "v1", "v2", "v3", "v4", "v5",
                   "v6", "mv1", "mv2", "cm5", "lead"})) {
    return dsp::input_kind::ecg;
  }
  if (w.size() == 1 && (first == "i" || first == "ii" || first == "iii")) {
    return dsp::input_kind::ecg;
  }
  if (first.starts_with("ppg") || first.starts_with("pleth") || first.starts_with("bvp") ||
      any_word(w, {"pulse", "red", "green", "blue", "ir", "infrared", "r", "g", "b"})) {
    return dsp::input_kind::ppg;
  }
  return std::nullopt;
}

bool is_missing(std::string_view f) {
  std::string l;
  for (char c : f) l += lower_c(c);
  return l.empty() || l == "nan" || l == "na" || l == "n/a" || l == "null" || l == "-nan";
}

std::optional<double> number(std::string_view f) {
  if (!f.empty() && f.front() == '+') f.remove_prefix(1);
  if (f.empty()) return std::nullopt;
  double v = 0.0;
  const auto [end, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
  if (ec != std::errc{} || end != f.data() + f.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

void split_line(std::string_view line, std::vector<std::string_view>& out) {
  out.clear();
  const bool hard = line.find_first_of(",;\t") != std::string_view::npos;
  std::size_t start = 0;
  if (hard) {
    for (std::size_t i = 0; i <= line.size(); ++i) {
      if (i == line.size() || line[i] == ',' || line[i] == ';' || line[i] == '\t') {
        out.push_back(trim_view(line.substr(start, i - start)));
        start = i + 1;
      }
    }
    return;
  }
  while (start < line.size()) {
    while (start < line.size() && (line[start] == ' ' || line[start] == '\r')) ++start;
    if (start >= line.size()) break;
    std::size_t end = start;
    while (end < line.size() && line[end] != ' ' && line[end] != '\r') ++end;
    out.push_back(line.substr(start, end - start));
    start = end;
  }
}

// The first rows of a text table.
struct table_scan {
  std::vector<std::string> names;  // empty: no header naming the columns
  std::size_t width = 0;           // fields on the first data line
  bool uniform = true;
  std::size_t rows = 0;
  std::vector<std::vector<double>> columns;  // NaN where missing or not a number
  std::vector<double> flat;                  // every number in reading order
};

table_scan scan_table(std::string_view text) {
  table_scan t;
  std::vector<std::string_view> fields;
  std::string_view header;
  std::size_t pos = 0;
  bool data = false;
  while (pos < text.size() && t.rows < scan_rows) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = trim_view(text.substr(pos, end - pos));
    pos = end + 1;
    if (line.empty() || line.front() == '#' || line.front() == '%' || line.starts_with("//")) {
      continue;
    }
    split_line(line, fields);
    if (fields.empty()) continue;
    if (!data) {
      std::size_t numbers = 0;
      for (auto f : fields) numbers += number(f) ? 1 : 0;
      const bool mostly_numbers = fields.size() >= 2 && 2 * numbers >= fields.size();
      if (!number(fields.front()) && !is_missing(fields.front()) && !mostly_numbers) {
        header = line;
        continue;
      }
      data = true;
      t.width = fields.size();
      t.columns.resize(t.width);
      if (!header.empty()) {
        std::vector<std::string_view> names;
        split_line(header, names);
        // "time;rr;" over "1.0;800;": a trailing empty name matches a trailing empty field.
        if (names.size() == t.width) {
          for (auto n : names) t.names.emplace_back(n);
        } else if (t.width == 1) {
          t.names.emplace_back(header);
        }
      }
    }
    ++t.rows;
    t.uniform = t.uniform && fields.size() == t.width;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const auto v = number(fields[i]);
      if (v) t.flat.push_back(*v);
      if (i < t.width) t.columns[i].push_back(v.value_or(std::numeric_limits<double>::quiet_NaN()));
    }
    for (std::size_t i = fields.size(); i < t.width; ++i) {
      t.columns[i].push_back(std::numeric_limits<double>::quiet_NaN());
    }
  }
  return t;
}

std::vector<double> finite_only(const std::vector<double>& v) {
  std::vector<double> out;
  out.reserve(v.size());
  for (double x : v) {
    if (std::isfinite(x)) out.push_back(x);
  }
  return out;
}

// A column that counts up by exactly 1 (from any start): an index.
bool counts_up(const std::vector<double>& v) {
  std::size_t steps = 0;
  std::size_t ones = 0;
  for (std::size_t i = 1; i < v.size(); ++i) {
    if (!std::isfinite(v[i]) || !std::isfinite(v[i - 1])) continue;
    ++steps;
    if (v[i] - v[i - 1] == 1.0 && v[i] == std::floor(v[i])) ++ones;
  }
  return steps >= 2 && ones + 1 >= steps;
}

std::string fmt(double x) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.4g", x);
  return buf;
}

std::string quoted_name(const std::string& s) {
  return "\"" + printable(s, 40) + "\"";
}

std::string hint_waveform() {
  return "give --input ecg --rate HZ or --input ppg --rate HZ";
}

// ---- beat times and peak indices ---------------------------------------------------------------

// Intervals between successive beat times (already in seconds). A missing time leaves a gap; a
// time that does not increase is skipped as a gap (strict: an error).
rr_recording intervals_from_times(const std::vector<double>& t_s, const std::string& name,
                                  const std::string& kind, const std::string& units, bool strict) {
  rr_recording rec;
  rec.path = name;
  rec.kind = kind;
  rec.units = units;
  // NaN for "none" (plain doubles: GCC 12 at -O1 under TSan took a std::optional<double> read
  // behind has_value() for a maybe-uninitialized one).
  constexpr double none = std::numeric_limits<double>::quiet_NaN();
  double origin = none;
  double previous = none;  // the beat before, unless a missing value came between
  double last = none;      // the last beat time taken, across gaps too
  bool gap = false;
  for (std::size_t i = 0; i < t_s.size(); ++i) {
    const double t = t_s[i];
    if (!std::isfinite(t)) {
      ++rec.missing;
      gap = !std::isnan(previous);
      previous = none;
      continue;
    }
    // Times must increase across a gap too, or the time axis would run back (found by fuzzing).
    if (!std::isnan(last) && !(t > last)) {
      const std::string why = "beat time " + fmt(t) + " is not after the previous one " +
                              fmt(last) + " (value " + std::to_string(i + 1) + ")";
      if (strict) throw input_error(name, 0, why);
      if (rec.skipped++ < 20) rec.skipped_lines.push_back({0, why});
      gap = !std::isnan(previous) || gap;
      previous = none;  // no interval spans the value skipped
      continue;
    }
    if (!std::isnan(previous)) {
      if (std::isnan(origin)) origin = previous;
      rec.rr.push_back((t - previous) * 1000.0, t - origin, gap && !rec.rr.empty());
      gap = false;
    }
    previous = t;
    last = t;
  }
  if (rec.skipped > 0) {
    rec.warnings.push_back(std::to_string(rec.skipped) +
                           " beat time(s) not increasing, skipped as gaps");
  }
  if (rec.rr.empty()) throw input_error(name, 0, "holds fewer than two usable beat times");
  return rec;
}

// ---- waveforms ---------------------------------------------------------------------------------

struct channel_score {
  double score = 0.0;
  std::size_t beats = 0;
  double rise_share = 0.5;  // median share of the beat interval from the lowest point to the peak
};

// Pulse quality of a PPG channel: median beat quality x share of intervals within 20 % of the
// median interval x 0.6 when the wave rises slowly and falls fast (upside down), over the first
// 5 minutes.
channel_score pulse_score(const std::vector<double>& samples, double fs_hz, bool invert,
                          bool ecg = false) {
  const auto n = std::min(samples.size(), static_cast<std::size_t>(300.0 * fs_hz));
  std::vector<double> x(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(n));
  if (invert) {
    for (double& v : x) v = -v;
  }
  std::vector<dsp::beat_event> beats;
  if (ecg) {
    dsp::ecg_detector_config cfg;
    cfg.sample_rate_hz = fs_hz;
    beats = dsp::detect_ecg_beats(x, cfg);
  } else {
    dsp::ppg_detector_config cfg;
    cfg.sample_rate_hz = fs_hz;
    beats = dsp::detect_ppg_beats(x, cfg);
  }
  channel_score out;
  out.beats = beats.size();
  if (beats.size() < 5) return out;
  std::vector<double> q;
  for (const auto& b : beats) q.push_back(b.flag == dsp::signal_flag::ok ? b.quality : 0.0);
  std::nth_element(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(q.size() / 2), q.end());
  const double quality = q[q.size() / 2];
  std::vector<double> rr;
  for (std::size_t i = 1; i < beats.size(); ++i) {
    rr.push_back(beats[i].time_s(fs_hz) - beats[i - 1].time_s(fs_hz));
  }
  std::vector<double> sorted = rr;
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2),
                   sorted.end());
  const double med = sorted[sorted.size() / 2];
  std::size_t regular = 0;
  for (double r : rr) {
    if (std::abs(r - med) <= 0.2 * med && med >= 0.3 && med <= 2.0) ++regular;
  }
  // Polarity: a pulse rises fast (systole) and falls slowly, so the lowest point between two
  // peaks lies in the later part of the interval (rise share 0.2-0.4). Upside down, the detector
  // finds the feet, and the share is over one half.
  std::vector<double> rise;
  for (std::size_t i = 1; i < beats.size(); ++i) {
    const auto a = static_cast<std::size_t>(std::max<std::int64_t>(0, beats[i - 1].sample));
    const auto b = static_cast<std::size_t>(
        std::min<std::int64_t>(beats[i].sample, static_cast<std::int64_t>(x.size()) - 1));
    if (b <= a + 2) continue;
    const auto lowest = std::min_element(x.begin() + static_cast<std::ptrdiff_t>(a),
                                         x.begin() + static_cast<std::ptrdiff_t>(b));
    const auto m = static_cast<std::size_t>(lowest - x.begin());
    rise.push_back(static_cast<double>(b - m) / static_cast<double>(b - a));
  }
  if (!rise.empty()) {
    std::nth_element(rise.begin(), rise.begin() + static_cast<std::ptrdiff_t>(rise.size() / 2),
                     rise.end());
    out.rise_share = rise[rise.size() / 2];
  }
  const double upright = ecg || out.rise_share <= 0.5 ? 1.0 : 0.6;
  out.score = std::max(0.0, quality) * upright * static_cast<double>(regular) /
              static_cast<double>(rr.size());
  return out;
}

// "R is at 255 in 97 % of frames" / "G is flat": a channel that carries no pulse.
std::optional<std::string> dead_channel(const std::string& name, const std::vector<double>& v) {
  if (v.empty()) return name + " holds no samples";
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  if (*lo == *hi) return name + " is flat (" + fmt(*lo) + " in every frame)";
  std::size_t at_max = 0;
  std::size_t at_min = 0;
  for (double x : v) {
    at_max += x == *hi ? 1 : 0;
    at_min += x == *lo ? 1 : 0;
  }
  const double share =
      static_cast<double>(std::max(at_max, at_min)) / static_cast<double>(v.size());
  if (share >= 0.5) {
    return name + " is at " + fmt(at_max >= at_min ? *hi : *lo) + " in " + fmt(100.0 * share) +
           " % of frames (saturated)";
  }
  return std::nullopt;
}

signal_file_options signal_options(const open_options& o) {
  signal_file_options so;
  so.column = o.column;
  so.rate_hz = o.rate_hz;
  so.invert = o.invert;
  so.strict = o.strict;
  if (o.input == dsp::input_kind::ecg) so.signal = "ecg";
  if (o.input == dsp::input_kind::ppg) so.signal = "ppg";
  return so;
}

// Sets the waveform's kind when neither --input nor the column name said it.
void settle_waveform_kind(recording& r) {
  signal_recording& sig = *r.signal;
  if (sig.kind) {
    r.kind = *sig.kind;
    return;
  }
  double bandwidth = 0.0;
  const auto kind = dsp::waveform_kind_by_shape(sig.samples, sig.fs_hz, bandwidth);
  if (!kind) {
    throw input_error(r.path, 0,
                      "column " + quoted_name(sig.column) +
                          " is a waveform, but its shape does not tell ECG from PPG (RMS "
                          "bandwidth " +
                          fmt(bandwidth) + " Hz): give --input ecg or --input ppg");
  }
  sig.kind = *kind;
  r.kind = *kind;
  r.decided_by += "; " + std::string(dsp::to_string(*kind)) + " by its shape (RMS bandwidth " +
                  fmt(bandwidth) + " Hz: ECG >= 4.5, PPG <= 3.6)";
}

// Camera PPG and other files with several PPG channels: the best channel and polarity. Several
// ECG leads (ecg = true): the best lead (the ECG detector finds R peaks of either polarity, so
// only the lead is chosen).
void choose_channel(recording& r, std::string_view text, const table_scan& t, const open_options& o,
                    bool ecg) {
  const dsp::input_kind wanted = ecg ? dsp::input_kind::ecg : dsp::input_kind::ppg;
  std::vector<std::size_t> candidates;
  for (std::size_t i = 0; i < t.names.size(); ++i) {
    if (names_waveform(t.names[i]) == wanted) candidates.push_back(i);
  }
  std::vector<std::string> dead;
  double best = -1.0;
  std::string chosen;
  bool chosen_invert = false;
  std::optional<signal_recording> chosen_signal;
  std::string scores;
  for (std::size_t c : candidates) {
    signal_file_options so = signal_options(o);
    so.column = std::to_string(c);
    so.signal = ecg ? "ecg" : "ppg";
    so.invert = false;
    signal_recording sig = read_signal_text(text, r.path, so);
    if (auto why = dead_channel(t.names[c], finite_only(t.columns[c]))) {
      dead.push_back(*why);
      continue;
    }
    for (bool inv : {false, true}) {
      if (ecg && inv) continue;
      const channel_score s = pulse_score(sig.samples, sig.fs_hz, inv, ecg);
      scores += (scores.empty() ? "" : ", ") + t.names[c] + (inv ? " inverted " : " ") +
                fmt(s.score) + " (rise " + fmt(s.rise_share) + ")";
      if (s.score > best) {
        best = s.score;
        chosen = t.names[c];
        chosen_invert = inv;
        chosen_signal = sig;
      }
    }
  }
  for (const auto& d : dead) r.notes.push_back(d);
  if (!chosen_signal || best <= 0.05) {
    std::string why = dead.empty() ? "no channel shows a regular pulse" : dead.front();
    for (std::size_t i = 1; i < dead.size(); ++i) why += "; " + dead[i];
    throw input_error(r.path, 0,
                      std::string(ecg ? "no usable ECG lead (" : "no usable pulse channel (") +
                          why + (scores.empty() ? "" : "; scores: " + scores) +
                          "): give --column and --invert if the pulse goes down");
  }
  if (chosen_invert) {
    for (double& v : chosen_signal->samples) v = -v;
  }
  r.signal = std::move(*chosen_signal);
  r.inverted = chosen_invert;
  r.kind = wanted;
  r.decided_by = std::string(ecg ? "several ECG leads: " : "several PPG channels: ") + chosen +
                 (chosen_invert ? " inverted" : "") + " has the best " + (ecg ? "beats" : "pulse") +
                 " (score " + fmt(best) +
                 " = median beat quality x share of "
                 "regular intervals; " +
                 scores + ")";
}

recording open_waveform_text(recording r, std::string_view text, const table_scan& t,
                             const open_options& o) {
  std::size_t ppg_named = 0;
  std::size_t ecg_named = 0;
  for (const auto& n : t.names) {
    ppg_named += names_waveform(n) == dsp::input_kind::ppg ? 1 : 0;
    ecg_named += names_waveform(n) == dsp::input_kind::ecg ? 1 : 0;
  }
  if (!o.column && ppg_named >= 2 && o.input != dsp::input_kind::ecg &&
      (ecg_named == 0 || o.input == dsp::input_kind::ppg)) {
    choose_channel(r, text, t, o, false);
    return r;
  }
  if (!o.column && ecg_named >= 2 && o.input != dsp::input_kind::ppg &&
      (ppg_named == 0 || o.input == dsp::input_kind::ecg)) {
    choose_channel(r, text, t, o, true);
    return r;
  }
  r.signal = read_signal_text(text, r.path, signal_options(o));
  r.inverted = o.invert;
  settle_waveform_kind(r);
  return r;
}

// ---- the decision ------------------------------------------------------------------------------

bool is_kubios_report(std::string_view text) {
  const std::string_view head = text.substr(0, 4096);
  return head.find("HRV ANALYSIS RESULTS") != std::string_view::npos ||
         (head.find("Kubios HRV") != std::string_view::npos &&
          text.find("RR INTERVAL DATA") != std::string_view::npos);
}

recording open_text(recording r, const std::string& text, const open_options& o) {
  if (is_kubios_report(text) && (!o.input || o.input == dsp::input_kind::rr)) {
    kubios_report k = parse_kubios_report(text, r.path);
    if (k.rr.empty()) {
      throw input_error(r.path, 0,
                        "is a Kubios HRV report without its RR data block (export the report "
                        "with the RR data, or analyse the RR file with --settings-from)");
    }
    rr_recording rec;
    rec.path = r.path;
    rec.kind = "rr";
    rec.units = "s";
    rec.rr = std::move(k.rr);
    for (const auto& ignored : k.parameters.ignored) {
      rec.warnings.push_back("Kubios setting not applied: " + ignored);
    }
    r.kubios_settings = k.parameters;
    r.intervals = std::move(rec);
    r.kind = dsp::input_kind::rr;
    r.decided_by =
        "a Kubios HRV report: the RR data block (beat times from the Time column), "
        "analysed with the report's own settings";
    return r;
  }
  const table_scan t = scan_table(text);
  if (t.rows == 0) throw input_error(r.path, 0, "contains no numbers (no data lines)");

  rr_file_options ro;
  ro.units = o.units;
  ro.first_is_offset = o.first_is_offset;
  ro.strict = o.strict;
  const auto read_rr = [&](recording rec) {
    rec.intervals = read_rr_text(text, rec.path, ro);
    rec.kind = dsp::input_kind::rr;
    return rec;
  };

  // Columns by name.
  std::optional<std::size_t> rr_col;
  std::optional<std::size_t> time_col;
  std::optional<std::size_t> wave_col;
  std::vector<std::size_t> value_cols;  // neither time nor index
  for (std::size_t i = 0; i < t.names.size(); ++i) {
    const std::string& n = t.names[i];
    if (!rr_col && names_rr(n)) {
      rr_col = i;
      value_cols.push_back(i);
    } else if (!time_col && names_time(n)) {
      time_col = i;
    } else if (names_index(n) && counts_up(t.columns[i])) {
      continue;
    } else {
      if (!wave_col && names_waveform(n)) wave_col = i;
      value_cols.push_back(i);
    }
  }
  if (t.names.empty()) {
    for (std::size_t i = 0; i < t.width; ++i) {
      if (t.width > 1 && i == 0 && counts_up(t.columns[0])) continue;
      value_cols.push_back(i);
    }
  }
  const double time_step = time_col ? dsp::median_step(t.columns[*time_col]) : 0.0;

  // 1. The user said.
  if (o.input) {
    r.decided_by = "--input " + std::string(dsp::to_string(*o.input));
    switch (*o.input) {
      case dsp::input_kind::rr:
        return read_rr(std::move(r));
      case dsp::input_kind::ecg:
      case dsp::input_kind::ppg:
        return open_waveform_text(std::move(r), text, t, o);
      case dsp::input_kind::beat_times:
      case dsp::input_kind::peaks:
        break;
      case dsp::input_kind::annotations:
        throw input_error(r.path, 0,
                          "--input annotations reads WFDB .atr files; this is a text file");
    }
  }

  // 2.-4. By names, then by the numbers.
  std::string reason;
  std::optional<dsp::input_kind> kind = o.input;
  bool in_ms = false;
  std::vector<double> series;
  std::string series_from;
  if (!kind && rr_col) {
    r.decided_by = "the header names column " + quoted_name(t.names[*rr_col]) + " as RR intervals";
    return read_rr(std::move(r));
  }
  if (!kind && (wave_col || (time_col && time_step > 0.0 && time_step < 0.1) ||
                (time_col && time_step >= 5.0 && time_step < 100.0))) {
    // A time column with steps under 0.1 s (or 5-100 ms) has many samples per second.
    r.decided_by =
        wave_col ? "the header names column " + quoted_name(t.names[*wave_col]) + " as a waveform"
                 : "time column " + quoted_name(t.names[*time_col]) + " steps by " +
                       fmt(time_step) + ": many samples per second, a waveform";
    return open_waveform_text(std::move(r), text, t, o);
  }
  if (o.column) {
    // The user picked a column: its numbers decide.
    std::optional<std::size_t> picked;
    for (std::size_t i = 0; i < t.names.size(); ++i) {
      if (t.names[i] == *o.column) picked = i;
    }
    if (!picked) {
      std::size_t idx = 0;
      const auto [p, ec] =
          std::from_chars(o.column->data(), o.column->data() + o.column->size(), idx);
      if (ec == std::errc{} && p == o.column->data() + o.column->size() && idx < t.width)
        picked = idx;
    }
    if (!picked) {
      std::string listing;
      for (std::size_t i = 0; i < t.width; ++i) {
        listing += (listing.empty() ? "" : ", ") +
                   (i < t.names.size() ? quoted_name(t.names[i]) : std::to_string(i));
      }
      throw input_error(r.path, 0,
                        "has no column " + quoted_name(*o.column) + " (columns: " + listing + ")");
    }
    value_cols = {*picked};
  }
  if (value_cols.size() == 1 && t.uniform) {
    series = finite_only(t.columns[value_cols.front()]);
    series_from = t.names.empty() ? (t.width == 1 ? "one column"
                                                  : "column " + std::to_string(value_cols.front()))
                                  : "column " + quoted_name(t.names[value_cols.front()]);
  } else if (!t.uniform || t.rows <= 2 || (t.names.empty() && t.width > 2)) {
    series = t.flat;
    series_from = "all " + std::to_string(t.flat.size()) + " values in reading order";
  } else if (t.names.empty() && t.width == 2) {
    // Two unnamed columns: time and value, or value and something else.
    series = finite_only(t.columns[1]);
    series_from = "the second of two columns";
  } else {
    std::string listing;
    for (auto c : value_cols)
      listing += (listing.empty() ? "" : ", ") +
                 (c < t.names.size() ? quoted_name(t.names[c]) : std::to_string(c));
    throw input_error(r.path, 0,
                      "has several value columns (" + listing +
                          ") and none is named like RR intervals, ECG or PPG: give --column NAME "
                          "and --input rr|ecg|ppg");
  }
  const dsp::series_shape shape = dsp::describe_series(series);
  const dsp::shape_decision d = dsp::classify_series(shape);
  if (!kind) {
    kind = d.kind;
    in_ms = d.milliseconds;
    reason = series_from + ": " + d.reason;
  } else {
    // beat-times / peaks given by the user: units of beat times by the step.
    in_ms = shape.median_step > 20.0;
    reason = "--input " + std::string(dsp::to_string(*kind));
  }
  if (!kind) {
    throw input_error(r.path, 0,
                      "cannot tell what the numbers are (" + reason +
                          "): give --input rr, --input beat-times, or " + hint_waveform());
  }
  r.decided_by = reason;
  switch (*kind) {
    case dsp::input_kind::rr: {
      if (o.units != rr_units::auto_detect) {
        const double scale = o.units == rr_units::ms ? 1.0 : 1000.0;
        const double median_ms = shape.median * scale;
        if (median_ms < 200.0 || median_ms > 3000.0) {
          throw input_error(r.path, 0,
                            "with --units " + std::string(o.units == rr_units::ms ? "ms" : "s") +
                                " the median interval would be " + fmt(median_ms) +
                                " ms, outside 200-3000 ms: the values look like " +
                                (in_ms ? "ms" : "s") + " (drop --units or give --units " +
                                (in_ms ? "ms" : "s") + ")");
        }
      }
      return read_rr(std::move(r));
    }
    case dsp::input_kind::beat_times: {
      std::vector<double> times =
          t.uniform && value_cols.size() == 1 ? t.columns[value_cols.front()] : t.flat;
      if (t.rows >= scan_rows) {
        throw input_error(r.path, 0,
                          "beat-time files are read up to " + std::to_string(scan_rows) + " lines");
      }
      const double scale = in_ms ? 1e-3 : 1.0;
      for (double& v : times) v *= scale;
      r.intervals = intervals_from_times(times, r.path, "beat-times", in_ms ? "ms" : "s", o.strict);
      r.kind = dsp::input_kind::beat_times;
      return r;
    }
    case dsp::input_kind::peaks: {
      if (!o.rate_hz) {
        throw input_error(r.path, 0,
                          "holds increasing whole numbers (" + reason +
                              "): sample indices of beats? give --input peaks --rate HZ");
      }
      std::vector<double> times =
          t.uniform && value_cols.size() == 1 ? t.columns[value_cols.front()] : t.flat;
      for (double& v : times) v /= *o.rate_hz;
      r.intervals = intervals_from_times(times, r.path, "peaks", "samples", o.strict);
      r.kind = dsp::input_kind::peaks;
      r.decided_by += "; at " + fmt(*o.rate_hz) + " Hz";
      return r;
    }
    case dsp::input_kind::ecg:
    case dsp::input_kind::ppg:
      if (!o.rate_hz && !time_col) {
        throw input_error(r.path, 0,
                          "looks like a waveform, not beat intervals (" + reason +
                              "), and has no time column: " + hint_waveform());
      }
      return open_waveform_text(std::move(r), text, t, o);
    case dsp::input_kind::annotations:
      break;
  }
  throw input_error(r.path, 0, "cannot be read as " + std::string(dsp::to_string(*kind)));
}

// Several leads or channels in a binary record (WFDB, EDF): --column picks one (name or 0-based
// index); otherwise the one waveform channel, or among several ECG leads (or several PPG
// channels) the one whose beats are best (median beat quality x share of regular intervals over
// the first 5 minutes). The choice is reported.
template <class Read>
recording open_channels(recording r, const std::vector<channel_info>& channels, Read read,
                        const open_options& o, const std::string& what) {
  const auto listing = [&] {
    std::string out;
    for (std::size_t i = 0; i < channels.size(); ++i) {
      out += (out.empty() ? "" : ", ") + std::to_string(i) + " " + quoted_name(channels[i].name);
    }
    return out;
  };
  if (channels.empty()) throw input_error(r.path, 0, "holds no signal channel");
  std::optional<std::size_t> chosen;
  if (o.column) {
    for (std::size_t i = 0; i < channels.size() && !chosen; ++i) {
      std::string a = channels[i].name;
      std::string b = *o.column;
      for (char& c : a) c = lower_c(c);
      for (char& c : b) c = lower_c(c);
      if (a == b) chosen = i;
    }
    if (!chosen) {
      std::size_t idx = 0;
      const auto [ptr, ec] =
          std::from_chars(o.column->data(), o.column->data() + o.column->size(), idx);
      if (ec == std::errc{} && ptr == o.column->data() + o.column->size() &&
          idx < channels.size()) {
        chosen = idx;
      }
    }
    if (!chosen) {
      throw input_error(
          r.path, 0, "has no channel " + quoted_name(*o.column) + " (channels: " + listing() + ")");
    }
    r.decided_by = what + ", channel " + quoted_name(channels[*chosen].name) + " (--column)";
  } else if (channels.size() == 1) {
    chosen = 0;
    r.decided_by = what + ", its only channel " + quoted_name(channels[0].name);
  } else {
    std::vector<std::size_t> ecg;
    std::vector<std::size_t> ppg;
    for (std::size_t i = 0; i < channels.size(); ++i) {
      const auto k = names_waveform(channels[i].name);
      if (k == dsp::input_kind::ecg) ecg.push_back(i);
      if (k == dsp::input_kind::ppg) ppg.push_back(i);
    }
    const bool want_ppg = o.input == dsp::input_kind::ppg || (ecg.empty() && !ppg.empty());
    const std::vector<std::size_t>& pool = want_ppg ? ppg : ecg;
    if (pool.empty()) {
      throw input_error(r.path, 0,
                        "has several channels and none is named like an ECG lead or a PPG "
                        "channel: give --column (channels: " +
                            listing() + ")");
    }
    double best = -1.0;
    std::string scores;
    for (std::size_t i : pool) {
      const signal_recording sig = read(i);
      const channel_score sc = pulse_score(sig.samples, sig.fs_hz, false, !want_ppg);
      scores += (scores.empty() ? "" : ", ") + channels[i].name + " " + fmt(sc.score);
      if (sc.score > best) {
        best = sc.score;
        chosen = i;
      }
    }
    r.decided_by = what + ": " + std::string(want_ppg ? "PPG channel " : "ECG lead ") +
                   quoted_name(channels[*chosen].name) +
                   (pool.size() > 1 ? " has the best beats (median beat quality x share of "
                                      "regular intervals: " +
                                          scores + ")"
                                    : " is the only one named so");
  }
  r.signal = read(*chosen);
  r.inverted = o.invert;
  settle_waveform_kind(r);
  return r;
}

bool has_sibling(const std::filesystem::path& record, const char* ext) {
  std::filesystem::path p = record;
  p += ext;
  std::error_code ec;
  return std::filesystem::is_regular_file(p, ec);
}

// The beat detectors' rate ranges (dsp/ecg_detector, dsp/ppg_detector: the PPG band ends at
// 8 Hz), checked at the door so that a wrong --rate is named as such.
recording checked_rate(recording r) {
  if (!r.signal) return r;
  const bool ecg = r.kind == dsp::input_kind::ecg;
  const double low = ecg ? 50.0 : 20.0;
  const double fs = r.signal->fs_hz;
  if (!(fs >= low && fs <= 4000.0)) {
    throw input_error(r.path, 0,
                      std::string(ecg ? "ECG" : "PPG") + " at " + fmt(fs) +
                          " Hz: beat detection needs " + fmt(low) +
                          " to 4000 Hz (check --rate, or the file's rate)");
  }
  return r;
}

recording open_recording_any(const std::string& path, const open_options& o);

}  // namespace

recording open_recording_text(const std::string& text, const std::string& name,
                              const open_options& options) {
  recording r;
  r.path = printable(name, 200);
  return checked_rate(open_text(std::move(r), text, options));
}

recording open_recording(const std::string& path, const open_options& o) {
  return checked_rate(open_recording_any(path, o));
}

namespace {

recording open_recording_any(const std::string& path, const open_options& o) {
  recording r;
  r.path = display_name(path);
  if (o.rate_hz && (!(*o.rate_hz > 0.0) || !std::isfinite(*o.rate_hz) || *o.rate_hz > 1e6)) {
    throw input_error(r.path, 0, "--rate must be a sampling rate between 0 and 1000000 Hz");
  }
  const bool wants_signal = o.input && dsp::is_waveform(*o.input);
  const std::filesystem::path p(path);
  const auto ext = p.extension();
  // WFDB: annotations or the signal, by the path.
  if (path != "-") {
    const bool record_name = !p.has_extension() && has_sibling(p, ".hea");
    const bool atr = ext == ".atr" || (record_name && has_sibling(p, ".atr"));
    if (atr && !wants_signal && !o.column && !o.rate_hz) {
      r.intervals = read_rr_recording(p, {});
      r.kind = dsp::input_kind::annotations;
      r.decided_by = "WFDB beat annotations";
      return r;
    }
    if (ext == ".hea" || ext == ".dat" || ext == ".mat" || record_name ||
        (ext == ".atr" && wants_signal)) {
      std::filesystem::path rec = p;
      if (ext == ".atr") rec.replace_extension();
      const signal_file_options so = signal_options(o);
      return open_channels(
          std::move(r), wfdb_channels(rec),
          [&](std::size_t i) { return read_wfdb_channel(rec, i, so); }, o, "WFDB record");
    }
    // Binary formats by their first bytes (regular files only: a stream is read once, below).
    std::error_code ec;
    if (std::filesystem::is_regular_file(p, ec)) {
      std::string head(16, '\0');
      if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
        head.resize(std::fread(head.data(), 1, head.size(), f));
        std::fclose(f);
      }
      if (looks_like_edf(head)) {
        const signal_file_options so = signal_options(o);
        return open_channels(
            std::move(r), edf_channels(p),
            [&](std::size_t i) { return read_edf_channel(p, i, so); }, o, "EDF / BDF file");
      }
      if (looks_like_npy(head)) {
        // The values go through the same decision as one column of text.
        const npy_array a = read_npy(p);
        std::string text;
        text.reserve(a.values.size() * 12);
        std::array<char, 32> buf{};
        for (double v : a.values) {
          if (std::isfinite(v)) {
            const auto res = std::to_chars(buf.data(), buf.data() + buf.size(), v);
            text.append(buf.data(), res.ptr);
          } else {
            text += "nan";
          }
          text += '\n';
        }
        r.notes.push_back("NumPy array, dtype " + a.dtype + ", " + std::to_string(a.values.size()) +
                          " values");
        return open_text(std::move(r), text, o);
      }
    }
  }
  input_bytes in = read_input(path, o.limits);
  r.notes = std::move(in.notes);
  return open_text(std::move(r), in.text, o);
}

}  // namespace

}  // namespace resonant::drivers
