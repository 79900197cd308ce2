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
#include "drivers/rr_recording.hpp"

// RR interval text files.
//
// How: the file is loaded whole, a first pass finds the header and the shape of the data lines,
// a second splits the lines again and converts with std::from_chars straight into the output
// vectors (no streams, no regex, no per-line allocation; character classes by table). The
// 1.2 MB, 106 460-line nsr2db file takes about 5 ms in a release build once memory is mapped
// (18-25 ms cold on the 2-CPU dev VM, where page faults dominate).
// What is read:
//  - A UTF-8 byte-order mark is skipped; lines end at '\n', a trailing '\r' (CRLF) is dropped.
//  - Blank lines and comment lines (first non-blank characters #, % or //) are skipped anywhere.
//  - Separators: a line containing ',', ';' or a tab is split at each of them (so "a,,b" has an
//    empty middle field); otherwise it is split at runs of spaces. Fields are trimmed. Decimal
//    point only (a decimal comma would be read as a separator).
//  - Header: lines before the first data line whose first field is not a number are text
//    (Kubios / Elite HRV export headers). The first line whose first field is a number or a
//    missing marker, or whose fields are at least half numbers (a date-time first: Polar Sensor
//    Logger), is the first data line; from there on every line is data. The last text
//    line names the columns when it has as many fields as the first data line.
//  - Layout: (a) named columns: the header has as many fields as the data (at least 2) and names
//    the RR column (name contains rr, ibi, nn, interval or rri, case-insensitive) and/or the time
//    column (contains time or sec, or is "t"); every data line must then have that many fields
//    and unused columns are not parsed. (b) no usable header, at least 2 data lines, exactly 2
//    fields on every one: time,rr. (c) anything else: every field of every line is an interval,
//    in reading order (one per line, or many per line as Polar H10 dumps).
//    A column that is empty on every line (trailing separators) is dropped first.
//  - Missing values: empty field, nan / NaN, NA, N/A, null. The interval is not stored, it is
//    counted in `missing`, and the next stored interval gets after_gap = 1.
//  - Units of the intervals: options.units if given, else a unit written in the RR column's
//    header ("RR (ms)", "rr_s"; for one column, the last header line when it names RR), else the
//    median of the magnitudes (median > 20 means ms, else s; a header/median conflict is
//    warned). Stored in ms. The time column: a unit in its header, else median step > 20 means ms,
//    else s.
//  - Time axis (rr_series convention: seconds from the first beat, end_s[0] == rr_ms[0]/1000):
//    without a time column end_s is the running sum of the stored intervals, so a missing
//    interval shortens the axis (its length is unknown; a warning says so). With a time column
//    the time on a line dates the beat that ENDS the interval on that line:
//    end_s[i] = time[i] - time[0] + rr_ms[0] / 1000, with time[0] and rr_ms[0] from the first
//    stored interval; gaps therefore keep their real length. Times must increase; a line with an
//    interval but no time continues from the previous beat by the interval. When the time steps
//    disagree with the intervals on most beats, a warning says so (the times are still used).
//  - options.first_is_offset: the first value of the RR column is the time of the first beat
//    (PhysioNet RR lists); it is not an interval and is not stored; end_s stays measured from
//    that first beat by the rule above, so the absolute offset is dropped.
//  - Beat labels: interval files carry none, so `labels` stays empty.
//  - Errors (input_error, "file:line: message", the earliest in the file first): a field that is
//  not a number (quoted), a
//    non-positive interval (value as written and unit), a data line with the wrong number of
//    fields in a named-column file, times that do not increase, a header that names columns but
//    no RR column; line 0 for an unreadable file or one without any interval. Large positive
//    values (100000 ms) are read as they are: the analysis range gate deals with them.
//  - Pitfall: a first line like "12a" before any number is taken as header text (a warning
//    names it when it starts like a number); after the first data line it is an error.
namespace resonant::drivers {

namespace {

// Character classes by table: std::string_view::find_first_of calls memchr once per character
// of the line, which dominated the run time.
constexpr std::uint8_t blank_class = 1;
constexpr std::uint8_t separator_class = 2;  // , ; tab

constexpr std::array<std::uint8_t, 256> char_classes = [] {
  std::array<std::uint8_t, 256> t{};
  for (unsigned char c : {' ', '\t', '\r', '\v', '\f'}) t[c] |= blank_class;
  for (unsigned char c : {',', ';', '\t'}) t[c] |= separator_class;
  return t;
}();

bool has_class(char c, std::uint8_t cls) {
  return (char_classes[static_cast<unsigned char>(c)] & cls) != 0;
}

std::string_view trim(std::string_view s) {
  std::size_t first = 0;
  std::size_t last = s.size();
  while (first < last && has_class(s[first], blank_class)) ++first;
  while (last > first && has_class(s[last - 1], blank_class)) --last;
  return s.substr(first, last - first);
}

bool is_comment(std::string_view line) {
  return line.front() == '#' || line.front() == '%' || line.starts_with("//");
}

// Appends the fields of a trimmed, non-empty line.
void split_fields(std::string_view line, std::vector<std::string_view>& out) {
  const std::size_t n = line.size();
  const bool hard =
      std::any_of(line.begin(), line.end(), [](char c) { return has_class(c, separator_class); });
  std::size_t start = 0;
  if (hard) {
    for (std::size_t i = 0; i <= n; ++i) {
      if (i == n || has_class(line[i], separator_class)) {
        out.push_back(trim(line.substr(start, i - start)));
        start = i + 1;
      }
    }
    return;
  }
  while (start < n) {
    std::size_t end = start;
    while (end < n && !has_class(line[end], blank_class)) ++end;
    out.push_back(line.substr(start, end - start));
    start = end;
    while (start < n && has_class(line[start], blank_class)) ++start;
  }
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowered(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

enum class field_kind { number, missing, not_a_number, not_finite, out_of_range };

struct parsed_field {
  field_kind kind;
  double value;
};

parsed_field parse_field(std::string_view s) {
  constexpr std::array<std::string_view, 4> missing_markers = {"nan", "na", "n/a", "null"};
  if (s.empty()) return {field_kind::missing, 0.0};
  for (auto marker : missing_markers) {
    if (iequals(s, marker)) return {field_kind::missing, 0.0};
  }
  const char* first = s.data();
  const char* const last = s.data() + s.size();
  if (*first == '+') {
    ++first;
    if (first == last || *first == '-' || *first == '+') return {field_kind::not_a_number, 0.0};
  }
  double value = 0.0;
  const auto [end, ec] = std::from_chars(first, last, value);
  if (ec == std::errc::result_out_of_range && end == last) return {field_kind::out_of_range, 0.0};
  if (ec != std::errc{} || end != last) return {field_kind::not_a_number, 0.0};
  if (std::isnan(value)) return {field_kind::missing, 0.0};
  if (std::isinf(value)) return {field_kind::not_finite, 0.0};
  return {field_kind::number, value};
}

std::string quoted(std::string_view s) {
  return "\"" + printable(s, 40) + "\"";
}

std::string field_problem(std::string_view text, field_kind kind) {
  switch (kind) {
    case field_kind::not_finite:
      return quoted(text) + " is not a finite number";
    case field_kind::out_of_range:
      return quoted(text) + " is out of range";
    default:
      return quoted(text) + " is not a number";
  }
}

// The unit a column header names: a word ms / msec / millisecond(s), or s / sec(s) / second(s).
std::optional<rr_units> unit_in_name(std::string_view name) {
  const std::string lower_name = lowered(name);
  std::string_view rest = lower_name;
  while (!rest.empty()) {
    const auto begin =
        std::find_if(rest.begin(), rest.end(), [](char c) { return c >= 'a' && c <= 'z'; });
    const auto end = std::find_if(begin, rest.end(), [](char c) { return c < 'a' || c > 'z'; });
    const std::string_view word(begin, end);
    for (auto ms : {"ms", "msec", "msecs", "millisecond", "milliseconds"}) {
      if (word == ms) return rr_units::ms;
    }
    for (auto s : {"s", "sec", "secs", "second", "seconds"}) {
      if (word == s) return rr_units::s;
    }
    rest = std::string_view(end, rest.end());
  }
  return std::nullopt;
}

bool names_rr(std::string_view name) {
  const std::string n = lowered(name);
  for (auto key : {"rr", "ibi", "nn", "interval", "rri"}) {
    if (n.find(key) != std::string::npos) return true;
  }
  return false;
}

bool names_time(std::string_view name) {
  const std::string n = lowered(trim(name));
  return n.find("time") != std::string::npos || n.find("sec") != std::string::npos || n == "t" ||
         n.starts_with("t ") || n.starts_with("t(") || n.starts_with("t[") || n.starts_with("t_");
}

double median_of(std::vector<double>& values) {
  if (values.empty()) return 0.0;
  const auto mid = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), mid, values.end());
  if (values.size() % 2 == 1) return *mid;
  return 0.5 * (*mid + *std::max_element(values.begin(), mid));
}

rr_units units_by_magnitude(std::vector<double> values) {
  constexpr double ms_threshold = 20.0;
  return median_of(values) > ms_threshold ? rr_units::ms : rr_units::s;
}

// Iterates over the non-blank, non-comment lines of a text, trimmed, with their line numbers.
class line_cursor {
 public:
  line_cursor(std::string_view text, std::size_t pos, std::size_t line_no)
      : text_(text), pos_(pos), line_no_(line_no) {}

