// libFuzzer target for the serial line protocol decoder (drivers/serial_line_protocol.hpp).
// The input is fed in pieces whose sizes come from the input itself, through a decoder with a
// short line limit and one with a column map; the whole input is also decoded as one line.
// Checked: no crash or sanitizer report, every byte counted, at most one record per line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include "drivers/serial_line_protocol.hpp"

namespace {

using namespace resonant::drivers;

void check(bool ok) {
  if (!ok) std::abort();
}

void run(const serial_protocol_config& config, std::span<const std::uint8_t> data) {
  serial_line_decoder decoder(config);
  std::uint64_t records = 0;
  std::uint64_t terminators = 0;
  for (const std::uint8_t b : data) terminators += (b == '\n' || b == '\r') ? 1 : 0;
  std::size_t at = 0;
  std::size_t piece = data.empty() ? 1 : 1 + data[0] % 17;
  while (at < data.size()) {
    const std::size_t n = piece < data.size() - at ? piece : data.size() - at;
    decoder.feed(data.subspan(at, n), [&](const serial_record& r) {
      ++records;
      check(r.channel_count <= r.channels.size());
      if (r.kind == serial_record_kind::meta) (void)parse_serial_meta(r.text);
    });
    at += n;
    piece = piece * 5 % 61 + 1;
  }
  const auto& c = decoder.counters();
  check(c.bytes == data.size());
  check(records == c.lines_ok);
  check(c.lines_ok + c.comments + c.unknown + c.corrupt <= terminators);
  check(c.checksum_failures <= c.corrupt);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  serial_protocol_config plain;
  plain.max_line = 64;
  run(plain, bytes);
  serial_protocol_config mapped;
  mapped.columns = {serial_column::time, serial_column::ppg, serial_column::ppg, serial_column::rr};
  mapped.require_checksum = size > 0 && (data[size - 1] & 1U) != 0;
  run(mapped, bytes);
  serial_record r;
  const serial_line_result got =
      decode_serial_line(std::string_view(reinterpret_cast<const char*>(data), size), plain, r);
  // A line is decoded only when it matches completely: never when it holds a noise byte
  // (outside a comment).
  if (got == serial_line_result::record) {
    for (std::size_t i = 0; i < size; ++i) {
      const std::uint8_t b = data[i];
      check(!((b < 0x20 && b != '\t') || b >= 0x7f));
    }
  }
  (void)parse_serial_meta(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
