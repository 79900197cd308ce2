#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>

#include "dsp/input_kind.hpp"

namespace resonant::dsp {

// What a column of numbers looks like: beat intervals, beat times, peak indices or a waveform.
//
// A file of bare numbers does not say what it holds, and reading a waveform as intervals gives a
// confident, wrong report (a 25 s PPG at 100 Hz "is" 21 minutes of 514 ms intervals). The
// decision rests on properties that differ by an order of magnitude between the kinds:
//  - Beat times and peak indices increase on (almost) every step; intervals and waveforms do not.
//  - Intervals lie in the physiological range (0.2-3 s, in ms or s), and are rough from one value
//    to the next: the RMS of successive differences relative to the standard deviation
//    ("roughness", the ratio RMSSD / SD of HRV) is 0.3-1.5 for real RR series, and >= 0.37
//    even for a pure slow-breathing oscillation of 17 beats per cycle (2 sin(pi / 17)).
//  - A waveform sampled at 25 Hz or more is smooth from sample to sample: a component of
//    frequency f at rate fs has roughness 2 sin(pi f / fs), so a 1.2 Hz pulse at 28 Hz gives
//    0.27 and at 100 Hz 0.075, and baseline wander lowers it further. Measured on the shipped
//    recordings: PPG and respiration 0.02-0.17 over the whole record, RR series 0.25-1.5 over the
//    whole record and >= 0.32 in windows of 256 values (trends removed).
// The roughness is computed over the whole series and as the median over windows of 256 values
// (so a 24-hour trend does not make an RR series look smooth); both must agree, else the shape is
// `unsure` and the caller refuses with a hint rather than guess.
//
// Waveform kind (ecg_or_ppg): the RMS bandwidth of the signal (Rice: the mean rate of zero
// crossings of a Gaussian process is sqrt(m2 / m0) / pi), estimated as fs * RMS(diff) / SD over
// windows of 2 s, median over windows. A QRS complex puts most of an ECG's slope into 10-25 Hz, so
// its RMS bandwidth is 5-15 Hz; a pulse wave is smooth, 1-3 Hz. Measured (median over 2 s
// windows): ECG 12.8 Hz (NeuroKit resting, 100 Hz), 10.8 and 5.9 Hz (NSTDB 118 at 24 and 6 dB,
// the noise lowers it); PPG 1.8 Hz (finger, 100 Hz), 3.1 Hz (HeartPy finger with spikes), 1.5-3.1
// Hz (five camera recordings, 28 Hz). ECG at >= 4.5 Hz, PPG at <= 3.6 Hz, unsure in between.
struct series_shape {
  std::size_t n = 0;
  double median = 0.0;
  double min = 0.0;
  double max = 0.0;
  double increasing_fraction = 0.0;   // steps > 0 among all steps
  double median_step = 0.0;           // median of successive differences
  bool integers = false;              // every value is a whole number
  double rr_range_ms_fraction = 0.0;  // values within 200-3000 (intervals in ms)
  double rr_range_s_fraction = 0.0;   // values within 0.2-3 (intervals in s)
  double roughness = 0.0;             // RMS(successive differences) / SD, whole series
  double windowed_roughness = 0.0;    // median over windows of 256 values
};

series_shape describe_series(std::span<const double> values);

// The decision: rr, beat_times, peaks (increasing integers that are not plausible beat times:
// a rate is needed), a waveform (returned as ecg; the caller tells ECG from PPG), or nullopt when
// unsure. `reason` receives one sentence saying what was seen.
struct shape_decision {
  std::optional<input_kind> kind;  // ecg stands for "a waveform"
  bool milliseconds = false;       // rr / beat_times: values are in ms
  std::string reason;
};
shape_decision classify_series(const series_shape& shape);

// ECG or PPG from the waveform's RMS bandwidth (see above); nullopt when between 3.6 and 4.5 Hz
// or when the signal is too short (< 4 s). bandwidth_hz receives the estimate.
std::optional<input_kind> waveform_kind_by_shape(std::span<const double> samples, double fs_hz,
                                                 double& bandwidth_hz);

}  // namespace resonant::dsp
