#include "wav_sink.hpp"

#include <fcntl.h>
#include <sndfile.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "drivers/input_error.hpp"

namespace resonant::drivers {

// The libsndfile handle and the descriptor it writes to (opened by us for the 0600 mode).
struct wav_writer::sndfile_handle {
  SNDFILE* sf = nullptr;
  int fd = -1;
  // Returns sf_close's result; closes the descriptor too.
  int close() noexcept {
    const int err = sf != nullptr ? sf_close(sf) : 0;
    sf = nullptr;
    if (fd >= 0) ::close(fd);
    fd = -1;
    return err;
  }
  ~sndfile_handle() { close(); }
};

wav_writer::wav_writer(const std::filesystem::path& path, double sample_rate_hz, int channels,
                       wav_encoding encoding)
    : path_(path), channels_(channels) {
  if (channels < 1 || channels > 8 || !(sample_rate_hz >= 1000.0) || sample_rate_hz > 768000.0)
    throw input_error(path.string(), 0, "bad WAV channels or sample rate");
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    throw input_error(path.string(), 0,
                      std::string("cannot create WAV file: ") + std::strerror(errno));
  SF_INFO info{};
  info.samplerate = static_cast<int>(sample_rate_hz + 0.5);
  info.channels = channels;
  info.format =
      SF_FORMAT_WAV | (encoding == wav_encoding::float32 ? SF_FORMAT_FLOAT : SF_FORMAT_PCM_16);
  file_ = std::make_unique<sndfile_handle>();
  file_->fd = fd;
  file_->sf = sf_open_fd(fd, SFM_WRITE, &info, SF_FALSE);
  if (file_->sf == nullptr)
    throw input_error(path.string(), 0, std::string("cannot write WAV: ") + sf_strerror(nullptr));
}

wav_writer::~wav_writer() = default;

void wav_writer::write(std::span<const float> interleaved) {
  if (file_ == nullptr) throw input_error(path_.string(), 0, "WAV file already closed");
  const auto ch = static_cast<std::size_t>(channels_);
  const std::size_t frames = interleaved.size() / ch;
  const sf_count_t n =
      sf_writef_float(file_->sf, interleaved.data(), static_cast<sf_count_t>(frames));
  if (n != static_cast<sf_count_t>(frames))
    throw input_error(path_.string(), 0,
                      std::string("WAV write failed: ") + sf_strerror(file_->sf));
  frames_ += n;
}

void wav_writer::close() {
  if (file_ == nullptr) return;
  const int err = file_->close();
  file_.reset();
  if (err != 0) throw input_error(path_.string(), 0, "closing the WAV file failed");
}

std::vector<float> wav_data::channel(int c) const {
  std::vector<float> out;
  if (c < 0 || c >= channels) return out;
  out.reserve(static_cast<std::size_t>(frames));
  const auto ch = static_cast<std::size_t>(channels);
  for (std::size_t i = static_cast<std::size_t>(c); i < samples.size(); i += ch)
    out.push_back(samples[i]);
  return out;
}

wav_data read_wav(const std::filesystem::path& path) {
  SF_INFO info{};
  SNDFILE* sf = sf_open(path.c_str(), SFM_READ, &info);
  if (sf == nullptr)
    throw input_error(path.string(), 0, std::string("cannot read WAV: ") + sf_strerror(nullptr));
  wav_data d;
  d.sample_rate_hz = info.samplerate;
  d.channels = info.channels;
  d.frames = info.frames;
  d.samples.resize(static_cast<std::size_t>(info.frames) * static_cast<std::size_t>(info.channels));
  // Read float values as they are (no normalisation for float files).
  sf_command(sf, SFC_SET_NORM_FLOAT, nullptr, SF_TRUE);
  const sf_count_t got = sf_readf_float(sf, d.samples.data(), info.frames);
  sf_close(sf);
  if (got != info.frames) throw input_error(path.string(), 0, "WAV file is truncated");
  return d;
}

void render_to_wav(audio_renderer& renderer, wav_writer& out, std::int64_t frames,
                   std::size_t block_frames) {
  const auto ch = static_cast<std::size_t>(out.channels());
  std::vector<float> buf(block_frames * ch);
  for (std::int64_t done = 0; done < frames;) {
    const auto n = static_cast<std::size_t>(
        std::min<std::int64_t>(static_cast<std::int64_t>(block_frames), frames - done));
    renderer.render(std::span<float>(buf.data(), n * ch), n);
    out.write(std::span<const float>(buf.data(), n * ch));
    done += static_cast<std::int64_t>(n);
  }
}

}  // namespace resonant::drivers
