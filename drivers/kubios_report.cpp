#include "kubios_report.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "file_bytes.hpp"
#include "input_error.hpp"

namespace resonant::drivers {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

// A number at the start of s (after blanks); nullopt when there is none.
std::optional<double> leading_number(std::string_view s) {
  s = trim(s);
  if (s == "Inf" || s == "+Inf") return std::numeric_limits<double>::infinity();
  if (s == "-Inf") return -std::numeric_limits<double>::infinity();
  if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0.0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end == s.data()) return std::nullopt;
  return v;
}

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

struct line_context {
  const std::string& name;
  std::size_t line;
  std::string_view key;
  [[noreturn]] void fail(std::string_view value) const {
    throw input_error(name, line,
                      std::string(key) + ": cannot read \"" + std::string(value) + "\"");
  }
  double number(std::string_view value) const {
    auto v = leading_number(value);
    if (!v || !std::isfinite(*v)) fail(value);
    return *v;
  }
  // "a - b" or "a-b", followed by a unit.
  std::pair<double, double> range(std::string_view value) const {
    const std::string_view v = trim(value);
    // The separating '-' is the first '-' after a digit.
    for (std::size_t i = 1; i < v.size(); ++i) {
      if (v[i] == '-' && (std::isdigit(static_cast<unsigned char>(v[i - 1])) || v[i - 1] == ' ')) {
        const auto a = leading_number(v.substr(0, i));
        const auto b = leading_number(v.substr(i + 1));
        if (a && b) return {*a, *b};
        break;
      }
    }
    fail(value);
  }
  bool yes_no(std::string_view value) const {
    const std::string_view v = trim(value);
    if (v == "Yes" || v == "yes" || v == "1" || v == "On" || v == "on") return true;
    if (v == "No" || v == "no" || v == "0" || v == "Off" || v == "off") return false;
    fail(value);
  }
};

void parse_parameter(std::string_view key, std::string_view value, const line_context& c,
                     kubios_parameters& p) {
  if (key == "Detrending method") {
    const std::string_view v = trim(value);
    if (v == "none" || v == "None") {
      p.detrending = false;
    } else if (starts_with(v, "Smoothn")) {
      auto at = v.find("lambda");
      if (at == std::string_view::npos) at = v.find("Lambda");
      if (at == std::string_view::npos) c.fail(value);
      std::string_view rest = v.substr(at + 6);
      while (!rest.empty() && (rest.front() == ':' || rest.front() == '=' || rest.front() == ' '))
        rest.remove_prefix(1);
      p.detrending = true;
      p.detrend_lambda = c.number(rest);
    } else {
      p.ignored.push_back("line " + std::to_string(c.line) + ": " + std::string(key) + ": " +
                          std::string(v) + " (only none and smoothness priors are implemented)");
    }
  } else if (key == "Min/Max HR as average of") {
    p.hr_average_beats = c.number(value);
  } else if (key == "Threshold for NNxx/pNNxx") {
    p.nnxx_ms = c.number(value);
  } else if (key == "VLF" || key == "LF" || key == "HF") {
    const auto [a, b] = c.range(value);
    const dsp::frequency_band band{a, b};
    (key == "VLF" ? p.vlf : key == "LF" ? p.lf : p.hf) = band;
  } else if (key == "Interpolation rate") {
    p.resample_hz = c.number(value);
  } else if (key == "Points in frequency-domain") {
    p.points_per_hz = c.number(value);
  } else if (key == "Window width") {
    p.window_s = c.number(value);
  } else if (key == "Window overlap") {
    p.overlap_pct = c.number(value);
  } else if (key == "AR model order") {
    p.ar_order = c.number(value);
  } else if (key == "Use factorization") {
    p.ar_factorization = c.yes_no(value);
  } else if (key == "Apply detrending for nonlinear analysis") {
    p.detrend_nonlinear = c.yes_no(value);
  } else if (key == "Entropy, embedding dimension") {
    p.entropy_m = c.number(value);
  } else if (key == "Entropy, tolerance") {
    p.entropy_r_sd = c.number(value);
  } else if (key == "DFA, short-term fluctuations") {
    std::tie(p.dfa_short_min, p.dfa_short_max) = c.range(value);
  } else if (key == "DFA, long-term fluctuations") {
    std::tie(p.dfa_long_min, p.dfa_long_max) = c.range(value);
  } else if (key == "Number of samples") {
    // informational
  } else {
    p.ignored.push_back("line " + std::to_string(c.line) + ": " + std::string(key) + ": " +
                        std::string(trim(value)));
  }
}

}  // namespace

