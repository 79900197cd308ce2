#include "replay_command.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include "drivers/recording.hpp"
#include "engine/clock.hpp"
#include "engine/metric_format.hpp"
#include "engine/session_pipeline.hpp"
#include "engine/session_record.hpp"
#include "input_options.hpp"
#include "live_outputs.hpp"

namespace resonant::apps {
namespace {

struct replay_options {
  std::string path;
  std::string speed = "max";
  std::string format = "csv";
  std::string out;
  std::size_t block = 4096;
  bool progress = true;
  input_options_cli input;
  live_options live;
};

// A recording as a sequence of record items, whatever its file format.
class replay_feed {
 public:
  virtual ~replay_feed() = default;
  virtual bool next(engine::record_item& item) = 0;
  [[nodiscard]] virtual double progress() const = 0;
  [[nodiscard]] virtual dsp::input_kind kind() const = 0;
  [[nodiscard]] virtual double rate_hz() const = 0;
  virtual void report_skips(std::ostream& /*err*/) const {}
};

class record_feed final : public replay_feed {
 public:
  explicit record_feed(const std::string& path) : reader_(path) {}
  bool next(engine::record_item& item) override { return reader_.next(item); }
  [[nodiscard]] double progress() const override { return reader_.progress(); }
  [[nodiscard]] dsp::input_kind kind() const override { return reader_.header().input_kind; }
  [[nodiscard]] double rate_hz() const override { return reader_.header().rate_hz; }
  void report_skips(std::ostream& err) const override {
    if (reader_.skipped() == 0) return;
    err << "resonant: replay: skipped " << reader_.skipped() << " malformed line"
        << (reader_.skipped() == 1 ? "" : "s") << " of " << reader_.lines_read() << ":\n";
    for (const auto& note : reader_.skipped_lines()) err << "  " << note << '\n';
  }

 private:
  engine::session_record_reader reader_;
};

class rr_feed final : public replay_feed {
 public:
  explicit rr_feed(drivers::rr_recording rec) : rec_(std::move(rec)) {}
  bool next(engine::record_item& item) override {
    if (i_ >= rec_.rr.size()) return false;
    item.type = engine::record_item::kind::rr;
    item.time_s = rec_.rr.end_s[i_];
    item.rr_ms = rec_.rr.rr_ms[i_];
    item.after_gap = rec_.rr.after_gap[i_] != 0;
    ++i_;
    return true;
  }
  [[nodiscard]] double progress() const override {
    return rec_.rr.empty() ? 1.0 : static_cast<double>(i_) / static_cast<double>(rec_.rr.size());
  }
  [[nodiscard]] dsp::input_kind kind() const override { return dsp::input_kind::rr; }
  [[nodiscard]] double rate_hz() const override { return 0.0; }

 private:
  drivers::rr_recording rec_;
  std::size_t i_ = 0;
};

// A waveform in blocks; a gap in the recording is a jump of the sample index (the pipeline
// restarts its detector there and leaves a gap in the intervals).
class signal_feed final : public replay_feed {
 public:
  signal_feed(drivers::signal_recording sig, std::size_t block)
      : sig_(std::move(sig)), block_(block) {}
  bool next(engine::record_item& item) override {
    if (i_ >= sig_.samples.size()) return false;
    while (gap_ < sig_.gaps.size() && sig_.gaps[gap_].at <= i_) {
      offset_ += static_cast<std::int64_t>(std::llround(sig_.gaps[gap_].seconds * sig_.fs_hz));
      ++gap_;
    }
    std::size_t n = std::min(block_, sig_.samples.size() - i_);
    if (gap_ < sig_.gaps.size()) n = std::min(n, sig_.gaps[gap_].at - i_);
    item.type = engine::record_item::kind::samples;
    item.first_sample = static_cast<std::int64_t>(i_) + offset_;
    item.values.assign(sig_.samples.begin() + static_cast<std::ptrdiff_t>(i_),
                       sig_.samples.begin() + static_cast<std::ptrdiff_t>(i_ + n));
    i_ += n;
    return true;
  }
  [[nodiscard]] double progress() const override {
    return sig_.samples.empty()
               ? 1.0
               : static_cast<double>(i_) / static_cast<double>(sig_.samples.size());
  }
  [[nodiscard]] dsp::input_kind kind() const override {
    return sig_.kind.value_or(dsp::input_kind::ecg);
  }
  [[nodiscard]] double rate_hz() const override { return sig_.fs_hz; }