  bool next(std::string_view& line) {
    while (pos_ < text_.size()) {
      start_ = pos_;
      const auto newline = text_.find('\n', pos_);
      const auto end = newline == std::string_view::npos ? text_.size() : newline;
      line = trim(text_.substr(pos_, end - pos_));
      pos_ = end + 1;
      ++line_no_;
      if (!line.empty() && !is_comment(line)) return true;
    }
    return false;
  }
  [[nodiscard]] std::size_t line_no() const noexcept { return line_no_; }
  [[nodiscard]] std::size_t line_start() const noexcept { return start_; }

 private:
  std::string_view text_;
  std::size_t pos_;
  std::size_t line_no_;
  std::size_t start_ = 0;
};

// What a first pass over the file finds: the header and the shape of the data lines.
struct file_shape {
  std::vector<std::string_view> header;  // fields of the last text line before the data
  std::string_view header_text;
  std::size_t header_line = 0;
  std::size_t data_start = 0;       // byte offset of the first data line
  std::size_t data_start_line = 0;  // line number of the first data line
  std::size_t data_lines = 0;
  std::size_t width = 0;  // fields on the first data line
  std::size_t total_fields = 0;
  bool uniform = true;     // every data line has `width` fields
  bool drop_last = false;  // every data line ends with an empty field (trailing separator)
  std::vector<std::string> warnings;
};

file_shape scan_shape(std::string_view text, std::vector<std::string_view>& scratch) {
  file_shape shape;
  line_cursor cursor(text, 0, 0);
  std::string_view line;
  std::string_view header_text;
  bool every_line_ends_empty = true;
  while (cursor.next(line)) {
    scratch.clear();
    split_fields(line, scratch);
    if (shape.data_lines == 0) {
      const auto kind = parse_field(scratch.front()).kind;
      // A data line starts with a number, or (date-time first: "2021-03-04T10:11:12;812") has
      // numbers in at least half of its fields.
      std::size_t numbers = 0;
      for (auto f : scratch) numbers += parse_field(f).kind == field_kind::number ? 1 : 0;
      const bool mostly_numbers = scratch.size() >= 2 && 2 * numbers >= scratch.size();
      if (kind != field_kind::number && kind != field_kind::missing && !mostly_numbers) {
        header_text = line;
        shape.header_line = cursor.line_no();
        const char c = line.front();
        if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.') {
          shape.warnings.push_back("line " + std::to_string(cursor.line_no()) + " (" +
                                   quoted(line) + ") was skipped as header text");
        }
        continue;
      }
      shape.data_start = cursor.line_start();
      shape.data_start_line = cursor.line_no();
      shape.width = scratch.size();
    }
    ++shape.data_lines;
    shape.total_fields += scratch.size();
    shape.uniform = shape.uniform && scratch.size() == shape.width;
    every_line_ends_empty = every_line_ends_empty && scratch.back().empty();
  }
  // A line that ends with an empty field has at least two fields.
  shape.drop_last = shape.data_lines > 0 && every_line_ends_empty;
  if (shape.drop_last) --shape.width;
  shape.header_text = header_text;
  if (!header_text.empty()) split_fields(header_text, shape.header);
  if (shape.drop_last && shape.header.size() == shape.width + 1 && shape.header.back().empty()) {
    shape.header.pop_back();  // "time;rr;" over "1.0;800;"
  }
  return shape;
}

// Which fields hold the intervals and the times.
struct layout {
  bool columns = false;  // false: every field is an interval, in reading order
  std::size_t width = 0;
  std::size_t rr_column = 0;
  std::optional<std::size_t> time_column;
  std::optional<rr_units> rr_unit_named;
  std::optional<rr_units> time_unit_named;
};

layout choose_layout(file_shape& shape, const std::string& name) {
  layout out;
  const std::size_t width = shape.width;
  if (width >= 2 && shape.header.size() == width) {
    std::optional<std::size_t> rr;
    std::optional<std::size_t> time;
    for (std::size_t c = 0; c < width && !rr; ++c) {
      if (names_rr(shape.header[c])) rr = c;
    }
    for (std::size_t c = 0; c < width && !time; ++c) {
      if (c != rr && names_time(shape.header[c])) time = c;
    }
    if (!rr && time && width == 2) rr = 1 - *time;
    if (rr) {
      out.columns = true;
      out.width = width;
      out.rr_column = *rr;
      out.time_column = time;
      out.rr_unit_named = unit_in_name(shape.header[*rr]);
      if (time) out.time_unit_named = unit_in_name(shape.header[*time]);
      return out;
    }
    if (time || (shape.uniform && width >= 3)) {
      std::string names;
      for (auto h : shape.header) names += (names.empty() ? "" : ", ") + quoted(h);
      throw input_error(name, shape.header_line,
                        "no RR column among " + names +
                            " (expected a name containing rr, ibi, nn, interval or rri)");
    }
  }
  if (shape.uniform && width == 2 && shape.data_lines >= 2) {
    out.columns = true;
    out.width = 2;
    out.rr_column = 1;
    out.time_column = 0;
  } else if (shape.uniform && width >= 3 && shape.data_lines >= 2) {
    shape.warnings.push_back(std::to_string(width) +
                             " values on every line and no header naming the columns: all "
                             "values are read as intervals in reading order");
  }
  // A one-column header ("RR (s)") may contain the separator of space-separated data.
  if (!out.columns && names_rr(shape.header_text)) {
    out.rr_unit_named = unit_in_name(shape.header_text);
  }
  return out;
}

rr_units interval_units(const std::vector<double>& values, const layout& lay,
                        const rr_file_options& options, std::vector<std::string>* warnings) {
  if (options.units != rr_units::auto_detect) return options.units;
  std::vector<double> magnitudes(values.size());
  std::transform(values.begin(), values.end(), magnitudes.begin(),
                 [](double v) { return std::abs(v); });
  const rr_units by_magnitude = units_by_magnitude(std::move(magnitudes));
  if (!lay.rr_unit_named) return by_magnitude;
  if (warnings != nullptr && *lay.rr_unit_named != by_magnitude) {
    warnings->push_back(std::string("the header says the intervals are in ") +
                        (*lay.rr_unit_named == rr_units::ms ? "ms" : "s") +
                        " but their median suggests otherwise; the header is followed");
  }
  return *lay.rr_unit_named;
}

const char* unit_name(rr_units units) {
  return units == rr_units::ms ? "ms" : "s";
}

// The intervals and times as written, before units are known.
struct extracted {
  std::vector<double> rr;
  std::vector<double> time;  // NaN where missing; empty without a time column
  std::vector<std::uint8_t> after_gap;
  std::vector<std::uint32_t> line_no;
  std::size_t missing = 0;
  std::size_t skipped = 0;
  std::vector<skipped_line> skipped_lines;
};

constexpr std::size_t skipped_lines_kept = 20;

std::string number_text(double v) {
  std::array<char, 32> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), v);
  return {buffer.data(), result.ptr};
}

