#include "drivers/wfdb_annotations.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "drivers/file_bytes.hpp"
#include "drivers/input_error.hpp"
#include "drivers/rr_recording.hpp"
#include "drivers/signal_recording.hpp"
#include "drivers/wfdb_record.hpp"

// WFDB beat annotations, MIT format (annot(5) in the WFDB Applications Guide).
//
// The file is a stream of 16-bit little-endian words. Each word holds a 6-bit code A (top bits)
// and a 10-bit field I. Ordinary annotations (A = 1..49) sit I samples after the previous
// annotation (the first after sample 0); A = 0 with I = 0 ends the file. Special codes:
//   59 SKIP: I unused; the next 4 bytes are a signed 32-bit time step, two little-endian words,
//            high word first; it moves the time of the next annotation.
//   60 NUM, 61 SUB, 62 CHN: I is the annotation number / subtype / channel of the preceding
//            annotation (not a time step); ignored here.
//   63 AUX:  I is the number of auxiliary bytes that follow, padded to an even count. A NOTE
//            (code 22) at sample 0 whose aux text is "## time resolution: R" says the annotation
//            times are in units of 1/R s instead of the signal's samples (WFDB high-resolution
//            annotation files); it is honoured.
// Beats are the codes for which WFDB isqrs() holds (ecgcodes.h): N L R a V F J A S E j / Q B ?
// e n f r; their label is kept per dsp::beat_label. Rhythm, noise, comment and other non-beat
// annotations advance the time and are otherwise skipped.
//
// Sampling frequency: from the record line of the record's .hea, read by the one WFDB header
// parser (parse_wfdb_record_line in wfdb_record.hpp: "360", "360/1.5" or "360(0)"; missing fs
// means 250 Hz as in WFDB; fs must be a positive number below 1e6 Hz).
//
// Range checks (the files are untrusted): the time resolution must be a finite number from
// 0.001 Hz to 1e9 Hz (1e-320, 0, negative, inf or nan are input errors,
// never infinite or zero intervals), and annotation times must stay within 1e8 s of the start
// of the record (3 years; the tick counter is checked against 2^53 while decoding), so every
// interval is finite and every conversion to a record sample fits in 64 bits.
//
// Both readers share read_annotation_file (paths, decoding, sampling frequency).
// read_wfdb_beats: every beat at its absolute sample index of the record (annotation times of a
// high-resolution file rounded to the nearest sample at the header's fs), with its label; zero
// beats is a valid result.
// read_wfdb_annotations: rr_ms[k-1] = (sample[k] - sample[k-1]) / fs * 1000, end_s[k-1] =
// (sample[k] - sample[0]) / fs, labels[k-1] = label of beat k; no gaps; units "samples".
//
// Errors (input_error naming the file, line 0, with the byte offset for corrupt data): missing
// file or .hea, a stream that ends before its end word (truncated, odd length, cut SKIP or AUX),
// an undefined code 50..58, a time that goes negative, a beat not after the previous beat,
// fewer than two beats (read_wfdb_annotations only). The MIT format has no magic number, so garbage
// is caught only by these checks; any byte sequence either decodes or throws.
namespace resonant::drivers {

namespace {

constexpr std::uint8_t not_a_beat = 0xFF;

constexpr std::array<std::uint8_t, 64> beat_table = [] {
  std::array<std::uint8_t, 64> t{};
  t.fill(not_a_beat);
  const auto set = [&](std::size_t code, dsp::beat_label label) {
    t[code] = static_cast<std::uint8_t>(label);
  };
  using dsp::beat_label;
  set(1, beat_label::normal);             // N
  set(2, beat_label::normal);             // L
  set(3, beat_label::normal);             // R
  set(25, beat_label::normal);            // B
  set(4, beat_label::supraventricular);   // a
  set(7, beat_label::supraventricular);   // J
  set(8, beat_label::supraventricular);   // A
  set(9, beat_label::supraventricular);   // S
  set(11, beat_label::supraventricular);  // j
  set(34, beat_label::supraventricular);  // e
  set(35, beat_label::supraventricular);  // n
  set(5, beat_label::ventricular);        // V
  set(10, beat_label::ventricular);       // E
  set(41, beat_label::ventricular);       // r
  set(6, beat_label::fusion);             // F
  set(38, beat_label::fusion);            // f
  set(12, beat_label::paced);             // /
  set(13, beat_label::unknown);           // Q
  set(30, beat_label::unknown);           // ?
  return t;
}();

constexpr unsigned code_max = 49;
constexpr unsigned code_note = 22;
constexpr unsigned code_skip = 59;
constexpr unsigned code_num = 60;
constexpr unsigned code_sub = 61;
constexpr unsigned code_chn = 62;
constexpr unsigned code_aux = 63;
constexpr double min_fs_hz = 1e-3;
constexpr double max_fs_hz = 1e9;
constexpr double max_annotation_time_s = 1e8;
constexpr std::int64_t max_ticks = std::int64_t{1} << 53;

bool frequency_in_range(double hz) {
  return std::isfinite(hz) && hz >= min_fs_hz && hz <= max_fs_hz;
}

std::optional<double> leading_number(std::string_view s) {
  double value = 0.0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end == s.data()) return std::nullopt;
  return value;
}

struct decoded_beat {
  std::int64_t sample;
  dsp::beat_label label;
};

struct decoded {
  std::vector<decoded_beat> beats;
  std::optional<double> time_resolution_hz;
};

decoded decode_annotations(std::string_view bytes, const std::string& name) {
  const auto corrupt = [&](std::size_t offset, const std::string& what) {
    return input_error(
        name, 0, "corrupt annotation data at byte offset " + std::to_string(offset) + ": " + what);
  };
  const auto word_at = [&](std::size_t offset) {
    return static_cast<unsigned>(static_cast<unsigned char>(bytes[offset])) |
           (static_cast<unsigned>(static_cast<unsigned char>(bytes[offset + 1])) << 8U);
  };
  decoded out;
  out.beats.reserve(bytes.size() / 2);
  std::int64_t time = 0;
  unsigned last_code = 0;
  std::int64_t last_time = -1;
  std::size_t pos = 0;
  for (;;) {
    if (pos + 2 > bytes.size()) {
      throw corrupt(pos, "the file is truncated (no end-of-annotations word)");
    }
    const std::size_t at = pos;
    const unsigned word = word_at(pos);
    pos += 2;
    if (word == 0) break;
    const unsigned code = word >> 10U;
    const unsigned field = word & 0x3FFU;
    if (code == code_skip) {
      if (pos + 4 > bytes.size()) throw corrupt(at, "the file is truncated inside a SKIP");
      const std::uint32_t raw =
          (static_cast<std::uint32_t>(word_at(pos)) << 16U) | word_at(pos + 2);
      pos += 4;
      time += static_cast<std::int32_t>(raw);
      if (time < 0) throw corrupt(at, "a SKIP moves the time before the start of the record");
      if (time > max_ticks) throw corrupt(at, "a SKIP moves the time beyond 2^53 ticks");
    } else if (code == code_aux) {
      const std::size_t length = field + (field & 1U);
      if (pos + length > bytes.size()) throw corrupt(at, "the file is truncated inside an AUX");
      const std::string_view aux(bytes.data() + pos, field);
      constexpr std::string_view resolution = "## time resolution: ";
      if (last_code == code_note && last_time == 0 && aux.starts_with(resolution)) {
        const std::string_view text = aux.substr(resolution.size());
        const auto r = leading_number(text);
        if (!r || !frequency_in_range(*r)) {
          throw corrupt(
              at, "time resolution \"" +
                      std::string(text.substr(0, std::min<std::size_t>(text.find('\0'), 40))) +
                      "\" is not a number from 0.001 to 1e9 Hz");
        }
        out.time_resolution_hz = r;
      }
      pos += length;
    } else if (code == code_num || code == code_sub || code == code_chn) {
      // Attributes of the preceding annotation; the 10 bits are a value, not a time step.
    } else if (code > code_max) {
      throw corrupt(at, "undefined annotation code " + std::to_string(code));
    } else {
      time += field;
      last_code = code;
      last_time = time;
      const std::uint8_t label = beat_table[code];
      if (label == not_a_beat) continue;
      if (!out.beats.empty() && time <= out.beats.back().sample) {
        throw corrupt(at, "beat at sample " + std::to_string(time) +
                              " is not after the previous beat at sample " +
                              std::to_string(out.beats.back().sample));
      }
      out.beats.push_back({time, static_cast<dsp::beat_label>(label)});
    }
  }
  return out;
}

// The beats of an annotation file with the sampling frequency they are counted in.
struct annotation_file {
  std::string name;                 // the .atr path, for messages
  std::vector<decoded_beat> beats;  // in units of 1 / fs_hz
  double fs_hz = 0.0;               // annotation time resolution (high-resolution files) or fs
  double header_fs_hz = 0.0;        // the record's sampling frequency
};

// The one parser behind both public readers: decodes the annotations, reads the sampling
// frequency from the header text and checks the time span.
// The header is read even when the annotations carry their own time resolution: WFDB needs the
// record, and a missing .hea usually means the wrong path.
annotation_file parse_annotation_file(decoded ann, const std::string& atr_name,
                                      std::string_view hea_text, const std::string& hea_name) {
  annotation_file out;
  out.name = atr_name;
  out.header_fs_hz = parse_wfdb_record_line(hea_text, hea_name).fs_hz;
  out.fs_hz = ann.time_resolution_hz.value_or(out.header_fs_hz);
  out.beats = std::move(ann.beats);
  if (!out.beats.empty()) {
    const double last_s = static_cast<double>(out.beats.back().sample) / out.fs_hz;
    if (!(last_s <= max_annotation_time_s)) {
      throw input_error(out.name, 0,
                        "annotation times reach " + std::to_string(last_s) +
                            " s, beyond the 1e8 s a record can span (wrong time resolution?)");
    }
  }
  return out;
}

// Resolves the .atr and .hea paths and reads both files.
annotation_file read_annotation_file(const std::filesystem::path& path) {
  std::filesystem::path atr = path;
  std::filesystem::path record = path;
  if (path.has_extension()) {
    record.replace_extension();
  } else {
    atr += ".atr";
  }
  std::filesystem::path hea = record;
  hea += ".hea";
  const std::string atr_name = atr.string();
  const std::string bytes = read_file_bytes(atr, atr_name);
  // The annotations are decoded before the header is opened, so that a corrupt .atr is
  // reported as such even without a .hea.
  decoded ann = decode_annotations(bytes, atr_name);
  const std::string hea_name = hea.string();
  const std::string text = read_file_bytes(hea, hea_name);
  return parse_annotation_file(std::move(ann), atr_name, text, hea_name);
}

rr_recording intervals_of(const annotation_file& ann, const std::string& path) {
  if (ann.beats.size() < 2) {
    throw input_error(ann.name, 0,
                      "contains no RR intervals (" + std::to_string(ann.beats.size()) + " beat" +
                          (ann.beats.size() == 1 ? "" : "s") + ")");
  }
  const double fs = ann.fs_hz;

  rr_recording out;
  out.path = path;
  out.kind = "annotations";
  out.units = "samples";
  const std::size_t n = ann.beats.size() - 1;
  out.rr.rr_ms.reserve(n);
  out.rr.end_s.reserve(n);
  out.rr.after_gap.reserve(n);
  out.labels.reserve(n);
  const std::int64_t first = ann.beats.front().sample;
  for (std::size_t k = 1; k < ann.beats.size(); ++k) {
    const auto step = ann.beats[k].sample - ann.beats[k - 1].sample;
    out.rr.push_back(static_cast<double>(step) / fs * 1000.0,
                     static_cast<double>(ann.beats[k].sample - first) / fs, false);
    out.labels.push_back(ann.beats[k].label);
  }
  return out;
}

wfdb_beats beats_of(const annotation_file& ann) {
  wfdb_beats out;
  out.fs_hz = ann.header_fs_hz;
  out.samples.reserve(ann.beats.size());
  out.labels.reserve(ann.beats.size());
  // High-resolution annotation times are brought to the nearest sample of the record (at most
  // 1e8 s x 1e9 Hz = 1e17 samples: within 64 bits).
  const double to_samples = ann.header_fs_hz / ann.fs_hz;
  for (const decoded_beat& b : ann.beats) {
    const std::int64_t sample =
        ann.fs_hz == ann.header_fs_hz
            ? b.sample
            : static_cast<std::int64_t>(std::llround(static_cast<double>(b.sample) * to_samples));
    out.samples.push_back(sample);
    out.labels.push_back(b.label);
  }
  return out;
}

}  // namespace

rr_recording read_wfdb_annotations(const std::filesystem::path& path) {
  return intervals_of(read_annotation_file(path), path.string());
}

wfdb_beats read_wfdb_beats(const std::filesystem::path& atr_or_record) {
  return beats_of(read_annotation_file(atr_or_record));
}

rr_recording parse_wfdb_annotations(std::string_view atr_bytes, const std::string& atr_name,
                                    std::string_view hea_text, const std::string& hea_name) {
  return intervals_of(
      parse_annotation_file(decode_annotations(atr_bytes, atr_name), atr_name, hea_text, hea_name),
      atr_name);
}

wfdb_beats parse_wfdb_beats(std::string_view atr_bytes, const std::string& atr_name,
                            std::string_view hea_text, const std::string& hea_name) {
  return beats_of(
      parse_annotation_file(decode_annotations(atr_bytes, atr_name), atr_name, hea_text, hea_name));
}

}  // namespace resonant::drivers
