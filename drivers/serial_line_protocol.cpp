#include "drivers/serial_line_protocol.hpp"

#include <charconv>
#include <cmath>
#include <optional>
#include <utility>

// Line decoding, step by step (docs/serial-protocol.md has the user's view). A line is decoded
// only when it matches the protocol completely, from its first byte to its last:
//  1. leading and trailing blanks are dropped; an empty line is nothing;
//  2. '#' starts a comment (any bytes may follow);
//  3. a line holding any byte outside printable ASCII (controls other than tab, DEL, >= 0x80)
//     is line noise: corrupt, never decoded in part (noise ending in "Q<digits>" used to decode
//     as a 2-55 ms interval);
//  4. an optional leading '$' (NMEA style) is skipped; a trailing "*HH" is an XOR checksum over
//     the characters before '*' (after '$');
//  5. '@' starts metadata; otherwise the line is split at commas: a known tag (RR, IBI, HR, ECG,
//     PPG, case-insensitive), PulseSensor's S<n> / B<n> / Q<n> (an optional '-' and decimal
//     digits only), or bare numbers (column map). Anything else is unknown or corrupt.
namespace resonant::drivers {
namespace {

constexpr std::size_t max_fields = 16;

bool is_blank(char c) noexcept {
  return c == ' ' || c == '\t';
}
bool is_noise(unsigned char c) noexcept {
  return (c < 0x20 && c != '\t') || c >= 0x7f;
}
char upper(char c) noexcept {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (upper(a[i]) != upper(b[i])) return false;
  }
  return true;
}

std::optional<double> number(std::string_view s) noexcept {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double v = 0.0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  const char u = upper(c);
  if (u >= 'A' && u <= 'F') return u - 'A' + 10;
  return -1;
}

struct fields {
  std::array<std::string_view, max_fields> f{};
  std::size_t n = 0;
  bool too_many = false;
};

fields split(std::string_view s) noexcept {
  fields out;
  while (true) {
    const auto comma = s.find(',');
    if (out.n == max_fields) {
      out.too_many = true;
      return out;
    }
    out.f[out.n++] = trim(s.substr(0, comma));
    if (comma == std::string_view::npos) return out;
    s.remove_prefix(comma + 1);
  }
}

using result = serial_line_result;

// RR / HR: value[,time]
result value_and_time(const fields& fs, double lo, double hi, serial_record_kind kind,
                      serial_record& out) noexcept {
  if (fs.n < 2 || fs.n > 3) return result::corrupt;
  const auto v = number(fs.f[1]);
  if (!v || *v < lo || *v > hi) return result::corrupt;
  out.kind = kind;
  out.value = *v;
  if (fs.n == 3) {
    const auto t = number(fs.f[2]);
    if (!t || *t < 0.0) return result::corrupt;
    out.has_time = true;
    out.time = *t;
  }
  return result::record;
}

// ECG,<t>,<uV> (or ECG,<uV>); PPG,<t>,<v1>[,<v2>[,<v3>]]
result waveform(const fields& fs, dsp::input_kind kind, serial_record& out) noexcept {
  const std::size_t max_values = kind == dsp::input_kind::ecg ? 1 : 3;
  if (fs.n < 2 || fs.n > 2 + max_values) return result::corrupt;
  out.kind = serial_record_kind::sample;
  out.signal = kind;
  std::size_t first = 1;
  if (fs.n >= 3) {
    const auto t = number(fs.f[1]);
    if (!t) return result::corrupt;
    out.has_time = true;
    out.time = *t;
    first = 2;
  }
  for (std::size_t i = first; i < fs.n; ++i) {
    const auto v = number(fs.f[i]);
    if (!v) return result::corrupt;
    out.channels[out.channel_count++] = *v;
  }
  out.value = out.channels[0];
  return result::record;
}

// PulseSensor Playground "processing visualizer" lines: S<signal>, B<bpm>, Q<ibi ms>.
result pulse_sensor_letter(std::string_view s, const serial_protocol_config& config,
                           serial_record& out) noexcept {
  // An integer written as such: optional '-', then 1..9 decimal digits (no '+', '.', 'e').
  const std::string_view digits = s.substr(s.size() > 1 && s[1] == '-' ? 2 : 1);
  if (digits.empty() || digits.size() > 9) return result::corrupt;
  for (const char c : digits) {
    if (c < '0' || c > '9') return result::corrupt;
  }
  const auto v = number(s.substr(1));
  if (!v) return result::corrupt;
  switch (upper(s.front())) {
    case 'S':
      out.kind = serial_record_kind::sample;
      out.signal = config.bare_signal;
      out.value = *v;
      out.channels[0] = *v;
      out.channel_count = 1;
      return result::record;
    case 'B':
      if (*v < 0.0 || *v > 400.0) return result::corrupt;
      out.kind = serial_record_kind::hr;
      out.value = *v;
      return result::record;
    default:  // 'Q'
      if (*v <= 0.0 || *v > 60000.0) return result::corrupt;
      out.kind = serial_record_kind::rr;
      out.value = *v;
      return result::record;
  }
}

result bare_numbers(const fields& fs, const serial_protocol_config& config,
                    serial_record& out) noexcept {
  std::array<double, max_fields> v{};
  for (std::size_t i = 0; i < fs.n; ++i) {
    const auto x = number(fs.f[i]);
    if (!x) return result::corrupt;
    v[i] = *x;
  }
  if (config.columns.empty()) {
    if (fs.n != 3) return result::unknown;
    // PulseSensor plotter: BPM,IBI,Signal
    out.kind = serial_record_kind::sample;
    out.signal = config.bare_signal;
    out.value = v[2];
    out.channels[0] = v[2];
    out.channel_count = 1;
    return result::record;
  }
  if (fs.n < config.columns.size()) return result::corrupt;
  bool wave = false;
  bool have_rr = false;
  bool have_hr = false;
  double rr = 0.0;
  double hr = 0.0;
  for (std::size_t i = 0; i < config.columns.size(); ++i) {
    switch (config.columns[i]) {
      case serial_column::time:
        out.has_time = true;
        out.time = v[i];
        break;
      case serial_column::ecg:
      case serial_column::ppg: {
        const dsp::input_kind k =
            config.columns[i] == serial_column::ecg ? dsp::input_kind::ecg : dsp::input_kind::ppg;
        if (!wave) {
          wave = true;
          out.signal = k;
        }
        if (k == out.signal && out.channel_count < out.channels.size())
          out.channels[out.channel_count++] = v[i];
        break;
      }
      case serial_column::rr:
        have_rr = true;
        rr = v[i];
        break;
      case serial_column::hr:
        have_hr = true;
        hr = v[i];
        break;
      case serial_column::skip:
        break;
    }
  }
  if (wave) {
    out.kind = serial_record_kind::sample;
    out.value = out.channels[0];
    return result::record;
  }
  if (have_rr) {
    if (rr <= 0.0 || rr > 60000.0) return result::corrupt;
    out.kind = serial_record_kind::rr;
    out.value = rr;
    return result::record;
  }
  if (have_hr) {
    if (hr < 0.0 || hr > 400.0) return result::corrupt;
    out.kind = serial_record_kind::hr;
    out.value = hr;
    return result::record;
  }
  return result::unknown;
}

// One candidate (no noise bytes, trimmed, not a comment).
result parse(std::string_view s, const serial_protocol_config& config,
             serial_record& out) noexcept {
  out = serial_record{};
  if (!s.empty() && s.front() == '$') s.remove_prefix(1);
  const auto star = s.rfind('*');
  if (star != std::string_view::npos) {
    const std::string_view hh = trim(s.substr(star + 1));
    if (hh.size() != 2 || hex_digit(hh[0]) < 0 || hex_digit(hh[1]) < 0) return result::corrupt;
    unsigned sum = 0;
    for (std::size_t i = 0; i < star; ++i) sum ^= static_cast<unsigned char>(s[i]);
    const auto sent = static_cast<unsigned>(hex_digit(hh[0]) * 16 + hex_digit(hh[1]));
    if (sum != sent) return result::bad_checksum;
    s = trim(s.substr(0, star));
  } else if (config.require_checksum) {
    return result::corrupt;
  }
  if (s.empty()) return result::unknown;
  if (s.front() == '@') {
    out.kind = serial_record_kind::meta;
    out.text = s.substr(1);
    return result::record;
  }
  const fields fs = split(s);
  if (fs.too_many) return result::unknown;
  const std::string_view tag = fs.f[0];
  if (tag.empty()) return result::unknown;
  const char c0 = tag.front();
  const bool starts_numeric = (c0 >= '0' && c0 <= '9') || c0 == '-' || c0 == '+' || c0 == '.';
  if (starts_numeric) return bare_numbers(fs, config, out);
  if (iequals(tag, "RR") || iequals(tag, "IBI")) {
    return value_and_time(fs, 1e-9, 60000.0, serial_record_kind::rr, out);
  }
  if (iequals(tag, "HR")) return value_and_time(fs, 0.0, 400.0, serial_record_kind::hr, out);
  if (iequals(tag, "ECG")) return waveform(fs, dsp::input_kind::ecg, out);
  if (iequals(tag, "PPG")) return waveform(fs, dsp::input_kind::ppg, out);
  if (fs.n == 1 && tag.size() >= 2) {
    const char u = upper(c0);
    const char c1 = tag[1];
    if ((u == 'S' || u == 'B' || u == 'Q') && ((c1 >= '0' && c1 <= '9') || c1 == '-')) {
      return pulse_sensor_letter(tag, config, out);
    }
  }
  return result::unknown;
}

}  // namespace

