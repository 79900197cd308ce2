#include "beat_detection.hpp"

#include <array>
#include <span>
#include <stdexcept>

#include "dsp/ecg_detector.hpp"
#include "dsp/ppg_detector.hpp"

namespace resonant::apps {

beat_track detect_beats(const drivers::signal_recording& signal) {
  if (!signal.kind || !dsp::is_waveform(*signal.kind)) {
    throw std::invalid_argument(signal.path + ": cannot tell whether column \"" + signal.column +
                                "\" is ECG or PPG; give --input ecg or --input ppg");
  }
  beat_track out;
  const std::span<const double> all(signal.samples);
  std::size_t first = 0;
  double gap_s = 0.0;
  for (std::size_t g = 0; g <= signal.gaps.size(); ++g) {
    const std::size_t last = g < signal.gaps.size() ? signal.gaps[g].at : all.size();
    if (last > first) {
      const auto stretch = all.subspan(first, last - first);
      std::vector<dsp::beat_event> beats;
      if (signal.kind == dsp::input_kind::ecg) {
        dsp::ecg_detector_config cfg;
        cfg.sample_rate_hz = signal.fs_hz;
        beats = dsp::detect_ecg_beats(stretch, cfg);
      } else {
        dsp::ppg_detector_config cfg;
        cfg.sample_rate_hz = signal.fs_hz;
        beats = dsp::detect_ppg_beats(stretch, cfg);
      }
      std::vector<std::int64_t> at;
      at.reserve(beats.size());
      for (const auto& b : beats) at.push_back(b.sample);
      const auto judged = dsp::assess_quality(stretch, at, signal.fs_hz,
                                              signal.kind == dsp::input_kind::ecg
                                                  ? dsp::signal_quality_config::ecg()
                                                  : dsp::signal_quality_config::ppg());
      const auto& windows = judged.windows;
      const double offset_s = static_cast<double>(first) / signal.fs_hz + gap_s;
      std::size_t w = 0;
      for (std::size_t i = 0; i < beats.size(); ++i) {
        while (w + 1 < windows.size() &&
               static_cast<std::size_t>(beats[i].sample) >= windows[w].last)
          ++w;
        out.usable.push_back(windows[w].usable() && judged.beat_ok[i] != 0 ? 1 : 0);
      }
      for (const auto& win : windows) {
        const double start = offset_s + static_cast<double>(win.first) / signal.fs_hz;
        const double end = offset_s + static_cast<double>(win.last) / signal.fs_hz;
        out.windows.push_back({start, end, win});
        if (win.usable()) out.usable_s += end - start;
      }
      for (std::size_t i = 0; i < beats.size(); ++i) {
        dsp::beat_event b = beats[i];
        b.sample += static_cast<std::int64_t>(first);
        out.time_s.push_back(b.time_s(signal.fs_hz) + gap_s);
        out.starts_stretch.push_back(i == 0 && g > 0 ? 1 : 0);
        out.beats.push_back(b);
      }
    }
    if (g < signal.gaps.size()) {
      gap_s += signal.gaps[g].seconds;
      first = last;
    }
  }
  out.recorded_s = static_cast<double>(all.size()) / signal.fs_hz + gap_s;
  return out;
}

namespace {

// An interval ends at beat i when neither beat is lost (flat or clipped signal, or in a window
// the signal quality index rejects) and no stretch starts at i.
bool usable_interval(const beat_track& track, std::size_t i) {
  const auto lost = [&track](std::size_t k) {
    const dsp::beat_event& b = track.beats[k];
    return b.flag == dsp::signal_flag::flat || b.flag == dsp::signal_flag::clipped ||
           (k < track.usable.size() && track.usable[k] == 0);
  };
  return track.starts_stretch[i] == 0 && !lost(i - 1) && !lost(i);
}

}  // namespace

dsp::rr_series intervals_of(const beat_track& track) {
  dsp::rr_series out;
  bool gap = false;
  const double origin = intervals_origin_s(track);
  for (std::size_t i = 1; i < track.beats.size(); ++i) {
    if (!usable_interval(track, i)) {
      gap = !out.empty();
      continue;
    }
    const double ta = track.time_s[i - 1];
    const double tb = track.time_s[i];
    out.push_back((tb - ta) * 1000.0, tb - origin, gap);
    gap = false;
  }
  return out;
}

double intervals_origin_s(const beat_track& track) {
  for (std::size_t i = 1; i < track.beats.size(); ++i) {
    if (usable_interval(track, i)) return track.time_s[i - 1];
  }
  return 0.0;
}

std::string unusable_summary(const beat_track& track) {
  constexpr std::size_t verdicts = 6;
  std::array<std::size_t, verdicts> count{};
  std::size_t bad = 0;
  for (const auto& w : track.windows) {
    if (w.window.usable()) continue;
    ++bad;
    ++count[static_cast<std::size_t>(w.window.verdict)];
  }
  if (bad == 0) return {};
  std::string s =
      std::to_string(bad) + " of " + std::to_string(track.windows.size()) + " windows unusable:";
  const char* sep = " ";
  for (std::size_t v = 1; v < verdicts; ++v) {
    if (count[v] == 0) continue;
    s += sep + std::to_string(count[v]) + " " +
         std::string(dsp::to_string(static_cast<dsp::quality_verdict>(v)));
    sep = ", ";
  }
  return s;
}

std::string detector_description(std::optional<dsp::input_kind> kind) {
  if (kind == dsp::input_kind::ecg)
    return "streaming Pan-Tompkins-family QRS detector, band 12-30 Hz";
  if (kind == dsp::input_kind::ppg)
    return "streaming Elgendi-family systolic-peak detector, band 0.5-8 Hz";
  return "no detector";
}

}  // namespace resonant::apps
