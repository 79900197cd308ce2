#include "drivers/input_error.hpp"

#include <utility>

namespace resonant::drivers {

namespace {

std::string located(const std::string& file, std::size_t line, const std::string& message) {
  std::string out = file;
  if (line != 0) {
    out += ':';
    out += std::to_string(line);
  }
  out += ": ";
  out += message;
  return out;
}

}  // namespace

input_error::input_error(std::string file, std::size_t line, const std::string& message)
    : std::runtime_error(located(file, line, message)), file_(std::move(file)), line_(line) {}

}  // namespace resonant::drivers
