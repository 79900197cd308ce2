#pragma once

#include <optional>
#include <span>

namespace resonant::dsp {

// ---------------------------------------------------------------------------------------------
// Kubios HRV's "Results Overview": stress index, PNS index and SNS index.
//
// Stress index: the square root of Baevsky's stress index (Baevsky & Chernikova 2017, Kubios
// user's guide 3.x), SI = AMo / (2 Mo MxDMn), from the RR histogram with bin_ms bins (50 ms):
// Mo = centre of the fullest bin (s), AMo = its share of all intervals (%), MxDMn = max - min
// RR (s). Kubios reports sqrt(SI) "to make it normally distributed".
//
// PNS / SNS indices: the mean of z-scores of their inputs against normal resting values
// (Kubios' description: PNS from mean RR, RMSSD and SD1 in %; SNS from mean HR, the stress
// index and SD2 in %, where "%" is relative to mean RR). The normal values (mean, SD) Kubios
// uses are not published; the defaults below are Nunan et al. 2010 (Pacing Clin Electrophysiol
// 33:1407) short-term norms for mean RR and RMSSD and fitted stand-ins for the others, and every
// one is a setting (see apps/analysis_settings). Pitfall: with the defaults these are *not*
// Kubios' numbers (see docs/ARCHITECTURE.md, "Kubios parity").
// ---------------------------------------------------------------------------------------------
struct population_norm {
  double mean;
  double sd;
};

struct kubios_index_config {
  double stress_bin_ms = 50.0;
  population_norm mean_rr_ms{926.0, 90.0};
  population_norm rmssd_ms{42.0, 15.0};
  population_norm sd1_pct{3.0, 1.0};
  population_norm mean_hr_bpm{66.0, 6.0};
  population_norm stress_index{3.0, 1.0};
  population_norm sd2_pct{11.0, 3.0};
  // The norms above are stand-ins: Kubios does not publish its population values, and with
  // them PNS / SNS differ from Kubios' by up to 1.3 on the pgomes sample. PNS and SNS are only
  // reported when the user gives norms (any norm_* setting), never from the stand-ins.
  bool norms_given = false;
};

// sqrt(Baevsky SI); nullopt for fewer than 2 intervals or max == min.
std::optional<double> kubios_stress_index(std::span<const double> rr_ms, double bin_ms);

struct kubios_index_inputs {
  double mean_rr_ms, rmssd_ms, sd1_ms, sd2_ms, mean_hr_bpm, stress_index;
};

double kubios_pns_index(const kubios_index_inputs& in, const kubios_index_config& cfg);
double kubios_sns_index(const kubios_index_inputs& in, const kubios_index_config& cfg);

}  // namespace resonant::dsp
