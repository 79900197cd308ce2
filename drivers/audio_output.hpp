#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace resonant::drivers {

// Fills interleaved float buffers on the real-time audio thread. Implementations obey the
// PortAudio callback contract: no allocation, lock, I/O, logging or exception; always write the
// whole buffer (frames * channels samples).
class audio_renderer {
 public:
  audio_renderer() = default;
  audio_renderer(const audio_renderer&) = delete;
  audio_renderer& operator=(const audio_renderer&) = delete;
  virtual ~audio_renderer() = default;
  virtual void render(std::span<float> interleaved, std::size_t frames) noexcept = 0;
};

// Adapts any object with `void render(std::span<float>, std::size_t) noexcept` (such as
// engine::breath_synth) without drivers/ depending on it. One virtual call per buffer.
template <class Source>
class render_adapter final : public audio_renderer {
 public:
  explicit render_adapter(Source& s) : source_(s) {}
  void render(std::span<float> interleaved, std::size_t frames) noexcept override {
    source_.render(interleaved, frames);
  }

 private:
  Source& source_;
};

// The audio device could not be found or opened. what() is one line naming the device.
class audio_error : public std::runtime_error {
 public:
  audio_error(std::string device, const std::string& message)
      : std::runtime_error(message), device_(std::move(device)) {}
  [[nodiscard]] const std::string& device() const noexcept { return device_; }

 private:
  std::string device_;
};

// Where the sound goes, as chosen on the command line.
//   --audio off | default | wav:FILE | device:NAME      (default: "default")
//   --audio-device NAME   same as --audio device:NAME (conflicts with off / wav:)
enum class audio_sink_kind : std::uint8_t { off, device, wav };
struct audio_spec {
  audio_sink_kind kind = audio_sink_kind::device;
  std::string device;  // empty: the default output device
  std::string wav_path;
};

// Parses one --audio value. Throws std::invalid_argument naming the value.
audio_spec parse_audio_spec(std::string_view text);
// Combines --audio and --audio-device (either may be empty = not given). Throws
// std::invalid_argument on a contradiction (e.g. --audio off --audio-device X).
audio_spec resolve_audio_spec(std::string_view audio, std::string_view audio_device);
// "off", "default device", "device \"NAME\"", "WAV file FILE"
std::string describe(const audio_spec& spec);

struct audio_output_config {
  std::string device;  // PortAudio device name (exact, else a unique case-insensitive part); empty
                       // = default
  double sample_rate_hz = 48000.0;
  int channels = 2;
  unsigned long frames_per_buffer = 256;
};

// A running PortAudio output stream (paFloat32, interleaved) whose callback calls the renderer.
//
// The constructor initialises PortAudio, finds the device, opens and starts the stream; it
// throws audio_error naming the device when there is none, the name matches nothing (the
// message lists the output devices) or the stream cannot be opened. The destructor stops and
// closes it and terminates PortAudio (Pa_Initialize / Pa_Terminate are reference counted by
// PortAudio, so several outputs may coexist).
// The callback (PortAudio's thread) only: counts output underflows reported in its status
// flags, calls renderer.render(), adds the frames to a counter. No allocation, lock or I/O.
// Time: frames_rendered() / sample rate is the audio clock (the pacer's clock while audio
// runs). Pitfalls: on ALSA's null or file devices the stream runs much faster than real time;
// Debian's PortAudio probes JACK and ALSA on initialisation and prints their complaints on
// stderr (set JACK_NO_START_SERVER=1; the probe's stderr is silenced while initialising).
class audio_output {
 public:
  audio_output(const audio_output_config& cfg, audio_renderer& renderer);
  ~audio_output();
  audio_output(const audio_output&) = delete;
  audio_output& operator=(const audio_output&) = delete;

  // Stops (after the buffers already queued have played) and closes; idempotent.
  void stop() noexcept;
  [[nodiscard]] bool active() const noexcept;
  [[nodiscard]] std::int64_t frames_rendered() const noexcept;
  [[nodiscard]] std::int64_t underruns() const noexcept;
  [[nodiscard]] const std::string& device_name() const noexcept { return device_name_; }
  [[nodiscard]] double sample_rate_hz() const noexcept { return sample_rate_hz_; }

  // Names of the output devices PortAudio sees (initialises PortAudio for the call).
  static std::vector<std::string> output_devices();

 private:
  struct stream_state;
  std::unique_ptr<stream_state> state_;
  std::string device_name_;
  double sample_rate_hz_ = 0.0;
};

}  // namespace resonant::drivers
