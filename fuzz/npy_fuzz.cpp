// libFuzzer target for the .npy reader (drivers/npy_reader.hpp): magic, versions, the header
// dict, dtypes, shapes and the data length. Checked: no crash or sanitizer report; every error
// is input_error; an array read has a known dtype and at most max_signal_samples values.
#include <cstddef>
#include <cstdint>

#include "drivers/input_error.hpp"
#include "drivers/npy_reader.hpp"
#include "drivers/signal_recording.hpp"
#include "file_reader_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace resonant;
  const auto path = fuzz::input_file(data, size, ".npy");
  try {
    const drivers::npy_array a = drivers::read_npy(path);
    fuzz::check(a.dtype.size() == 3, "dtype is three characters");
    fuzz::check(a.values.size() <= drivers::max_signal_samples, "values within the limit");
  } catch (const drivers::input_error&) {
  }
  return 0;
}
