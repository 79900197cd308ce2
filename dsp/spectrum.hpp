#pragma once

#include <optional>
#include <vector>

namespace resonant::dsp {

// A one-sided power spectral density on an ascending frequency grid.
// psd is a density: (unit of the signal)^2 per Hz, so band power comes out in unit^2
// (ms^2 for an RR tachogram in ms).
struct spectrum {
  std::vector<double> freq_hz;
  std::vector<double> psd;
};

// How a band's power is integrated from the discrete spectrum.
enum class band_rule {
  rectangle,        // sum of psd * df over bins with lo <= f < hi (Kubios, pyHRV)
  trapezoid,        // trapezoid over the bins with lo <= f < hi (NeuroKit2, numpy.trapz)
  trapezoid_edges,  // trapezoid from lo to hi exactly, the PSD linearly interpolated at the
                    // band edges (Kubios within 0.25-0.6 %)
};

// Power in [lo_hz, hi_hz). Returns 0 when no bin falls in the band.
double band_power(const spectrum& s, double lo_hz, double hi_hz, band_rule rule);

// Frequency of the largest density in [lo_hz, hi_hz); nullopt when no bin falls in the band.
std::optional<double> peak_frequency(const spectrum& s, double lo_hz, double hi_hz);

}  // namespace resonant::dsp