const kubios_result_row* kubios_report::find(std::string_view label,
                                             std::string_view section) const {
  for (const auto& r : results) {
    if (r.label == label && (section.empty() || r.section == section)) return &r;
  }
  return nullptr;
}

kubios_report parse_kubios_report(std::string_view text, const std::string& name) {
  enum class block { header, parameters, samples, results, data };
  kubios_report out;
  block where = block::header;
  std::string section;
  std::size_t line_no = 0;
  std::size_t start = 0;
  bool have_beat = false;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string_view t = trim(line);
    if (t == "Parameters") {
      where = block::parameters;
      continue;
    }
    if (starts_with(t, "RR Interval Samples Selected")) {
      where = block::samples;
      continue;
    }
    if (starts_with(t, "RESULTS FOR")) {
      where = block::results;
      continue;
    }
    if (starts_with(t, "RR INTERVAL DATA")) {
      where = block::data;
      continue;
    }
    if (t.empty()) continue;
    if (where == block::samples && starts_with(t, "Artifact correction:")) {
      const std::string_view v = trim(t.substr(t.find(':') + 1));
      out.parameters.artefact_correction = !(v == "none" || v == "None");
      if (*out.parameters.artefact_correction) {
        out.parameters.ignored.push_back("line " + std::to_string(line_no) +
                                         ": Artifact correction: " + std::string(v) +
                                         " (Kubios' threshold correction is not implemented; "
                                         "the profile's correction is used)");
      }
      continue;
    }
    if (where == block::parameters) {
      const auto colon = t.find(':');
      if (colon == std::string_view::npos) continue;  // "Frequency bands", "FFT spectrum options"
      const std::string_view key = trim(t.substr(0, colon));
      const line_context c{name, line_no, key};
      parse_parameter(key, t.substr(colon + 1), c, out.parameters);
    } else if (where == block::results) {
      const auto cells = split(line, ',');
      const std::string_view first = trim(cells[0]);
      const bool indented = !line.empty() && line.front() == ' ';
      if (!indented) {
        section = std::string(first);
        continue;
      }
      if (first.empty() || first.back() != ':') continue;  // sub-headings
      kubios_result_row row;
      row.section = section;
      row.label = std::string(trim(first.substr(0, first.size() - 1)));
      row.line = line_no;
      if (cells.size() > 1 && !trim(cells[1]).empty()) {
        row.first = leading_number(cells[1]);
        if (!row.first) {
          throw input_error(name, line_no,
                            row.label + ": cannot read \"" + std::string(trim(cells[1])) + "\"");
        }
      }
      if (cells.size() > 2 && !trim(cells[2]).empty()) {
        row.second = leading_number(cells[2]);
        if (!row.second) {
          throw input_error(name, line_no,
                            row.label + ": cannot read \"" + std::string(trim(cells[2])) + "\"");
        }
      }
      out.results.push_back(std::move(row));
    } else if (where == block::data) {
      const auto cells = split(line, ',');
      if (cells.size() < 3) continue;
      // Header rows hold words; data rows numbers (or blanks once the RR column has ended).
      std::vector<std::optional<double>> v;
      bool words = false;
      for (std::size_t i = 1; i < cells.size(); ++i) {
        const std::string_view c = trim(cells[i]);
        if (c.empty()) {
          v.emplace_back();
          continue;
        }
        v.push_back(leading_number(c));
        if (!v.back()) words = true;
      }
      if (words) continue;
      v.resize(std::max<std::size_t>(v.size(), 5));
      if (v[0] && v[1]) {
        const double t_s = *v[0];
        const double rr_ms = *v[1] * 1000.0;
        // Beyond a day is no beat interval (and would overflow the time axis: found by fuzzing).
        if (!(rr_ms > 0.0 && rr_ms < 8.64e7) || !std::isfinite(t_s) ||
            (have_beat && !(t_s > out.rr.end_s.back()))) {
          throw input_error(name, line_no, "RR interval data: beat time or interval out of order");
        }
        out.rr.push_back(rr_ms, t_s, false);
        have_beat = true;
      }
      if (v[2] && v[3]) {
        out.fft_freq_hz.push_back(*v[2]);
        out.fft_psd.push_back(*v[3]);
      }
      if (v.size() > 5 && v[4] && v[5]) {
        out.ar_freq_hz.push_back(*v[4]);
        out.ar_psd.push_back(*v[5]);
      }
    }
  }
  if (where == block::header) throw input_error(name, 0, "not a Kubios HRV report: no Parameters");
  return out;
}

