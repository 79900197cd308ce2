#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "dsp/input_kind.hpp"

namespace resonant::engine {

// The session record: what a session saw, written as it happens, replayable by
// `resonant replay`. A text file of lines:
//
//   {"format":"resonant-session","version":1,...}   header, one JSON line (see record_header)
//   r,<end_s>,<rr_ms>[,g]                            an RR interval; g = after a gap
//   s,<first_sample>,<v>,<v>,...                     a block of waveform samples
//   t,<time_s>                                       the stream clock reached time_s
//   e,<time_s>,<type>,<detail>                       an event: signal lost / found, pacer rate,
//                                                    phase of the session, annotation
//
// Numbers are written in the shortest form that reads back to the same double, so a replay
// sees exactly the values the live engine saw. The file is append-only: created with mode
// 0600 (health data), opened O_APPEND, and every line goes out in one write(2), so a crash
// or SIGKILL at any moment loses at most the line being written; the reader skips a partial
// last line and replays the rest.
struct record_header {
  std::string software;     // "resonant 0.1.0"
  std::string started_utc;  // ISO 8601, informational only (never used by the replay)
  std::string device;       // source description ("sim:seed=1", "ble:A0:...", a file path)
  dsp::input_kind input_kind = dsp::input_kind::rr;  // rr, ecg or ppg
  double rate_hz = 0.0;                              // sample rate for ecg / ppg
  std::string units;  // sample units ("uV", "adc", ...) or "ms" for rr
  nlohmann::ordered_json parameters = nlohmann::ordered_json::object();  // every engine parameter

  [[nodiscard]] nlohmann::ordered_json to_json() const;
};

inline constexpr std::string_view record_format_name = "resonant-session";
inline constexpr int record_format_version = 1;

// Range of the numbers a reader accepts from a record (a file is untrusted input): times of
// data lines within +-1e7 s (116 days), intervals 0..1e6 ms (or NaN, a missing beat), sample
// rates from 1 Hz to 1 MHz and sample indices from 0 to 1e7 s x rate. Lines outside are skipped
// like any malformed line, so no value from a file reaches integer or chrono arithmetic unchecked.
inline constexpr double max_record_time_s = 1e7;
inline constexpr double max_record_rr_ms = 1e6;
inline constexpr double min_record_rate_hz = 1.0;
inline constexpr double max_record_rate_hz = 1e6;

// Creates a new, empty record file <dir>/<stem>[-N].rsn (mode 0600) in one step
// (open O_CREAT|O_EXCL), trying the suffixes -1, -2, ... while the name is taken, so two
// sessions started in the same second both get a file of their own. Throws std::system_error
// naming the path.
[[nodiscard]] std::filesystem::path create_record_file(const std::filesystem::path& dir,
                                                       const std::string& stem);

// Writes a record. A write that fails (disk full: ENOSPC; file size limit: EFBIG, with SIGXFSZ
// ignored; EIO) stops the recording for good: nothing more is written after it, so the file
// holds whole lines up to the failure (and at most one partial last line, which readers skip).
// The failure is counted and kept (recording_stopped(), error()), never thrown from the data
// path, so a failing disk cannot take the session down; the session reads it and reports it.
class session_record_writer {
 public:
  // Opens the file and writes the header line. The file must either not exist (created, mode
  // 0600, O_EXCL) or be an empty regular file made by create_record_file.
  // Throws std::system_error naming the path.
  session_record_writer(const std::filesystem::path& path, const record_header& header);
  session_record_writer(const session_record_writer&) = delete;
  session_record_writer& operator=(const session_record_writer&) = delete;
  ~session_record_writer();

  void rr(double end_s, double rr_ms, bool after_gap);
  void samples(std::int64_t first_sample, std::span<const double> values);
  void clock(double time_s);
  void event(double time_s, std::string_view type, std::string_view detail);
  // Flushes the kernel's cache to the disk (fdatasync): call at phase ends and on close.
  void sync();

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  // Write errors after creation (the first stops the recording; an fdatasync failure counts
  // too), never thrown from the data path.
  [[nodiscard]] std::int64_t write_errors() const noexcept { return write_errors_; }
  [[nodiscard]] bool recording_stopped() const noexcept { return stopped_; }
  // errno of the first failure (0: none).
  [[nodiscard]] int error() const noexcept { return error_; }
  // What the file holds in whole lines: the latest data time written (RR end, clock line, or
  // the end of a sample block at rate_hz), RR intervals and samples.
  [[nodiscard]] double recorded_s() const noexcept { return recorded_s_; }
  [[nodiscard]] std::int64_t recorded_beats() const noexcept { return recorded_beats_; }
  [[nodiscard]] std::int64_t recorded_samples() const noexcept { return recorded_samples_; }

