#include "analyze_report.hpp"

#include <cstdio>
#include <ostream>
#include <utility>
#include <vector>

namespace resonant::apps {
namespace {

using nlohmann::json;

json value(const std::optional<double>& v) {
  return v ? json(*v) : json(nullptr);
}

json band(const dsp::frequency_band& b) {
  return json::array({b.lo_hz, b.hi_hz});
}

json parameters(const dsp::analysis_profile& p) {
  const auto& t = p.time;
  json j;
  j["artefacts"] = {
      {"method", p.artefacts == dsp::artefact_method::kubios ? "kubios" : "none"},
      {"range_gate_ms", json::array({p.range_gate.min_rr_ms, p.range_gate.max_rr_ms})},
      {"lipponen_alpha", p.lipponen.alpha},
      {"lipponen_qd_window_beats", p.lipponen.qd_window},
      {"lipponen_median_window_beats", p.lipponen.median_window},
      {"lipponen_c1", p.lipponen.c1},
      {"lipponen_c2", p.lipponen.c2},
      {"lipponen_max_passes", p.lipponen.max_passes}};
  j["time_domain"] = {
      {"sdnn_ddof", t.sdnn_ddof},
      {"sdsd_ddof", t.sdsd_ddof},
      {"pnn_denominator", t.pnn == dsp::pnn_denominator::differences ? "differences" : "intervals"},
      {"hr_min_max_average_beats", t.hr_average_beats},
      {"long_term_segment_s", t.segment_s},
      {"long_term_min_duration_s", t.long_term_min_s},
      {"histogram_bin_ms", p.histogram_bin_ms}};
  j["frequency_domain"] = {
      {"resample_hz", p.resample_hz},
      {"interpolation", p.spline_degree == 3   ? "cubic spline (not-a-knot)"
                        : p.spline_degree == 2 ? "quadratic spline"
                                               : "linear"},
      {"detrending", p.detrend_lambda ? "smoothness priors" : "mean removal"},
      {"detrend_lambda", value(p.detrend_lambda)},
      {"welch_segment", p.welch_rule == dsp::welch_segment_rule::neurokit
                            ? json("neurokit: 2/(4 fs/N) s, at most N/2; nfft 2x segment")
                            : json(p.welch_segment_s)},
      {"welch_overlap", p.welch_overlap},
      {"welch_window", p.welch_window == dsp::window_kind::hann ? "hann" : "hamming"},
      {"welch_points_per_hz", p.welch_points_per_hz},
      {"band_integration", p.integration == dsp::band_rule::rectangle ? "rectangle" : "trapezoid"},
      {"vlf_hz", band(p.vlf)},
      {"lf_hz", band(p.lf)},
      {"hf_hz", band(p.hf)},
      {"lomb_oversampling", p.lomb_oversampling},
      {"lomb_max_hz", p.lomb_max_hz},
      {"min_duration_s",
       {{"hf", p.min_duration_hf_s}, {"lf", p.min_duration_lf_s}, {"vlf", p.min_duration_vlf_s}}}};
  j["nonlinear"] = {{"poincare_ddof", p.poincare_ddof},
                    {"dfa_alpha1_beats", json::array({p.dfa_alpha1_min, p.dfa_alpha1_max})},
                    {"dfa_alpha2_beats", json::array({p.dfa_alpha2_min, p.dfa_alpha2_max})},
                    {"sampen_m", p.sampen_m},
                    {"sampen_r_sd", p.sampen_r_sd}};
  return j;
}

json spectral(const dsp::spectral_result& s) {
  return {{"method", s.method},
          {"vlf_ms2", value(s.vlf_ms2)},
          {"lf_ms2", value(s.lf_ms2)},
          {"hf_ms2", value(s.hf_ms2)},
          {"total_ms2", value(s.total_ms2)},
          {"lf_nu", value(s.lf_nu)},
          {"hf_nu", value(s.hf_nu)},
          {"lf_hf", value(s.lf_hf)},
          {"lf_peak_hz", value(s.lf_peak_hz)},
          {"hf_peak_hz", value(s.hf_peak_hz)}};
}

const char* label_name(dsp::beat_label l) {
  switch (l) {
    case dsp::beat_label::normal:
      return "normal";
    case dsp::beat_label::supraventricular:
      return "supraventricular";
    case dsp::beat_label::ventricular:
      return "ventricular";
    case dsp::beat_label::fusion:
      return "fusion";
    case dsp::beat_label::paced:
      return "paced";
    case dsp::beat_label::unknown:
      return "unknown";
  }
  return "unknown";
}

// Flattens nested objects into (a.b.c, value) pairs in document order.
void flatten(const json& j, const std::string& prefix,
             std::vector<std::pair<std::string, json>>& out) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it->is_object()) {
      flatten(*it, key, out);
    } else {
      out.emplace_back(key, *it);
    }
  }
}