class extractor {
 public:
  extractor(const layout& lay, const rr_file_options& options, const std::string& name,
            std::size_t expected)
      : lay_(lay), options_(options), name_(name), offset_pending_(options.first_is_offset) {
    out_.rr.reserve(expected);
    out_.after_gap.reserve(expected);
    out_.line_no.reserve(expected);
    if (lay.time_column) out_.time.reserve(expected);
  }

  void take(std::size_t line_no, std::string_view text, std::string_view time_text) {
    const parsed_field rr = parse_field(text);
    parsed_field time{field_kind::missing, 0.0};
    if (lay_.time_column) {
      time = parse_field(time_text);
      if (time.kind != field_kind::number && time.kind != field_kind::missing) {
        skip_or_fail(line_no, field_problem(time_text, time.kind));
        return;
      }
    }
    if (rr.kind == field_kind::missing) {
      ++out_.missing;
      gap_pending_ = !out_.rr.empty();
      return;
    }
    if (rr.kind != field_kind::number) {
      skip_or_fail(line_no, field_problem(text, rr.kind));
      return;
    }
    if (offset_pending_) {
      offset_pending_ = false;
      return;
    }
    // Over 3.6e6 is more than an hour whether the file is in ms or s: with --strict the earliest
    // problem in the file is the one named.
    if (options_.strict && rr.value > 3.6e6) {
      fail(line_no, "interval " + quoted(text) +
                        " is longer than an hour: not a beat interval (remove --strict to skip "
                        "such values as gaps)");
    }
    if (time.kind == field_kind::number) {
      if (!previous_time_text_.empty() && !(time.value > previous_time_)) {
        skip_or_fail(line_no, "time " + quoted(time_text) +
                                  " is not after the previous beat's time " +
                                  quoted(previous_time_text_));
        return;
      }
      previous_time_ = time.value;
      previous_time_text_ = time_text;
    }
    if (rr.value <= 0.0) {
      if (!options_.strict) {
        skip(line_no, "interval " + quoted(text) + " is not positive");
        return;
      }
      if (!first_not_positive_) {
        first_not_positive_ = out_.rr.size();
        not_positive_text_ = text;
      }
    }
    out_.rr.push_back(rr.value);
    if (lay_.time_column) {
      out_.time.push_back(
          time.kind == field_kind::number ? time.value : std::numeric_limits<double>::quiet_NaN());
    }
    out_.after_gap.push_back(gap_pending_ ? 1 : 0);
    out_.line_no.push_back(static_cast<std::uint32_t>(line_no));
    gap_pending_ = false;
  }

