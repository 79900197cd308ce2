#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "drivers/file_bytes.hpp"
#include "drivers/input_bytes.hpp"
#include "drivers/input_error.hpp"
#include "drivers/signal_recording.hpp"

// Waveform files: CSV / text columns and WFDB records.
//
// How: the file is loaded whole and split into lines once (views into the buffer); the values of
// the one column that is read (and of the time column) are converted with std::from_chars
// straight into the output vector. WFDB data are decoded with a loop over frames that touches
// only the bytes of the chosen signal. Record 100 of the MIT-BIH arrhythmia database (650 000
// frames of 2 signals, format 212, 1.95 MB) decodes in about 2 ms in a release build.
//
// Text files:
//  - A UTF-8 byte-order mark is skipped; '\r' before '\n' is dropped; blank lines and comment
//    lines (first non-blank characters #, % or //) are skipped.
//  - Separator: the first line decides: ',' if it has one, else ';', else tab, else runs of
//    spaces. Fields are trimmed and surrounding double quotes removed.
//  - Header: the first line is a header when any of its fields is not a number; otherwise there
//    is no header and columns are addressed by 0-based index (named "column N").
//  - Time column: a header named time, timer, timestamp, timestamps or t, optionally with a unit
//    "(ms)", "[s]", "_ms", ... The unit comes from the header, else from the median step
//    (> 5 means ms, else s: camera frames at 30 fps are 33 ms apart, a 200 Hz file in seconds
//    steps 0.005). Time-stamped values are resampled onto a uniform grid at
//    options.resample_hz by linear interpolation between the neighbouring samples; the grid
//    starts at the first time stamp and ends at or before the last. A sample whose time stamp
//    does not increase is dropped (counted in a warning); a step over max(0.25 s, 5 x the
//    median step) is a gap (signal_recording::gaps): each stretch between gaps is resampled on
//    its own grid, nothing is bridged. source_mean_rate_hz is (kept samples - 1) / (last time -
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
// WFDB records (header(5), signal(5) in the WFDB Applications Guide):
//  - The path may be the record (no extension), the .hea or the .dat. The .hea: comment lines
//    (#) and blank lines skipped; record line "name nsig [fs[/counter][(base)] [nsamples ...]]"
//    (fs default 250, multi-segment "name/n" unsupported); then one line per signal:
//    "file format[xN][:skew][+offset] [gain[(baseline)][/units] [adcres [adczero [initval
//    [checksum [blocksize [description]]]]]]]".
//  - Signals that share a data file are interleaved in header order, one sample each per frame
//    (samples-per-frame > 1 is unsupported; skew is ignored with a warning). Format 16: 16-bit
//    little-endian two's complement. Format 212: each pair of consecutive samples of the stream
//    is packed in 3 bytes, s0 = b0 | (b1 & 0x0F) << 8, s1 = b2 | (b1 & 0xF0) << 4, both
//    sign-extended from 12 bits. Other formats are an error naming the format.
//  - Physical value = (adc - baseline) / gain; gain 0 or missing means 200 adu per unit,
//    baseline missing means adczero (missing: 0), units missing mean mV.
//  - The WFDB invalid-sample code (-2048 for 212, -32768 for 16) is replaced by the previous
//    valid value (the first valid one at the start), counted in a warning.
//  - nsamples from the header, or from the file size when the header leaves it out or 0. A
//    .dat shorter than nsamples frames is an error; a checksum or initial value that disagrees
//    with the data is a warning (the data are still returned).
//  - Lead: options.column = description (case-insensitive) or 0-based index; default the first
//    signal. kind: options.signal, else ECG lead names as above -> "ecg", PLETH/PPG -> "ppg".
//
// options.invert negates the samples after everything else.
namespace resonant::drivers {

namespace {

struct file_closer {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};

char lower_char(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower_char(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return lower_char(x) == lower_char(y);
         });
}

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view unquote(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = trim(s.substr(1, s.size() - 2));
  return s;
}

// A decimal number filling the whole field (a leading '+' allowed), finite.
std::optional<double> parse_number(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double value = 0.0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

template <class Int>
std::optional<Int> parse_integer(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  Int value{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return value;
}

std::string in_quotes(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

// ---- signal names ------------------------------------------------------------------------------

enum class name_kind { none, ecg, ppg };

name_kind kind_of_name(std::string_view raw) {
  const std::string n = lower(trim(raw));
  static constexpr std::array<std::string_view, 22> ecg_names = {
      "mlii", "mli", "mliii", "ml2", "i",  "ii", "iii", "avr", "avl", "avf", "v",
      "v1",   "v2",  "v3",    "v4",  "v5", "v6", "mv1", "mv2", "d3",  "cm5", "lead ii"};
  static constexpr std::array<std::string_view, 10> ppg_names = {
      "pulse", "r", "g", "b", "red", "green", "blue", "ir", "infrared", "spo2 pleth"};
  if (n.starts_with("ecg") || n.starts_with("ekg")) return name_kind::ecg;
  if (n.starts_with("ppg") || n.starts_with("pleth") || n.starts_with("bvp")) {
    return name_kind::ppg;
  }
  if (std::find(ecg_names.begin(), ecg_names.end(), n) != ecg_names.end()) return name_kind::ecg;
  if (std::find(ppg_names.begin(), ppg_names.end(), n) != ppg_names.end()) return name_kind::ppg;
  return name_kind::none;
}

std::string kind_string(name_kind k) {
  switch (k) {
    case name_kind::ecg:
      return "ecg";
    case name_kind::ppg:
      return "ppg";
    case name_kind::none:
      break;
  }
  return "";
}

name_kind requested_kind(const signal_file_options& options, const std::string& name) {
  if (!options.signal) return name_kind::none;
  const std::string s = lower(*options.signal);
  if (s == "ecg") return name_kind::ecg;
  if (s == "ppg") return name_kind::ppg;
  throw input_error(name, 0,
                    "unknown signal kind " + in_quotes(*options.signal) + " (give ecg or ppg)");
}

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
         base == "t";
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
  const name_kind wanted = requested_kind(options, file);
  std::optional<std::size_t> first_ecg;
  std::optional<std::size_t> first_ppg;
  if (has_header) {
    for (std::size_t i : values) {
      const name_kind k = kind_of_name(split_unit(names[i]).base);
      if (k == name_kind::ecg && !first_ecg) first_ecg = i;
      if (k == name_kind::ppg && !first_ppg) first_ppg = i;
    }
  }
  if (wanted == name_kind::ecg && first_ecg) return *first_ecg;
  if (wanted == name_kind::ppg && first_ppg) return *first_ppg;
  if (wanted == name_kind::none && first_ecg && !first_ppg) return *first_ecg;
  if (wanted == name_kind::none && first_ppg && !first_ecg) return *first_ppg;
  std::string why;
  if (wanted != name_kind::none) {
    why = "has no column named like " + kind_string(wanted);
  } else if (first_ecg && first_ppg) {
    why = "has both ECG and PPG columns";
  } else {
    why = "has several columns and none is named like ECG or PPG";
  }
  throw input_error(file, 0, why + ": give the column with --column (" + listing() + ")");
}

double median_step(const std::vector<double>& t) {
  std::vector<double> steps;
  steps.reserve(t.size());
  for (std::size_t i = 1; i < t.size(); ++i) steps.push_back(t[i] - t[i - 1]);
  if (steps.empty()) return 0.0;
  const auto mid = steps.begin() + static_cast<std::ptrdiff_t>(steps.size() / 2);
  std::nth_element(steps.begin(), mid, steps.end());
  return *mid;
}

// Three decimals for ordinary magnitudes, the shortest exact form otherwise.
std::string format_number(double x) {
  std::array<char, 64> buf{};
  const auto r = std::abs(x) < 1e9 ? std::to_chars(buf.data(), buf.data() + buf.size(), x,
                                                   std::chars_format::fixed, 3)
                                   : std::to_chars(buf.data(), buf.data() + buf.size(), x);
  return std::string(buf.data(), r.ptr);
}

// Uniform grid at fs_hz from t[first]; linear interpolation over t[first, last), appended to out.
void resample_linear(const std::vector<double>& t, const std::vector<double>& v, std::size_t first,
                     std::size_t last, double fs_hz, std::vector<double>& out) {
  const double span = t[last - 1] - t[first];
  const auto n = static_cast<std::size_t>(std::floor(span * fs_hz + 1e-9)) + 1;
  std::size_t j = first;
  for (std::size_t k = 0; k < n; ++k) {
    const double tk = t[first] + static_cast<double>(k) / fs_hz;
    while (j + 2 < last && t[j + 1] <= tk) ++j;
    if (j + 1 >= last) {
      out.push_back(v[j]);
      continue;
    }
    const double a = t[j];
    const double b = t[j + 1];
    const double w = std::clamp((tk - a) / (b - a), 0.0, 1.0);
    out.push_back(v[j] + w * (v[j + 1] - v[j]));
  }
}

bool is_missing_marker(std::string_view f) {
  return f.empty() || iequals(f, "nan") || iequals(f, "na") || iequals(f, "n/a") ||
         iequals(f, "null") || iequals(f, "-nan");
}

// Samples resampled from time stamps above this many are refused before they are allocated
// (2e8 doubles = 1.6 GB: 24 hours at 2 kHz).
constexpr double max_resampled_samples = 2e8;

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
  const name_kind wanted = requested_kind(options, file);
  rec.kind =
      kind_string(wanted != name_kind::none
                      ? wanted
                      : (has_header ? kind_of_name(split_unit(rec.column).base) : name_kind::none));

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
    const auto t = parse_number(time_field);
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
      scale = median_step(times) > 5.0 ? 1e-3 : 1.0;
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
    // A step far longer than the usual one is a gap (no samples there), never bridged: a straight
    // line through a dropout would be read as a pulse or hide one.
    const double gap_step = std::max(0.25, 5.0 * median_step(times));
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
        const double last_grid =
            times[starts[k - 1]] +
            std::floor((times[first - 1] - times[starts[k - 1]]) * options.resample_hz + 1e-9) /
                options.resample_hz;
        const double missing_s = times[first] - last_grid - 1.0 / options.resample_hz;
        rec.gaps.push_back({rec.samples.size(), std::max(0.0, missing_s)});
        gap_s += times[first] - times[first - 1];
      }
      resample_linear(times, values, first, starts[k + 1], options.resample_hz, rec.samples);
    }
    if (starts.size() > 2) {
      rec.warnings.push_back(std::to_string(starts.size() - 2) + " gap" +
                             (starts.size() == 3 ? "" : "s") + " in the time stamps (" +
                             format_number(gap_s) + " s in all) kept as gaps");
    }
    rec.source_mean_rate_hz = static_cast<double>(kept - 1) / (times.back() - times.front());
    rec.fs_hz = options.resample_hz;
  }
  if (options.invert) {
    for (double& v : rec.samples) v = -v;
  }
  return rec;
}

