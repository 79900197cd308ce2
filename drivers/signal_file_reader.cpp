#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "drivers/file_bytes.hpp"
#include "drivers/input_bytes.hpp"
#include "drivers/input_error.hpp"
#include "drivers/signal_recording.hpp"
#include "drivers/text_fields.hpp"
#include "drivers/wfdb_record.hpp"
#include "dsp/resample.hpp"

// Waveform files: CSV / text columns; WFDB records are handed to wfdb_record.cpp.
//
// How: the file is loaded whole and split into lines once (views into the buffer); the values of
// the one column that is read (and of the time column) are converted with std::from_chars
// straight into the output vector.
//
// Text files:
//  - A UTF-8 byte-order mark is skipped; '\r' before '\n' is dropped; blank lines and comment
//    lines (first non-blank characters #, % or //) are skipped.
//  - Separator: the first line decides: ',' if it has one, else ';', else tab, else runs of
//    spaces. Fields are trimmed and surrounding double quotes removed.
//  - Header: the first line is a header when any of its fields is not a number; otherwise there
//    is no header and columns are addressed by 0-based index (named "column N").
//  - Time column: a header named time, timer, timestamp, timestamps, datetime or t, optionally
//    with a unit; its values are numbers or ISO 8601 date-times ("2021-03-04 10:11:12.345",
//    HeartPy's `datetime,hr`: read as seconds, the first one kept as the start time); a numeric
//    column may carry a unit
//    "(ms)", "[s]", "_ms", ... The unit comes from the header, else from the median step
//    (> 5 means ms, else s: camera frames at 30 fps are 33 ms apart, a 200 Hz file in seconds
//    steps 0.005). Time-stamped values are resampled onto a uniform grid at
//    options.resample_hz by linear interpolation between the neighbouring samples; the grid
//    starts at the first time stamp and ends at or before the last. A sample whose time stamp
//    does not increase is dropped (counted in a warning); a step over max(0.25 s, 5 x the
//    median step) is a gap (signal_recording::gaps): each stretch between gaps is resampled on
//    its own grid, nothing is bridged. A median step over 0.1 s (under 10 Hz) is refused: too
//    sparse for a waveform. source_mean_rate_hz is (kept samples - 1) / (last time -
//    first time). The resampled length is checked (2e8 samples at most) before allocation.
//  - Empty cells and NaN / NA / null in the value column are gaps (untimed files: a run of k
//    missing samples is a gap of k / rate seconds); a bad line is a gap with a warning naming
//    the first one, or an error with options.strict.
//  - Without a time column the rate is options.rate_hz (required; the error says to give
//    --rate). With a time column options.rate_hz is ignored (warning).
//  - Value column: options.column (header name, case-insensitive, with or without its unit, or a
//    0-based index). Otherwise the only non-time column; otherwise the first column whose name
//    says ECG (ecg*, ekg*, MLII, I..III, aVR/aVL/aVF, V1..V6, ...) or PPG (ppg*, pleth*, bvp*,
//    pulse, R/G/B, red/green/blue, ir) of the kind options.signal asks for, or, without
//    options.signal, of the only kind present. Anything else is an error listing the columns.
//  - kind: options.signal, else by the column name as above, else "".
//  - Only the time and value columns are converted; a data line must have enough fields for
//    them.
//
// WFDB records: wfdb_record.cpp (read_wfdb_signal; same options, invert included).
//
// options.invert negates the samples after everything else.
namespace resonant::drivers {

namespace {

struct file_closer {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};

using text::iequals;
using text::in_quotes;
using text::is_blank;
using text::join;
using text::kind_of_name;
using text::lower;
using text::parse_integer;
using text::parse_number;
using text::trim;
using text::unquote;

// A column name split into its base and the unit written with it: "time (ms)", "time[s]",
// "time_ms" -> {"time", "ms"}.
struct column_name {
  std::string base;  // lower case
  std::string unit;  // lower case, "" when none
};

column_name split_unit(std::string_view raw) {
  std::string n = lower(trim(raw));
  for (const auto& [open, close] : {std::pair{'(', ')'}, std::pair{'[', ']'}}) {
    if (!n.empty() && n.back() == close) {
      const auto at = n.rfind(open);
      if (at != std::string::npos) {
        return {std::string(trim(std::string_view(n).substr(0, at))),
                std::string(trim(std::string_view(n).substr(at + 1, n.size() - at - 2)))};
      }
    }
  }
  for (std::string_view unit : {"_ms", "_s", "_sec"}) {
    if (n.size() > unit.size() && n.ends_with(unit)) {
      return {n.substr(0, n.size() - unit.size()), std::string(unit.substr(1))};
    }
  }
  return {n, ""};
}

bool is_time_name(std::string_view raw) {
  const std::string base = split_unit(raw).base;
  return base == "time" || base == "timer" || base == "timestamp" || base == "timestamps" ||
         base == "t" || base == "datetime" || base == "date_time" || base == "date time";
}

// Seconds since 1970-01-01 of an ISO 8601 date-time "YYYY-MM-DD[T ]HH:MM:SS[.fff...]" (no zone:
// only differences are used), nullopt for anything else. Days from the civil date by the
// proleptic Gregorian rule (H. Hinnant's days_from_civil).
std::optional<double> parse_iso_datetime(std::string_view s) {
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
      s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  const auto field = [&](std::size_t at, std::size_t n) -> std::optional<int> {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  const auto year = field(0, 4);
  const auto month = field(5, 2);
  const auto day = field(8, 2);
  const auto hour = field(11, 2);
  const auto minute = field(14, 2);
  const auto second = field(17, 2);
  if (!year || !month || !day || !hour || !minute || !second || *month < 1 || *month > 12 ||
      *day < 1 || *day > 31 || *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  double fraction = 0.0;
  if (s.size() > 19) {
    if (s[19] != '.' || s.size() == 20 || s.size() > 29) return std::nullopt;
    double scale = 0.1;
    for (std::size_t i = 20; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      fraction += scale * (s[i] - '0');
      scale *= 0.1;
    }
  }
  const int y = *year - (*month <= 2 ? 1 : 0);
  const int era = y / 400;
  const int yoe = y - era * 400;
  const int mp = (*month + 9) % 12;
  const int doy = (153 * mp + 2) / 5 + *day - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const double days = static_cast<double>(era) * 146097.0 + static_cast<double>(doe) - 719468.0;
  return days * 86400.0 + *hour * 3600.0 + *minute * 60.0 + *second + fraction;
}

// The date-time of seconds since 1970-01-01 as "YYYY-MM-DDTHH:MM:SS[.mmm]" (the form of
// signal_recording::start_time), to the millisecond.
std::string iso_datetime(double seconds) {
  const double ms_total = std::round(seconds * 1000.0);
  const double day_ms = 86400000.0;
  const double days = std::floor(ms_total / day_ms);
  const auto in_day = static_cast<long long>(ms_total - days * day_ms);
  const std::chrono::year_month_day date{
      std::chrono::sys_days{std::chrono::days{static_cast<long long>(days)}}};
  std::array<char, 48> buf{};
  const long long ms = in_day % 1000;
  const long long sec = in_day / 1000;
  std::snprintf(buf.data(), buf.size(), "%04d-%02u-%02uT%02lld:%02lld:%02lld", int(date.year()),
                unsigned(date.month()), unsigned(date.day()), sec / 3600, sec / 60 % 60, sec % 60);
  std::string out(buf.data());
  if (ms != 0) {
    std::snprintf(buf.data(), buf.size(), ".%03lld", ms);
    out += buf.data();
  }
  return out;
}

// ---- text files --------------------------------------------------------------------------------

struct text_line {
  std::string_view text;
  std::size_t number;
};

std::vector<text_line> content_lines(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<text_line> lines;
  lines.reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  std::size_t number = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++number;
    const std::string_view t = trim(line);
    if (t.empty() || t.front() == '#' || t.front() == '%' || t.starts_with("//")) continue;
    lines.push_back({t, number});
  }
  return lines;
}

// Splits lines at one separator character, or at runs of blanks when separator is ' '.
class field_splitter {
 public:
  explicit field_splitter(char separator) : separator_(separator) {}

  // Calls f(index, field) for each field; returns the number of fields.
  template <class F>
  std::size_t each(std::string_view line, F&& f) const {
    std::size_t index = 0;
    if (separator_ == ' ') {
      std::size_t pos = 0;
      while (pos < line.size()) {
        while (pos < line.size() && is_blank(line[pos])) ++pos;
        if (pos == line.size()) break;
        std::size_t end = pos;
        while (end < line.size() && !is_blank(line[end])) ++end;
        f(index++, line.substr(pos, end - pos));
        pos = end;
      }
      return index;
    }
    std::size_t pos = 0;
    for (;;) {
      const auto end = line.find(separator_, pos);
      const auto stop = end == std::string_view::npos ? line.size() : end;
      f(index++, unquote(line.substr(pos, stop - pos)));
      if (end == std::string_view::npos) return index;
      pos = end + 1;
    }
  }

 private:
  char separator_;
};

char detect_separator(std::string_view first_line) {
  for (char c : {',', ';', '\t'}) {
    if (first_line.find(c) != std::string_view::npos) return c;
  }
  return ' ';
}

std::size_t pick_column(const std::vector<std::string>& names, bool has_header,
                        const std::optional<std::size_t>& time_column,
                        const signal_file_options& options, const std::string& file) {
  const auto listing = [&] {
    std::vector<std::string> shown;
    for (std::size_t i = 0; i < names.size(); ++i) {
      shown.push_back(has_header ? names[i] : std::to_string(i));
    }
    return (has_header ? "columns: " : "0-based column indices: ") + join(shown);
  };
  if (options.column) {
    const std::string_view wanted = trim(*options.column);
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (has_header && (iequals(names[i], wanted) || split_unit(names[i]).base == lower(wanted))) {
        return i;
      }
    }
    const auto index = parse_integer<std::size_t>(wanted);
    if (index && *index < names.size()) return *index;
    throw input_error(file, 0, "has no column " + in_quotes(wanted) + " (" + listing() + ")");
  }
  std::vector<std::size_t> values;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i != time_column) values.push_back(i);
  }
  if (values.size() == 1) return values.front();
  if (values.empty()) throw input_error(file, 0, "has no value column (" + listing() + ")");
  const std::optional<dsp::input_kind> wanted = requested_kind(options, file);
  std::optional<std::size_t> first_ecg;
  std::optional<std::size_t> first_ppg;
  if (has_header) {
    for (std::size_t i : values) {
      const auto k = kind_of_name(split_unit(names[i]).base);
      if (k == dsp::input_kind::ecg && !first_ecg) first_ecg = i;
      if (k == dsp::input_kind::ppg && !first_ppg) first_ppg = i;
    }
  }
  if (wanted == dsp::input_kind::ecg && first_ecg) return *first_ecg;
  if (wanted == dsp::input_kind::ppg && first_ppg) return *first_ppg;
  if (!wanted && first_ecg && !first_ppg) return *first_ecg;
  if (!wanted && first_ppg && !first_ecg) return *first_ppg;
  std::string why;
  if (wanted) {
    why = "has no column named like " + std::string(dsp::to_string(*wanted));
  } else if (first_ecg && first_ppg) {
    why = "has both ECG and PPG columns";
  } else {
    why = "has several columns and none is named like ECG or PPG";
  }
  throw input_error(file, 0, why + ": give the column with --column (" + listing() + ")");
}

