#include "beat_detection.hpp"

#include <stdexcept>

#include "dsp/ecg_detector.hpp"
#include "dsp/ppg_detector.hpp"

namespace resonant::apps {

std::vector<dsp::beat_event> detect_beats(const drivers::signal_recording& signal) {
  if (signal.kind == "ecg") {
    dsp::ecg_detector_config cfg;
    cfg.sample_rate_hz = signal.fs_hz;
    return dsp::detect_ecg_beats(signal.samples, cfg);
  }
  if (signal.kind == "ppg") {
    dsp::ppg_detector_config cfg;
    cfg.sample_rate_hz = signal.fs_hz;
    return dsp::detect_ppg_beats(signal.samples, cfg);
  }
  throw std::invalid_argument(signal.path + ": cannot tell whether column \"" + signal.column +
                              "\" is ECG or PPG; give --signal ecg or --signal ppg");
}

std::string detector_description(const std::string& kind) {
  if (kind == "ecg") return "streaming Pan-Tompkins-family QRS detector, band 12-30 Hz";
  if (kind == "ppg") return "streaming Elgendi-family systolic-peak detector, band 0.5-8 Hz";
  return "no detector";
}

}  // namespace resonant::apps
