#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "drivers/audio_output.hpp"

namespace resonant::drivers {

enum class wav_encoding : std::uint8_t {
  float32,  // IEEE float WAV: exact, keeps any over-range sample visible (default)
  pcm16,    // 16-bit integer PCM for old players (libsndfile clips on conversion)
};

// Writes interleaved float frames to a WAV file through libsndfile. The file is created with
// mode 0600 (like every file Resonant writes; sound is not health data, but the same rule is
// simpler). Setup and I/O errors throw drivers::input_error naming the file. Not for the audio
// thread: write() does file I/O.
class wav_writer {
 public:
  wav_writer(const std::filesystem::path& path, double sample_rate_hz, int channels,
             wav_encoding encoding = wav_encoding::float32);
  ~wav_writer();
  wav_writer(const wav_writer&) = delete;
  wav_writer& operator=(const wav_writer&) = delete;

  // Appends whole frames (interleaved.size() must be a multiple of channels).
  void write(std::span<const float> interleaved);
  // Flushes and closes (the destructor does it too, ignoring errors).
  void close();
  [[nodiscard]] std::int64_t frames_written() const noexcept { return frames_; }
  [[nodiscard]] int channels() const noexcept { return channels_; }

 private:
  std::filesystem::path path_;
  struct sndfile_handle;
  std::unique_ptr<sndfile_handle> file_;
  int channels_;
  std::int64_t frames_ = 0;
};

// A WAV file read back (tests, tools): interleaved samples as float.
struct wav_data {
  double sample_rate_hz = 0.0;
  int channels = 0;
  std::int64_t frames = 0;
  std::vector<float> samples;

  // One channel de-interleaved.
  [[nodiscard]] std::vector<float> channel(int c) const;
};

// Throws drivers::input_error naming the file.
wav_data read_wav(const std::filesystem::path& path);

// Offline render: pulls `frames` frames from the renderer in blocks of block_frames (as an
// audio callback would, but as fast as the CPU allows) and writes them.
void render_to_wav(audio_renderer& renderer, wav_writer& out, std::int64_t frames,
                   std::size_t block_frames = 256);

}  // namespace resonant::drivers
