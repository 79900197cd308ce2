// libFuzzer target for the text door of drivers::open_recording (drivers/recording.hpp): the
// table scan, the decision by names and numbers, the RR reader, the signal reader (resampling,
// gaps), the camera channel choice and beat-time conversion. The first byte chooses the
// options (bit 0 --strict, bit 1 --rate 100, bits 2-4 --input), the rest is the file's text.
// Checked: no crash or sanitizer report; every error is input_error; what is returned is one
// of intervals or signal, with finite positive intervals on a non-decreasing time axis, and a
// signal whose gaps are sorted, inside it, and of finite non-negative length.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "drivers/input_error.hpp"
#include "drivers/recording.hpp"

namespace {

using namespace resonant;

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
  const std::uint8_t flags = data[0];
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  drivers::open_options o;
  o.strict = (flags & 1U) != 0;
  if ((flags & 2U) != 0) o.rate_hz = 100.0;
  constexpr dsp::input_kind kinds[] = {dsp::input_kind::rr, dsp::input_kind::beat_times,
                                       dsp::input_kind::peaks, dsp::input_kind::ecg,
                                       dsp::input_kind::ppg};
  const unsigned k = (flags >> 2U) & 7U;
  if (k >= 1 && k <= 5) o.input = kinds[k - 1];
  try {
    const drivers::recording r = drivers::open_recording_text(text, "fuzz.txt", o);
    CHECK(r.intervals.has_value() != r.signal.has_value());
    if (r.intervals) {
      const dsp::rr_series& s = r.intervals->rr;
      double last = -1e300;
      for (std::size_t i = 0; i < s.size(); ++i) {
        CHECK(std::isfinite(s.rr_ms[i]) && std::isfinite(s.end_s[i]));
        CHECK(s.end_s[i] >= last);
        last = s.end_s[i];
      }
    } else {
      const drivers::signal_recording& sig = *r.signal;
      CHECK(sig.fs_hz > 0.0 && std::isfinite(sig.fs_hz));
      std::size_t previous = 0;
      for (const auto& g : sig.gaps) {
        CHECK(g.at > previous || (previous == 0 && g.at > 0));
        CHECK(g.at < sig.samples.size() || sig.samples.empty());
        CHECK(std::isfinite(g.seconds) && g.seconds >= 0.0);
        previous = g.at;
      }
    }
  } catch (const drivers::input_error&) {
  }
  return 0;
}