 private:
  drivers::signal_recording sig_;
  std::size_t block_;
  std::size_t i_ = 0;
  std::size_t gap_ = 0;
  std::int64_t offset_ = 0;
};

std::unique_ptr<replay_feed> open_feed(const std::string& path, const input_options_cli& input,
                                       std::size_t block, std::ostream* log) {
  std::error_code ec;
  if (path != "-" && std::filesystem::is_regular_file(path, ec) &&
      engine::is_session_record(path)) {
    return std::make_unique<record_feed>(path);
  }
  drivers::recording rec = drivers::open_recording(path, to_open_options(input));
  if (log != nullptr) {
    *log << "resonant: " << rec.path << ": read as " << dsp::to_string(rec.kind) << ": "
         << rec.decided_by << '\n';
  }
  if (rec.signal) return std::make_unique<signal_feed>(std::move(*rec.signal), block);
  return std::make_unique<rr_feed>(std::move(*rec.intervals));
}

// Sleeps so that data time advances at `speed` times real time (nothing for max speed).
// A jump forward in data time of more than max_jump_s between two items (a recording with a
// long silence and no clock lines, or an absurd time that passed the readers' range checks) is
// not waited for: the pacer re-anchors and counts it, so a replay at speed 1 never hangs on
// one line. Each sleep is also capped, so no duration reaching sleep_for can overflow.
class pacer_clock {
 public:
  static constexpr double max_jump_s = 60.0;
  static constexpr double max_sleep_s = 3600.0;

  // speed <= 0: as fast as possible; otherwise within [min_speed, max_speed].
  explicit pacer_clock(double speed) : speed_(speed) {}
  void wait_for(double data_time_s) {
    if (speed_ <= 0.0 || !std::isfinite(data_time_s)) return;
    if (!started_) {
      origin_s_ = data_time_s;
      last_s_ = data_time_s;
      started_ = true;
    }
    if (data_time_s - last_s_ > max_jump_s) {
      ++jumps_;
      jumped_s_ += data_time_s - last_s_;
      origin_s_ += data_time_s - last_s_;
    }
    last_s_ = std::max(last_s_, data_time_s);
    const double due = (data_time_s - origin_s_) / speed_;
    const double now = wall_.now_s();
    if (due > now)
      std::this_thread::sleep_for(std::chrono::duration<double>(std::min(due - now, max_sleep_s)));
  }
  void report(std::ostream& err) const {
    if (jumps_ == 0) return;
    err << "resonant: replay: " << jumps_ << " jump" << (jumps_ == 1 ? "" : "s")
        << " in data time longer than " << max_jump_s << " s (" << jumped_s_
        << " s in all) replayed without waiting\n";
  }

 private:
  double speed_;
  bool started_ = false;
  double origin_s_ = 0.0;
  double last_s_ = 0.0;
  std::int64_t jumps_ = 0;
  double jumped_s_ = 0.0;
  engine::real_clock wall_;
};

// A progress bar on stderr, only when stderr is a terminal.
class progress_bar {
 public:
  explicit progress_bar(bool enabled) : enabled_(enabled && ::isatty(STDERR_FILENO) == 1) {}
  ~progress_bar() {
    if (shown_) std::fputs("\r\033[K", stderr);
  }
  void update(double fraction, double stream_s) {
    if (!enabled_ || ++calls_ % 64 != 0) return;
    const double now = wall_.now_s();
    if (now - last_ < 0.2) return;
    last_ = now;
    shown_ = true;
    constexpr int width = 30;
    const int filled = static_cast<int>(std::clamp(fraction, 0.0, 1.0) * width);
    const auto secs = static_cast<long>(stream_s);
    std::fprintf(stderr, "\rreplay %3d%% [%.*s%.*s] stream %ld:%02ld:%02ld",
                 static_cast<int>(fraction * 100.0), filled, "##############################",
                 width - filled, "..............................", secs / 3600, secs / 60 % 60,
                 secs % 60);
    std::fflush(stderr);
  }