  extracted finish() {
    if (first_not_positive_) throw_not_positive();
    return std::move(out_);
  }

  // A bad value inside the data: a gap and a counted warning, or (strict) an error.
  void skip_or_fail(std::size_t line_no, const std::string& message) {
    if (options_.strict) fail(line_no, message + " (remove --strict to skip such lines as gaps)");
    skip(line_no, message);
  }

  void skip(std::size_t line_no, const std::string& message) {
    if (out_.skipped++ < skipped_lines_kept) out_.skipped_lines.push_back({line_no, message});
    gap_pending_ = !out_.rr.empty();
  }

  // Problems are reported in file order: a non-positive interval seen earlier comes first.
  [[noreturn]] void fail(std::size_t line_no, const std::string& message) {
    if (first_not_positive_) throw_not_positive();
    // An interval over an hour earlier in the file (known once the units are) comes first.
    if (!out_.rr.empty()) {
      const rr_units units = interval_units(out_.rr, lay_, options_, nullptr);
      const double longest = units == rr_units::ms ? 3.6e6 : 3600.0;
      for (std::size_t i = 0; i < out_.rr.size(); ++i) {
        if (out_.rr[i] > longest) {
          throw input_error(name_, out_.line_no[i],
                            "interval " + number_text(out_.rr[i]) + " " + unit_name(units) +
                                " is longer than an hour: not a beat interval (remove --strict "
                                "to skip such values as gaps)");
        }
      }
    }
    throw input_error(name_, line_no, message);
  }