// Three decimals for ordinary magnitudes, the shortest exact form otherwise.
std::string format_number(double x) {
  std::array<char, 64> buf{};
  const auto r = std::abs(x) < 1e9 ? std::to_chars(buf.data(), buf.data() + buf.size(), x,
                                                   std::chars_format::fixed, 3)
                                   : std::to_chars(buf.data(), buf.data() + buf.size(), x);
  return std::string(buf.data(), r.ptr);
}

// Four significant digits: for messages.
std::string shortest(double x) {
  std::array<char, 64> buf{};
  const auto r =
      std::to_chars(buf.data(), buf.data() + buf.size(), x, std::chars_format::general, 4);
  return std::string(buf.data(), r.ptr);
}

bool is_missing_marker(std::string_view f) {
  return f.empty() || iequals(f, "nan") || iequals(f, "na") || iequals(f, "n/a") ||
         iequals(f, "null") || iequals(f, "-nan");
}

// Samples resampled from time stamps above this many are refused before they are allocated
// (2e8 doubles = 1.6 GB: 24 hours at 2 kHz).
constexpr double max_resampled_samples = 2e8;
// Time-stamped waveforms sampled below this rate are refused (a camera at 15 frames/s is fine).
constexpr double min_source_rate_hz = 10.0;

}  // namespace

