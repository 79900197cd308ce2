// libFuzzer target for the session record reader (engine/session_record.hpp), through its
// bytes constructor: the input is a whole record file. Checked: no crash or sanitizer report;
// a bad header is std::invalid_argument only; every item handed out holds numbers within the
// reader's documented ranges (the replay does chrono and index arithmetic on them), sample
// lines never go back, and every line is either an item, blank, the header or skipped.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include "engine/session_record.hpp"

namespace {

using namespace resonant::engine;

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    session_record_reader reader("fuzz.rsn", bytes);
    const record_header& h = reader.header();
    check(h.input_kind == resonant::dsp::input_kind::rr ||
          resonant::dsp::is_waveform(h.input_kind));
    check(h.rate_hz >= 0.0 && h.rate_hz <= max_record_rate_hz);
    record_item item;
    std::int64_t items = 0;
    std::int64_t next_sample = -1;
    while (reader.next(item)) {
      ++items;
      switch (item.type) {
        case record_item::kind::rr:
          check(std::isfinite(item.time_s) && std::fabs(item.time_s) <= max_record_time_s);
          check(std::isnan(item.rr_ms) || (item.rr_ms >= 0.0 && item.rr_ms <= max_record_rr_ms));
          break;
        case record_item::kind::samples: {
          check(!item.values.empty() && item.first_sample >= 0);
          check(static_cast<double>(item.first_sample) / h.rate_hz <= max_record_time_s);
          check(item.first_sample >= next_sample);
          next_sample = item.first_sample + static_cast<std::int64_t>(item.values.size());
          break;
        }
        case record_item::kind::clock:
        case record_item::kind::event:
          check(std::isfinite(item.time_s) && std::fabs(item.time_s) <= max_record_time_s);
          break;
      }
    }
    check(items + reader.skipped() <= reader.lines_read());
    check(reader.skipped_lines().size() <= 20);
    const double p = reader.progress();
    check(p >= 0.0 && p <= 1.0);
  } catch (const std::invalid_argument&) {
    // A header that is not a session record: the documented error.
  }
  return 0;
}
