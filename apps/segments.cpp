#include "segments.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "dsp/time_domain.hpp"
#include "exit_codes.hpp"

namespace resonant::apps {
namespace {

constexpr double day_s = 86400.0;

std::optional<double> number_prefix(std::string_view text, std::size_t& used) {
  double v = 0.0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || !std::isfinite(v)) return std::nullopt;
  used = static_cast<std::size_t>(end - text.data());
  return v;
}

// 30s, 5min, 1h, 90 (seconds); nullopt otherwise.
std::optional<double> duration_of(std::string_view text) {
  std::size_t used = 0;
  const auto v = number_prefix(text, used);
  if (!v || *v < 0.0) return std::nullopt;
  const std::string_view unit = text.substr(used);
  if (unit.empty() || unit == "s") return *v;
  if (unit == "min") return *v * 60.0;
  if (unit == "h") return *v * 3600.0;
  return std::nullopt;
}

int two_digits(std::string_view t) {
  if (t.size() != 2 || t[0] < '0' || t[0] > '9' || t[1] < '0' || t[1] > '9') return -1;
  return (t[0] - '0') * 10 + (t[1] - '0');
}

// HH:MM or HH:MM:SS as seconds after midnight (24:00 allowed as the end of a day).
std::optional<double> time_of_day(std::string_view text) {
  if (text.size() != 5 && text.size() != 8) return std::nullopt;
  const int h = two_digits(text.substr(0, 2));
  const int m = two_digits(text.substr(3, 2));
  const int s = text.size() == 8 ? two_digits(text.substr(6, 2)) : 0;
  if (text[2] != ':' || (text.size() == 8 && text[5] != ':')) return std::nullopt;
  if (h < 0 || m < 0 || s < 0 || m > 59 || s > 59 || h > 24 || (h == 24 && (m || s)))
    return std::nullopt;
  return h * 3600.0 + m * 60.0 + s;
}

time_mark mark_of(const std::string& option, const std::string& text) {
  if (auto c = time_of_day(text)) return {*c, true};
  if (auto d = duration_of(text)) return {*d, false};
  throw std::invalid_argument(option + " " + text +
                              ": give seconds on the recording's clock (1800, 30min) or a "
                              "time of day HH:MM[:SS]");
}

clock_window window_of(const std::string& text) {
  const auto eq = text.find('=');
  const auto dash = text.find('-', eq == std::string::npos ? 0 : eq);
  const auto bad = [&] {
    return std::invalid_argument("--segment " + text +
                                 ": give a length (30s, 5min, 1h) or LABEL=HH:MM-HH:MM "
                                 "(night=00:00-06:00)");
  };
  if (eq == std::string::npos || eq == 0 || dash == std::string::npos) throw bad();
  const auto from = time_of_day(std::string_view(text).substr(eq + 1, dash - eq - 1));
  const auto to = time_of_day(std::string_view(text).substr(dash + 1));
  if (!from || !to || *from >= day_s) throw bad();
  return {text.substr(0, eq), *from, *to};
}

// A copy of the recording's description without its intervals.
drivers::rr_recording shell_of(const drivers::rr_recording& rr) {
  drivers::rr_recording shell;
  shell.path = rr.path;
  shell.kind = rr.kind;
  shell.units = rr.units;
  shell.missing = rr.missing;
  shell.warnings = rr.warnings;
  shell.skipped = rr.skipped;
  shell.skipped_lines = rr.skipped_lines;
  shell.rr_column = rr.rr_column;
  shell.time_column = rr.time_column;
  return shell;
}

void add_interval(segment& s, const drivers::rr_recording& rr, std::size_t i) {
  // The first interval of a segment has nothing before it to be separated from.
  s.rr.rr.push_back(rr.rr.rr_ms[i], rr.rr.end_s[i], rr.rr.after_gap[i] != 0 && !s.rr.rr.empty());
  if (!rr.labels.empty()) s.rr.labels.push_back(rr.labels[i]);
  s.covered_s += rr.rr.rr_ms[i] / 1000.0;
}

double begin_of(const dsp::rr_series& rr, std::size_t i) {
  return rr.end_s[i] - rr.rr_ms[i] / 1000.0;
}

// Recording-clock seconds of a --start / --end mark; clock marks at their first occurrence at
// or after `after_s`. start_of_day_s: the recording's start, seconds after its midnight.
double recording_time(const time_mark& m, double start_of_day_s, double after_s) {
  if (!m.of_day) return m.seconds;
  const double now = start_of_day_s + after_s;
  double t = std::floor(now / day_s) * day_s + m.seconds;
  if (t < now) t += day_s;
  return t - start_of_day_s;
}

}  // namespace

segment_request parse_segment_request(const std::string& segment, const std::string& start,
                                      const std::string& end) {
  segment_request r;
  if (!segment.empty()) {
    if (segment.find('=') != std::string::npos) {
      r.window = window_of(segment);
    } else {
      const auto d = duration_of(segment);
      if (!d || *d < 1.0) {
        throw std::invalid_argument("--segment " + segment +
                                    ": give a length of at least 1 s (30s, 5min, 1h) or "
                                    "LABEL=HH:MM-HH:MM (night=00:00-06:00)");
      }
      r.length_s = *d;
      r.length_label = segment;
    }
  }
  if (!start.empty()) r.start = mark_of("--start", start);
  if (!end.empty()) r.end = mark_of("--end", end);
  return r;
}

