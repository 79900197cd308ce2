#include "drivers/serial_line_protocol.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace {

using resonant::drivers::decode_serial_line;
using resonant::drivers::serial_column;
using resonant::drivers::serial_line_decoder;
using resonant::drivers::serial_line_result;
using resonant::drivers::serial_protocol_config;
using resonant::drivers::serial_record;
using resonant::drivers::serial_record_kind;
using resonant::dsp::input_kind;
using R = serial_line_result;
using K = serial_record_kind;

// XOR checksum line: "RR,812" -> "RR,812*HH".
std::string with_checksum(const std::string& body) {
  unsigned x = 0;
  for (const char c : body) x ^= static_cast<unsigned char>(c);
  static const char* hex = "0123456789ABCDEF";
  return body + "*" + hex[x >> 4U] + hex[x & 15U];
}

struct line_case {
  std::string line;
  R result;
  K kind = K::meta;
  double value = 0.0;
  bool has_time = false;
  double time = 0.0;
  input_kind signal = input_kind::ecg;
  int channels = 0;
};

TEST(serial_line_protocol, decodes_every_documented_line_format) {
  const std::vector<line_case> cases = {
      {"RR,812", R::record, K::rr, 812.0},
      {"rr, 812.5 ", R::record, K::rr, 812.5},
      {"RR,812,123456", R::record, K::rr, 812.0, true, 123456.0},
      {"IBI,1000", R::record, K::rr, 1000.0},
      {"HR,72", R::record, K::hr, 72.0},
      {"HR,0", R::record, K::hr, 0.0},
      {"HR,61,5000", R::record, K::hr, 61.0, true, 5000.0},
      {"ECG,1024,-153", R::record, K::sample, -153.0, true, 1024.0, input_kind::ecg, 1},
      {"ECG,12.5", R::record, K::sample, 12.5, false, 0.0, input_kind::ecg, 1},
      {"PPG,77,51234", R::record, K::sample, 51234.0, true, 77.0, input_kind::ppg, 1},
      {"PPG,78,51234,60311,1200", R::record, K::sample, 51234.0, true, 78.0, input_kind::ppg, 3},
      {"S512", R::record, K::sample, 512.0, false, 0.0, input_kind::ppg, 1},
      {"S-3", R::record, K::sample, -3.0, false, 0.0, input_kind::ppg, 1},
      {"B72", R::record, K::hr, 72.0},
      {"Q840", R::record, K::rr, 840.0},
      {"72,840,530", R::record, K::sample, 530.0, false, 0.0, input_kind::ppg, 1},  // plotter
      {"@hello v=1 fs=100", R::record, K::meta},
      {with_checksum("RR,812"), R::record, K::rr, 812.0},
      {"$" + with_checksum("HR,70").substr(0), R::record, K::hr, 70.0},
      {"# PulseSensor", R::comment},
      {"", R::empty},
      {"   \t", R::empty},
      {"hello world", R::unknown},
      {"TEMP,36.5", R::unknown},
      {"1,2", R::unknown},  // bare CSV without a column map (not the plotter's three fields)
      {"RR,", R::corrupt},
      {"RR,abc", R::corrupt},
      {"RR,-5", R::corrupt},
      {"RR,0", R::corrupt},
      {"RR,812,7,9", R::corrupt},
      {"RR,nan", R::corrupt},
      {"RR,inf", R::corrupt},
      {"HR,900", R::corrupt},
      {"ECG,1,2,3", R::corrupt},
      {"PPG,1,2,3,4,5", R::corrupt},
      {"Q-840", R::corrupt},
      {"S5.5", R::corrupt},
      {"72,abc,530", R::corrupt},
      {"RR,812*4", R::corrupt},
      {"RR,812*ZZ", R::corrupt},
      {"RR,812*00", R::bad_checksum},
      // A line decodes only when it matches completely: garbage before a record makes the
      // whole line corrupt or unknown (issue 13), never a record decoded from its tail.
      {"\x01\xff\x80RR,790", R::corrupt},
      {"xx!!HR,66", R::unknown},
      {"RR,8RR,801", R::corrupt},
      {"junk$RR,801", R::unknown},
      {"junk@fs=100", R::unknown},
      {"\xfe\xfe", R::corrupt},
      {"\x02garbage", R::corrupt},
      {"RR,812\x7f", R::corrupt},
      {"\x83Q42", R::corrupt},
      {"Q+840", R::unknown},
      {"Q840.0", R::corrupt},
      {"Q8e2", R::corrupt},
      {"Q 840", R::unknown},
      {"B72.5", R::corrupt},
      {"Q1234567890", R::corrupt},
      {"# comment with \xb5V", R::comment},
  };
  const serial_protocol_config config;
  for (const auto& c : cases) {
    SCOPED_TRACE("line \"" + c.line + "\"");
    serial_record r;
    const R got = decode_serial_line(c.line, config, r);
    ASSERT_EQ(got, c.result);
    if (got != R::record) continue;
    EXPECT_EQ(r.kind, c.kind);
    if (c.kind == K::meta) continue;
    EXPECT_EQ(r.value, c.value);
    EXPECT_EQ(r.has_time, c.has_time);
    if (c.has_time) {
      EXPECT_EQ(r.time, c.time);
    }
    if (c.kind == K::sample) {
      EXPECT_EQ(r.signal, c.signal);
      EXPECT_EQ(r.channel_count, c.channels);
    }
  }
}