 private:
  [[noreturn]] void throw_not_positive() {
    const rr_units units = interval_units(out_.rr, lay_, options_, nullptr);
    throw input_error(name_, out_.line_no[*first_not_positive_],
                      "interval " + std::string(not_positive_text_) + " " + unit_name(units) +
                          " is not positive");
  }

  const layout& lay_;
  const rr_file_options& options_;
  const std::string& name_;
  extracted out_;
  bool offset_pending_;
  bool gap_pending_ = false;
  double previous_time_ = 0.0;
  std::string_view previous_time_text_;
  std::optional<std::size_t> first_not_positive_;
  std::string_view not_positive_text_;
};

extracted extract(std::string_view text, const file_shape& shape, const layout& lay,
                  const rr_file_options& options, const std::string& name,
                  std::vector<std::string_view>& scratch) {
  extractor ex(lay, options, name, lay.columns ? shape.data_lines : shape.total_fields);
  line_cursor cursor(text, shape.data_start, shape.data_start_line - 1);
  std::string_view line;
  while (cursor.next(line)) {
    scratch.clear();
    split_fields(line, scratch);
    const std::size_t count = scratch.size() - (shape.drop_last ? 1 : 0);
    if (!lay.columns) {
      // A line with anything but numbers ("@ marker 12", a note) is skipped whole: its numbers
      // are not intervals.
      const auto bad =
          std::find_if(scratch.begin(), scratch.begin() + static_cast<std::ptrdiff_t>(count),
                       [](std::string_view f) {
                         const auto k = parse_field(f).kind;
                         return k != field_kind::number && k != field_kind::missing;
                       });
      if (bad != scratch.begin() + static_cast<std::ptrdiff_t>(count)) {
        ex.take(cursor.line_no(), *bad, {});
        continue;
      }
      for (std::size_t i = 0; i < count; ++i) ex.take(cursor.line_no(), scratch[i], {});
      continue;
    }
    if (count != lay.width) {
      // A line that does not fit the columns ("@ marker", a note) is skipped as a gap.
      if (count < lay.width && !options.strict) {
        ex.skip(cursor.line_no(), std::to_string(count) + " field" + (count == 1 ? "" : "s") +
                                      " where the columns need " + std::to_string(lay.width) +
                                      ": " + quoted(line));
        continue;
      }
      ex.fail(cursor.line_no(), std::to_string(count) + " fields where the header on line " +
                                    std::to_string(shape.header_line) + " names " +
                                    std::to_string(lay.width) + " columns");
    }
    ex.take(cursor.line_no(), scratch[lay.rr_column],
            lay.time_column ? scratch[*lay.time_column] : std::string_view{});
  }
  return ex.finish();
}

