// libFuzzer target for the Kubios HRV report reader (drivers/kubios_report.hpp) and the WFDB
// header parser (drivers/wfdb_record.hpp), both pure functions over text. The first byte picks
// the reader (even: Kubios report, odd: WFDB header). Checked: no crash or sanitizer report;
// every error is input_error; report intervals are finite; header rates finite and positive.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "drivers/input_error.hpp"
#include "drivers/kubios_report.hpp"
#include "drivers/wfdb_record.hpp"

namespace {

// A broken property: say which, then abort (libFuzzer keeps the input).
void check(bool ok, int line) {
  if (ok) return;
  std::fprintf(stderr, "fuzz check failed at %s:%d\n", __FILE__, line);
  std::abort();
}
#define CHECK(cond) check((cond), __LINE__)

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    if ((data[0] & 1U) == 0) {
      const auto report = resonant::drivers::parse_kubios_report(text, "fuzz.txt");
      for (std::size_t i = 0; i < report.rr.size(); ++i) {
        CHECK(std::isfinite(report.rr.rr_ms[i]) && std::isfinite(report.rr.end_s[i]));
      }
    } else {
      const auto h = resonant::drivers::parse_wfdb_header(text, "fuzz.hea");
      CHECK(std::isfinite(h.fs_hz) && h.fs_hz > 0.0);
      for (const auto& sig : h.signals) CHECK(std::isfinite(sig.gain) && sig.gain >= 0.0);
    }
  } catch (const resonant::drivers::input_error&) {
  }
  return 0;
}
