#include "audio_output.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <portaudio.h>
#include <algorithm>
#include <cctype>

namespace resonant::drivers {
namespace {

// Debian's PortAudio probes JACK and every ALSA plugin on Pa_Initialize and both libraries
// print their failures straight to stderr ("Cannot connect to server socket", "Unknown PCM
// cards.pcm.rear", ...). The user should see our one line, not forty of theirs, so fd 2 points
// at /dev/null during initialisation. Setup time only, never on the audio thread.
class quiet_stderr {
 public:
  quiet_stderr() {
    saved_ = ::dup(2);
    const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (saved_ >= 0 && null_fd >= 0) ::dup2(null_fd, 2);
    if (null_fd >= 0) ::close(null_fd);
  }
  ~quiet_stderr() {
    if (saved_ >= 0) {
      ::dup2(saved_, 2);
      ::close(saved_);
    }
  }
  quiet_stderr(const quiet_stderr&) = delete;
  quiet_stderr& operator=(const quiet_stderr&) = delete;

 private:
  int saved_ = -1;
};

// Pa_Initialize / Pa_Terminate pair (PortAudio counts them).
class pa_library {
 public:
  pa_library() {
    const quiet_stderr quiet;
    const PaError err = Pa_Initialize();
    if (err != paNoError)
      throw audio_error("", std::string("cannot initialise PortAudio: ") + Pa_GetErrorText(err));
  }
  ~pa_library() { Pa_Terminate(); }
  pa_library(const pa_library&) = delete;
  pa_library& operator=(const pa_library&) = delete;
};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::vector<std::pair<PaDeviceIndex, std::string>> outputs() {
  std::vector<std::pair<PaDeviceIndex, std::string>> v;
  const PaDeviceIndex n = Pa_GetDeviceCount();
  for (PaDeviceIndex i = 0; i < n; ++i) {
    const PaDeviceInfo* info = Pa_GetDeviceInfo(i);
    if (info != nullptr && info->maxOutputChannels > 0) v.emplace_back(i, info->name);
  }
  return v;
}

std::string join_names(const std::vector<std::pair<PaDeviceIndex, std::string>>& devs) {
  if (devs.empty()) return "none";
  std::string s;
  for (const auto& d : devs) s += (s.empty() ? "\"" : ", \"") + d.second + "\"";
  return s;
}

PaDeviceIndex find_device(const std::string& name) {
  const auto devs = outputs();
  if (name.empty()) {
    const PaDeviceIndex def = Pa_GetDefaultOutputDevice();
    if (def == paNoDevice)
      throw audio_error("default", "no default audio output device (no sound card?)");
    return def;
  }
  for (const auto& d : devs)
    if (d.second == name) return d.first;
  const std::string want = lower(name);
  PaDeviceIndex found = paNoDevice;
  int matches = 0;
  for (const auto& d : devs) {
    if (lower(d.second).find(want) != std::string::npos) {
      found = d.first;
      ++matches;
    }
  }
  if (matches == 1) return found;
  if (matches > 1)
    throw audio_error(
        name, "audio device \"" + name + "\" is ambiguous; output devices: " + join_names(devs));
  throw audio_error(name,
                    "audio device \"" + name + "\" not found; output devices: " + join_names(devs));
}

}  // namespace

// ---- command-line spec ----

audio_spec parse_audio_spec(std::string_view text) {
  audio_spec spec;
  if (text == "off" || text == "none") {
    spec.kind = audio_sink_kind::off;
  } else if (text == "default" || text.empty()) {
    spec.kind = audio_sink_kind::device;
  } else if (text.starts_with("wav:")) {
    spec.kind = audio_sink_kind::wav;
    spec.wav_path = std::string(text.substr(4));
    if (spec.wav_path.empty())
      throw std::invalid_argument("--audio wav: needs a file name (wav:FILE)");
  } else if (text.starts_with("device:")) {
    spec.kind = audio_sink_kind::device;
    spec.device = std::string(text.substr(7));
    if (spec.device.empty())
      throw std::invalid_argument("--audio device: needs a device name (device:NAME)");
  } else {
    throw std::invalid_argument("--audio \"" + std::string(text) +
                                "\": expected off, default, wav:FILE or device:NAME");
  }
  return spec;
}

audio_spec resolve_audio_spec(std::string_view audio, std::string_view audio_device) {
  audio_spec spec = parse_audio_spec(audio);
  if (audio_device.empty()) return spec;
  if (spec.kind != audio_sink_kind::device)
    throw std::invalid_argument("--audio-device cannot be combined with --audio " +
                                std::string(audio));
  if (!spec.device.empty() && spec.device != audio_device)
    throw std::invalid_argument("--audio-device \"" + std::string(audio_device) +
                                "\" contradicts --audio " + std::string(audio));
  spec.device = std::string(audio_device);
  return spec;
}

std::string describe(const audio_spec& spec) {
  switch (spec.kind) {
    case audio_sink_kind::off:
      return "off";
    case audio_sink_kind::wav:
      return "WAV file " + spec.wav_path;
    case audio_sink_kind::device:
      return spec.device.empty() ? std::string("default device") : "device \"" + spec.device + "\"";
  }
  return "?";
}

// ---- PortAudio stream ----

struct audio_output::stream_state {
  pa_library library;
  PaStream* stream = nullptr;
  audio_renderer* renderer = nullptr;
  std::size_t channels = 2;
  std::atomic<std::int64_t> frames{0};
  std::atomic<std::int64_t> underruns{0};

