// libFuzzer target for the WFDB annotation reader (drivers/wfdb_annotations.hpp), through its
// bytes-level entry points. The input is the record's .hea text, a NUL byte, then the .atr
// bytes (no NUL: the whole input is the .atr with the header "rec 2 360"). Checked: no crash
// or sanitizer report; every error is input_error; intervals and times are finite, positive
// and increasing; beat samples increase.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "drivers/input_error.hpp"
#include "drivers/wfdb_annotations.hpp"

namespace {

using namespace resonant::drivers;

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto nul = input.find('\0');
  const std::string_view hea = nul == std::string_view::npos ? "rec 2 360\n" : input.substr(0, nul);
  const std::string_view atr = nul == std::string_view::npos ? input : input.substr(nul + 1);
  try {
    const rr_recording r = parse_wfdb_annotations(atr, "fuzz.atr", hea, "fuzz.hea");
    check(r.rr.size() >= 1 && r.labels.size() == r.rr.size());
    double last_end = 0.0;
    for (std::size_t k = 0; k < r.rr.size(); ++k) {
      check(std::isfinite(r.rr.rr_ms[k]) && r.rr.rr_ms[k] > 0.0);
      check(std::isfinite(r.rr.end_s[k]) && r.rr.end_s[k] > 0.0 && r.rr.end_s[k] >= last_end);
      last_end = r.rr.end_s[k];
    }
  } catch (const input_error&) {
  }
  try {
    const wfdb_beats b = parse_wfdb_beats(atr, "fuzz.atr", hea, "fuzz.hea");
    check(std::isfinite(b.fs_hz) && b.fs_hz > 0.0);
    check(b.samples.size() == b.labels.size());
    for (std::size_t k = 1; k < b.samples.size(); ++k) check(b.samples[k] >= b.samples[k - 1]);
  } catch (const input_error&) {
  }
  return 0;
}