std::string csv_field(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q;
    q.reserve(s.size() + 2);
    q.push_back('"');
    for (char c : s) {
      if (c == '"') q.push_back('"');
      q.push_back(c);
    }
    q.push_back('"');
    return q;
  }
  if (v.is_array()) {  // elements joined by "; " into one (quoted when needed) field
    std::string joined;
    for (const auto& e : v) {
      if (!joined.empty()) joined.append("; ");
      joined.append(e.is_string() ? e.get<std::string>() : e.dump());
    }
    return csv_field(json(joined));
  }
  return v.dump();
}

std::string fixed(const json& v, int decimals) {
  if (v.is_null()) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v.get<double>());
  return buf;
}

}  // namespace

json report_json(const drivers::rr_recording& rec, const dsp::analysis_profile& p,
                 const dsp::hrv_report& r) {
  json j;
  j["input"] = {{"path", rec.path},
                {"kind", rec.kind},
                {"units", rec.units},
                {"n_beats", r.n_beats},
                {"n_intervals", r.n_intervals},
                {"duration_s", r.duration_s},
                {"missing_entries", rec.missing}};
  j["profile"] = p.name;
  j["parameters"] = parameters(p);

  json artefacts = {{"method", r.artefacts.method},
                    {"ectopic", r.artefacts.found.ectopic},
                    {"missed", r.artefacts.found.missed},
                    {"extra", r.artefacts.found.extra},
                    {"long", r.artefacts.found.long_beats},
                    {"short", r.artefacts.found.short_beats},
                    {"range_gate_removed", r.artefacts.range_gate_removed},
                    {"corrected_intervals", r.artefacts.corrected_intervals},
                    {"corrected_pct", r.artefacts.corrected_pct}};
  if (!rec.labels.empty()) {
    json annotated = json::object();
    for (auto l : rec.labels) {
      auto& slot = annotated[label_name(l)];
      slot = slot.is_null() ? 1 : slot.get<int>() + 1;
    }
    artefacts["annotated_beats"] = annotated;
  }
  j["artefacts"] = artefacts;

  const auto& t = r.time;
  j["time_domain"] = {{"mean_nn_ms", value(t.mean_nn_ms)},
                      {"sdnn_ms", value(t.sdnn_ms)},
                      {"rmssd_ms", value(t.rmssd_ms)},
                      {"sdsd_ms", value(t.sdsd_ms)},
                      {"pnn50_pct", value(t.pnn50_pct)},
                      {"pnn20_pct", value(t.pnn20_pct)},
                      {"mean_hr_bpm", value(t.mean_hr_bpm)},
                      {"min_hr_bpm", value(t.min_hr_bpm)},
                      {"max_hr_bpm", value(t.max_hr_bpm)},
                      {"cvnn", value(t.cvnn)},
                      {"hti", value(r.hti)},
                      {"tinn_ms", value(r.tinn_ms)},
                      {"sdann_ms", value(t.sdann_ms)},
                      {"sdnni_ms", value(t.sdnni_ms)}};
  json fd = spectral(r.welch);
  fd["lomb"] = spectral(r.lomb);
  j["frequency_domain"] = fd;
  const auto& nl = r.nonlinear;
  j["nonlinear"] = {{"sd1_ms", value(nl.sd1_ms)},         {"sd2_ms", value(nl.sd2_ms)},
                    {"sd1_sd2", value(nl.sd1_sd2)},       {"dfa_alpha1", value(nl.dfa_alpha1)},
                    {"dfa_alpha2", value(nl.dfa_alpha2)}, {"sampen", value(nl.sampen)}};
  std::vector<std::string> warnings = rec.warnings;
  warnings.insert(warnings.end(), r.warnings.begin(), r.warnings.end());
  j["warnings"] = warnings;
  return j;
}

void write_csv(std::ostream& out, const json& report) {
  json flat_source = report;
  flat_source.erase("parameters");  // provenance belongs in the JSON; CSV keeps the numbers
  std::vector<std::pair<std::string, json>> cells;
  flatten(flat_source, "", cells);
  for (std::size_t i = 0; i < cells.size(); ++i) out << (i ? "," : "") << cells[i].first;
  out << '\n';
  for (std::size_t i = 0; i < cells.size(); ++i)
    out << (i ? "," : "") << csv_field(cells[i].second);
  out << '\n';
}

