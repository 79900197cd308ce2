// The two detectors against each other on a simultaneous ECG + finger PPG recording
// (NeuroKit2's bio_resting_5min_100hz): every heart beat must appear once in each, the pulse
// following the R peak by a pulse transit delay that is stable beat to beat.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "drivers/signal_recording.hpp"
#include "dsp/ecg_detector.hpp"
#include "dsp/ppg_detector.hpp"
#include "support/rr_text.hpp"

namespace resonant::dsp {
namespace {

std::vector<double> times_of(const std::vector<beat_event>& beats, double fs) {
  std::vector<double> t;
  for (const auto& b : beats) t.push_back(b.time_s(fs));
  return t;
}

drivers::signal_recording column(const char* name) {
  drivers::signal_file_options o;
  o.column = name;
  o.rate_hz = 100.0;
  return drivers::read_signal_file(
      test::data_path("recordings/neurokit_bio_resting_5min_100hz.csv"), o);
}

TEST(detector_agreement, resting_ppg_pairs_one_to_one_with_ecg) {
  const auto ecg = column("ECG");
  const auto ppg = column("PPG");
  ecg_detector_config ec;
  ec.sample_rate_hz = ecg.fs_hz;
  ppg_detector_config pc;
  pc.sample_rate_hz = ppg.fs_hz;
  const auto r = times_of(detect_ecg_beats(ecg.samples, ec), ecg.fs_hz);
  const auto p = times_of(detect_ppg_beats(ppg.samples, pc), ppg.fs_hz);
  ASSERT_GT(r.size(), 400U);

  // Each R peak pairs with the first pulse peak after it and before the next R peak.
  std::vector<double> delay;
  std::size_t unpaired_r = 0;
  std::size_t j = 0;
  for (std::size_t i = 0; i < r.size(); ++i) {
    while (j < p.size() && p[j] <= r[i]) ++j;
    const double next_r = i + 1 < r.size() ? r[i + 1] : r[i] + 2.0;
    if (j < p.size() && p[j] < next_r) {
      delay.push_back(p[j] - r[i]);
      ++j;
    } else {
      ++unpaired_r;
    }
  }
  // The recording may end between an R peak and its pulse: one unpaired at the end is fine;
  // one more beat may be lost to each detector in the two artefact-ridden stretches
  // (92-93 s and 126-127 s of the ECG).
  EXPECT_LE(unpaired_r, 1U);
  EXPECT_LE(std::max(r.size(), p.size()) - std::min(r.size(), p.size()), 2U)
      << r.size() << " R peaks, " << p.size() << " pulses";

  // Pulse transit delay stable within +-30 ms of its median. Measured: 8 of 430 beats fall
  // outside; on 6 of them NeuroKit2 puts the R peak where we do (within 10 ms) and the raw
  // PPG upstroke itself comes 34-56 ms late, i.e. the transit time really varies there; the
  // other 2 are R peaks buried in motion artefact. So: at least 98 % within +-30 ms, all
  // within +-150 ms.
  std::vector<double> sorted = delay;
  std::sort(sorted.begin(), sorted.end());
  const double median = sorted[sorted.size() / 2];
  std::size_t outside = 0;
  double worst = 0.0;
  for (double d : delay) {
    outside += std::abs(d - median) > 0.030 ? 1 : 0;
    worst = std::max(worst, std::abs(d - median));
  }
  EXPECT_LE(static_cast<double>(outside), 0.02 * static_cast<double>(delay.size()))
      << outside << " of " << delay.size() << " delays outside +-30 ms of " << median << " s";
  EXPECT_LT(worst, 0.150);
  EXPECT_GT(median, 0.1);  // R peak to finger systolic peak: 100-500 ms
  EXPECT_LT(median, 0.5);
}

}  // namespace
}  // namespace resonant::dsp