namespace {

// ---- WFDB --------------------------------------------------------------------------------------

struct wfdb_signal {
  std::string file_name;
  unsigned format = 0;
  std::size_t byte_offset = 0;
  double gain = 200.0;
  double baseline = 0.0;
  std::string units = "mV";
  std::optional<std::int64_t> initial;
  std::optional<std::int64_t> checksum;
  std::string description;
  std::size_t line = 0;
  bool skewed = false;
};

struct wfdb_header {
  double fs_hz = 250.0;
  std::optional<std::int64_t> samples;
  std::vector<wfdb_signal> signals;
};

// Whitespace-separated fields with their positions (the description is the rest of the line).
std::vector<std::string_view> blank_fields(std::string_view line) {
  std::vector<std::string_view> out;
  field_splitter(' ').each(line, [&](std::size_t, std::string_view f) { out.push_back(f); });
  return out;
}

wfdb_header parse_wfdb_header(const std::filesystem::path& hea) {
  const std::string file = hea.string();
  const std::string text = read_file_bytes(hea, file);
  const std::vector<text_line> lines = content_lines(text);
  if (lines.empty()) throw input_error(file, 0, "contains no record line");
  wfdb_header h;
  const auto& record_line = lines.front();
  const auto rf = blank_fields(record_line.text);
  if (rf.size() < 2) throw input_error(file, record_line.number, "record line has no signal count");
  if (rf[0].find('/') != std::string_view::npos) {
    throw input_error(file, record_line.number,
                      "multi-segment records (" + in_quotes(rf[0]) + ") are not supported");
  }
  const auto nsig = parse_integer<std::size_t>(rf[1]);
  if (!nsig) {
    throw input_error(file, record_line.number,
                      "number of signals " + in_quotes(rf[1]) + " is not a non-negative integer");
  }
  if (rf.size() > 2) {
    const std::string_view fs_text = rf[2].substr(0, rf[2].find_first_of("/("));
    const auto fs = parse_number(fs_text);
    if (!fs || !(*fs > 0.0)) {
      throw input_error(file, record_line.number,
                        "sampling frequency " + in_quotes(rf[2]) + " is not a positive number");
    }
    h.fs_hz = *fs;
  }
  if (rf.size() > 3) {
    const auto n = parse_integer<std::int64_t>(rf[3]);
    if (!n || *n < 0) {
      throw input_error(file, record_line.number,
                        "number of samples " + in_quotes(rf[3]) + " is not a non-negative integer");
    }
    if (*n > 0) h.samples = *n;
  }
  if (lines.size() - 1 < *nsig) {
    throw input_error(file, 0,
                      "declares " + std::to_string(*nsig) + " signals but has " +
                          std::to_string(lines.size() - 1) + " signal lines");
  }
  for (std::size_t s = 0; s < *nsig; ++s) {
    const text_line& line = lines[1 + s];
    const auto f = blank_fields(line.text);
    const auto bad = [&](std::string_view what, std::string_view field) {
      return input_error(file, line.number,
                         std::string(what) + " " + in_quotes(field) + " is invalid");
    };
    wfdb_signal sig;
    sig.line = line.number;
    sig.file_name = std::string(f[0]);
    if (f.size() < 2) throw input_error(file, line.number, "signal line has no format");
    // format[xN][:skew][+offset]
    std::string_view spec = f[1];
    const auto digits_end = std::min(spec.find_first_not_of("0123456789"), spec.size());
    const auto format = parse_integer<unsigned>(spec.substr(0, digits_end));
    if (!format) throw bad("format", f[1]);
    sig.format = *format;
    std::string_view rest = spec.substr(digits_end);
    while (!rest.empty()) {
      const char tag = rest.front();
      rest.remove_prefix(1);
      const auto end = std::min(rest.find_first_of("x:+"), rest.size());
      const auto value = parse_integer<std::int64_t>(rest.substr(0, end));
      rest.remove_prefix(end);
      if (!value || *value < 0) throw bad("format", f[1]);
      if (tag == 'x' && *value > 1) {
        throw input_error(
            file, line.number,
            "signals with several samples per frame (" + in_quotes(f[1]) + ") are not supported");
      }
      if (tag == ':' && *value != 0) sig.skewed = true;
      if (tag == '+') sig.byte_offset = static_cast<std::size_t>(*value);
    }
    std::optional<double> baseline;
    if (f.size() > 2) {
      // gain[(baseline)][/units]
      std::string_view g = f[2];
      const auto slash = g.find('/');
      if (slash != std::string_view::npos) {
        sig.units = std::string(g.substr(slash + 1));
        g = g.substr(0, slash);
      }
      const auto paren = g.find('(');
      if (paren != std::string_view::npos) {
        if (!g.ends_with(')')) throw bad("gain", f[2]);
        baseline = parse_number(g.substr(paren + 1, g.size() - paren - 2));
        if (!baseline) throw bad("baseline in gain", f[2]);
        g = g.substr(0, paren);
      }
      const auto gain = parse_number(g);
      if (!gain || *gain < 0.0) throw bad("gain", f[2]);
      if (*gain > 0.0) sig.gain = *gain;
    }
    double adc_zero = 0.0;
    if (f.size() > 4) {
      const auto z = parse_number(f[4]);
      if (!z) throw bad("ADC zero", f[4]);
      adc_zero = *z;
    }
    sig.baseline = baseline.value_or(adc_zero);
    if (f.size() > 5) {
      sig.initial = parse_integer<std::int64_t>(f[5]);
      if (!sig.initial) throw bad("initial value", f[5]);
    }
    if (f.size() > 6) {
      sig.checksum = parse_integer<std::int64_t>(f[6]);
      if (!sig.checksum) throw bad("checksum", f[6]);
    }
    if (f.size() > 8) {
      const auto at = static_cast<std::size_t>(f[8].data() - line.text.data());
      sig.description = std::string(trim(line.text.substr(at)));
    } else {
      sig.description = "record signal " + std::to_string(s);
    }
    h.signals.push_back(std::move(sig));
  }
  if (h.signals.empty()) throw input_error(file, 0, "declares no signals");
  return h;
}

std::size_t pick_lead(const wfdb_header& h, const signal_file_options& options,
                      const std::string& file) {
  if (!options.column) return 0;
  const std::string_view wanted = trim(*options.column);
  for (std::size_t i = 0; i < h.signals.size(); ++i) {
    if (iequals(h.signals[i].description, wanted)) return i;
  }
  const auto index = parse_integer<std::size_t>(wanted);
  if (index && *index < h.signals.size()) return *index;
  std::vector<std::string> leads;
  for (std::size_t i = 0; i < h.signals.size(); ++i) {
    leads.push_back(std::to_string(i) + " " + h.signals[i].description);
  }
  throw input_error(file, 0, "has no lead " + in_quotes(wanted) + " (leads: " + join(leads) + ")");
}

// Number of whole frames of `per_frame` samples a data file of `bytes` bytes holds.
std::size_t frames_in(std::size_t bytes, unsigned format, std::size_t per_frame) {
  const std::size_t samples = format == 212 ? bytes / 3 * 2 + (bytes % 3 >= 2 ? 1 : 0) : bytes / 2;
  return samples / per_frame;
}

// Calls f(k, adc) with the ADC value of stream position `which` in each of `frames` frames of
// `per_frame` samples.
template <class F>
void decode_frames(const unsigned char* data, unsigned format, std::size_t frames,
                   std::size_t per_frame, std::size_t which, F&& f) {
  if (format == 16) {
    const unsigned char* p = data + which * 2;
    const std::size_t stride = per_frame * 2;
    for (std::size_t k = 0; k < frames; ++k, p += stride) {
      const auto u = static_cast<std::uint16_t>(p[0] | (p[1] << 8U));
      f(k, static_cast<std::int32_t>(static_cast<std::int16_t>(u)));
    }
    return;
  }
  // 212: sample s of the stream lives in the 3-byte group s / 2.
  std::size_t s = which;
  for (std::size_t k = 0; k < frames; ++k, s += per_frame) {
    const unsigned char* p = data + (s >> 1U) * 3;
    const unsigned u =
        (s & 1U) == 0 ? (p[0] | ((p[1] & 0x0FU) << 8U)) : (p[2] | ((p[1] & 0xF0U) << 4U));
    f(k, static_cast<std::int32_t>(u ^ 0x800U) - 0x800);
  }
}

std::filesystem::path record_base(const std::filesystem::path& path) {
  std::filesystem::path record = path;
  const auto ext = path.extension();
  if (ext == ".hea" || ext == ".dat") record.replace_extension();
  return record;
}

bool is_wfdb_path(const std::filesystem::path& path) {
  const auto ext = path.extension();
  if (ext == ".hea" || ext == ".dat") return true;
  if (!path.has_extension()) {
    std::filesystem::path hea = path;
    hea += ".hea";
    std::error_code ec;
    return std::filesystem::is_regular_file(hea, ec);
  }
  return false;
}

signal_recording read_wfdb_signal(const std::filesystem::path& path,
                                  const signal_file_options& options) {
  const std::filesystem::path record = record_base(path);
  std::filesystem::path hea = record;
  hea += ".hea";
  const std::string hea_name = hea.string();
  const wfdb_header h = parse_wfdb_header(hea);
  const std::size_t lead = pick_lead(h, options, hea_name);
  const wfdb_signal& sig = h.signals[lead];

  // The signals stored in the same file as the chosen one, in header order, form its frame.
  std::size_t per_frame = 0;
  std::size_t which = 0;
  for (std::size_t i = 0; i < h.signals.size(); ++i) {
    if (h.signals[i].file_name != sig.file_name) continue;
    if (i == lead) which = per_frame;
    ++per_frame;
    if (h.signals[i].format != sig.format || h.signals[i].byte_offset != sig.byte_offset) {
      throw input_error(hea_name, h.signals[i].line,
                        "signals in " + sig.file_name + " disagree on format or byte offset");
    }
  }
  if (sig.format != 16 && sig.format != 212) {
    throw input_error(hea_name, sig.line,
                      "unsupported WFDB format " + std::to_string(sig.format) + " for lead " +
                          in_quotes(sig.description) + " (supported: 16, 212)");
  }
  const std::filesystem::path dat = hea.parent_path() / sig.file_name;
  const std::string dat_name = dat.string();
  const std::string bytes = read_file_bytes(dat, dat_name);
  const std::size_t usable = bytes.size() > sig.byte_offset ? bytes.size() - sig.byte_offset : 0;
  const std::size_t available = frames_in(usable, sig.format, per_frame);
  std::size_t frames = available;
  if (h.samples) {
    if (static_cast<std::uint64_t>(*h.samples) > available) {
      throw input_error(dat_name, 0,
                        "is too short: " + std::to_string(bytes.size()) + " bytes hold " +
                            std::to_string(available) + " samples per signal, " + hea_name +
                            " says " + std::to_string(*h.samples));
    }
    frames = static_cast<std::size_t>(*h.samples);
  }
  if (frames == 0) throw input_error(dat_name, 0, "is empty (no samples)");

  signal_recording rec;
  rec.path = path.string();
  rec.column = sig.description;
  rec.units = sig.units;
  rec.fs_hz = h.fs_hz;
  const name_kind wanted = requested_kind(options, hea_name);
  rec.kind = kind_string(wanted != name_kind::none ? wanted : kind_of_name(sig.description));
  if (sig.skewed) rec.warnings.push_back("skew of lead " + sig.description + " ignored");

  const std::int32_t invalid = sig.format == 212 ? -2048 : -32768;
  const double sign = options.invert ? -1.0 : 1.0;
  rec.samples.resize(frames);
  std::uint32_t sum = 0;
  std::size_t invalid_count = 0;
  std::size_t leading_invalid = 0;
  double last = 0.0;
  std::int32_t first_adc = 0;
  decode_frames(reinterpret_cast<const unsigned char*>(bytes.data()) + sig.byte_offset, sig.format,
                frames, per_frame, which, [&](std::size_t k, std::int32_t adc) {
                  sum += static_cast<std::uint32_t>(adc);
                  if (k == 0) first_adc = adc;
                  if (adc == invalid) {
                    if (invalid_count++ == k) ++leading_invalid;
                  } else {
                    last = sign * ((static_cast<double>(adc) - sig.baseline) / sig.gain);
                  }
                  rec.samples[k] = last;
                });

  if (h.samples && sig.checksum) {
    const auto got = static_cast<std::int16_t>(static_cast<std::uint16_t>(sum & 0xFFFFU));
    const auto expected =
        static_cast<std::int16_t>(static_cast<std::uint16_t>(*sig.checksum & 0xFFFF));
    if (got != expected) {
      rec.warnings.push_back("checksum of lead " + sig.description + " is " + std::to_string(got) +
                             ", the header says " + std::to_string(expected) +
                             " (data may be corrupt)");
    }
  }
  if (sig.initial && first_adc != *sig.initial) {
    rec.warnings.push_back("first sample of lead " + sig.description + " is " +
                           std::to_string(first_adc) + ", the header says " +
                           std::to_string(*sig.initial));
  }
  if (invalid_count > 0) {
    if (invalid_count == frames) {
      throw input_error(dat_name, 0, "lead " + sig.description + " holds no valid sample");
    }
    std::fill_n(rec.samples.begin(), static_cast<std::ptrdiff_t>(leading_invalid),
                rec.samples[leading_invalid]);
    rec.warnings.push_back(std::to_string(invalid_count) + " invalid sample" +
                           (invalid_count == 1 ? "" : "s") + " in lead " + sig.description +
                           " replaced by the previous valid value");
  }
  return rec;
}

}  // namespace

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
        } else if (kind_of_name(split_unit(f).base) != name_kind::none) {
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
