// Cost of the audio render callback: one 256-frame buffer at 48 kHz, stereo interleaved (the
// PortAudio configuration Resonant uses), as CPU time and as a share of the buffer's playing
// time (256 / 48000 s = 5.33 ms). Goal: under 2 % of the period.
//
//   cmake --preset release -B build/rel && cmake --build build/rel --target resonant_bench_audio
//   build/rel/bench/resonant_bench_audio
//
// "pct_of_period" is the CPU time per buffer as a percentage of 5.333 ms.
#include <benchmark/benchmark.h>

#include <vector>

#include "engine/breath_synth.hpp"

namespace {

using resonant::engine::breath_synth;
using resonant::engine::cue_sound;
using resonant::engine::feedback_mode;
using resonant::engine::pacer;
using resonant::engine::synth_config;

constexpr std::size_t frames = 256;
constexpr double rate_hz = 48000.0;
constexpr double period_s = frames / rate_hz;

void report(benchmark::State& state) {
  // kIsIterationInvariantRate | kInvert turns "period per iteration" into "time / period";
  // the 1/100 makes it a percentage.
  state.counters["pct_of_period"] =
      benchmark::Counter(period_s / 100.0, benchmark::Counter::kIsIterationInvariantRate |
                                               benchmark::Counter::kInvert);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(frames));
}

// Breathing cue only (score 0, no chimes): the steady minimum.
void BM_render_cue_only(benchmark::State& state) {
  synth_config cfg;
  cfg.sample_rate_hz = rate_hz;
  breath_synth synth(cfg, pacer{});
  std::vector<float> buf(frames * 2);
  for (auto _ : state) {
    synth.render(buf, frames);
    benchmark::DoNotOptimize(buf.data());
  }
  report(state);
}
BENCHMARK(BM_render_cue_only);

// Everything at once: cue, full four-voice chord, ticks, and chimes retriggered so that the
// voice pool stays busy (the worst case the session can produce).
void BM_render_all_layers(benchmark::State& state) {
  synth_config cfg;
  cfg.sample_rate_hz = rate_hz;
  cfg.ticks = true;
  cfg.mode = feedback_mode::continuous;
  pacer control;
  breath_synth synth(cfg, control);
  synth.set_score(1.0);
  std::vector<float> buf(frames * 2);
  std::int64_t n = 0;
  for (auto _ : state) {
    if (n % 64 == 0) {
      synth.play(cue_sound::motif);
      synth.play(cue_sound::level_up);
    }
    if (n % 512 == 0) {
      control.set_rate(n % 1024 == 0 ? 5.5 : 6.0, synth.time_s());
      synth.set_pacer(control);
    }
    synth.render(buf, frames);
    benchmark::DoNotOptimize(buf.data());
    ++n;
  }
  report(state);
}
BENCHMARK(BM_render_all_layers);

}  // namespace