kubios_report read_kubios_report(const std::filesystem::path& path) {
  const std::string display = path.string();
  const std::string text = read_file_bytes(path, display);
  return parse_kubios_report(text, display);
}

rr_recording read_kubios_report_recording(const std::filesystem::path& path) {
  kubios_report k = read_kubios_report(path);
  if (k.rr.empty()) {
    throw input_error(path.string(), 0, "the report holds no RR INTERVAL DATA block");
  }
  rr_recording rec;
  rec.path = path.string();
  rec.kind = "kubios report";
  rec.units = "s";
  rec.rr = std::move(k.rr);
  for (const auto& s : k.parameters.ignored) rec.warnings.push_back("not applied: " + s);
  return rec;
}

void apply_kubios_parameters(const kubios_parameters& k, dsp::analysis_profile& p) {
  auto size = [](double v) { return static_cast<std::size_t>(std::lround(v)); };
  if (k.artefact_correction && !*k.artefact_correction) p.artefacts = dsp::artefact_method::none;
  if (k.detrending) p.detrend_lambda = *k.detrending ? k.detrend_lambda : std::nullopt;
  if (k.hr_average_beats) p.time.hr_average_beats = size(*k.hr_average_beats);
  if (k.nnxx_ms) p.time.nnxx_ms = *k.nnxx_ms;
  if (k.vlf) p.vlf = *k.vlf;
  if (k.lf) p.lf = *k.lf;
  if (k.hf) p.hf = *k.hf;
  if (k.resample_hz) p.resample_hz = *k.resample_hz;
  if (k.points_per_hz) p.welch_points_per_hz = *k.points_per_hz;
  if (k.window_s) p.welch_segment_s = *k.window_s;
  if (k.overlap_pct) p.welch_overlap = *k.overlap_pct / 100.0;
  if (k.ar_order) p.ar_order = size(*k.ar_order);
  if (k.ar_factorization) p.ar_factorization = *k.ar_factorization;
  if (k.detrend_nonlinear) p.detrend_time_domain = *k.detrend_nonlinear;
  if (k.entropy_m) p.sampen_m = static_cast<int>(size(*k.entropy_m));
  if (k.entropy_r_sd) p.sampen_r_sd = *k.entropy_r_sd;
  if (k.dfa_short_min) p.dfa_alpha1_min = size(*k.dfa_short_min);
  if (k.dfa_short_max) p.dfa_alpha1_max = size(*k.dfa_short_max);
  if (k.dfa_long_min) p.dfa_alpha2_min = size(*k.dfa_long_min);
  if (k.dfa_long_max) p.dfa_alpha2_max = size(*k.dfa_long_max);
}

}  // namespace resonant::drivers
