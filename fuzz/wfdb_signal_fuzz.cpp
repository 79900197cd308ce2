// libFuzzer target for the WFDB record reader (drivers/wfdb_record.hpp): the header, the
// channel list and every channel's signal file, in all the formats it decodes (8, 16, 61, 80,
// 160, 212, 310, 311, and FLAC 508 / 516 / 524 through libFLAC). The input is the .hea text, a
// NUL byte, then the bytes of the signal file; both are written to a private directory as
// rec.hea and rec.dat (the seeds name rec.dat), rewritten per input. Checked: no crash or
// sanitizer report; every error is input_error; a channel read has a finite positive rate,
// finite samples, and sorted gaps of finite non-negative length inside the signal.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "drivers/input_error.hpp"
#include "drivers/wfdb_record.hpp"
#include "file_reader_fuzz.hpp"

namespace {

namespace fs = std::filesystem;

// One directory per process, in memory when /dev/shm exists.
const fs::path& work_dir() {
  static const fs::path dir = [] {
    std::string base = fs::exists("/dev/shm") ? "/dev/shm" : fs::temp_directory_path().string();
    std::string pattern = base + "/resonant-fuzz-wfdb-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    return fs::path(pattern);
  }();
  return dir;
}

void write_file(const fs::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace resonant;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto nul = input.find('\0');
  if (nul == std::string_view::npos) return 0;
  write_file(work_dir() / "rec.hea", input.substr(0, nul));
  write_file(work_dir() / "rec.dat", input.substr(nul + 1));
  const fs::path record = work_dir() / "rec";
  try {
    const auto channels = drivers::wfdb_channels(record);
    for (std::size_t i = 0; i < channels.size() && i < 4; ++i) {
      try {
        const drivers::signal_recording s = drivers::read_wfdb_channel(record, i, {});
        fuzz::check(std::isfinite(s.fs_hz) && s.fs_hz > 0.0, "rate finite and positive");
        for (const double v : s.samples) fuzz::check(std::isfinite(v), "samples finite");
        std::size_t previous = 0;
        for (const auto& g : s.gaps) {
          fuzz::check(g.at >= previous && g.at <= s.samples.size(), "gaps sorted, inside");
          fuzz::check(std::isfinite(g.seconds) && g.seconds >= 0.0, "gap length");
          previous = g.at;
        }
      } catch (const drivers::input_error&) {
      }
    }
  } catch (const drivers::input_error&) {
  }
  return 0;
}