void write_table(std::ostream& out, const json& j) {
  const auto& in = j["input"];
  const auto& td = j["time_domain"];
  const auto& fd = j["frequency_domain"];
  const auto& nl = j["nonlinear"];
  const auto& ar = j["artefacts"];
  char line[256];
  auto row = [&](const char* name, const json& v, int decimals, const char* unit) {
    std::snprintf(line, sizeof line, "  %-22s %12s %s\n", name, fixed(v, decimals).c_str(), unit);
    out << line;
  };
  out << "Resonant HRV analysis - " << in["path"].get<std::string>() << "\n";
  std::snprintf(line, sizeof line, "  %s, %zu beats, %.1f s (%.1f min), profile %s\n",
                in["kind"].get<std::string>().c_str(), in["n_beats"].get<std::size_t>(),
                in["duration_s"].get<double>(), in["duration_s"].get<double>() / 60.0,
                j["profile"].get<std::string>().c_str());
  out << line;
  std::snprintf(line, sizeof line,
                "  artefacts (%s): %zu ectopic, %zu missed, %zu extra, %zu long, %zu short, "
                "%zu out of range; %.2f %% of intervals corrected\n",
                ar["method"].get<std::string>().c_str(), ar["ectopic"].get<std::size_t>(),
                ar["missed"].get<std::size_t>(), ar["extra"].get<std::size_t>(),
                ar["long"].get<std::size_t>(), ar["short"].get<std::size_t>(),
                ar["range_gate_removed"].get<std::size_t>(), ar["corrected_pct"].get<double>());
  out << line;

  out << "\nTime domain\n";
  row("Mean NN", td["mean_nn_ms"], 1, "ms");
  row("SDNN", td["sdnn_ms"], 1, "ms");
  row("RMSSD", td["rmssd_ms"], 1, "ms");
  row("SDSD", td["sdsd_ms"], 1, "ms");
  row("pNN50", td["pnn50_pct"], 2, "%");
  row("pNN20", td["pnn20_pct"], 2, "%");
  row("Mean HR", td["mean_hr_bpm"], 1, "bpm");
  row("Min HR (5-beat avg)", td["min_hr_bpm"], 1, "bpm");
  row("Max HR (5-beat avg)", td["max_hr_bpm"], 1, "bpm");
  row("CVNN", td["cvnn"], 4, "");
  row("HRV triangular index", td["hti"], 2, "");
  row("TINN", td["tinn_ms"], 1, "ms");
  row("SDANN", td["sdann_ms"], 1, "ms");
  row("SDNN index", td["sdnni_ms"], 1, "ms");

  out << "\nFrequency domain            Welch         Lomb\n";
  auto frow = [&](const char* name, const char* key, int decimals, const char* unit) {
    std::snprintf(line, sizeof line, "  %-22s %12s %12s %s\n", name,
                  fixed(fd[key], decimals).c_str(), fixed(fd["lomb"][key], decimals).c_str(), unit);
    out << line;
  };
  frow("VLF", "vlf_ms2", 1, "ms2");
  frow("LF", "lf_ms2", 1, "ms2");
  frow("HF", "hf_ms2", 1, "ms2");
  frow("Total", "total_ms2", 1, "ms2");
  frow("LF", "lf_nu", 2, "n.u.");
  frow("HF", "hf_nu", 2, "n.u.");
  frow("LF/HF", "lf_hf", 3, "");
  frow("LF peak", "lf_peak_hz", 4, "Hz");
  frow("HF peak", "hf_peak_hz", 4, "Hz");

  out << "\nNonlinear\n";
  row("SD1", nl["sd1_ms"], 1, "ms");
  row("SD2", nl["sd2_ms"], 1, "ms");
  row("SD1/SD2", nl["sd1_sd2"], 3, "");
  row("DFA alpha1", nl["dfa_alpha1"], 3, "");
  row("DFA alpha2", nl["dfa_alpha2"], 3, "");
  row("Sample entropy", nl["sampen"], 3, "");
  if (!j["warnings"].empty()) {
    out << "\nWarnings\n";
    for (const auto& w : j["warnings"]) out << "  - " << w.get<std::string>() << "\n";
  }
}

}  // namespace resonant::apps
