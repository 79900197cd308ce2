#pragma once

#include <cstdio>
#include <span>
#include <string>
#include <string_view>

#include "engine/metric_snapshot.hpp"
#include "engine/pacer.hpp"

namespace resonant::engine {

enum class metric_format { csv, jsonl };

// Writes the metric stream: one row per snapshot with its time and every metric, in a fixed
// column order and fixed decimals per column (so output is byte-identical for identical
// snapshots, and short). Unknown values (NaN) are empty in CSV and null in JSON lines.
// Events (signal lost/found, pacer changes, annotations) appear as their own JSON lines
// {"time_s":..,"event":..,"detail":..}; CSV has no place for them and skips them.
//
// Rows are formatted into an internal buffer that is handed to the FILE in large writes.
class metric_writer {
 public:
  metric_writer(std::FILE* out, metric_format format);
  metric_writer(const metric_writer&) = delete;
  metric_writer& operator=(const metric_writer&) = delete;
  ~metric_writer();

  void header();
  void row(const metric_snapshot& s);
  void event(double time_s, std::string_view type, std::string_view detail);
  // Writes out what is buffered; throws std::system_error when the FILE reports an error.
  void flush();

  [[nodiscard]] std::size_t rows() const noexcept { return rows_; }

 private:
  std::FILE* out_;
  metric_format format_;
  std::string buf_;
  std::size_t rows_ = 0;
};

// The CSV header line (without newline), also the JSON key order.
[[nodiscard]] std::string_view metric_columns() noexcept;

// The metric columns after time_s, beat and beats, in that order: name, snapshot field and the
// decimals written (the Python module reads snapshots through the same table).
struct metric_column {
  std::string_view name;
  double metric_snapshot::*field;
  int decimals;
};
[[nodiscard]] std::span<const metric_column> metric_column_table() noexcept;

// The JSON-lines serializer itself (one object, no newline), appended to `out`: what
// metric_writer writes with --format jsonl and what the live stream (apps/live_server) sends as
// one WebSocket text frame each. A snapshot row, an event line, and the pacer's position
// {"time_s","pacer" (inhale | hold_in | exhale | hold_out),"progress","lung","cycles","rate_bpm"}
// (live only: a metric file has no pacer lines).
void append_json_row(std::string& out, const metric_snapshot& s);
void append_json_event(std::string& out, double time_s, std::string_view type,
                       std::string_view detail);
void append_json_pacer(std::string& out, double time_s, const pacer_state& p);

}  // namespace resonant::engine
