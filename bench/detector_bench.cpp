// Streaming beat detectors: samples per second at 100, 250 and 1000 Hz on synthetic ECG and
// PPG (10 minutes each, mild noise), and on real recordings. Results: bench/README.md.
#include <benchmark/benchmark.h>

#include <cmath>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "drivers/signal_recording.hpp"
#include "dsp/biquad.hpp"
#include "dsp/ecg_detector.hpp"
#include "dsp/ppg_detector.hpp"

namespace {

using namespace resonant;

constexpr double minutes = 10.0;

// A QRS-like spike train (Gaussian R of 10 ms, small T wave) at ~70 bpm with respiratory
// modulation, baseline wander and white noise.
std::vector<double> synthetic_ecg(double fs) {
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0.0, 0.02);
  const auto n = static_cast<std::size_t>(minutes * 60.0 * fs);
  std::vector<double> x(n);
  double next_beat = 0.5;
  std::vector<double> beats;
  while (next_beat < minutes * 60.0) {
    beats.push_back(next_beat);
    next_beat += 0.85 + 0.05 * std::sin(2.0 * std::numbers::pi * 0.25 * next_beat);
  }
  std::size_t b = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / fs;
    while (b + 1 < beats.size() && beats[b + 1] < t + 0.5) ++b;
    double v = 0.3 * std::sin(2.0 * std::numbers::pi * 0.2 * t) + noise(rng);
    for (std::size_t k = (b > 0 ? b - 1 : 0); k <= b + 1 && k < beats.size(); ++k) {
      const double d = t - beats[k];
      v +=
          std::exp(-d * d / (2.0 * 0.01 * 0.01)) + 0.2 * std::exp(-(d - 0.25) * (d - 0.25) / 0.002);
    }
    x[i] = v;
  }
  return x;
}

// A pulse wave: skewed systolic wave plus a dicrotic wave, ~70 bpm, wander and noise.
std::vector<double> synthetic_ppg(double fs) {
  std::mt19937 rng(11);
  std::normal_distribution<double> noise(0.0, 0.01);
  const auto n = static_cast<std::size_t>(minutes * 60.0 * fs);
  std::vector<double> x(n);
  const double period = 0.85;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / fs;
    const double phase = std::fmod(t, period);
    const double sys = std::exp(-(phase - 0.15) * (phase - 0.15) / (2.0 * 0.05 * 0.05));
    const double dic = 0.4 * std::exp(-(phase - 0.4) * (phase - 0.4) / (2.0 * 0.07 * 0.07));
    x[i] = sys + dic + 0.2 * std::sin(2.0 * std::numbers::pi * 0.1 * t) + noise(rng);
  }
  return x;
}

template <class Detector, class Config>
void run_detector(benchmark::State& state, const std::vector<double>& x, const Config& cfg) {
  Detector d(cfg);
  std::size_t beats = 0;
  for (auto _ : state) {
    d.reset();
    d.process(std::span<const double>(x), [&](const dsp::beat_event&) { ++beats; });
    d.finish([&](const dsp::beat_event&) { ++beats; });
  }
  benchmark::DoNotOptimize(beats);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * x.size()));
}

void ecg_synthetic(benchmark::State& state) {
  const auto fs = static_cast<double>(state.range(0));
  const auto x = synthetic_ecg(fs);
  dsp::ecg_detector_config cfg;
  cfg.sample_rate_hz = fs;
  run_detector<dsp::ecg_detector>(state, x, cfg);
}
BENCHMARK(ecg_synthetic)->Arg(100)->Arg(250)->Arg(1000)->Unit(benchmark::kMillisecond);

void ppg_synthetic(benchmark::State& state) {
  const auto fs = static_cast<double>(state.range(0));
  const auto x = synthetic_ppg(fs);
  dsp::ppg_detector_config cfg;
  cfg.sample_rate_hz = fs;
  run_detector<dsp::ppg_detector>(state, x, cfg);
}
BENCHMARK(ppg_synthetic)->Arg(100)->Arg(250)->Arg(1000)->Unit(benchmark::kMillisecond);

void ecg_mitbih_100(benchmark::State& state) {
  static const auto rec =
      drivers::read_signal_file(std::string(RESONANT_DATA_DIR) + "/recordings/mitdb/100.hea", {});
  dsp::ecg_detector_config cfg;
  cfg.sample_rate_hz = rec.fs_hz;
  run_detector<dsp::ecg_detector>(state, rec.samples, cfg);
}
BENCHMARK(ecg_mitbih_100)->Unit(benchmark::kMillisecond);

void ecg_sample_by_sample_250(benchmark::State& state) {
  const auto x = synthetic_ecg(250.0);
  dsp::ecg_detector_config cfg;
  cfg.sample_rate_hz = 250.0;
  dsp::ecg_detector d(cfg);
  std::size_t beats = 0;
  for (auto _ : state) {
    d.reset();
    for (double v : x)
      d.process(std::span<const double>(&v, 1), [&](const dsp::beat_event&) { ++beats; });
  }
  benchmark::DoNotOptimize(beats);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * x.size()));
}
BENCHMARK(ecg_sample_by_sample_250)->Unit(benchmark::kMillisecond);

void butterworth_bandpass_order4(benchmark::State& state) {
  const auto x = synthetic_ecg(250.0);
  dsp::butterworth_config c;
  c.response = dsp::filter_response::band_pass;
  c.order = 4;
  c.sample_rate_hz = 250.0;
  c.low_hz = 0.5;
  c.high_hz = 8.0;
  dsp::biquad_cascade f(c);
  double acc = 0.0;
  for (auto _ : state) {
    for (double v : x) acc += f.process(v);
  }
  benchmark::DoNotOptimize(acc);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * x.size()));
}
BENCHMARK(butterworth_bandpass_order4)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
