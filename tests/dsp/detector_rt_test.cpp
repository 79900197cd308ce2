// The detectors' streaming calls do not allocate (issue 15): every sample and every beat of a
// real noisy ECG (NSTDB 118, 6 dB) and of a real finger PPG (NeuroKit2's resting recording)
// pass through process() and finish() inside a watched scope of the counting allocator
// (support/counting_allocator.cpp, linked into this executable only).
#include <gtest/gtest.h>

#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "drivers/signal_recording.hpp"
#include "dsp/ecg_detector.hpp"
#include "dsp/ppg_detector.hpp"
#include "support/counting_allocator.hpp"

namespace resonant::dsp {
namespace {

std::vector<double> read_signal(const std::string& rel, const char* column, double rate_hz) {
  drivers::signal_file_options o;
  if (column != nullptr) o.column = column;
  o.rate_hz = rate_hz;
  return drivers::read_signal_file(std::string(RESONANT_DATA_DIR) + "/" + rel, o).samples;
}

// Feeds x in blocks of `block` samples (1: per sample), the sink counting beats; returns the
// allocations and frees made inside the detector calls.
template <class Detector>
long allocations_while_detecting(Detector& det, std::span<const double> x, std::size_t block,
                                 std::size_t& beats) {
  beats = 0;
  const auto sink = [&beats](const beat_event&) noexcept { ++beats; };
  test::reset_allocation_counts();
  {
    const test::watched w;
    for (std::size_t i = 0; i < x.size(); i += block) {
      det.process(x.subspan(i, std::min(block, x.size() - i)), sink);
    }
    det.finish(sink);
    det.reset();
  }
  return test::allocations.load() + test::frees.load();
}

TEST(detector_rt, the_counter_sees_allocations) {
  test::reset_allocation_counts();
  {
    const test::watched w;
    std::vector<double> v(16);
    EXPECT_EQ(v.size(), 16u);
  }
  EXPECT_EQ(test::allocations.load(), 1);
  EXPECT_EQ(test::frees.load(), 1);
}

TEST(detector_rt, ecg_detector_allocates_nothing_per_sample_or_beat) {
  const auto x = read_signal("recordings/nstdb_118e06.csv", nullptr, 360.0);
  ecg_detector_config c;
  c.sample_rate_hz = 360.0;
  ecg_detector det(c);
  for (const std::size_t block : {std::size_t{1}, std::size_t{256}}) {
    std::size_t beats = 0;
    EXPECT_EQ(allocations_while_detecting(det, x, block, beats), 0) << "block " << block;
    EXPECT_GT(beats, 100u);
  }
}

TEST(detector_rt, ppg_detector_allocates_nothing_per_sample_or_beat) {
  const auto x = read_signal("recordings/neurokit_bio_resting_5min_100hz.csv", "PPG", 100.0);
  ppg_detector_config c;
  c.sample_rate_hz = 100.0;
  ppg_detector det(c);
  for (const std::size_t block : {std::size_t{1}, std::size_t{256}}) {
    std::size_t beats = 0;
    EXPECT_EQ(allocations_while_detecting(det, x, block, beats), 0) << "block " << block;
    EXPECT_GT(beats, 400u);
  }
}

}  // namespace
}  // namespace resonant::dsp
