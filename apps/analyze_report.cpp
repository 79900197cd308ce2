#include "analyze_report.hpp"

#include "analysis_settings.hpp"

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
          {"hf_peak_hz", value(s.hf_peak_hz)},
          {"vlf_peak_hz", value(s.vlf_peak_hz)},
          {"vlf_log", value(s.vlf_log)},
          {"lf_log", value(s.lf_log)},
          {"hf_log", value(s.hf_log)},
          {"vlf_pct", value(s.vlf_pct)},
          {"lf_pct", value(s.lf_pct)},
          {"hf_pct", value(s.hf_pct)}};
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

std::string fixed(const json& v, int decimals) {
  if (v.is_null()) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v.get<double>());
  return buf;
}

}  // namespace

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
  j["parameters"] = parameters_json(p);

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
                      {"sdnni_ms", value(t.sdnni_ms)},
                      {"std_hr_bpm", value(t.std_hr_bpm)},
                      {"nnxx", value(t.nnxx)},
                      {"pnnxx_pct", value(t.pnnxx_pct)}};
  json fd = spectral(r.welch);
  fd["lomb"] = spectral(r.lomb);
  fd["ar"] = spectral(r.ar);
  j["frequency_domain"] = fd;
  const auto& nl = r.nonlinear;
  j["nonlinear"] = {{"sd1_ms", value(nl.sd1_ms)},
                    {"sd2_ms", value(nl.sd2_ms)},
                    {"sd1_sd2", value(nl.sd1_sd2)},
                    {"dfa_alpha1", value(nl.dfa_alpha1)},
                    {"dfa_alpha2", value(nl.dfa_alpha2)},
                    {"sampen", value(nl.sampen)},
                    {"apen", value(nl.apen)}};
  j["indices"] = {{"pns_index", value(r.indices.pns_index)},
                  {"sns_index", value(r.indices.sns_index)},
                  {"stress_index", value(r.indices.stress_index)}};
  std::vector<std::string> warnings = rec.warnings;
  warnings.insert(warnings.end(), r.warnings.begin(), r.warnings.end());
  j["warnings"] = warnings;
  return j;
}

namespace {

void null_numbers(json& section) {
  for (auto& v : section) {
    if (v.is_object()) {
      null_numbers(v);
    } else if (v.is_number()) {
      v = nullptr;
    }
  }
}

}  // namespace

