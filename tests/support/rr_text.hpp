#pragma once

#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace resonant::test {

inline std::string data_path(const std::string& relative) {
  return std::string(RESONANT_DATA_DIR) + "/" + relative;
}

// Reads a reference RR list (one value per line, ms) without going through the drivers, so
// the dsp tests do not depend on the file reader under test elsewhere.
inline std::vector<double> load_column(const std::string& relative) {
  std::ifstream in(data_path(relative));
  if (!in) throw std::runtime_error("cannot open " + relative);
  std::vector<double> v;
  double x = 0.0;
  while (in >> x) v.push_back(x);
  return v;
}

}  // namespace resonant::test