signal_recording read_signal_text(std::string_view text, const std::string& file,
                                  const signal_file_options& options) {
  // Lines are indexed (24 bytes each) and converted: their number is bounded first.
  const auto newlines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  if (newlines > static_cast<std::size_t>(max_resampled_samples)) {
    throw input_error(file, 0,
                      "has " + std::to_string(newlines) +
                          " lines, more than the 2e8 samples one recording may hold: split it "
                          "or store it as WFDB / EDF");
  }
  const std::vector<text_line> lines = content_lines(text);
  if (lines.empty()) throw input_error(file, 0, "is empty (no data lines)");

  const field_splitter split(detect_separator(lines.front().text));
  std::vector<std::string> names;
  bool has_header = false;
  split.each(lines.front().text, [&](std::size_t, std::string_view f) {
    names.emplace_back(f);
    if (!parse_number(f) && !is_missing_marker(f)) has_header = true;
  });
  const std::size_t first_data = has_header ? 1 : 0;
  if (lines.size() <= first_data) throw input_error(file, 0, "has a header but no data lines");
  if (!has_header) {
    for (std::size_t i = 0; i < names.size(); ++i) names[i] = "column " + std::to_string(i);
  }

  std::optional<std::size_t> time_column;
  if (has_header) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (is_time_name(names[i])) {
        time_column = i;
        break;
      }
    }
  }
  if (options.time_column) time_column = *options.time_column;
  const std::size_t value_column = pick_column(names, has_header, time_column, options, file);
  if (value_column == time_column) {
    throw input_error(file, 0, "column " + in_quotes(names[value_column]) + " is the time column");
  }

  signal_recording rec;
  rec.path = file;
  rec.column = names[value_column];
  rec.kind = requested_kind(options, file);
  if (!rec.kind && has_header) rec.kind = kind_of_name(split_unit(rec.column).base);

  if (!time_column && !options.rate_hz) {
    throw input_error(file, 0,
                      "has no time column, so the sampling rate must be given: use --rate HZ");
  }
  if (!time_column &&
      (!(*options.rate_hz > 0.0) || !std::isfinite(*options.rate_hz) || *options.rate_hz > 1e6)) {
    throw input_error(file, 0, "the sampling rate (--rate) must be between 0 and 1000000 Hz");
  }
  if (time_column && (!(options.resample_hz > 0.0) || !std::isfinite(options.resample_hz) ||
                      options.resample_hz > 1e6)) {
    throw input_error(file, 0, "the resampling rate must be between 0 and 1000000 Hz");
  }

  const std::size_t rows = lines.size() - first_data;
  std::vector<double> values;
  std::vector<double> times;
  std::vector<std::size_t> row_lines;  // line number of each kept value (timed files)
  values.reserve(rows);
  if (time_column) {
    times.reserve(rows);
    row_lines.reserve(rows);
  }
  const std::size_t needed = std::max(value_column, time_column.value_or(0)) + 1;
  bool iso_times = false;       // the time column holds ISO date-times (seconds)
  bool numeric_times = false;   // ... or plain numbers (some or all)
  std::size_t missing_run = 0;  // untimed: missing samples since the last stored one
  std::size_t missing = 0;
  std::size_t skipped = 0;
  std::string first_skip;
  const auto skip = [&](std::size_t line_number, const std::string& why) {
    if (options.strict) {
      throw input_error(file, line_number, why + " (remove --strict to read it as a gap)");
    }
    if (skipped++ == 0) first_skip = "line " + std::to_string(line_number) + ": " + why;
  };
  for (std::size_t r = first_data; r < lines.size(); ++r) {
    const text_line& line = lines[r];
    std::string_view value_field;
    std::string_view time_field;
    const std::size_t count = split.each(line.text, [&](std::size_t i, std::string_view f) {
      if (i == value_column) value_field = f;
      if (i == time_column) time_field = f;
    });
    std::optional<double> value;
    if (count < needed) {
      skip(line.number, "has " + std::to_string(count) + " field" + (count == 1 ? "" : "s") +
                            ", expected at least " + std::to_string(needed));
    } else if (is_missing_marker(value_field)) {
      ++missing;
    } else {
      value = parse_number(value_field);
      if (!value) {
        skip(line.number, in_quotes(value_field) + " is not a number in column " +
                              in_quotes(names[value_column]));
      }
    }
    if (!time_column) {
      if (!value) {
        ++missing_run;
        continue;
      }
      if (missing_run > 0 && !values.empty()) {
        rec.gaps.push_back({values.size(), static_cast<double>(missing_run) / *options.rate_hz});
      }
      missing_run = 0;
      values.push_back(*value);
      continue;
    }
    if (!value) continue;
    auto t = parse_number(time_field);
    if (t) {
      numeric_times = true;
    } else {
      t = parse_iso_datetime(time_field);
      if (t) iso_times = true;
    }
    if (!t) {
      skip(line.number,
           in_quotes(time_field) + " is not a time in column " + in_quotes(names[*time_column]));
      continue;
    }
    values.push_back(*value);
    times.push_back(*t);
    row_lines.push_back(line.number);
  }
  if (missing > 0) {
    rec.warnings.push_back(std::to_string(missing) + " empty or NaN value" +
                           (missing == 1 ? "" : "s") + " in column " +
                           in_quotes(names[value_column]) + " read as gaps");
  }
  if (skipped > 0) {
    rec.warnings.push_back(std::to_string(skipped) + " bad line" + (skipped == 1 ? "" : "s") +
                           " read as gaps (first: " + first_skip + ")");
  }
  if (values.empty()) {
    throw input_error(file, 0, "column " + in_quotes(names[value_column]) + " holds no numbers");
  }

  if (!time_column) {
    rec.fs_hz = *options.rate_hz;
    rec.samples = std::move(values);
  } else {
    if (options.rate_hz) {
      rec.warnings.push_back("--rate ignored: the file has a time column (" + names[*time_column] +
                             ")");
    }
    // Unit: from the header, else by the median step.
    const std::string unit = split_unit(names[*time_column]).unit;
    double scale = 1.0;
    if (unit == "ms" || unit == "msec") {
      scale = 1e-3;
    } else if (unit == "s" || unit == "sec" || unit == "secs") {
      scale = 1.0;
    } else if (unit == "us") {
      scale = 1e-6;
    } else {
      scale = iso_times || dsp::median_step(times) <= 5.0 ? 1.0 : 1e-3;
    }
    // Keep strictly increasing time stamps.
    std::size_t kept = 0;
    std::size_t dropped = 0;
    std::size_t first_dropped_line = 0;
    for (std::size_t i = 0; i < times.size(); ++i) {
      const double t = times[i] * scale;
      if (kept > 0 && !(t > times[kept - 1])) {
        if (dropped++ == 0) first_dropped_line = row_lines[i];
        continue;
      }
      times[kept] = t;
      values[kept] = values[i];
      ++kept;
    }
    times.resize(kept);
    values.resize(kept);
    if (dropped > 0) {
      rec.warnings.push_back(std::to_string(dropped) + " sample" + (dropped == 1 ? "" : "s") +
                             " dropped: time stamp not after the previous one (first on line " +
                             std::to_string(first_dropped_line) + ")");
    }
    if (kept < 2) {
      throw input_error(file, 0, "needs at least two samples with increasing time stamps");
    }
    // Resampling evens out a sampling clock's jitter; it does not make a waveform out of
    // values logged once a second (a watch's "pulse" column) or of sparse events: a pulse
    // sampled below min_source_rate_hz has no beat shape left to time.
    const double step = dsp::median_step(times);
    if (!(step > 0.0) || step * min_source_rate_hz > 1.0) {
      throw input_error(file, 0,
                        "time stamps a median " + shortest(step) + " s apart (" +
                            shortest(step > 0.0 ? 1.0 / step : 0.0) +
                            " Hz): too sparse for a waveform (needs " +
                            shortest(min_source_rate_hz) +
                            " Hz or more); beat times or intervals are read with --input "
                            "beat-times or --input rr");
    }
    // A step far longer than the usual one is a gap (no samples there), never bridged: a straight
    // line through a dropout would be read as a pulse or hide one.
    const double gap_step = std::max(0.25, 5.0 * step);
    std::vector<std::size_t> starts{0};
    double covered = 0.0;
    double gap_s = 0.0;
    for (std::size_t i = 1; i < kept; ++i) {
      if (times[i] - times[i - 1] > gap_step) {
        covered += times[i - 1] - times[starts.back()];
        starts.push_back(i);
      }
    }
    covered += times[kept - 1] - times[starts.back()];
    if (covered * options.resample_hz > max_resampled_samples) {
      throw input_error(file, 0,
                        "time stamps cover " + format_number(covered) +
                            " s: too long to resample at " + format_number(options.resample_hz) +
                            " Hz within the limit of 2e8 samples");
    }
    starts.push_back(kept);
    rec.samples.reserve(static_cast<std::size_t>(covered * options.resample_hz) + starts.size());
    for (std::size_t k = 0; k + 1 < starts.size(); ++k) {
      const std::size_t first = starts[k];
      if (k > 0) {
        // The grid of the previous stretch ended at or before its last time stamp.
        const auto previous = std::span(times).subspan(starts[k - 1], first - starts[k - 1]);
        const double last_grid =
            previous.front() +
            static_cast<double>(dsp::uniform_grid_size(previous, options.resample_hz) - 1) /
                options.resample_hz;
        const double missing_s = times[first] - last_grid - 1.0 / options.resample_hz;
        rec.gaps.push_back({rec.samples.size(), std::max(0.0, missing_s)});
        gap_s += times[first] - times[first - 1];
      }
      const std::size_t count = starts[k + 1] - first;
      dsp::resample_linear(std::span(times).subspan(first, count),
                           std::span(values).subspan(first, count), options.resample_hz,
                           rec.samples);
    }
    if (starts.size() > 2) {
      rec.warnings.push_back(std::to_string(starts.size() - 2) + " gap" +
                             (starts.size() == 3 ? "" : "s") + " in the time stamps (" +
                             format_number(gap_s) + " s in all) kept as gaps");
    }
    rec.source_mean_rate_hz = static_cast<double>(kept - 1) / (times.back() - times.front());
    // Date-time stamps date the recording: sample 0 is the first kept time stamp (clock
    // segments of `analyze --segment night=...` use it).
    if (iso_times && !numeric_times) rec.start_time = iso_datetime(times.front());
    rec.fs_hz = options.resample_hz;
  }
  if (options.invert) {
    for (double& v : rec.samples) v = -v;
  }
  return rec;
}