std::optional<double> clock_seconds(const std::string& iso) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  double s = 0.0;
  if (std::sscanf(iso.c_str(), "%4d-%2d-%2dT%2d:%2d:%lf", &y, &mo, &d, &h, &mi, &s) != 6)
    return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{y},
                                         std::chrono::month{static_cast<unsigned>(mo)},
                                         std::chrono::day{static_cast<unsigned>(d)}};
  if (!date.ok() || h > 23 || mi > 59 || !(s >= 0.0 && s < 61.0)) return std::nullopt;
  const auto days = std::chrono::sys_days(date).time_since_epoch().count();
  return static_cast<double>(days) * day_s + h * 3600.0 + mi * 60.0 + s;
}

std::string iso_clock(double seconds) {
  const double whole_days = std::floor(seconds / day_s);
  const std::chrono::year_month_day date{
      std::chrono::sys_days(std::chrono::days(static_cast<long>(whole_days)))};
  const double of_day = seconds - whole_days * day_s;
  const auto ms = static_cast<long>(std::llround(of_day * 1000.0));
  const long sec = ms / 1000;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ld", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), sec / 3600,
                sec / 60 % 60, sec % 60);
  std::string out = buf;
  if (ms % 1000 != 0) {
    std::snprintf(buf, sizeof buf, ".%03ld", ms % 1000);
    out += buf;
  }
  return out;
}

void for_each_segment(const segment_request& request, const drivers::rr_recording& rr,
                      double origin_s, std::optional<double> start_clock_s,
                      const std::function<void(const segment&)>& each) {
  if (rr.rr.empty()) return;
  if (request.needs_clock() && !start_clock_s) {
    throw unusable_data(rr.path +
                        ": the recording's start time is not known (no EDF or WFDB header "
                        "date-time, no date-time time column), so clock times cannot be placed; "
                        "use seconds or a length");
  }
  // Clock arithmetic from the recording's midnight: small numbers, no rounding at 1e9 s.
  const double start_of_day =
      start_clock_s ? *start_clock_s - std::floor(*start_clock_s / day_s) * day_s : 0.0;
  const dsp::rr_series& s = rr.rr;
  const std::size_t n = s.size();
  // Local times: rr's own clock (recording clock minus origin_s).
  const double first_begin = begin_of(s, 0);
  const double last_end = s.end_s.back();
  const double lo =
      request.start ? recording_time(*request.start, start_of_day, 0.0) - origin_s : first_begin;
  const double hi =
      request.end ? recording_time(*request.end, start_of_day, lo + origin_s) - origin_s : last_end;
  if (!(hi > lo) || hi <= first_begin || lo >= last_end) {
    char text[160];
    std::snprintf(text, sizeof text,
                  ": --start / --end select nothing (the intervals span %.1f-%.1f s)",
                  first_begin + origin_s, last_end + origin_s);
    throw unusable_data(rr.path + text);
  }
  const auto inside = [&](double begin) { return begin >= lo && begin < hi; };
  const drivers::rr_recording shell = shell_of(rr);
  const auto fresh = [&](std::size_t index, const std::string& label, double start_local,
                         double length, bool complete) {
    segment seg;
    seg.index = index;
    seg.label = label;
    seg.start_s = start_local + origin_s;
    seg.length_s = length;
    seg.complete = complete;
    seg.rr = shell;
    return seg;
  };

  if (request.length_s) {
    // As the SDNN index counts them (dsp/time_domain.cpp): from the first beat, the interval
    // in the segment where it starts, floor(span / length) complete segments.
    const double length = *request.length_s;
    const double total =
        request.start || request.end ? std::min(hi, last_end) - lo : dsp::duration_s(s);
    const auto complete = static_cast<std::size_t>(std::floor(total / length));
    std::vector<std::vector<std::size_t>> members;
    for (std::size_t i = 0; i < n; ++i) {
      const double begins = begin_of(s, i) - lo;
      if (!inside(begin_of(s, i))) continue;
      const auto k = static_cast<std::size_t>(std::floor(begins / length + 1e-12));
      if (k >= members.size()) members.resize(k + 1);
      members[k].push_back(i);
    }
    members.resize(std::max(members.size(), complete));
    for (std::size_t k = 0; k < members.size(); ++k) {
      segment seg = fresh(k, request.length_label, lo + static_cast<double>(k) * length, length,
                          k < complete);
      for (std::size_t i : members[k]) add_interval(seg, rr, i);
      each(seg);
    }
    return;
  }

  if (request.window) {
    const clock_window& w = *request.window;
    const double to_clock = start_of_day + origin_s;  // local time -> seconds of the first day
    const double first_day = std::floor((lo + to_clock) / day_s) - 1.0;
    const double last_day = std::floor((hi + to_clock) / day_s);
    std::size_t index = 0;
    std::size_t next = 0;
    for (double d = first_day; d <= last_day; d += 1.0) {
      const double from = d * day_s + w.from_s - to_clock;
      const double to = d * day_s + (w.to_s > w.from_s ? w.to_s : w.to_s + day_s) - to_clock;
      if (to <= lo || from >= hi) continue;
      segment seg = fresh(index++, w.label, from, to - from,
                          from >= first_begin && from >= lo && to <= last_end && to <= hi);
      while (next < n && begin_of(s, next) < from) ++next;
      for (std::size_t i = next; i < n && begin_of(s, i) < to; ++i) {
        if (inside(begin_of(s, i))) add_interval(seg, rr, i);
      }
      each(seg);
    }
    return;
  }

  segment seg = fresh(0, "stretch", lo, hi - lo, lo >= first_begin && hi <= last_end);
  for (std::size_t i = 0; i < n; ++i) {
    if (inside(begin_of(s, i))) add_interval(seg, rr, i);
  }
  each(seg);
}

}  // namespace resonant::apps
