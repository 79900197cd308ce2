#include "drivers/text_fields.hpp"

#include <array>
#include <cmath>

namespace resonant::drivers::text {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower_char(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return lower_char(x) == lower_char(y);
         });
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view unquote(std::string_view s) noexcept {
  s = trim(s);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = trim(s.substr(1, s.size() - 2));
  return s;
}

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

std::string in_quotes(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

std::string printable(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7F) {
      out += c;
    } else {
      out += "\\x";
      out += hex[u >> 4U];
      out += hex[u & 0x0FU];
    }
  }
  return out;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

std::vector<std::string_view> blank_fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos < line.size()) {
    while (pos < line.size() && is_blank(line[pos])) ++pos;
    if (pos == line.size()) break;
    std::size_t end = pos;
    while (end < line.size() && !is_blank(line[end])) ++end;
    out.push_back(line.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

std::optional<dsp::input_kind> kind_of_name(std::string_view raw) {
  const std::string n = lower(trim(raw));
  static constexpr std::array<std::string_view, 22> ecg_names = {
      "mlii", "mli", "mliii", "ml2", "i",  "ii", "iii", "avr", "avl", "avf", "v",
      "v1",   "v2",  "v3",    "v4",  "v5", "v6", "mv1", "mv2", "d3",  "cm5", "lead ii"};
  static constexpr std::array<std::string_view, 10> ppg_names = {
      "pulse", "r", "g", "b", "red", "green", "blue", "ir", "infrared", "spo2 pleth"};
  if (n.starts_with("ecg") || n.starts_with("ekg")) return dsp::input_kind::ecg;
  if (n.starts_with("ppg") || n.starts_with("pleth") || n.starts_with("bvp")) {
    return dsp::input_kind::ppg;
  }
  if (std::find(ecg_names.begin(), ecg_names.end(), n) != ecg_names.end())
    return dsp::input_kind::ecg;
  if (std::find(ppg_names.begin(), ppg_names.end(), n) != ppg_names.end())
    return dsp::input_kind::ppg;
  return std::nullopt;
}

}  // namespace resonant::drivers::text
