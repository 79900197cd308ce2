// Streaming HRV monitor (issue 4): per-beat cost of hrv_monitor::push and of each analyzer on
// the 24-hour nsr2db nsr001 RR recording, the whole recording through the monitor, and the
// heap allocations per beat. Results: bench/README.md.
//
// Extra mode for memory figures (no benchmarks run):
//   resonant_bench_streaming --replay-hours=H
// streams the first H hours of data/recordings/nsr2db_nsr001_rr_secs.txt from disk, line by
// line (nothing of the recording is kept), through one monitor and prints beats, snapshots,
// time and the peak RSS; run it under /usr/bin/time -v with H = 1 and H = 24.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "dsp/rolling_time_domain.hpp"
#include "dsp/rsa_analyzer.hpp"
#include "dsp/sliding_spectrum.hpp"
#include "dsp/streaming_artefacts.hpp"
#include "engine/hrv_monitor.hpp"

// Counts heap allocations in this program (the monitor's own and the benchmark's). GCC sees
// the replaced operator new inlined next to free() and warns of a mismatch that is not one.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
std::atomic<long long> allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace {

using namespace resonant;

const std::string recording =
    std::string(RESONANT_DATA_DIR) + "/recordings/nsr2db_nsr001_rr_secs.txt";

// The recording as events: the first value is the time of the first beat, then RR in seconds.
const std::vector<dsp::rr_event>& holter() {
  static const std::vector<dsp::rr_event> events = [] {
    std::ifstream in(recording);
    if (!in) throw std::runtime_error("cannot open " + recording);
    std::vector<dsp::rr_event> ev;
    double t = 0.0;
    double v = 0.0;
    in >> t;
    while (in >> v) {
      t += v;
      ev.push_back({t, v * 1000.0, false, dsp::rr_status::accepted});
    }
    return ev;
  }();
  return events;
}

std::size_t first_hours(double hours) {
  const auto& ev = holter();
  const double end = ev.front().end_s + hours * 3600.0;
  std::size_t n = 0;
  while (n < ev.size() && ev[n].end_s <= end) ++n;
  return n;
}

// hrv_monitor::push over the first `hours` of nsr001 (or all of it), one monitor reset per
// pass; items = beats. Counters: time per beat (s), allocations per beat (hop recomputations).
void run_monitor(benchmark::State& state, std::size_t beats) {
  const auto& ev = holter();
  std::size_t snapshots = 0;
  engine::hrv_monitor m({}, [&](const engine::metric_snapshot&) { ++snapshots; });
  long long allocs = 0;
  for (auto _ : state) {
    m.reset();
    const long long before = allocations.load();
    for (std::size_t i = 0; i < beats; ++i) m.push(ev[i]);
    m.finish(ev[beats - 1].end_s);
    allocs += allocations.load() - before;
    benchmark::DoNotOptimize(snapshots);
  }
  const auto n = static_cast<double>(beats) * static_cast<double>(state.iterations());
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
  state.counters["time_per_beat"] =
      benchmark::Counter(n, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["allocs_per_beat"] = static_cast<double>(allocs) / n;
}

void monitor_push_1h(benchmark::State& state) {
  run_monitor(state, first_hours(1.0));
}
BENCHMARK(monitor_push_1h)->Unit(benchmark::kMillisecond);

void monitor_replay_24h(benchmark::State& state) {
  run_monitor(state, holter().size());
}
BENCHMARK(monitor_replay_24h)->Unit(benchmark::kMillisecond);

// The monitor with the spectral analyzer's hop pushed beyond the recording: the per-beat path
// alone (artefacts, rolling time domain, RSA, snapshot assembly).
void monitor_push_without_spectrum(benchmark::State& state) {
  const auto& ev = holter();
  engine::hrv_monitor_config cfg;
  cfg.spectrum.hop_s = 1e9;
  std::size_t snapshots = 0;
  engine::hrv_monitor m(cfg, [&](const engine::metric_snapshot&) { ++snapshots; });
  const std::size_t beats = first_hours(1.0);
  long long allocs = 0;
  for (auto _ : state) {
    m.reset();
    const long long before = allocations.load();
    for (std::size_t i = 0; i < beats; ++i) m.push(ev[i]);
    allocs += allocations.load() - before;
  }
  const auto n = static_cast<double>(beats) * static_cast<double>(state.iterations());
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
  state.counters["time_per_beat"] =
      benchmark::Counter(n, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["allocs_per_beat"] = static_cast<double>(allocs) / n;
}
BENCHMARK(monitor_push_without_spectrum)->Unit(benchmark::kMillisecond);

template <class Stage, class Step>
void per_beat(benchmark::State& state, Stage& stage, Step step) {
  const auto& ev = holter();
  const std::size_t beats = first_hours(1.0);
  for (auto _ : state) {
    stage.reset();
    for (std::size_t i = 0; i < beats; ++i) step(stage, ev[i]);
  }
  const auto n = static_cast<double>(beats) * static_cast<double>(state.iterations());
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
  state.counters["time_per_beat"] =
      benchmark::Counter(n, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void streaming_artefacts_push(benchmark::State& state) {
  dsp::streaming_artefacts s({});
  per_beat(state, s, [](dsp::streaming_artefacts& a, const dsp::rr_event& e) {
    benchmark::DoNotOptimize(a.push(e).size());
  });
}
BENCHMARK(streaming_artefacts_push)->Unit(benchmark::kMillisecond);

void rolling_time_domain_push_evaluate(benchmark::State& state) {
  dsp::rolling_time_domain r({});
  per_beat(state, r, [](dsp::rolling_time_domain& a, const dsp::rr_event& e) {
    a.push(e);
    benchmark::DoNotOptimize(a.evaluate(e.end_s));
  });
}
BENCHMARK(rolling_time_domain_push_evaluate)->Unit(benchmark::kMillisecond);

void rsa_analyzer_push(benchmark::State& state) {
  dsp::rsa_analyzer r({});
  per_beat(state, r, [](dsp::rsa_analyzer& a, const dsp::rr_event& e) {
    a.push(e);
    benchmark::DoNotOptimize(a.evaluate(e.end_s));
  });
}
BENCHMARK(rsa_analyzer_push)->Unit(benchmark::kMillisecond);

// One hop recomputation (LF/HF over 180 s + coherence over 64 s), 2 hours into the recording.
void sliding_spectrum_single_hop(benchmark::State& state) {
  const auto& ev = holter();
  const std::size_t upto = first_hours(2.0);
  const double t = ev[upto - 1].end_s;
  dsp::sliding_spectrum s({});
  long long allocs = 0;
  for (auto _ : state) {
    state.PauseTiming();
    s.reset();
    for (std::size_t i = upto - 400; i < upto; ++i) s.push(ev[i]);
    const long long before = allocations.load();
    state.ResumeTiming();
    benchmark::DoNotOptimize(s.evaluate(t).lf_ms2);
    allocs += allocations.load() - before;
  }
  state.counters["allocs_per_hop"] =
      static_cast<double>(allocs) / static_cast<double>(state.iterations());
}
BENCHMARK(sliding_spectrum_single_hop)->Unit(benchmark::kMicrosecond);

// --replay-hours=H: see the file comment.
int replay_mode(double hours) {
  std::ifstream in(recording);
  if (!in) {
    std::fprintf(stderr, "cannot open %s\n", recording.c_str());
    return 2;
  }
  std::size_t snapshots = 0;
  double last_hr = 0.0;
  engine::hrv_monitor m({}, [&](const engine::metric_snapshot& s) {
    ++snapshots;
    last_hr = s.hr_bpm;
  });
  const auto start = std::chrono::steady_clock::now();
  double t = 0.0;
  double v = 0.0;
  in >> t;
  const double end = t + hours * 3600.0;
  std::size_t beats = 0;
  while (in >> v) {
    t += v;
    if (t > end) break;
    m.push({t, v * 1000.0, false, dsp::rr_status::accepted});
    ++beats;
  }
  m.finish(t);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("hours %.1f beats %zu snapshots %zu time %.3f s peak_rss %ld KiB last_hr %.1f\n",
              hours, beats, snapshots, seconds, usage.ru_maxrss, last_hr);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  constexpr std::string_view flag = "--replay-hours=";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    if (arg.substr(0, flag.size()) == flag) {
      return replay_mode(std::strtod(std::string(arg.substr(flag.size())).c_str(), nullptr));
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
