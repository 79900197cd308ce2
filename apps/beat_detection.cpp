#include "beat_detection.hpp"

#include <span>
#include <stdexcept>

#include "dsp/ecg_detector.hpp"
#include "dsp/ppg_detector.hpp"

namespace resonant::apps {

beat_track detect_beats(const drivers::signal_recording& signal) {
  if (signal.kind != "ecg" && signal.kind != "ppg") {
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
      if (signal.kind == "ecg") {
        dsp::ecg_detector_config cfg;
        cfg.sample_rate_hz = signal.fs_hz;
        beats = dsp::detect_ecg_beats(stretch, cfg);
      } else {
        dsp::ppg_detector_config cfg;
        cfg.sample_rate_hz = signal.fs_hz;
        beats = dsp::detect_ppg_beats(stretch, cfg);
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
  return out;
}

namespace {

// An interval ends at beat i when neither beat is lost and no stretch starts at i.
bool usable_interval(const beat_track& track, std::size_t i) {
  const auto lost = [](const dsp::beat_event& b) {
    return b.flag == dsp::signal_flag::flat || b.flag == dsp::signal_flag::clipped;
  };
  return track.starts_stretch[i] == 0 && !lost(track.beats[i - 1]) && !lost(track.beats[i]);
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

std::string detector_description(const std::string& kind) {
  if (kind == "ecg") return "streaming Pan-Tompkins-family QRS detector, band 12-30 Hz";
  if (kind == "ppg") return "streaming Elgendi-family systolic-peak detector, band 0.5-8 Hz";
  return "no detector";
}

}  // namespace resonant::apps
