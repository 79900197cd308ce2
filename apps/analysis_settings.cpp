#include "analysis_settings.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "drivers/kubios_report.hpp"

namespace resonant::apps {
namespace {

using dsp::analysis_profile;
using nlohmann::json;

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

[[noreturn]] void bad(std::string_view name, std::string_view value, std::string_view values) {
  throw std::invalid_argument("--set " + std::string(name) + ": bad value \"" + std::string(value) +
                              "\" (expected " + std::string(values) + ")");
}

double number(std::string_view name, std::string_view v, std::string_view values) {
  v = trim(v);
  double x = 0.0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc{} || end != v.data() + v.size() || !std::isfinite(x)) bad(name, v, values);
  return x;
}

double positive(std::string_view name, std::string_view v, std::string_view values) {
  const double x = number(name, v, values);
  if (!(x > 0.0)) bad(name, v, values);
  return x;
}

double non_negative(std::string_view name, std::string_view v, std::string_view values) {
  const double x = number(name, v, values);
  if (x < 0.0) bad(name, v, values);
  return x;
}

std::size_t count(std::string_view name, std::string_view v, std::string_view values,
                  std::size_t min) {
  const double x = number(name, v, values);
  if (x != std::floor(x) || x < static_cast<double>(min) || x > 1e9) bad(name, v, values);
  return static_cast<std::size_t>(x);
}

std::pair<double, double> pair_of(std::string_view name, std::string_view v,
                                  std::string_view values) {
  const auto comma = v.find(',');
  if (comma == std::string_view::npos) bad(name, v, values);
  const double a = number(name, v.substr(0, comma), values);
  const double b = number(name, v.substr(comma + 1), values);
  if (!(b > a) || a < 0.0) bad(name, v, values);
  return {a, b};
}

bool yes_no(std::string_view name, std::string_view v, std::string_view values) {
  v = trim(v);
  if (v == "yes" || v == "true" || v == "on" || v == "1") return true;
  if (v == "no" || v == "false" || v == "off" || v == "0") return false;
  bad(name, v, values);
}

// A word among choices; returns its index.
std::size_t word(std::string_view name, std::string_view v,
                 std::initializer_list<std::initializer_list<std::string_view>> choices,
                 std::string_view values) {
  v = trim(v);
  std::size_t i = 0;
  for (const auto& spellings : choices) {
    for (std::string_view s : spellings) {
      if (s == v) return i;
    }
    ++i;
  }
  bad(name, v, values);
}

std::vector<analysis_setting> make_table() {
  std::vector<analysis_setting> t;
  auto add = [&](std::string section, std::string name, std::string values, auto get, auto set) {
    t.push_back({std::move(section), std::move(name), std::move(values), get, set});
  };
  using P = analysis_profile;
  using sv = std::string_view;
  // Artefacts.
  add(
      "artefacts", "method", "none or kubios",
      [](const P& p) {
        return json(p.artefacts == dsp::artefact_method::kubios ? "kubios" : "none");
      },
      [](P& p, sv v) {
        p.artefacts = word("method", v, {{"none"}, {"kubios"}}, "none or kubios") == 0
                          ? dsp::artefact_method::none
                          : dsp::artefact_method::kubios;
      });
  add(
      "artefacts", "range_gate_ms", "min,max in ms",
      [](const P& p) {
        return json::array({p.range_gate.min_rr_ms, p.range_gate.max_rr_ms});
      },
      [](P& p, sv v) {
        std::tie(p.range_gate.min_rr_ms, p.range_gate.max_rr_ms) =
            pair_of("range_gate_ms", v, "min,max in ms");
      });
  add(
      "artefacts", "lipponen_alpha", "a number > 0",
      [](const P& p) { return json(p.lipponen.alpha); },
      [](P& p, sv v) { p.lipponen.alpha = positive("lipponen_alpha", v, "a number > 0"); });
  add(
      "artefacts", "lipponen_qd_window_beats", "an integer >= 1",
      [](const P& p) { return json(p.lipponen.qd_window); },
      [](P& p, sv v) {
        p.lipponen.qd_window = count("lipponen_qd_window_beats", v, "an integer >= 1", 1);
      });
  add(
      "artefacts", "lipponen_median_window_beats", "an integer >= 1",
      [](const P& p) { return json(p.lipponen.median_window); },
      [](P& p, sv v) {
        p.lipponen.median_window = count("lipponen_median_window_beats", v, "an integer >= 1", 1);
      });
  add(
      "artefacts", "lipponen_c1", "a number", [](const P& p) { return json(p.lipponen.c1); },
      [](P& p, sv v) { p.lipponen.c1 = number("lipponen_c1", v, "a number"); });
  add(
      "artefacts", "lipponen_c2", "a number", [](const P& p) { return json(p.lipponen.c2); },
      [](P& p, sv v) { p.lipponen.c2 = number("lipponen_c2", v, "a number"); });
  add(
      "artefacts", "lipponen_max_passes", "an integer >= 1",
      [](const P& p) { return json(p.lipponen.max_passes); },
      [](P& p, sv v) {
        p.lipponen.max_passes =
            static_cast<int>(count("lipponen_max_passes", v, "an integer >= 1", 1));
      });
  // Time domain.
  add(
      "time_domain", "sdnn_ddof", "0 or 1", [](const P& p) { return json(p.time.sdnn_ddof); },
      [](P& p, sv v) {
        p.time.sdnn_ddof = static_cast<int>(word("sdnn_ddof", v, {{"0"}, {"1"}}, "0 or 1"));
      });
  add(
      "time_domain", "sdsd_ddof", "0 or 1", [](const P& p) { return json(p.time.sdsd_ddof); },
      [](P& p, sv v) {
        p.time.sdsd_ddof = static_cast<int>(word("sdsd_ddof", v, {{"0"}, {"1"}}, "0 or 1"));
      });
  add(
      "time_domain", "pnn_denominator", "differences or intervals",
      [](const P& p) {
        return json(p.time.pnn == dsp::pnn_denominator::differences ? "differences" : "intervals");
      },
      [](P& p, sv v) {
        p.time.pnn = word("pnn_denominator", v, {{"differences"}, {"intervals"}},
                          "differences or intervals") == 0
                         ? dsp::pnn_denominator::differences
                         : dsp::pnn_denominator::intervals;
      });
  add(
      "time_domain", "mean_hr", "from_mean_rr or mean_of_rates",
      [](const P& p) {
        return json(p.time.mean_hr == dsp::mean_hr_rule::from_mean_rr ? "from_mean_rr"
                                                                      : "mean_of_rates");
      },
      [](P& p, sv v) {
        p.time.mean_hr = word("mean_hr", v, {{"from_mean_rr"}, {"mean_of_rates"}},
                              "from_mean_rr or mean_of_rates") == 0
                             ? dsp::mean_hr_rule::from_mean_rr
                             : dsp::mean_hr_rule::mean_of_rates;
      });
  add(
      "time_domain", "nnxx_ms", "a number >= 0 (ms)",
      [](const P& p) { return json(p.time.nnxx_ms); },
      [](P& p, sv v) { p.time.nnxx_ms = non_negative("nnxx_ms", v, "a number >= 0 (ms)"); });
  add(
      "time_domain", "hr_min_max_average_beats", "an integer >= 1",
      [](const P& p) { return json(p.time.hr_average_beats); },
      [](P& p, sv v) {
        p.time.hr_average_beats = count("hr_min_max_average_beats", v, "an integer >= 1", 1);
      });
  add(
      "time_domain", "long_term_segment_s", "a number > 0 (s)",
      [](const P& p) { return json(p.time.segment_s); },
      [](P& p, sv v) {
        p.time.segment_s = positive("long_term_segment_s", v, "a number > 0 (s)");
      });
  add(
      "time_domain", "long_term_min_duration_s", "a number >= 0 (s)",
      [](const P& p) { return json(p.time.long_term_min_s); },
      [](P& p, sv v) {
        p.time.long_term_min_s = non_negative("long_term_min_duration_s", v, "a number >= 0 (s)");
      });
  add(
      "time_domain", "histogram_bin_ms", "a number > 0 (ms)",
      [](const P& p) { return json(p.histogram_bin_ms); },
      [](P& p, sv v) {
        p.histogram_bin_ms = positive("histogram_bin_ms", v, "a number > 0 (ms)");
      });
  add(
      "time_domain", "detrend_time_domain", "yes or no",
      [](const P& p) { return json(p.detrend_time_domain); },
      [](P& p, sv v) { p.detrend_time_domain = yes_no("detrend_time_domain", v, "yes or no"); });
  // Frequency domain.
  add(
      "frequency_domain", "resample_hz", "a number > 0 (Hz)",
      [](const P& p) { return json(p.resample_hz); },
      [](P& p, sv v) { p.resample_hz = positive("resample_hz", v, "a number > 0 (Hz)"); });
  add(
      "frequency_domain", "interpolation", "cubic, quadratic or linear",
      [](const P& p) {
        return json(p.spline_degree == 3   ? "cubic spline (not-a-knot)"
                    : p.spline_degree == 2 ? "quadratic spline"
                                           : "linear");
      },
      [](P& p, sv v) {
        p.spline_degree = 3 - static_cast<int>(word("interpolation", v,
                                                    {{"cubic", "cubic spline (not-a-knot)"},
                                                     {"quadratic", "quadratic spline"},
                                                     {"linear"}},
                                                    "cubic, quadratic or linear"));
      });
  add(
      "frequency_domain", "detrending", "smoothness_priors or none",
      [](const P& p) { return json(p.detrend_lambda ? "smoothness priors" : "mean removal"); },
      [](P& p, sv v) {
        const bool on =
            word("detrending", v,
                 {{"none", "mean removal", "mean"}, {"smoothness_priors", "smoothness priors"}},
                 "smoothness_priors or none") == 1;
        if (!on) p.detrend_lambda.reset();
        if (on && !p.detrend_lambda) p.detrend_lambda = 500.0;
      });
  add(
      "frequency_domain", "detrend_lambda", "a number > 0, or none",
      [](const P& p) { return p.detrend_lambda ? json(*p.detrend_lambda) : json(nullptr); },
      [](P& p, sv v) {
        if (trim(v) == "none" || trim(v) == "null") {
          p.detrend_lambda.reset();
        } else {
          p.detrend_lambda = positive("detrend_lambda", v, "a number > 0, or none");
        }
      });
  add(
      "frequency_domain", "welch_segment", "seconds > 0, or neurokit",
      [](const P& p) {
        return p.welch_rule == dsp::welch_segment_rule::neurokit
                   ? json("neurokit: 2/(4 fs/N) s, at most N/2; nfft 2x segment")
                   : json(p.welch_segment_s);
      },
      [](P& p, sv v) {
        if (trim(v) == "neurokit") {
          p.welch_rule = dsp::welch_segment_rule::neurokit;
          return;
        }
        p.welch_rule = dsp::welch_segment_rule::fixed_seconds;
        p.welch_segment_s = positive("welch_segment", v, "seconds > 0, or neurokit");
      });
  add(
      "frequency_domain", "welch_overlap", "a fraction 0 .. 0.95",
      [](const P& p) { return json(p.welch_overlap); },
      [](P& p, sv v) {
        const double x = number("welch_overlap", v, "a fraction 0 .. 0.95");
        if (x < 0.0 || x > 0.95) bad("welch_overlap", v, "a fraction 0 .. 0.95");
        p.welch_overlap = x;
      });
  add(
      "frequency_domain", "welch_window", "hann, hamming or matlab_hanning",
      [](const P& p) {
        return json(p.welch_window == dsp::window_kind::hann      ? "hann"
                    : p.welch_window == dsp::window_kind::hamming ? "hamming"
                                                                  : "matlab_hanning");
      },
      [](P& p, sv v) {
        const std::size_t w = word("welch_window", v, {{"hann"}, {"hamming"}, {"matlab_hanning"}},
                                   "hann, hamming or matlab_hanning");
        p.welch_window = w == 0   ? dsp::window_kind::hann
                         : w == 1 ? dsp::window_kind::hamming
                                  : dsp::window_kind::matlab_hanning;
      });
  add(
      "frequency_domain", "welch_points_per_hz", "a number > 0",
      [](const P& p) { return json(p.welch_points_per_hz); },
      [](P& p, sv v) {
        p.welch_points_per_hz = positive("welch_points_per_hz", v, "a number > 0");
      });
  add(
      "frequency_domain", "band_integration", "rectangle, trapezoid or trapezoid_edges",
      [](const P& p) {
        return json(p.integration == dsp::band_rule::rectangle   ? "rectangle"
                    : p.integration == dsp::band_rule::trapezoid ? "trapezoid"
                                                                 : "trapezoid_edges");
      },
      [](P& p, sv v) {
        const std::size_t w =
            word("band_integration", v, {{"rectangle"}, {"trapezoid"}, {"trapezoid_edges"}},
                 "rectangle, trapezoid or trapezoid_edges");
        p.integration = w == 0   ? dsp::band_rule::rectangle
                        : w == 1 ? dsp::band_rule::trapezoid
                                 : dsp::band_rule::trapezoid_edges;
      });
  add(
      "frequency_domain", "total_power", "band_sum or kubios_span",
      [](const P& p) {
        return json(p.total_power == dsp::total_power_rule::band_sum ? "band_sum" : "kubios_span");
      },
      [](P& p, sv v) {
        p.total_power =
            word("total_power", v, {{"band_sum"}, {"kubios_span"}}, "band_sum or kubios_span") == 0
                ? dsp::total_power_rule::band_sum
                : dsp::total_power_rule::kubios_span;
      });
  auto band = [&](const char* name, dsp::frequency_band P::*member) {
    add(
        "frequency_domain", name, "lo,hi in Hz",
        [member](const P& p) {
          return json::array({(p.*member).lo_hz, (p.*member).hi_hz});
        },
        [member, name](P& p, sv v) {
          const auto [lo, hi] = pair_of(name, v, "lo,hi in Hz");
          p.*member = {lo, hi};
        });
  };
  band("vlf_hz", &P::vlf);
  band("lf_hz", &P::lf);
  band("hf_hz", &P::hf);
  add(
      "frequency_domain", "ar", "yes or no", [](const P& p) { return json(p.ar_enabled); },
      [](P& p, sv v) { p.ar_enabled = yes_no("ar", v, "yes or no"); });
  add(
      "frequency_domain", "ar_order", "an integer 1 .. 100",
      [](const P& p) { return json(p.ar_order); },
      [](P& p, sv v) {
        const std::size_t o = count("ar_order", v, "an integer 1 .. 100", 1);
        if (o > 100) bad("ar_order", v, "an integer 1 .. 100");
        p.ar_order = o;
      });
  add(
      "frequency_domain", "ar_factorization", "yes or no",
      [](const P& p) { return json(p.ar_factorization); },
      [](P& p, sv v) { p.ar_factorization = yes_no("ar_factorization", v, "yes or no"); });
  add(
      "frequency_domain", "lomb_oversampling", "a number > 0",
      [](const P& p) { return json(p.lomb_oversampling); },
      [](P& p, sv v) { p.lomb_oversampling = positive("lomb_oversampling", v, "a number > 0"); });
  add(
      "frequency_domain", "lomb_max_hz", "a number > 0 (Hz)",
      [](const P& p) { return json(p.lomb_max_hz); },
      [](P& p, sv v) { p.lomb_max_hz = positive("lomb_max_hz", v, "a number > 0 (Hz)"); });
  auto min_duration = [&](const char* name, double P::*member) {
    add(
        "frequency_domain", name, "a number >= 0 (s)",
        [member](const P& p) { return json(p.*member); },
        [member, name](P& p, sv v) { p.*member = non_negative(name, v, "a number >= 0 (s)"); });
  };
  min_duration("min_duration_s.hf", &P::min_duration_hf_s);
  min_duration("min_duration_s.lf", &P::min_duration_lf_s);
  min_duration("min_duration_s.vlf", &P::min_duration_vlf_s);
  // Nonlinear.
  add(
      "nonlinear", "poincare_ddof", "0 or 1", [](const P& p) { return json(p.poincare_ddof); },
      [](P& p, sv v) {
        p.poincare_ddof = static_cast<int>(word("poincare_ddof", v, {{"0"}, {"1"}}, "0 or 1"));
      });
  auto range = [&](const char* name, std::size_t P::*lo, std::size_t P::*hi) {
    add(
        "nonlinear", name, "min,max box sizes in beats (min >= 3)",
        [lo, hi](const P& p) {
          return json::array({p.*lo, p.*hi});
        },
        [lo, hi, name](P& p, sv v) {
          const char* what = "min,max box sizes in beats (min >= 3)";
          const auto [a, b] = pair_of(name, v, what);
          if (a < 3.0 || a != std::floor(a) || b != std::floor(b) || b > 1e7) bad(name, v, what);
          p.*lo = static_cast<std::size_t>(a);
          p.*hi = static_cast<std::size_t>(b);
        });
  };
  range("dfa_alpha1_beats", &P::dfa_alpha1_min, &P::dfa_alpha1_max);
  range("dfa_alpha2_beats", &P::dfa_alpha2_min, &P::dfa_alpha2_max);
  add(
      "nonlinear", "sampen_m", "an integer 1 .. 10 (SampEn and ApEn)",
      [](const P& p) { return json(p.sampen_m); },
      [](P& p, sv v) {
        const std::size_t m = count("sampen_m", v, "an integer 1 .. 10 (SampEn and ApEn)", 1);
        if (m > 10) bad("sampen_m", v, "an integer 1 .. 10 (SampEn and ApEn)");
        p.sampen_m = static_cast<int>(m);
      });
  add(
      "nonlinear", "sampen_r_sd", "a number > 0 (x SD; SampEn and ApEn)",
      [](const P& p) { return json(p.sampen_r_sd); },
      [](P& p, sv v) {
        p.sampen_r_sd = positive("sampen_r_sd", v, "a number > 0 (x SD; SampEn and ApEn)");
      });
  add(
      "nonlinear", "sampen_normalisation", "standard or kubios",
      [](const P& p) {
        return json(p.sampen_normalisation == dsp::sampen_rule::kubios ? "kubios" : "standard");
      },
      [](P& p, sv v) {
        p.sampen_normalisation =
            word("sampen_normalisation", v, {{"standard"}, {"kubios"}}, "standard or kubios") == 0
                ? dsp::sampen_rule::standard
                : dsp::sampen_rule::kubios;
      });
  // Indices.
  add(
      "indices", "stress_bin_ms", "a number > 0 (ms)",
      [](const P& p) { return json(p.indices.stress_bin_ms); },
      [](P& p, sv v) {
        p.indices.stress_bin_ms = positive("stress_bin_ms", v, "a number > 0 (ms)");
      });
  auto norm = [&](const char* name, dsp::population_norm dsp::kubios_index_config::*member) {
    add(
        "indices", name, "mean,sd",
        [member](const P& p) {
          return json::array({(p.indices.*member).mean, (p.indices.*member).sd});
        },
        [member, name](P& p, sv v) {
          const auto comma = v.find(',');
          if (comma == std::string_view::npos) bad(name, v, "mean,sd");
          const double mean = number(name, v.substr(0, comma), "mean,sd");
          const double sd = positive(name, v.substr(comma + 1), "mean,sd");
          p.indices.*member = {mean, sd};
          p.indices.norms_given = true;
        });
  };
  norm("norm_mean_rr_ms", &dsp::kubios_index_config::mean_rr_ms);
  norm("norm_rmssd_ms", &dsp::kubios_index_config::rmssd_ms);
  norm("norm_sd1_pct", &dsp::kubios_index_config::sd1_pct);
  norm("norm_mean_hr_bpm", &dsp::kubios_index_config::mean_hr_bpm);
  norm("norm_stress_index", &dsp::kubios_index_config::stress_index);
  norm("norm_sd2_pct", &dsp::kubios_index_config::sd2_pct);
  return t;
}

}  // namespace