double time_scale_s(const extracted& ex, const layout& lay) {
  if (lay.time_unit_named) return *lay.time_unit_named == rr_units::ms ? 1e-3 : 1.0;
  std::vector<double> steps;
  double previous = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t i = 0; i < ex.time.size(); ++i) {
    if (std::isnan(ex.time[i])) continue;
    if (!std::isnan(previous) && ex.after_gap[i] == 0) steps.push_back(ex.time[i] - previous);
    previous = ex.time[i];
  }
  return units_by_magnitude(std::move(steps)) == rr_units::ms ? 1e-3 : 1.0;
}

void build_series(extracted& ex, const layout& lay, double rr_scale_ms, const std::string& name,
                  bool strict, rr_recording& out) {
  auto& series = out.rr;
  for (double& v : ex.rr) v *= rr_scale_ms;
  // Longer than an hour cannot be a beat interval, and would wreck the time axis of
  // everything after it: a gap (or, strict, an error). Shorter absurd values are left to the
  // analysis' range gate.
  constexpr double longest_ms = 3.6e6;
  std::size_t kept = 0;
  bool gap_next = false;
  for (std::size_t i = 0; i < ex.rr.size(); ++i) {
    if (ex.rr[i] > longest_ms) {
      const std::string message =
          "interval " + number_text(ex.rr[i]) + " ms is longer than an hour: not a beat interval";
      if (strict) {
        throw input_error(name, ex.line_no[i],
                          message + " (remove --strict to skip such values as gaps)");
      }
      if (ex.skipped++ < skipped_lines_kept) ex.skipped_lines.push_back({ex.line_no[i], message});
      gap_next = kept > 0;
      continue;
    }
    ex.rr[kept] = ex.rr[i];
    ex.after_gap[kept] = (ex.after_gap[i] != 0 || gap_next) ? 1 : 0;
    ex.line_no[kept] = ex.line_no[i];
    if (!ex.time.empty()) ex.time[kept] = ex.time[i];
    gap_next = false;
    ++kept;
  }
  ex.rr.resize(kept);
  ex.after_gap.resize(kept);
  ex.line_no.resize(kept);
  if (!ex.time.empty()) ex.time.resize(kept);
  std::sort(ex.skipped_lines.begin(), ex.skipped_lines.end(),
            [](const skipped_line& a, const skipped_line& b) { return a.line < b.line; });
  const std::size_t n = ex.rr.size();
  if (n == 0) throw input_error(name, 0, "contains no usable RR intervals");
  series.end_s.resize(n);
  if (!lay.time_column) {
    double end = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      end += ex.rr[i] / 1000.0;
      series.end_s[i] = end;
    }
    if (ex.missing > 0) {
      out.warnings.push_back(std::to_string(ex.missing) +
                             " missing intervals: without a time column their length is "
                             "unknown, so the time axis simply continues across each gap");
    }
  } else {
    const double time_scale = time_scale_s(ex, lay);
    std::optional<double> origin;
    double previous_end = 0.0;
    std::size_t checked = 0;
    std::size_t disagreeing = 0;
    std::vector<std::size_t> jumps;  // time steps far longer than the interval: beats missing
    for (std::size_t i = 0; i < n; ++i) {
      const double rr = ex.rr[i];
      double end = previous_end + rr / 1000.0;
      if (!std::isnan(ex.time[i])) {
        const double t = ex.time[i] * time_scale;
        if (!origin) origin = t - end;
        end = t - *origin;
        if (i > 0 && !(end > previous_end)) {
          // Reachable only when lines without a time come in between.
          throw input_error(
              name, ex.line_no[i],
              "time " + number_text(ex.time[i]) + " is not after the end of the previous interval");
        }
      }
      if (i > 0 && ex.after_gap[i] == 0) {
        constexpr double tolerance_ms = 20.0;
        constexpr double tolerance_fraction = 0.05;
        ++checked;
        const double step_ms = (end - previous_end) * 1000.0;
        if (std::abs(step_ms - rr) > std::max(tolerance_ms, tolerance_fraction * rr)) {
          ++disagreeing;
        }
        if (step_ms > 1.5 * rr + tolerance_ms) jumps.push_back(i);
      }
      series.end_s[i] = end;
      previous_end = end;
    }
    if (checked > 0 && 2 * disagreeing > checked) {
      out.warnings.push_back("the time column disagrees with the intervals on " +
                             std::to_string(disagreeing) + " of " + std::to_string(checked) +
                             " beats; the time axis follows the time column");
    } else if (!jumps.empty()) {
      // A time column that agrees with the intervals but jumps: lines were removed there.
      for (std::size_t i : jumps) ex.after_gap[i] = 1;
      out.warnings.push_back(std::to_string(jumps.size()) +
                             " jump(s) in the time column longer than the interval: kept as gaps");
    }
  }
  series.rr_ms = std::move(ex.rr);
  series.after_gap = std::move(ex.after_gap);
}

