// libFuzzer target for the EDF / EDF+ / BDF reader (drivers/edf_reader.hpp, over EDFlib): the
// channel list, channel 0 with its data records (and gaps for EDF+D), and the annotations.
// Checked: no crash or sanitizer report; every error is input_error; a channel read has a
// finite positive rate and sorted gaps inside the signal; annotation onsets are finite.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "drivers/edf_reader.hpp"
#include "drivers/input_error.hpp"
#include "file_reader_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace resonant;
  const auto path = fuzz::input_file(data, size, ".edf");
  try {
    const auto channels = drivers::edf_channels(path);
    if (!channels.empty()) {
      const drivers::signal_recording s = drivers::read_edf_channel(path, 0, {});
      fuzz::check(std::isfinite(s.fs_hz) && s.fs_hz > 0.0, "rate finite and positive");
      std::size_t previous = 0;
      for (const auto& g : s.gaps) {
        fuzz::check(g.at >= previous && g.at <= s.samples.size(), "gaps sorted, inside");
        fuzz::check(std::isfinite(g.seconds) && g.seconds >= 0.0, "gap length");
        previous = g.at;
      }
    }
    for (const auto& a : drivers::read_edf_annotations(path))
      fuzz::check(std::isfinite(a.onset_s), "annotation onset finite");
  } catch (const drivers::input_error&) {
  }
  return 0;
}