const std::vector<analysis_setting>& analysis_settings() {
  static const std::vector<analysis_setting> table = make_table();
  return table;
}

void apply_setting(dsp::analysis_profile& profile, std::string_view assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string_view::npos) {
    throw std::invalid_argument("--set " + std::string(assignment) + ": expected NAME=VALUE");
  }
  const std::string_view name = trim(assignment.substr(0, eq));
  const std::string_view value = assignment.substr(eq + 1);
  for (const auto& s : analysis_settings()) {
    if (name == s.name || name == s.section + "." + s.name) {
      s.set(profile, value);
      return;
    }
  }
  std::string names;
  for (const auto& s : analysis_settings()) names += (names.empty() ? "" : ", ") + s.name;
  throw std::invalid_argument("--set: unknown setting \"" + std::string(name) +
                              "\" (valid: " + names + ")");
}

json parameters_json(const dsp::analysis_profile& profile) {
  json j = json::object();
  for (const auto& s : analysis_settings()) {
    const auto dot = s.name.find('.');
    if (dot == std::string::npos) {
      j[s.section][s.name] = s.get(profile);
    } else {
      j[s.section][s.name.substr(0, dot)][s.name.substr(dot + 1)] = s.get(profile);
    }
  }
  return j;
}

void apply_profile_settings(dsp::analysis_profile& profile, const std::string& settings_from,
                            const std::vector<std::string>& assignments) {
  if (!settings_from.empty()) {
    const drivers::kubios_report k = drivers::read_kubios_report(settings_from);
    drivers::apply_kubios_parameters(k.parameters, profile);
  }
  for (const auto& a : assignments) apply_setting(profile, a);
}

}  // namespace resonant::apps