// Time values that are not numbers (date-times: "10:11:12", "2021-03-04T10:11:12.123") cannot
// be used as a time axis here: the intervals give it. A column that counts 0, 1, 2, ... (or from
// any start, by exactly 1) and is not named like time is an index (pandas' unnamed first
// column), not a time axis.
void check_time_column(std::string_view text, const file_shape& shape, layout& lay,
                       std::vector<std::string_view>& scratch, std::vector<std::string>& warnings) {
  if (!lay.time_column) return;
  line_cursor cursor(text, shape.data_start, shape.data_start_line - 1);
  std::string_view line;
  std::size_t lines = 0;
  std::size_t numbers = 0;
  std::size_t unit_steps = 0;
  double previous = 0.0;
  bool have_previous = false;
  std::string_view first_text;
  while (lines < 200 && cursor.next(line)) {
    scratch.clear();
    split_fields(line, scratch);
    if (scratch.size() <= *lay.time_column) continue;
    ++lines;
    const std::string_view field = scratch[*lay.time_column];
    if (first_text.empty()) first_text = field;
    const parsed_field t = parse_field(field);
    if (t.kind != field_kind::number) {
      have_previous = false;
      continue;
    }
    ++numbers;
    if (have_previous && t.value - previous == 1.0 && t.value == std::floor(t.value)) {
      ++unit_steps;
    }
    previous = t.value;
    have_previous = true;
  }
  const std::string column = lay.time_column < shape.header.size()
                                 ? quoted(shape.header[*lay.time_column])
                                 : "column " + std::to_string(*lay.time_column);
  if (lines > 0 && 2 * numbers < lines) {
    warnings.push_back("time column " + column + " holds " + quoted(first_text) +
                       ", not numbers: the intervals give the time axis");
    lay.time_column.reset();
  } else if (numbers >= 3 && unit_steps + 1 >= numbers &&
             !(*lay.time_column < shape.header.size() &&
               names_time(shape.header[*lay.time_column]))) {
    warnings.push_back(column + " counts up by 1 on every line: an index, not a time axis");
    lay.time_column.reset();
  }
}

}  // namespace