void add_signal_quality(json& j, const beat_track& track) {
  const double pct = track.usable_pct();
  auto& in = j["input"];
  in["usable_pct"] = pct;
  in["recorded_s"] = track.recorded_s;
  in["usable_s"] = track.usable_s;
  std::size_t usable_windows = 0;
  for (const auto& w : track.windows) usable_windows += w.window.usable() ? 1 : 0;
  const std::string why = unusable_summary(track);
  json stretches = json::array();
  for (const auto& w : track.windows) {
    if (w.window.usable()) continue;
    stretches.push_back({{"start_s", w.start_s},
                         {"end_s", w.end_s},
                         {"reason", std::string(dsp::to_string(w.window.verdict))},
                         {"correlation", w.window.correlation}});
  }
  in["quality"] = {{"method",
                    "Orphanidou et al. 2015: 10-s windows, heart rate 40-180 bpm, no interval "
                    "over 3 s, longest/shortest interval < 2.2, template correlation >= 0.66 "
                    "(ECG) / 0.86 (PPG)"},
                   {"windows", track.windows.size()},
                   {"usable_windows", usable_windows},
                   {"unusable", why},
                   {"unusable_stretches", stretches}};
  const bool withheld = pct < min_usable_pct;
  std::string reason;
  if (withheld) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "only %.1f %% of the recording is usable signal (needs %.0f %%)",
                  pct, min_usable_pct);
    reason = buf;
    if (!why.empty()) reason += "; " + why;
  }
  json coverage = json::object();
  for (const char* section : {"time_domain", "frequency_domain", "nonlinear", "indices"}) {
    coverage[section] = {{"usable_pct", pct},
                         {"withheld", withheld ? json(reason) : json(nullptr)}};
    if (withheld && j.contains(section)) null_numbers(j[section]);
  }
  j["coverage"] = coverage;
  if (withheld) j["warnings"].push_back("metrics withheld: " + reason);
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
  // Kubios' order: overview, time domain, frequency domain (FFT | AR, then Lomb), nonlinear.
  const auto& in = j["input"];
  const auto& td = j["time_domain"];
  const auto& fd = j["frequency_domain"];
  const auto& nl = j["nonlinear"];
  const auto& ar = j["artefacts"];
  const auto& ix = j["indices"];
  const auto& pr = j["parameters"];
  char line[256];
  auto row = [&](const char* name, const json& v, int decimals, const char* unit) {
    std::snprintf(line, sizeof line, "  %-24s %12s %s\n", name, fixed(v, decimals).c_str(), unit);
    out << line;
  };
  out << "Resonant HRV analysis - " << in["path"].get<std::string>() << "\n";
  std::snprintf(line, sizeof line, "  %s, %zu beats, %.1f s (%.1f min), profile %s\n",
                in["kind"].get<std::string>().c_str(), in["n_beats"].get<std::size_t>(),
                in["duration_s"].get<double>(), in["duration_s"].get<double>() / 60.0,
                j["profile"].get<std::string>().c_str());
  out << line;
  if (in.contains("decided_by"))
    out << "  read as: " << in["decided_by"].get<std::string>() << "\n";
  if (in.contains("usable_pct")) {
    std::snprintf(line, sizeof line, "  usable signal: %.1f %% (%.1f of %.1f s)\n",
                  in["usable_pct"].get<double>(), in["usable_s"].get<double>(),
                  in["recorded_s"].get<double>());
    out << line;
    const auto& why = in["quality"]["unusable"].get_ref<const std::string&>();
    if (!why.empty()) out << "  " << why << "\n";
  }
  std::snprintf(line, sizeof line,
                "  artefacts (%s): %zu ectopic, %zu missed, %zu extra, %zu long, %zu short, "
                "%zu out of range; %.2f %% of intervals corrected\n",
                ar["method"].get<std::string>().c_str(), ar["ectopic"].get<std::size_t>(),
                ar["missed"].get<std::size_t>(), ar["extra"].get<std::size_t>(),
                ar["long"].get<std::size_t>(), ar["short"].get<std::size_t>(),
                ar["range_gate_removed"].get<std::size_t>(), ar["corrected_pct"].get<double>());
  out << line;

  out << "\nResults overview\n";
  row("PNS index", ix["pns_index"], 4, "");
  row("SNS index", ix["sns_index"], 4, "");
  row("Stress index", ix["stress_index"], 4, "");

  const auto beats = pr["time_domain"]["hr_min_max_average_beats"].get<std::size_t>();
  char min_hr[48];
  char max_hr[48];
  char nnxx[48];
  char pnnxx[48];
  std::snprintf(min_hr, sizeof min_hr, "Min HR (%zu-beat avg)", beats);
  std::snprintf(max_hr, sizeof max_hr, "Max HR (%zu-beat avg)", beats);
  std::snprintf(nnxx, sizeof nnxx, "NN%g", pr["time_domain"]["nnxx_ms"].get<double>());
  std::snprintf(pnnxx, sizeof pnnxx, "pNN%g", pr["time_domain"]["nnxx_ms"].get<double>());
  out << "\nTime domain\n";
  row("Mean RR", td["mean_nn_ms"], 4, "ms");
  row("STD RR (SDNN)", td["sdnn_ms"], 4, "ms");
  row("Mean HR", td["mean_hr_bpm"], 4, "bpm");
  row("STD HR", td["std_hr_bpm"], 4, "bpm");
  row(min_hr, td["min_hr_bpm"], 4, "bpm");
  row(max_hr, td["max_hr_bpm"], 4, "bpm");
  row("RMSSD", td["rmssd_ms"], 4, "ms");
  row(nnxx, td["nnxx"], 0, "beats");
  row(pnnxx, td["pnnxx_pct"], 4, "%");
  row("pNN50", td["pnn50_pct"], 2, "%");
  row("pNN20", td["pnn20_pct"], 2, "%");
  row("SDSD", td["sdsd_ms"], 4, "ms");
  row("CVNN", td["cvnn"], 4, "");
  row("SDANN", td["sdann_ms"], 4, "ms");
  row("SDNN index", td["sdnni_ms"], 4, "ms");
  row("RR triangular index", td["hti"], 6, "");
  row("TINN", td["tinn_ms"], 4, "ms");

  out << "\nFrequency domain                  FFT           AR         Lomb\n";
  auto frow = [&](const char* name, const char* key, int decimals, const char* unit) {
    std::snprintf(line, sizeof line, "  %-24s %12s %12s %12s %s\n", name,
                  fixed(fd[key], decimals).c_str(), fixed(fd["ar"][key], decimals).c_str(),
                  fixed(fd["lomb"][key], decimals).c_str(), unit);
    out << line;
  };
  frow("VLF peak", "vlf_peak_hz", 6, "Hz");
  frow("LF peak", "lf_peak_hz", 6, "Hz");
  frow("HF peak", "hf_peak_hz", 6, "Hz");
  frow("VLF", "vlf_ms2", 4, "ms2");
  frow("LF", "lf_ms2", 4, "ms2");
  frow("HF", "hf_ms2", 4, "ms2");
  frow("VLF (log)", "vlf_log", 4, "");
  frow("LF (log)", "lf_log", 4, "");
  frow("HF (log)", "hf_log", 4, "");
  frow("VLF", "vlf_pct", 4, "%");
  frow("LF", "lf_pct", 4, "%");
  frow("HF", "hf_pct", 4, "%");
  frow("LF", "lf_nu", 4, "n.u.");
  frow("HF", "hf_nu", 4, "n.u.");
  frow("Total power", "total_ms2", 4, "ms2");
  frow("LF/HF", "lf_hf", 4, "");

  out << "\nNonlinear\n";
  row("SD1", nl["sd1_ms"], 6, "ms");
  row("SD2", nl["sd2_ms"], 6, "ms");
  const json ratio =
      nl["sd1_sd2"].is_null() ? json(nullptr) : json(1.0 / nl["sd1_sd2"].get<double>());
  row("SD2/SD1", ratio, 6, "");
  row("Approximate entropy", nl["apen"], 4, "");
  row("Sample entropy", nl["sampen"], 4, "");
  row("DFA alpha1", nl["dfa_alpha1"], 4, "");
  row("DFA alpha2", nl["dfa_alpha2"], 4, "");
  if (!j["warnings"].empty()) {
    out << "\nWarnings\n";
    for (const auto& w : j["warnings"]) out << "  - " << w.get<std::string>() << "\n";
  }
}

}  // namespace resonant::apps
