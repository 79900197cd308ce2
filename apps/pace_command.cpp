#include "pace_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "drivers/wav_sink.hpp"
#include "engine/breath_synth.hpp"
#include "engine/pacer.hpp"

namespace resonant::apps {
namespace {

constexpr double sample_rate_hz = 48000.0;
constexpr int channels = 2;
constexpr std::size_t block_frames = 256;

struct pace_options {
  double rate_bpm = 6.0;
  std::string ratio = "4:6";
  double minutes = 5.0;
  double hold_in_s = 0.0;
  double hold_out_s = 0.0;
  bool force = false;
  bool ticks = false;
  bool realtime = false;
  audio_options_cli audio;
};

std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free);  // safe in a signal handler

extern "C" void on_sigint(int /*sig*/) {
  g_interrupted.store(true);
}

// Installs the Ctrl-C handler for the lifetime of the command.
class sigint_scope {
 public:
  sigint_scope() : previous_(std::signal(SIGINT, on_sigint)) { g_interrupted.store(false); }
  ~sigint_scope() { std::signal(SIGINT, previous_); }
  sigint_scope(const sigint_scope&) = delete;
  sigint_scope& operator=(const sigint_scope&) = delete;

 private:
  void (*previous_)(int);
};

std::string clock_text(double s) {
  const auto whole = static_cast<long>(std::max(0.0, std::round(s)));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%ld:%02ld", whole / 60, whole % 60);
  return buf;
}

// The terminal cue: one updating line on a TTY, a plain line per phase otherwise.
class terminal_cue {
 public:
  explicit terminal_cue(bool updating) : updating_(updating) {}

  void show(const engine::pacer_state& st, double t_s, double total_s) {
    if (updating_) {
      constexpr int width = 30;
      const int filled = static_cast<int>(std::lround(st.lung * width));
      const char* label = st.phase == engine::breath_phase::inhale   ? "in  "
                          : st.phase == engine::breath_phase::exhale ? "out "
                                                                     : "hold";
      std::string bar(static_cast<std::size_t>(filled), '#');
      bar.resize(width, ' ');
      std::printf("\r  %s [%s]  breath %-3ld %s left ", label, bar.c_str(),
                  static_cast<long>(std::floor(st.cycles)) + 1, clock_text(total_s - t_s).c_str());
      std::fflush(stdout);
      drawn_ = true;
      return;
    }
    if (!started_ || st.phase != last_) {
      std::printf("%7.1f s  %-6s %4.1f s\n", t_s, engine::to_string(st.phase), st.phase_duration_s);
      std::fflush(stdout);
      last_ = st.phase;
      started_ = true;
    }
  }

  void finish() {
    if (drawn_) std::printf("\n");
  }

