#include "input_options.hpp"

#include <cmath>
#include <filesystem>
#include <map>
#include <system_error>

#include "drivers/input_error.hpp"
#include "engine/session_record.hpp"

namespace resonant::apps {
namespace {

// --rate: a plain message for any value that is not a sampling rate.
std::string rate_check(const std::string& text) {
  double v = 0.0;
  try {
    std::size_t used = 0;
    v = std::stod(text, &used);
    if (used != text.size()) v = -1.0;
  } catch (const std::exception&) {
    v = -1.0;
  }
  if (!(v > 0.0) || !std::isfinite(v) || v > 1e6) {
    return "must be a sampling rate in Hz, above 0 and at most 1000000, not " + text;
  }
  return {};
}

// A session record's data as an analysis input.
analysis_input open_session_record(const std::string& path) {
  engine::session_record_reader reader(path);
  const auto& h = reader.header();
  analysis_input in;
  in.recording.path = drivers::display_name(path);
  in.rr.path = in.recording.path;
  engine::record_item item;
  if (h.input_kind == dsp::input_kind::rr) {
    in.recording.kind = dsp::input_kind::rr;
    in.recording.decided_by = "Resonant session record (RR intervals)";
    in.rr.kind = "rr";
    in.rr.units = "ms";
    std::optional<double> origin;
    while (reader.next(item)) {
      if (item.type != engine::record_item::kind::rr) continue;
      if (!origin) origin = item.time_s - item.rr_ms / 1000.0;
      in.rr.rr.push_back(item.rr_ms, item.time_s - *origin, item.after_gap && !in.rr.rr.empty());
    }
  } else {
    drivers::signal_recording sig;
    sig.path = in.recording.path;
    const std::string kind(dsp::to_string(h.input_kind));
    sig.kind = h.input_kind;
    sig.column = kind;
    sig.units = h.units;
    sig.fs_hz = h.rate_hz;
    std::optional<std::int64_t> next_index;
    while (reader.next(item)) {
      if (item.type != engine::record_item::kind::samples) continue;
      if (next_index && item.first_sample > *next_index && !sig.samples.empty()) {
        sig.gaps.push_back(
            {sig.samples.size(), static_cast<double>(item.first_sample - *next_index) / h.rate_hz});
      }
      sig.samples.insert(sig.samples.end(), item.values.begin(), item.values.end());
      next_index = item.first_sample + static_cast<std::int64_t>(item.values.size());
    }
    in.recording.kind = h.input_kind;
    in.recording.decided_by = "Resonant session record (" + kind + " samples)";
    in.recording.signal = sig;
    in.beats = detect_beats(sig);
    in.rr.rr = intervals_of(*in.beats);
    in.origin_s = intervals_origin_s(*in.beats);
    in.rr.kind = kind;
    in.rr.units = "samples";
  }
  if (reader.skipped() > 0) {
    in.rr.warnings.push_back(std::to_string(reader.skipped()) + " malformed line(s) skipped");
    for (const auto& note : reader.skipped_lines()) in.rr.warnings.push_back(note);
  }
  if (in.rr.rr.empty()) {
    throw drivers::input_error(in.recording.path, 0, "session record holds no heart beats");
  }
  in.recording.intervals = in.rr;
  return in;
}

}  // namespace

void add_input_options(CLI::App& cmd, input_options_cli& opts, bool rr_options) {
  cmd.add_option("--input", opts.input,
                 "what the file holds: auto (decided from the content, stated in the output), "
                 "rr, beat-times, peaks, ecg, ppg")
      ->check(CLI::IsMember({"auto", "rr", "beat-times", "peaks", "ecg", "ppg"}))
      ->capture_default_str();
  cmd.add_option("--signal", opts.signal, "waveform kind (same as --input ecg|ppg)")
      ->check(CLI::IsMember({"ecg", "ppg"}));
  cmd.add_option("--column", opts.column, "CSV column or WFDB lead (name or 0-based index)");
  cmd.add_option("--rate", opts.rate_hz,
                 "sampling rate (Hz) of a waveform or peak-index file without time stamps")
      ->check(CLI::Validator(rate_check, "HZ"));
  cmd.add_flag("--invert", opts.invert, "the pulse goes down (camera PPG red channel)");
  cmd.add_flag("--strict", opts.strict,
               "refuse a file with a bad line or an impossible value instead of reading it as "
               "a gap");
  if (rr_options) {
    cmd.add_option("--units", opts.units, "units of the intervals in the file")
        ->check(CLI::IsMember({"auto", "ms", "s"}))
        ->capture_default_str();
    cmd.add_flag("--first-is-offset", opts.first_is_offset,
                 "the first value is the time of the first beat (PhysioNet RR lists)");
  }
}

drivers::open_options to_open_options(const input_options_cli& cli) {
  drivers::open_options o;
  if (cli.input != "auto") o.input = dsp::parse_input_kind(cli.input);
  if (!cli.signal.empty()) {
    const auto s = dsp::parse_input_kind(cli.signal);
    if (o.input && o.input != s) {
      throw std::invalid_argument("--signal " + cli.signal + " contradicts --input " + cli.input);
    }
    o.input = s;
  }
  if (!cli.column.empty()) o.column = cli.column;
  if (cli.rate_hz > 0.0) o.rate_hz = cli.rate_hz;
  o.invert = cli.invert;
  o.strict = cli.strict;
  static const std::map<std::string, drivers::rr_units> units{
      {"auto", drivers::rr_units::auto_detect},
      {"ms", drivers::rr_units::ms},
      {"s", drivers::rr_units::s}};
  o.units = units.at(cli.units);
  o.first_is_offset = cli.first_is_offset;
  return o;
}

analysis_input open_for_analysis(const std::string& path, const input_options_cli& cli) {
  std::error_code ec;
  // Only a regular file is probed: a pipe or FIFO must be read once, by open_recording.
  if (path != "-" && std::filesystem::is_regular_file(path, ec) &&
      engine::is_session_record(path)) {
    return open_session_record(path);
  }
  return analysis_input_of(drivers::open_recording(path, to_open_options(cli)));
}

analysis_input analysis_input_of(drivers::recording recording) {
  analysis_input in;
  in.recording = std::move(recording);
  if (in.recording.intervals) {
    in.rr = *in.recording.intervals;
    return in;
  }
  const drivers::signal_recording& sig = *in.recording.signal;
  in.beats = detect_beats(sig);
  in.rr.path = in.recording.path;
  in.rr.kind = std::string(dsp::to_string(in.recording.kind));
  in.rr.units = "samples";
  in.rr.rr = intervals_of(*in.beats);
  in.origin_s = intervals_origin_s(*in.beats);
  in.rr.warnings = sig.warnings;
  in.rr.warnings.push_back(std::to_string(in.beats->beats.size()) + " beats detected in " +
                           sig.column + " (" + detector_description(sig.kind) + ")");
  return in;
}

}  // namespace resonant::apps
