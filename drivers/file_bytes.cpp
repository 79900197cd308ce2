#include "file_bytes.hpp"

#include <cerrno>
#include <cstdio>
#include <memory>
#include <system_error>

#include "input_error.hpp"

namespace resonant::drivers {
namespace {

struct file_closer {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};

}  // namespace

std::string read_file_bytes(const std::filesystem::path& path, const std::string& display_name) {
  errno = 0;
  std::unique_ptr<std::FILE, file_closer> file(std::fopen(path.c_str(), "rb"));
  if (!file) {
    throw input_error(display_name, 0, "cannot open: " + std::generic_category().message(errno));
  }
  // Read straight into the string (one copy); the loop also covers files whose size is unknown
  // or that grow while being read.
  std::string data;
  std::error_code size_error;
  const auto size = std::filesystem::file_size(path, size_error);
  std::size_t filled = 0;
  data.resize(size_error ? std::size_t{1} << 16 : static_cast<std::size_t>(size) + 1);
  for (;;) {
    filled += std::fread(data.data() + filled, 1, data.size() - filled, file.get());
    if (filled < data.size()) break;
    data.resize(2 * data.size());
  }
  data.resize(filled);
  if (std::ferror(file.get()) != 0) {
    throw input_error(display_name, 0, "cannot read: " + std::generic_category().message(errno));
  }
  return data;
}

}  // namespace resonant::drivers
