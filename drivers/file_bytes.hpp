#pragma once

#include <filesystem>
#include <string>

namespace resonant::drivers {

// The whole content of a file, read in one go (sized from the file system when it can be,
// grown otherwise). Throws input_error naming `display_name` (the path as the user gave it)
// with the operating system's reason when the file cannot be opened or read.
std::string read_file_bytes(const std::filesystem::path& path, const std::string& display_name);

}  // namespace resonant::drivers
