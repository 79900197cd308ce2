#pragma once

#include <string>
#include <string_view>

#include "drivers/rr_recording.hpp"
#include "drivers/signal_recording.hpp"

namespace resonant::drivers {

// The WFDB annotation readers (read_wfdb_annotations in rr_recording.hpp, read_wfdb_beats in
// signal_recording.hpp) over bytes in memory: `atr_bytes` is the content of the .atr file,
// `hea_text` that of the record's .hea; the names stand for the paths in messages. Same
// decoding, range checks and input_error messages as the file readers (wfdb_annotations.cpp);
// any byte sequence either decodes or throws input_error. Used by the fuzz target and tests.
rr_recording parse_wfdb_annotations(std::string_view atr_bytes, const std::string& atr_name,
                                    std::string_view hea_text, const std::string& hea_name);
wfdb_beats parse_wfdb_beats(std::string_view atr_bytes, const std::string& atr_name,
                            std::string_view hea_text, const std::string& hea_name);

}  // namespace resonant::drivers