 private:
  bool enabled_;
  bool shown_ = false;
  unsigned calls_ = 0;
  double last_ = -1.0;
  engine::real_clock wall_;
};

// 0 = max.
constexpr double min_speed = 0.01;
constexpr double max_speed = 1e6;

double parse_speed(const std::string& text) {
  if (text == "max") return 0.0;
  double v = 0.0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || ptr != text.data() + text.size() || !(v >= min_speed) ||
      !(v <= max_speed))
    throw std::invalid_argument("--speed must be a number from 0.01 to 1000000 or \"max\", not \"" +
                                text + "\"");
  return v;
}

std::FILE* open_output(const std::string& path) {
  if (path.empty() || path == "-") return stdout;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot create " + path);
  std::FILE* f = ::fdopen(fd, "w");
  if (f == nullptr) {
    ::close(fd);
    throw std::system_error(errno, std::generic_category(), "cannot open " + path);
  }
  return f;
}

void run_replay(const replay_options& o) {
  const double speed = parse_speed(o.speed);
  pacer_clock pace(speed);
  live_outputs live_out(o.live);
  progress_bar bar(o.progress);
  // The output is created once the input is open: a bad input leaves no file behind.
  std::FILE* out = nullptr;
  std::optional<engine::metric_writer> writer;
  const auto close_out = [&] {
    writer.reset();
    if (out != nullptr && out != stdout) std::fclose(out);
  };
  // At a finite speed every row goes out as it is made, so a pipe can follow the replay live.
  const bool live = speed > 0.0;
  replay_hooks hooks;
  hooks.opened = [&] {
    out = open_output(o.out);
    writer.emplace(out,
                   o.format == "jsonl" ? engine::metric_format::jsonl : engine::metric_format::csv);
    writer->header();
  };
  hooks.wait = [&](double t) { pace.wait_for(t); };
  hooks.row = [&](const engine::metric_snapshot& s) {
    writer->row(s);
    if (live) writer->flush();
    live_out.snapshot(s);
  };
  hooks.event = [&](double t, const std::string& type, const std::string& detail) {
    writer->event(t, type, detail);
    live_out.event(t, type, detail);
  };
  hooks.progress = [&](double fraction, double stream_s) { bar.update(fraction, stream_s); };
  hooks.log = &std::cerr;
  try {
    replay_recording(o.path, o.input, o.block, hooks);
    writer->flush();
  } catch (...) {
    close_out();
    throw;
  }
  close_out();
  pace.report(std::cerr);
}

}  // namespace

void replay_recording(const std::string& path, const input_options_cli& input, std::size_t block,
                      const replay_hooks& hooks) {
  if (block == 0) throw std::invalid_argument("--block must be at least 1");
  const std::unique_ptr<replay_feed> feed = open_feed(path, input, block, hooks.log);
  if (hooks.opened) hooks.opened();
  const auto wait = [&](double t) {
    if (hooks.wait) hooks.wait(t);
  };
  engine::pipeline_config cfg;
  cfg.kind = feed->kind();
  cfg.rate_hz = feed->rate_hz();
  engine::session_pipeline pipeline(cfg, hooks.row);

  engine::record_item item;
  double end_s = 0.0;
  while (feed->next(item)) {
    switch (item.type) {
      case engine::record_item::kind::rr:
        wait(item.time_s);
        pipeline.push_rr(item.time_s, item.rr_ms, item.after_gap);
        end_s = std::max(end_s, item.time_s);
        break;
      case engine::record_item::kind::samples: {
        const std::span<const double> all(item.values);
        for (std::size_t i = 0; i < all.size(); i += block) {
          const std::size_t n = std::min(block, all.size() - i);
          const auto first = item.first_sample + static_cast<std::int64_t>(i);
          wait(static_cast<double>(first + static_cast<std::int64_t>(n)) / cfg.rate_hz);
          pipeline.push_samples(first, all.subspan(i, n));
        }
        end_s = std::max(end_s, pipeline.stream_time_s());
        break;
      }
      case engine::record_item::kind::clock:
        wait(item.time_s);
        pipeline.advance_to(item.time_s);
        end_s = std::max(end_s, item.time_s);
        break;
      case engine::record_item::kind::event:
        if (hooks.event) hooks.event(item.time_s, item.event_type, item.event_detail);
        break;
    }
    if (hooks.progress) hooks.progress(feed->progress(), pipeline.stream_time_s());
  }
  pipeline.finish(end_s);
  if (hooks.log != nullptr) feed->report_skips(*hooks.log);
}

void add_replay_command(CLI::App& app) {
  auto opts = std::make_shared<replay_options>();
  CLI::App* cmd = app.add_subcommand(
      "replay",
      "Stream a recording through the real-time engine and write the metric stream "
      "(one row per beat and per second of dropout)");
  cmd->add_option("FILE", opts->path,
                  "session record, RR interval file, WFDB annotations or record, or ECG / PPG "
                  "signal file")
      ->required();
  cmd->add_option("--speed", opts->speed,
                  "replay speed: 1 = real time, N = N times real time, max = as fast as possible")
      ->capture_default_str();
  cmd->add_option("--format", opts->format, "metric stream format")
      ->check(CLI::IsMember({"csv", "jsonl"}))
      ->capture_default_str();
  cmd->add_option("--out", opts->out,
                  "write the metric stream here (mode 0600; - is stdout) instead of stdout; at a "
                  "finite speed every row is flushed as it is made");
  cmd->add_option("--block", opts->block,
                  "samples fed to the engine at a time (the output does not depend on it)")
      ->capture_default_str();
  cmd->add_flag("!--no-progress", opts->progress, "no progress bar even on a terminal");
  add_input_options(*cmd, opts->input);
  add_live_output_options(*cmd, opts->live);
  cmd->callback([opts] { run_replay(*opts); });
}

}  // namespace resonant::apps