serial_line_result decode_serial_line(std::string_view line, const serial_protocol_config& config,
                                      serial_record& out) noexcept {
  out = serial_record{};
  line = trim(line);
  if (line.empty()) return result::empty;
  if (line.front() == '#') return result::comment;
  for (const char c : line) {
    if (is_noise(static_cast<unsigned char>(c))) return result::corrupt;
  }
  const result r = parse(line, config, out);
  if (r != result::record) out = serial_record{};
  return r;
}

serial_meta parse_serial_meta(std::string_view text) noexcept {
  serial_meta m;
  while (!text.empty()) {
    while (!text.empty() && (is_blank(text.front()) || text.front() == ',')) text.remove_prefix(1);
    std::size_t end = 0;
    while (end < text.size() && !is_blank(text[end]) && text[end] != ',') ++end;
    const std::string_view item = text.substr(0, end);
    text.remove_prefix(end);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = item.substr(0, eq);
    const std::string_view value = item.substr(eq + 1);
    if (iequals(key, "fs") || iequals(key, "rate")) {
      const auto v = number(value);
      if (v && *v > 0.0 && *v <= 100000.0) m.rate_hz = *v;
    } else if (iequals(key, "t")) {
      if (iequals(value, "seq")) {
        m.has_time_unit = true;
        m.time_unit = serial_time_unit::seq;
      } else if (iequals(value, "us")) {
        m.has_time_unit = true;
        m.time_unit = serial_time_unit::us;
      } else if (iequals(value, "ms")) {
        m.has_time_unit = true;
        m.time_unit = serial_time_unit::ms;
      }
    }
  }
  return m;
}

serial_line_decoder::serial_line_decoder(serial_protocol_config config)
    : config_(std::move(config)), buffer_(config_.max_line == 0 ? 1 : config_.max_line) {}

bool serial_line_decoder::end_line() noexcept {
  const result r = decode_serial_line(std::string_view(buffer_.data(), length_), config_, record_);
  switch (r) {
    case result::record:
      ++counters_.lines_ok;
      return true;
    case result::comment:
      ++counters_.comments;
      return false;
    case result::empty:
      return false;
    case result::unknown:
      ++counters_.unknown;
      return false;
    case result::corrupt:
      ++counters_.corrupt;
      return false;
    case result::bad_checksum:
      ++counters_.corrupt;
      ++counters_.checksum_failures;
      return false;
  }
  return false;
}

}  // namespace resonant::drivers