std::optional<dsp::input_kind> requested_kind(const signal_file_options& options,
                                              const std::string& name) {
  if (!options.signal) return std::nullopt;
  const auto kind = dsp::parse_input_kind(lower(*options.signal));
  if (!kind || !dsp::is_waveform(*kind)) {
    throw input_error(name, 0,
                      "unknown signal kind " + in_quotes(*options.signal) + " (give ecg or ppg)");
  }
  return kind;
}

signal_recording read_signal_file(const std::filesystem::path& path,
                                  const signal_file_options& options) {
  if (is_wfdb_path(path)) return read_wfdb_signal(path, options);
  const input_bytes in = read_input(path.string());
  return read_signal_text(in.text, in.name, options);
}

bool is_signal_file(const std::filesystem::path& path, const signal_file_options& options) {
  if (options.rate_hz || options.column || options.signal) return true;
  const auto ext = path.extension();
  if (ext == ".hea" || ext == ".dat") return true;
  std::error_code ec;
  if (!path.has_extension()) {
    std::filesystem::path hea = path;
    hea += ".hea";
    std::filesystem::path atr = path;
    atr += ".atr";
    if (std::filesystem::is_regular_file(hea, ec)) {
      // A record with annotations is read as annotations unless the options ask for the signal.
      return !std::filesystem::is_regular_file(atr, ec);
    }
  }
  if (ext == ".atr") return false;
  // Text: a header naming a signal or time column.
  std::unique_ptr<std::FILE, file_closer> file(std::fopen(path.c_str(), "rb"));
  if (!file) return false;
  std::array<char, 4096> head{};
  const std::size_t n = std::fread(head.data(), 1, head.size(), file.get());
  const auto lines = content_lines(std::string_view(head.data(), n));
  if (lines.empty()) return false;
  bool signal_named = false;
  bool time_named = false;
  bool interval_named = false;
  field_splitter(detect_separator(lines.front().text))
      .each(lines.front().text, [&](std::size_t, std::string_view f) {
        if (parse_number(f)) return;
        if (is_time_name(f)) {
          time_named = true;
        } else if (kind_of_name(split_unit(f).base)) {
          signal_named = true;
        } else {
          const std::string base = split_unit(f).base;
          interval_named = interval_named || base.find("rr") != std::string::npos ||
                           base.find("ibi") != std::string::npos || base == "nn" ||
                           base.find("interval") != std::string::npos;
        }
      });
  return signal_named || (time_named && !interval_named);
}

}  // namespace resonant::drivers
