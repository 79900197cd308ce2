// Replay through the whole engine (session_pipeline: detector -> artefacts -> every streaming
// metric): the 24-hour RR recording nsr2db nsr001 and a 24-hour 250 Hz ECG stream. The ECG
// stream is MIT-BIH record 100 (lead MLII) resampled to 250 Hz and repeated for 24 hours,
// generated block by block so that memory stays constant. Results: bench/README.md.
#include <benchmark/benchmark.h>

#include <cmath>
#include <string>
#include <vector>

#include "drivers/rr_recording.hpp"
#include "drivers/signal_recording.hpp"
#include "engine/session_pipeline.hpp"

namespace {

using namespace resonant;

const std::string data_dir = RESONANT_DATA_DIR;

const drivers::rr_recording& nsr001() {
  static const drivers::rr_recording rec = [] {
    drivers::rr_file_options o;
    o.first_is_offset = true;
    return drivers::read_rr_recording(data_dir + "/recordings/nsr2db_nsr001_rr_secs.txt", o);
  }();
  return rec;
}

// MIT-BIH 100 resampled (linear interpolation) from 360 Hz to the given rate.
const std::vector<double>& mitdb_100_at(double fs) {
  static std::vector<double> out;
  static double out_fs = 0.0;
  if (out_fs != fs) {
    const auto sig = drivers::read_signal_file(data_dir + "/recordings/mitdb/100.hea", {});
    const auto n = static_cast<std::size_t>(
        std::floor(static_cast<double>(sig.samples.size() - 1) / sig.fs_hz * fs));
    out.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      const double x = static_cast<double>(i) * sig.fs_hz / fs;
      const auto k = static_cast<std::size_t>(x);
      const double f = x - static_cast<double>(k);
      out[i] = sig.samples[k] * (1.0 - f) + sig.samples[k + 1] * f;
    }
    out_fs = fs;
  }
  return out;
}

void BM_replay_rr_24h(benchmark::State& state) {
  const auto& rr = nsr001().rr;
  std::int64_t snapshots = 0;
  for (auto _ : state) {
    engine::session_pipeline p(engine::pipeline_config{},
                               [&](const engine::metric_snapshot&) { ++snapshots; });
    for (std::size_t i = 0; i < rr.size(); ++i)
      p.push_rr(rr.end_s[i], rr.rr_ms[i], rr.after_gap[i] != 0);
    p.finish(rr.end_s.back());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(rr.size()));
  state.counters["ns_per_beat"] =
      benchmark::Counter(static_cast<double>(rr.size()) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["snapshots"] =
      static_cast<double>(snapshots) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_replay_rr_24h)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

// hours of 250 Hz ECG, fed in 4096-sample blocks.
void BM_replay_ecg_250hz(benchmark::State& state) {
  constexpr double fs = 250.0;
  const auto& tile = mitdb_100_at(fs);
  const auto total = static_cast<std::int64_t>(static_cast<double>(state.range(0)) * 3600.0 * fs);
  std::int64_t snapshots = 0;
  for (auto _ : state) {
    engine::pipeline_config cfg;
    cfg.kind = dsp::input_kind::ecg;
    cfg.rate_hz = fs;
    engine::session_pipeline p(cfg, [&](const engine::metric_snapshot&) { ++snapshots; });
    std::int64_t done = 0;
    while (done < total) {
      const auto offset = static_cast<std::size_t>(done % static_cast<std::int64_t>(tile.size()));
      const std::size_t n = std::min<std::size_t>(
          {4096, tile.size() - offset, static_cast<std::size_t>(total - done)});
      p.push_samples(done, std::span<const double>(tile.data() + offset, n));
      done += static_cast<std::int64_t>(n);
    }
    p.finish(p.stream_time_s());
  }
  state.SetItemsProcessed(state.iterations() * total);
  state.counters["snapshots"] =
      static_cast<double>(snapshots) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_replay_ecg_250hz)
    ->Arg(1)
    ->Arg(24)
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->Iterations(1);

}  // namespace