rr_recording read_rr_text(std::string_view text, const std::string& name,
                          const rr_file_options& options) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<std::string_view> scratch;
  file_shape shape = scan_shape(text, scratch);
  if (shape.data_lines == 0) throw input_error(name, 0, "contains no RR intervals");
  if (shape.total_fields > max_rr_values) {
    throw input_error(name, 0,
                      "holds " + std::to_string(shape.total_fields) + " values, more than the " +
                          std::to_string(max_rr_values) +
                          " intervals (58 days at 60 bpm) one analysis takes: split the "
                          "recording");
  }
  layout lay = choose_layout(shape, name);
  check_time_column(text, shape, lay, scratch, shape.warnings);
  extracted ex = extract(text, shape, lay, options, name, scratch);
  if (ex.rr.empty()) {
    if (ex.skipped > 0) {
      throw input_error(name, ex.skipped_lines.front().line,
                        "contains no usable RR intervals (" + ex.skipped_lines.front().reason +
                            ", and " + std::to_string(ex.skipped - 1) + " more skipped)");
    }
    throw input_error(name, 0, "contains no RR intervals");
  }

  rr_recording out;
  out.path = name;
  out.kind = "rr";
  out.missing = ex.missing;
  out.warnings = std::move(shape.warnings);
  if (lay.columns && lay.rr_column < shape.header.size()) {
    out.rr_column = std::string(shape.header[lay.rr_column]);
  } else if (lay.columns) {
    out.rr_column = "column " + std::to_string(lay.rr_column);
  }
  if (lay.time_column) {
    out.time_column = *lay.time_column < shape.header.size()
                          ? std::string(shape.header[*lay.time_column])
                          : "column " + std::to_string(*lay.time_column);
  }
  const rr_units units = interval_units(ex.rr, lay, options, &out.warnings);
  out.units = unit_name(units);
  build_series(ex, lay, units == rr_units::ms ? 1.0 : 1000.0, name, options.strict, out);
  out.skipped = ex.skipped;
  out.skipped_lines = std::move(ex.skipped_lines);
  if (out.skipped > 0) {
    std::string where;
    for (const auto& s : out.skipped_lines)
      where += (where.empty() ? "" : ", ") + std::to_string(s.line);
    out.warnings.push_back(std::to_string(out.skipped) + " value" + (out.skipped == 1 ? "" : "s") +
                           " skipped as gaps (bad lines or impossible intervals; --strict refuses "
                           "them): line" +
                           (out.skipped_lines.size() == 1 ? " " : "s ") + where +
                           (out.skipped > out.skipped_lines.size() ? ", ..." : ""));
  }
  return out;
}

rr_recording read_rr_file(const std::filesystem::path& path, const rr_file_options& options) {
  const input_bytes in = read_input(path.string());
  return read_rr_text(in.text, in.name, options);
}

rr_recording read_rr_recording(const std::filesystem::path& path, const rr_file_options& options) {
  if (path.extension() == ".atr") return read_wfdb_annotations(path);
  if (!path.has_extension()) {
    std::error_code ec;
    std::filesystem::path atr = path;
    atr += ".atr";
    if (std::filesystem::is_regular_file(atr, ec)) return read_wfdb_annotations(path);
  }
  return read_rr_file(path, options);
}

}  // namespace resonant::drivers
