#pragma once

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "dsp/input_kind.hpp"

// Small text helpers shared by the file readers (signal text files, WFDB headers): trimming,
// ASCII case folding, whole-field number parsing, quoting for messages, blank-separated fields
// and the ECG / PPG classification of a column or lead name. Everything is ASCII-only and
// locale-independent (std::from_chars), so a file parses the same on every machine.
namespace resonant::drivers::text {

constexpr char lower_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lower(std::string_view s);

bool iequals(std::string_view a, std::string_view b) noexcept;

// Space, tab, CR, VT, FF (not newline: lines are split before).
constexpr bool is_blank(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view s) noexcept;

// Trimmed, then one pair of surrounding double quotes removed and trimmed again.
std::string_view unquote(std::string_view s) noexcept;

// A decimal number filling the whole field (a leading '+' allowed), finite.
std::optional<double> parse_number(std::string_view s);

// An integer filling the whole field (a leading '+' allowed), in range of Int.
template <class Int>
std::optional<Int> parse_integer(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  Int value{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// "\"s\"" for messages.
std::string in_quotes(std::string_view s);

// s with every byte outside printable ASCII (0x20..0x7E) written as \xNN: text from a file
// shown in a message never sends raw bytes or escape sequences to the terminal.
std::string printable(std::string_view s);

// "a, b, c".
std::string join(const std::vector<std::string>& names);

// The fields of a line separated by runs of blanks (views into `line`).
std::vector<std::string_view> blank_fields(std::string_view line);

// ECG: ecg* / ekg*, MLII, MLI, MLIII, ML2, I, II, III, aVR, aVL, aVF, V, V1..V6, MV1, MV2, D3,
// CM5, "lead II"; PPG: ppg*, pleth*, bvp*, pulse, R, G, B, red, green, blue, IR, infrared,
// "SpO2 pleth". Case-insensitive, trimmed; anything else says nothing (nullopt).
std::optional<dsp::input_kind> kind_of_name(std::string_view name);

}  // namespace resonant::drivers::text