 private:
  bool emit();
  void fail(int err);

  std::filesystem::path path_;
  int fd_ = -1;
  std::string line_;
  double rate_hz_ = 0.0;
  std::int64_t write_errors_ = 0;
  bool stopped_ = false;
  int error_ = 0;
  double recorded_s_ = 0.0;
  std::int64_t recorded_beats_ = 0;
  std::int64_t recorded_samples_ = 0;
};

// One data line of a record.
struct record_item {
  enum class kind : std::uint8_t { rr, samples, clock, event };
  kind type = kind::rr;
  double time_s = 0.0;            // rr: end_s; clock / event: time_s
  double rr_ms = 0.0;             // rr
  bool after_gap = false;         // rr
  std::int64_t first_sample = 0;  // samples
  std::vector<double> values;     // samples (capacity reused between lines)
  std::string event_type;         // event
  std::string event_detail;       // event
};

// Reads a record line by line (memory does not grow with the file). The header is read by
// the constructor: a missing, truncated or foreign header, or a header field of the wrong JSON
// type or out of range (version other than the integer 1, rate_hz beyond max_record_rate_hz),
// throws std::invalid_argument "FILE:1: ..." (never a JSON exception). Data lines that cannot
// be parsed, that hold a number out of the ranges above, that go back in time (an RR end, a
// sample index or a clock earlier than the previous one) or the partial last line of an
// interrupted recording are skipped, counted and described (the first few) in skipped_lines().
class session_record_reader {
 public:
  explicit session_record_reader(const std::filesystem::path& path);
  // The same reader over bytes in memory (fuzzing, tests); `name` stands for the path in
  // messages. The bytes are copied.
  session_record_reader(const std::string& name, std::string_view bytes);
  session_record_reader(const session_record_reader&) = delete;
  session_record_reader& operator=(const session_record_reader&) = delete;
  ~session_record_reader();

  [[nodiscard]] const record_header& header() const noexcept { return header_; }
  // Next valid data line into item; false at the end of the file.
  bool next(record_item& item);

  [[nodiscard]] std::int64_t lines_read() const noexcept { return line_no_; }
  [[nodiscard]] std::int64_t skipped() const noexcept { return skipped_; }
  // "FILE:LINE: reason" for the first 20 skipped lines.
  [[nodiscard]] const std::vector<std::string>& skipped_lines() const noexcept {
    return skip_notes_;
  }
  // Fraction of the file consumed, for progress display.
  [[nodiscard]] double progress() const noexcept;

 private:
  void read_header();
  bool parse(std::string_view line, record_item& item, std::string& why);
  void skip(std::string_view why);

  // Owned resources as members, so that a constructor that throws (bad header) releases them.
  struct file_closer {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
  };
  struct line_buffer {
    char* data = nullptr;  // grown by getline(3)
    std::size_t capacity = 0;
    line_buffer() = default;
    line_buffer(const line_buffer&) = delete;
    line_buffer& operator=(const line_buffer&) = delete;
    ~line_buffer();
  };

  std::filesystem::path path_;
  std::string bytes_;  // the in-memory file behind file_ (bytes constructor only)
  std::unique_ptr<std::FILE, file_closer> file_;
  line_buffer line_;
  std::int64_t line_no_ = 0;
  std::int64_t skipped_ = 0;
  std::vector<std::string> skip_notes_;
  record_header header_;
  std::uintmax_t file_size_ = 0;
  std::uintmax_t consumed_ = 0;
  double last_rr_end_s_ = -1e300;
  double last_clock_s_ = -1e300;
  std::int64_t next_sample_ = INT64_MIN;
  std::int64_t max_sample_index_ = -1;  // -1: RR record, no sample lines
};

// True when the file starts with a session record header.
[[nodiscard]] bool is_session_record(const std::filesystem::path& path);

}  // namespace resonant::engine
