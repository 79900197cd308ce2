#pragma once

// Shared by the fuzz targets of readers that take a path (EDF through EDFlib, .npy): the input
// bytes become the contents of one memory file per process, rewritten per input.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace resonant::fuzz {

inline std::filesystem::path input_file(const std::uint8_t* data, std::size_t size,
                                        const char* extension) {
  // A memory file (memfd), named through /proc so that path-based readers open it: no disk I/O
  // per input. The extension is part of the memfd's name only (readers sniff the content).
  static const int fd = ::memfd_create((std::string("resonant-fuzz") + extension).c_str(), 0);
  if (fd < 0 || ::ftruncate(fd, 0) != 0) std::abort();
  for (std::size_t done = 0; done < size;) {
    const ssize_t n = ::pwrite(fd, data + done, size - done, static_cast<off_t>(done));
    if (n <= 0) std::abort();
    done += static_cast<std::size_t>(n);
  }
  return "/proc/self/fd/" + std::to_string(fd);
}

// A broken property: say which, then abort (libFuzzer keeps the input).
inline void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz check failed: %s\n", what);
  std::abort();
}

}  // namespace resonant::fuzz