TEST(serial_line_protocol, column_map_reads_bare_csv) {
  serial_protocol_config config;
  config.columns = {serial_column::time, serial_column::skip, serial_column::ecg};
  serial_record r;
  ASSERT_EQ(decode_serial_line("1000, 9, -0.25", config, r), R::record);
  EXPECT_EQ(r.kind, K::sample);
  EXPECT_EQ(r.signal, input_kind::ecg);
  EXPECT_EQ(r.value, -0.25);
  EXPECT_TRUE(r.has_time);
  EXPECT_EQ(r.time, 1000.0);
  EXPECT_EQ(decode_serial_line("1000,9", config, r), R::corrupt);     // too few fields
  EXPECT_EQ(decode_serial_line("72,840,530", config, r), R::record);  // map wins

  config.columns = {serial_column::rr};
  ASSERT_EQ(decode_serial_line("845", config, r), R::record);
  EXPECT_EQ(r.kind, K::rr);
  EXPECT_EQ(r.value, 845.0);
  EXPECT_EQ(decode_serial_line("0", config, r), R::corrupt);
}

TEST(serial_line_protocol, required_checksum_rejects_lines_without_one) {
  serial_protocol_config config;
  config.require_checksum = true;
  serial_record r;
  EXPECT_EQ(decode_serial_line("RR,812", config, r), R::corrupt);
  EXPECT_EQ(decode_serial_line(with_checksum("RR,812"), config, r), R::record);
  EXPECT_EQ(decode_serial_line("# comment", config, r), R::comment);
}

TEST(serial_line_protocol, metadata_gives_rate_and_time_unit) {
  const auto m = resonant::drivers::parse_serial_meta("hello v=1 dev=max30102 fs=100 t=us");
  EXPECT_EQ(m.rate_hz, 100.0);
  EXPECT_TRUE(m.has_time_unit);
  EXPECT_EQ(m.time_unit, resonant::drivers::serial_time_unit::us);
  const auto none = resonant::drivers::parse_serial_meta("fs=abc t=years");
  EXPECT_EQ(none.rate_hz, 0.0);
  EXPECT_FALSE(none.has_time_unit);
}

// Records as comparable text.
std::string describe(const serial_record& r) {
  std::string s = std::to_string(static_cast<int>(r.kind)) + ":" + std::to_string(r.value);
  if (r.has_time) s += "@" + std::to_string(r.time);
  if (r.kind == K::meta) s += "[" + std::string(r.text) + "]";
  return s;
}

