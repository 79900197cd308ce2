#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "dsp/hrv_analysis.hpp"

namespace resonant::apps {

// ---------------------------------------------------------------------------------------------
// Every parameter of the batch analysis by name, as `resonant analyze --set NAME=VALUE` takes it
// and as the JSON report's `parameters` object lists it (section.name; the name alone is
// enough, names are unique). One table drives both, so a parameter that is reported can be set
// and the other way round. Values: numbers, "a,b" pairs (bands, ranges), yes/no, or one of the
// words the setting lists. A bad name or value throws std::invalid_argument whose message names
// the setting and the valid names or values (the CLI exits 2 with it).
// ---------------------------------------------------------------------------------------------
struct analysis_setting {
  std::string section;  // "artefacts", "time_domain", "frequency_domain", "nonlinear", "indices"
  std::string name;     // JSON key within the section; "a.b" is a nested key
  std::string values;   // what it takes, for messages and --help
  std::function<nlohmann::json(const dsp::analysis_profile&)> get;
  std::function<void(dsp::analysis_profile&, std::string_view)> set;  // throws on a bad value
};

const std::vector<analysis_setting>& analysis_settings();

// Applies "NAME=VALUE" (NAME either "name" or "section.name"). Throws std::invalid_argument.
void apply_setting(dsp::analysis_profile& profile, std::string_view assignment);

// The `parameters` object of the report: every setting's current value by section.
nlohmann::json parameters_json(const dsp::analysis_profile& profile);

// What `resonant analyze` does with --settings-from and --set: the Kubios report's Parameters
// block first (when settings_from is not empty), then each NAME=VALUE in order. Throws
// drivers::input_error (report) or std::invalid_argument (assignment).
void apply_profile_settings(dsp::analysis_profile& profile, const std::string& settings_from,
                            const std::vector<std::string>& assignments);

}  // namespace resonant::apps
