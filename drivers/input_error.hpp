#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace resonant::drivers {

// A problem with an input file, naming where: "rr.txt:17: "12a" is not a number".
// line 0 means the problem concerns the whole file (empty, unreadable, missing header).
class input_error : public std::runtime_error {
 public:
  input_error(std::string file, std::size_t line, const std::string& message);

  [[nodiscard]] const std::string& file() const noexcept { return file_; }
  [[nodiscard]] std::size_t line() const noexcept { return line_; }

 private:
  std::string file_;
  std::size_t line_;
};

}  // namespace resonant::drivers