std::vector<std::string> decode_pieces(const std::string& stream,
                                       const std::vector<std::size_t>& cuts,
                                       resonant::drivers::serial_counters* counters = nullptr) {
  serial_line_decoder d(serial_protocol_config{});
  std::vector<std::string> out;
  std::size_t from = 0;
  auto feed_to = [&](std::size_t to) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(stream.data());
    d.feed(std::span<const std::uint8_t>(p + from, to - from),
           [&](const serial_record& r) { out.push_back(describe(r)); });
    from = to;
  };
  for (const std::size_t c : cuts) feed_to(c);
  feed_to(stream.size());
  if (counters != nullptr) *counters = d.counters();
  return out;
}

const std::string mixed_stream =
    "@hello fs=130\r\nRR,812\r\nHR,72\nECG,1,-153\rECG,2,40\r\n# note\r\n\x01\x02junk" +
    with_checksum("RR,790") + "\r\nRR,812*00\r\nTEMP,3\n" + std::string(300, 'A') +
    "\nPPG,5,100,200\nS512\nQ840\n72,840,530\r\n";

TEST(serial_line_protocol, same_records_for_every_split_point) {
  resonant::drivers::serial_counters counters;
  const auto whole = decode_pieces(mixed_stream, {}, &counters);
  ASSERT_EQ(whole.size(), 9U);
  EXPECT_EQ(counters.lines_ok, 9U);
  EXPECT_EQ(counters.comments, 1U);
  EXPECT_EQ(counters.unknown, 1U);
  EXPECT_EQ(counters.corrupt, 2U);  // the junk-glued RR line and the bad checksum
  EXPECT_EQ(counters.checksum_failures, 1U);
  EXPECT_EQ(counters.overlong, 1U);
  EXPECT_EQ(counters.bytes, mixed_stream.size());
  for (std::size_t i = 0; i <= mixed_stream.size(); ++i) {
    ASSERT_EQ(decode_pieces(mixed_stream, {i}), whole) << "split at " << i;
  }
  // Random three-way splits and byte-by-byte.
  std::mt19937 rng(1);
  for (int k = 0; k < 200; ++k) {
    std::size_t a = rng() % (mixed_stream.size() + 1);
    std::size_t b = rng() % (mixed_stream.size() + 1);
    if (a > b) std::swap(a, b);
    ASSERT_EQ(decode_pieces(mixed_stream, {a, b}), whole);
  }
  std::vector<std::size_t> every(mixed_stream.size());
  for (std::size_t i = 0; i < every.size(); ++i) every[i] = i;
  EXPECT_EQ(decode_pieces(mixed_stream, every), whole);
}

TEST(serial_line_protocol, overlong_line_is_dropped_up_to_its_end_only) {
  resonant::drivers::serial_counters counters;
  const auto out = decode_pieces(std::string(10000, '7') + "\nRR,800\n", {5000}, &counters);
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(counters.overlong, 1U);
  EXPECT_EQ(counters.lines_ok, 1U);
}

TEST(serial_line_protocol, random_bytes_never_break_the_following_lines) {
  std::mt19937_64 rng(99);
  std::string noise(200000, '\0');
  for (char& c : noise) c = static_cast<char>(rng());
  resonant::drivers::serial_counters counters;
  // The first line after the noise may be glued to its tail; the next ones decode.
  const auto out = decode_pieces(noise + "\nRR,801\nRR,802\n", {77777}, &counters);
  ASSERT_GE(out.size(), 2U);
  serial_record rr;
  rr.kind = K::rr;
  rr.value = 801.0;
  EXPECT_EQ(out[out.size() - 2], describe(rr));
  rr.value = 802.0;
  EXPECT_EQ(out.back(), describe(rr));
  EXPECT_EQ(counters.bytes, noise.size() + 15);
}

}  // namespace