  static int callback(const void* /*input*/, void* output, unsigned long frames,
                      const PaStreamCallbackTimeInfo* /*time*/, PaStreamCallbackFlags flags,
                      void* user) noexcept {
    auto* self = static_cast<stream_state*>(user);
    if ((flags & paOutputUnderflow) != 0) self->underruns.fetch_add(1, std::memory_order_relaxed);
    auto* out = static_cast<float*>(output);
    self->renderer->render(std::span<float>(out, frames * self->channels), frames);
    self->frames.fetch_add(static_cast<std::int64_t>(frames), std::memory_order_release);
    return paContinue;
  }
};

audio_output::audio_output(const audio_output_config& cfg, audio_renderer& renderer) {
  if (cfg.channels < 1 || cfg.channels > 8 || !(cfg.sample_rate_hz >= 8000.0) ||
      cfg.frames_per_buffer == 0)
    throw std::invalid_argument("audio output: bad channels, rate or buffer size");
  state_ = std::make_unique<stream_state>();
  state_->renderer = &renderer;
  state_->channels = static_cast<std::size_t>(cfg.channels);

  const PaDeviceIndex dev = find_device(cfg.device);
  const PaDeviceInfo* info = Pa_GetDeviceInfo(dev);
  device_name_ = info != nullptr ? info->name : cfg.device;
  const std::string shown = cfg.device.empty() ? "default (" + device_name_ + ")" : device_name_;

  PaStreamParameters out{};
  out.device = dev;
  out.channelCount = cfg.channels;
  out.sampleFormat = paFloat32;
  out.suggestedLatency = info != nullptr ? info->defaultLowOutputLatency : 0.05;
  out.hostApiSpecificStreamInfo = nullptr;
  PaError err = paNoError;
  {
    const quiet_stderr quiet;
    err = Pa_OpenStream(&state_->stream, nullptr, &out, cfg.sample_rate_hz, cfg.frames_per_buffer,
                        paNoFlag, &stream_state::callback, state_.get());
  }
  if (err != paNoError)
    throw audio_error(device_name_,
                      "cannot open audio device \"" + shown + "\": " + Pa_GetErrorText(err));
  sample_rate_hz_ = cfg.sample_rate_hz;
  err = Pa_StartStream(state_->stream);
  if (err != paNoError) {
    Pa_CloseStream(state_->stream);
    state_->stream = nullptr;
    throw audio_error(device_name_,
                      "cannot start audio device \"" + shown + "\": " + Pa_GetErrorText(err));
  }
}

audio_output::~audio_output() {
  stop();
}

void audio_output::stop() noexcept {
  if (!state_ || state_->stream == nullptr) return;
  Pa_StopStream(state_->stream);
  Pa_CloseStream(state_->stream);
  state_->stream = nullptr;
}

bool audio_output::active() const noexcept {
  return state_ && state_->stream != nullptr && Pa_IsStreamActive(state_->stream) == 1;
}

std::int64_t audio_output::frames_rendered() const noexcept {
  return state_ ? state_->frames.load(std::memory_order_acquire) : 0;
}

std::int64_t audio_output::underruns() const noexcept {
  return state_ ? state_->underruns.load(std::memory_order_relaxed) : 0;
}

std::vector<std::string> audio_output::output_devices() {
  const pa_library library;
  std::vector<std::string> names;
  for (auto& d : outputs()) names.push_back(std::move(d.second));
  return names;
}

}  // namespace resonant::drivers
