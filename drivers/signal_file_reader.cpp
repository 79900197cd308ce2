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
#include "drivers/input_error.hpp"
#include "drivers/signal_recording.hpp"
#include "drivers/text_fields.hpp"
#include "drivers/wfdb_record.hpp"

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
//  - Time column: a header named time, timer, timestamp, timestamps or t, optionally with a unit
//    "(ms)", "[s]", "_ms", ... The unit comes from the header, else from the median step
//    (> 5 means ms, else s: camera frames at 30 fps are 33 ms apart, a 200 Hz file in seconds
//    steps 0.005). Time-stamped values are resampled onto a uniform grid at
//    options.resample_hz by linear interpolation between the neighbouring samples; the grid
//    starts at the first time stamp and ends at or before the last. A sample whose time stamp
//    does not increase is dropped (counted in a warning); steps over 1 s are bridged by the
//    straight line (counted in a warning: no information there). source_mean_rate_hz is
//    (kept samples - 1) / (last time - first time).
//  - Without a time column the rate is options.rate_hz (required; the error says to give
//    --rate). With a time column options.rate_hz is ignored (warning).
//  - Value column: options.column (header name, case-insensitive, with or without its unit, or a
//    0-based index). Otherwise the only non-time column; otherwise the first column whose name
//    says ECG (ecg*, ekg*, MLII, I..III, aVR/aVL/aVF, V1..V6, ...) or PPG (ppg*, pleth*, bvp*,
//    pulse, R/G/B, red/green/blue, ir) of the kind options.signal asks for, or, without
//    options.signal, of the only kind present. Anything else is an error listing the columns.
//  - kind: options.signal, else by the column name as above, else "".
//  - Only the time and value columns are converted; a data line must have enough fields for
//    them. A field that is empty or not a finite number is an error naming file, line, column.
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
using text::kind_string;
using text::lower;
using text::name_kind;
using text::parse_integer;
using text::parse_number;
using text::trim;
using text::unquote;

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

// Uniform grid at fs_hz from t[0]; linear interpolation. t strictly increasing, size >= 2.
std::vector<double> resample_linear(const std::vector<double>& t, const std::vector<double>& v,
                                    double fs_hz) {
  const double span = t.back() - t.front();
  const auto n = static_cast<std::size_t>(std::floor(span * fs_hz + 1e-9)) + 1;
  std::vector<double> out(n);
  std::size_t j = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const double tk = t.front() + static_cast<double>(k) / fs_hz;
    while (j + 2 < t.size() && t[j + 1] <= tk) ++j;
    const double a = t[j];
    const double b = t[j + 1];
    const double w = std::clamp((tk - a) / (b - a), 0.0, 1.0);
    out[k] = v[j] + w * (v[j + 1] - v[j]);
  }
  return out;
}

signal_recording read_text_signal(const std::filesystem::path& path,
                                  const signal_file_options& options) {
  const std::string file = path.string();
  const std::string text = read_file_bytes(path, file);
  const std::vector<text_line> lines = content_lines(text);
  if (lines.empty()) throw input_error(file, 0, "is empty (no data lines)");

  const field_splitter split(detect_separator(lines.front().text));
  std::vector<std::string> names;
  bool has_header = false;
  split.each(lines.front().text, [&](std::size_t, std::string_view f) {
    names.emplace_back(f);
    if (!parse_number(f)) has_header = true;
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
                      "has no time column, so the sampling rate must be given: use --rate HZ "
                      "(signal_file_options::rate_hz)");
  }
  if (!time_column && (!(*options.rate_hz > 0.0) || !std::isfinite(*options.rate_hz))) {
    throw input_error(file, 0, "the sampling rate (--rate) must be a positive number");
  }
  if (time_column && (!(options.resample_hz > 0.0) || !std::isfinite(options.resample_hz))) {
    throw input_error(file, 0, "the resampling rate must be a positive number");
  }

  const std::size_t rows = lines.size() - first_data;
  std::vector<double> values;
  std::vector<double> times;
  values.reserve(rows);
  if (time_column) times.reserve(rows);
  const std::size_t needed = std::max(value_column, time_column.value_or(0)) + 1;
  for (std::size_t r = first_data; r < lines.size(); ++r) {
    const text_line& line = lines[r];
    std::string_view value_field;
    std::string_view time_field;
    const std::size_t count = split.each(line.text, [&](std::size_t i, std::string_view f) {
      if (i == value_column) value_field = f;
      if (i == time_column) time_field = f;
    });
    if (count < needed) {
      throw input_error(file, line.number,
                        "has " + std::to_string(count) + " field" + (count == 1 ? "" : "s") +
                            ", expected at least " + std::to_string(needed) + " (" +
                            std::to_string(names.size()) + " in the " +
                            (has_header ? "header" : "first line") + ")");
    }
    const auto parse = [&](std::string_view f, std::size_t column) {
      const auto v = parse_number(f);
      if (!v) {
        throw input_error(
            file, line.number,
            (f.empty() ? std::string("empty field") : in_quotes(f) + " is not a number") +
                " in column " + in_quotes(names[column]));
      }
      return *v;
    };
    values.push_back(parse(value_field, value_column));
    if (time_column) times.push_back(parse(time_field, *time_column));
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
        if (dropped++ == 0) first_dropped_line = lines[first_data + i].number;
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
    std::size_t gaps = 0;
    double gap_s = 0.0;
    double first_gap_at = 0.0;
    for (std::size_t i = 1; i < kept; ++i) {
      const double step = times[i] - times[i - 1];
      if (step > 1.0) {
        if (gaps++ == 0) first_gap_at = times[i - 1] - times.front();
        gap_s += step;
      }
    }
    if (gaps > 0) {
      rec.warnings.push_back(std::to_string(gaps) + " gap" + (gaps == 1 ? "" : "s") +
                             " over 1 s in the time stamps (" + format_number(gap_s) +
                             " s in all, first at " + format_number(first_gap_at) +
                             " s) bridged by straight lines");
    }
    constexpr double max_samples = 1e9;
    if ((times.back() - times.front()) * options.resample_hz > max_samples) {
      throw input_error(file, 0,
                        "time stamps span " + format_number(times.back() - times.front()) +
                            " s, too long to resample at " + format_number(options.resample_hz) +
                            " Hz");
    }
    rec.source_mean_rate_hz = static_cast<double>(kept - 1) / (times.back() - times.front());
    rec.fs_hz = options.resample_hz;
    rec.samples = resample_linear(times, values, options.resample_hz);
  }
  if (options.invert) {
    for (double& v : rec.samples) v = -v;
  }
  return rec;
}

}  // namespace

signal_recording read_signal_file(const std::filesystem::path& path,
                                  const signal_file_options& options) {
  return is_wfdb_path(path) ? read_wfdb_signal(path, options) : read_text_signal(path, options);
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
