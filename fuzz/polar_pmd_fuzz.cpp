// Fuzz target: Polar PMD control point responses, feature reads, settings and ECG frames,
// and the stream stage placing ECG frames on the sample index axis.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "drivers/ble_stream.hpp"
#include "drivers/polar_pmd.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace resonant::drivers;
  const std::span<const std::uint8_t> bytes(data, size);
  const pmd_response r = decode_pmd_response(bytes);
  if (r.status == pmd_status::ok) {
    if (r.parameters.size() > size) std::abort();
    for (std::uint8_t type = 0; type < 6; ++type) {
      const auto s = decode_pmd_setting(r.parameters, type);
      if (s.count > pmd_setting_values::max_values) std::abort();
    }
  }
  (void)decode_pmd_features(bytes);
  (void)is_pmd_measurement_stopped(bytes);
  const pmd_ecg_frame f = decode_pmd_ecg_frame(bytes);
  if (f.ok() && (f.sample_count == 0 || f.sample_count > pmd_ecg_frame::max_samples ||
                 pmd_ecg_frame::header_size + 3 * f.sample_count != size)) {
    std::abort();
  }
  for (std::size_t i = 0; i < f.sample_count; ++i) {
    if (f.samples_uv[i] < -8'388'608 || f.samples_uv[i] > 8'388'607) std::abort();
  }

  // Two frames through the stream: indices never go backwards.
  std::int64_t next = -1;
  source_handlers h{[](const rr_reading&) {},
                    [&](const sample_block& b) {
                      if (b.first_sample < next || b.samples.empty()) std::abort();
                      next = b.first_sample + static_cast<std::int64_t>(b.samples.size());
                    },
                    [](const source_status&) {}};
  ble_stream stream(h);
  stream.on_ecg(bytes, 1.0);
  stream.begin_connection();
  stream.on_ecg(bytes, 2.0);
  return 0;
}
