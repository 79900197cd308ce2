#include "metric_format.hpp"

#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <system_error>

namespace resonant::engine {
namespace {

// time_s, beat and beats are written first, separately.
constexpr std::array<metric_column, 15> columns{{
    {"rr_ms", &metric_snapshot::rr_ms, 3},
    {"hr_bpm", &metric_snapshot::hr_bpm, 3},
    {"rmssd_30s_ms", &metric_snapshot::rmssd_30s_ms, 3},
    {"rmssd_60s_ms", &metric_snapshot::rmssd_60s_ms, 3},
    {"sdnn_60s_ms", &metric_snapshot::sdnn_60s_ms, 3},
    {"pnn50_60s_pct", &metric_snapshot::pnn50_60s_pct, 3},
    {"lf_ms2", &metric_snapshot::lf_ms2, 3},
    {"hf_ms2", &metric_snapshot::hf_ms2, 3},
    {"lf_hf", &metric_snapshot::lf_hf, 4},
    {"coherence", &metric_snapshot::coherence, 4},
    {"coherence_peak_hz", &metric_snapshot::coherence_peak_hz, 4},
    {"rsa_bpm", &metric_snapshot::rsa_bpm, 3},
    {"breathing_rate_bpm", &metric_snapshot::breathing_rate_bpm, 3},
    {"corrected_pct", &metric_snapshot::corrected_pct, 2},
    {"missing_pct", &metric_snapshot::missing_pct, 2},
}};
constexpr std::size_t n_metric_columns = columns.size();

constexpr std::string_view header_line =
    "time_s,beat,beats,rr_ms,hr_bpm,rmssd_30s_ms,rmssd_60s_ms,sdnn_60s_ms,pnn50_60s_pct,"
    "lf_ms2,hf_ms2,lf_hf,coherence,coherence_peak_hz,rsa_bpm,breathing_rate_bpm,"
    "corrected_pct,missing_pct";

void append_fixed(std::string& out, double v, int decimals) {
  std::array<char, 64> tmp{};
  // -0.000 and 0.000 must not differ: round first, then print.
  if (v == 0.0) v = 0.0;
  auto [end, ec] =
      std::to_chars(tmp.data(), tmp.data() + tmp.size(), v, std::chars_format::fixed, decimals);
  if (ec != std::errc{}) {
    out += "0";
    return;
  }
  std::string_view text(tmp.data(), static_cast<std::size_t>(end - tmp.data()));
  if (text.starts_with('-') && text.find_first_not_of("-0.") == std::string_view::npos)
    text.remove_prefix(1);
  out += text;
}

void append_int(std::string& out, std::int64_t v) {
  std::array<char, 24> tmp{};
  auto [end, ec] = std::to_chars(tmp.data(), tmp.data() + tmp.size(), v);
  out.append(tmp.data(), static_cast<std::size_t>(end - tmp.data()));
  (void)ec;
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr std::string_view hex = "0123456789abcdef";
          out += "\\u00";
          out += hex[static_cast<unsigned char>(c) >> 4];
          out += hex[static_cast<unsigned char>(c) & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

constexpr std::size_t flush_bytes = 1 << 16;

}  // namespace

std::string_view metric_columns() noexcept {
  return header_line;
}

std::span<const metric_column> metric_column_table() noexcept {
  return columns;
}

void append_json_row(std::string& out, const metric_snapshot& s) {
  out += "{\"time_s\":";
  append_fixed(out, s.time_s, 3);
  out += s.beat ? ",\"beat\":true,\"beats\":" : ",\"beat\":false,\"beats\":";
  append_int(out, s.beats);
  for (const metric_column& c : columns) {
    out += ",\"";
    out += c.name;
    out += "\":";
    const double v = s.*(c.field);
    if (std::isfinite(v))
      append_fixed(out, v, c.decimals);
    else
      out += "null";
  }
  out += '}';
}

void append_json_event(std::string& out, double time_s, std::string_view type,
                       std::string_view detail) {
  out += "{\"time_s\":";
  append_fixed(out, time_s, 3);
  out += ",\"event\":";
  append_json_string(out, type);
  out += ",\"detail\":";
  append_json_string(out, detail);
  out += '}';
}

void append_json_pacer(std::string& out, double time_s, const pacer_state& p) {
  out += "{\"time_s\":";
  append_fixed(out, time_s, 3);
  out += ",\"pacer\":";
  append_json_string(out, to_string(p.phase));
  out += ",\"progress\":";
  append_fixed(out, p.progress, 4);
  out += ",\"lung\":";
  append_fixed(out, p.lung, 4);
  out += ",\"cycles\":";
  append_fixed(out, p.cycles, 4);
  out += ",\"rate_bpm\":";
  append_fixed(out, p.rate_bpm, 1);
  out += '}';
}

metric_writer::metric_writer(std::FILE* out, metric_format format) : out_(out), format_(format) {
  buf_.reserve(flush_bytes + 1024);
}

metric_writer::~metric_writer() {
  try {
    flush();
  } catch (...) {  // NOLINT(bugprone-empty-catch): destructor must not throw; flush() reported
  }
}

void metric_writer::header() {
  if (format_ == metric_format::csv) {
    buf_ += header_line;
    buf_ += '\n';
  }
}

void metric_writer::row(const metric_snapshot& s) {
  ++rows_;
  if (format_ == metric_format::csv) {
    append_fixed(buf_, s.time_s, 3);
    buf_ += s.beat ? ",1," : ",0,";
    append_int(buf_, s.beats);
    for (std::size_t i = 0; i < n_metric_columns; ++i) {
      buf_ += ',';
      const double v = s.*(columns[i].field);
      if (std::isfinite(v)) append_fixed(buf_, v, columns[i].decimals);
    }
  } else {
    append_json_row(buf_, s);
  }
  buf_ += '\n';
  if (buf_.size() >= flush_bytes) flush();
}

void metric_writer::event(double time_s, std::string_view type, std::string_view detail) {
  if (format_ != metric_format::jsonl) return;
  append_json_event(buf_, time_s, type, detail);
  buf_ += '\n';
  if (buf_.size() >= flush_bytes) flush();
}

void metric_writer::flush() {
  if (buf_.empty()) return;
  const std::size_t n = std::fwrite(buf_.data(), 1, buf_.size(), out_);
  buf_.clear();
  if (n == 0 || std::fflush(out_) != 0)
    throw std::system_error(errno != 0 ? errno : EIO, std::generic_category(),
                            "writing the metric stream");
}

}  // namespace resonant::engine
