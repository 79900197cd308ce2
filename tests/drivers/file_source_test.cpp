// drivers/file_source: a recording played as a sensor (`--source file:`). The waveform's gaps
// reach the session as jumps of the stream's sample index, never as samples glued together.
#include "drivers/file_source.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "support/scratch_dir.hpp"

namespace resonant::drivers {
namespace {

using file_source_test = test::scratch_dir_test;

struct delivered {
  std::vector<sample_block> blocks;  // spans point into the source's samples
  std::vector<double> values;
  std::vector<std::int64_t> index;  // stream index of every value
  bool finished = false;
};

delivered play(const std::filesystem::path& path, const open_options& input) {
  boost::asio::io_context io;
  file_source_options options;
  options.speed = 1e6;
  options.period = std::chrono::milliseconds(1);
  options.input = input;
  file_source src(io, path, options);
  delivered out;
  src.start({[](const rr_reading&) { ADD_FAILURE() << "an ECG file delivered an interval"; },
             [&](const sample_block& b) {
               EXPECT_EQ(b.kind, dsp::input_kind::ecg);
               EXPECT_EQ(b.rate_hz, 100.0);
               out.blocks.push_back(b);
               for (std::size_t i = 0; i < b.samples.size(); ++i) {
                 out.values.push_back(b.samples[i]);
                 out.index.push_back(b.first_sample + static_cast<std::int64_t>(i));
               }
             },
             [&](const source_status& s) {
               if (s.state == source_state::finished) out.finished = true;
             }});
  io.run();
  return out;
}

// 370 rows at 100 Hz with 50 empty ECG cells from row 100 and 20 NaN after sample 250: the
// stream indices jump by the missing samples, every stored value arrives once, in order, and
// the stream lasts as long as the recording (gaps included).
TEST_F(file_source_test, waveform_gaps_are_index_jumps) {
  std::string text = "ecg,marker\n";
  std::vector<double> stored;
  std::vector<std::int64_t> expected_index;
  for (int i = 0; i < 370; ++i) {
    const bool empty = i >= 100 && i < 150;
    const bool nan = i >= 250 && i < 270;
    if (empty) {
      text += ",0\n";
    } else if (nan) {
      text += "NaN,0\n";
    } else {
      const double v = 0.001 * i;
      text += std::to_string(v) + ",0\n";
      stored.push_back(std::stod(std::to_string(v)));
      expected_index.push_back(i);
    }
  }
  const auto path = write("gappy.csv", text);
  open_options o;
  o.input = dsp::input_kind::ecg;
  o.rate_hz = 100.0;
  boost::asio::io_context io;
  file_source_options options;
  options.input = o;
  const file_source probe(io, path, options);
  EXPECT_NEAR(probe.duration_s(), 3.7, 1e-9);

  const delivered d = play(path, o);
  EXPECT_TRUE(d.finished);
  EXPECT_EQ(d.values, stored);
  EXPECT_EQ(d.index, expected_index);
  // No block spans a gap: inside a block the index runs without a jump.
  for (const sample_block& b : d.blocks) {
    const std::int64_t first = b.first_sample;
    const std::int64_t last = first + static_cast<std::int64_t>(b.samples.size()) - 1;
    EXPECT_FALSE(first < 100 && last >= 100) << first << ".." << last;
    EXPECT_FALSE(first < 250 && last >= 250) << first << ".." << last;
  }
}

// Without gaps the stream index is the stored index.
TEST_F(file_source_test, waveform_without_gaps_streams_every_sample) {
  std::string text = "ecg\n";
  for (int i = 0; i < 250; ++i) text += std::to_string(i % 7) + "\n";
  open_options o;
  o.input = dsp::input_kind::ecg;
  o.rate_hz = 100.0;
  const delivered d = play(write("plain.csv", text), o);
  ASSERT_EQ(d.index.size(), 250U);
  for (std::size_t i = 0; i < d.index.size(); ++i)
    EXPECT_EQ(d.index[i], static_cast<std::int64_t>(i));
  EXPECT_TRUE(d.finished);
}

}  // namespace
}  // namespace resonant::drivers