 private:
  bool updating_;
  bool started_ = false;
  bool drawn_ = false;
  engine::breath_phase last_ = engine::breath_phase::inhale;
};

engine::breath_pattern pattern_from(const pace_options& o) {
  engine::breath_pattern p;
  p.rate_bpm = o.rate_bpm;
  p.inhale_fraction = engine::parse_breath_ratio(o.ratio.c_str());
  p.hold_in_s = o.hold_in_s;
  p.hold_out_s = o.hold_out_s;
  p.force = o.force;
  engine::check_breath_pattern(p);
  return p;
}

// Renders the whole session into a WAV file, as fast as the CPU allows (or paced by the wall
// clock with --realtime). Returns the pacer time reached.
double run_to_wav(engine::breath_synth& synth, const engine::pacer& pacer, const std::string& path,
                  double total_s, bool realtime, terminal_cue& cue) {
  drivers::wav_writer out(path, sample_rate_hz, channels);
  std::vector<float> buf(block_frames * channels);
  const auto start = std::chrono::steady_clock::now();
  const auto render_block = [&] {
    synth.render(buf, block_frames);
    out.write(buf);
  };
  while (!g_interrupted.load() && synth.time_s() < total_s) {
    const double t = synth.time_s();
    cue.show(pacer.at(t), t, total_s);
    render_block();
    if (realtime) {
      const auto due = start + std::chrono::duration<double>(synth.time_s());
      std::this_thread::sleep_until(due);
    }
  }
  const double reached = std::min(synth.time_s(), total_s);
  synth.stop();
  while (!synth.finished()) render_block();
  out.close();
  return reached;
}

// Paces in real time while the audio device (or nothing) makes the sound.
double run_live(engine::breath_synth& synth, const engine::pacer& pacer,
                const drivers::audio_output* device, double total_s, terminal_cue& cue) {
  const auto start = std::chrono::steady_clock::now();
  const auto now_s = [&] {
    if (device != nullptr) return synth.time_s();  // the audio frame counter
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  double t = 0.0;
  while (!g_interrupted.load() && (t = now_s()) < total_s) {
    cue.show(pacer.at(t), t, total_s);
    std::this_thread::sleep_for(std::chrono::milliseconds(device != nullptr ? 20 : 50));
  }
  if (device != nullptr) {
    synth.stop();
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!synth.finished() && std::chrono::steady_clock::now() < give_up)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::min(t, total_s);
}

void run_pace(const pace_options& o) {
  const engine::breath_pattern pattern = pattern_from(o);
  const drivers::audio_spec spec = drivers::resolve_audio_spec(o.audio.audio, o.audio.device);
  const double total_s = o.minutes * 60.0;
  ::setenv("JACK_NO_START_SERVER", "1", 0);  // never spawn jackd from a probe

  const engine::pacer pacer(pattern);
  engine::synth_config cfg;
  cfg.sample_rate_hz = sample_rate_hz;
  cfg.channels = channels;
  cfg.volume = o.audio.volume;
  cfg.ticks = o.ticks;
  cfg.mode = engine::feedback_mode::off;  // no sensor: the cue alone
  engine::breath_synth synth(cfg, pacer);
  drivers::render_adapter<engine::breath_synth> source(synth);

  const double breathing_s = pacer.period_s() - pattern.hold_in_s - pattern.hold_out_s;
  std::printf("pacing %.1f breaths/min: inhale %.1f s, exhale %.1f s", pattern.rate_bpm,
              pattern.inhale_fraction * breathing_s, (1.0 - pattern.inhale_fraction) * breathing_s);
  if (pattern.hold_in_s > 0.0 || pattern.hold_out_s > 0.0)
    std::printf(", holds %.1f/%.1f s", pattern.hold_in_s, pattern.hold_out_s);
  std::printf(" for %s; sound: %s\n", clock_text(total_s).c_str(), drivers::describe(spec).c_str());
  std::fflush(stdout);

  const sigint_scope sigint;
  std::unique_ptr<drivers::audio_output> device;
  if (spec.kind == drivers::audio_sink_kind::device)
    device = open_audio_or_warn(spec, source, sample_rate_hz, channels);

  const bool fast_file = spec.kind == drivers::audio_sink_kind::wav && !o.realtime;
  terminal_cue cue(!fast_file && ::isatty(STDOUT_FILENO) == 1);
  double reached = 0.0;
  if (spec.kind == drivers::audio_sink_kind::wav)
    reached = run_to_wav(synth, pacer, spec.wav_path, total_s, o.realtime, cue);
  else
    reached = run_live(synth, pacer, device.get(), total_s, cue);
  cue.finish();

  std::printf("%s: %.1f breaths in %s", g_interrupted.load() ? "stopped" : "done",
              pacer.at(reached).cycles, clock_text(reached).c_str());
  if (device) std::printf(" (audio underruns: %lld)", static_cast<long long>(device->underruns()));
  std::printf("\n");
}

}  // namespace

void add_audio_options(CLI::App& cmd, audio_options_cli& opts) {
  cmd.add_option("--audio", opts.audio, "sound output: off, default, wav:FILE or device:NAME")
      ->capture_default_str();
  cmd.add_option("--audio-device", opts.device,
                 "sound device by name (exact, or a unique part of it)");
  cmd.add_option("--volume", opts.volume, "sound volume 0-1")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
}

std::unique_ptr<drivers::audio_output> open_audio_or_warn(const drivers::audio_spec& spec,
                                                          drivers::audio_renderer& renderer,
                                                          double rate_hz, int n_channels) {
  drivers::audio_output_config cfg;
  cfg.device = spec.device;
  cfg.sample_rate_hz = rate_hz;
  cfg.channels = n_channels;
  try {
    return std::make_unique<drivers::audio_output>(cfg, renderer);
  } catch (const drivers::audio_error& e) {
    std::fprintf(stderr, "resonant: audio: %s; continuing without sound\n", e.what());
  }
  return nullptr;
}

void add_pace_command(CLI::App& app) {
  auto opts = std::make_shared<pace_options>();
  CLI::App* cmd = app.add_subcommand(
      "pace", "breathing pacer with sound, without a sensor (eyes closed: follow the tone)");
  cmd->add_option("--rate", opts->rate_bpm, "breaths per minute, 3-10 (step 0.1)")
      ->capture_default_str();
  cmd->add_option("--ratio", opts->ratio, "inhale:exhale, e.g. 4:6 or 1:1")->capture_default_str();
  cmd->add_option("--minutes", opts->minutes, "session length in minutes")
      ->check(CLI::Range(0.001, 240.0))
      ->capture_default_str();
  cmd->add_option("--hold-in", opts->hold_in_s, "pause at full lungs, seconds (0-5)");
  cmd->add_option("--hold-out", opts->hold_out_s, "pause at empty lungs, seconds (0-5)");
  cmd->add_flag("--force", opts->force,
                "allow inhale or exhale outside the 2-12 s safety envelope");
  cmd->add_flag("--ticks", opts->ticks, "a soft tick at each turn of the breath");
  cmd->add_flag("--realtime", opts->realtime,
                "with --audio wav:FILE, take the session's real time (default: render at once)");
  add_audio_options(*cmd, opts->audio);
  cmd->callback([opts] { run_pace(*opts); });
}

}  // namespace resonant::apps
