#include "drivers/edf_reader.hpp"

#include <edflib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "drivers/input_error.hpp"
#include "drivers/text_fields.hpp"

// EDF, EDF+ and BDF / BDF+ files (edfplus.info/specs; BDF: 24-bit samples, version field
// "\xFF" "BIOSEMI"), read through EDFlib (Debian libedf-dev, a C library).
//
// Two layers:
//  1. Our own check of the fixed header (256 bytes, then 256 bytes per signal, all ASCII
//     fields): version, header size = 256 * (signals + 1), 1..640 signals, number of data
//     records >= 1 (-1 = "still recording" is refused), record duration finite and > 0,
//     samples per record >= 1, each signal's rate (samples per record / duration) finite in
//     (0, 1e6), and the file size against header + records * record size (a short file is
//     "truncated", naming both sizes). The channel's sample count is checked against
//     max_signal_samples before anything is allocated. These give one clear line where EDFlib
//     would only say "format errors".
//  2. EDFlib opens the file (its own, stricter checks of every field), gives the physical
//     values (physical = (digital - digital min) * (physical max - physical min) / (digital
//     max - digital min) + physical min), the start date-time and the annotations. EDFlib's
//     open and close are not thread-safe: they run under one mutex here.
// EDF+D / BDF+D: the data records are not contiguous in time, and EDFlib 1.23 refuses such
// files, so they are read here from the data records (physical value as above, 16-bit or
// 24-bit little-endian two's complement digital values) and their annotations from the TALs
// ("+onset[\x15duration]\x14text\x14...\x14\0"). The first TAL of each record's first
// "EDF Annotations" signal holds the record's onset ("+12.5\x14\x14\0"). Where a record starts more
// than half a sample period after the previous one ends, the gap is a signal_gap at the record's
// first sample; a record that starts before the previous one ends is an error (the standard
// requires increasing onsets). Labels and physical dimensions are trimmed, bytes outside
// printable ASCII shown as \xNN; annotation signals are not channels.
namespace resonant::drivers {

namespace {

using text::in_quotes;
using text::trim;

std::mutex& edflib_mutex() {
  static std::mutex m;
  return m;
}

struct raw_signal {
  std::string label;
  std::string units;
  std::int64_t samples_per_record = 0;
  bool annotation = false;
  std::size_t offset_in_record = 0;  // bytes
  double phys_min = 0.0;
  double phys_max = 0.0;
  std::int64_t dig_min = 0;
  std::int64_t dig_max = 0;
};

struct raw_header {
  bool bdf = false;
  std::string reserved;  // "EDF+C", "EDF+D", "BDF+C", ... or "" for plain EDF / BDF
  std::int64_t records = 0;
  double record_s = 0.0;
  std::size_t header_bytes = 0;
  std::size_t record_bytes = 0;
  std::vector<raw_signal> signals;  // every signal, annotation signals included
  std::string start_time;           // ISO 8601 from the start date and time fields

  [[nodiscard]] bool discontinuous() const { return reserved.ends_with("+D"); }
  [[nodiscard]] std::string format() const {
    if (reserved.ends_with("+C") || reserved.ends_with("+D")) {
      return std::string(bdf ? "BDF" : "EDF") + reserved.substr(reserved.size() - 2);
    }
    return bdf ? "BDF" : "EDF";
  }
};

std::string field(const std::string& bytes, std::size_t at, std::size_t size) {
  return std::string(trim(std::string_view(bytes).substr(at, size)));
}

std::string escaped(std::string_view s) {
  return text::printable(s);
}

// "dd.mm.yy" and "hh.mm.ss" (years 85-99 are 1985-1999, 00-84 are 2000-2084); an EDF+
// recording field "Startdate dd-MMM-yyyy ..." gives the four-digit year. "" when malformed.
std::string header_start_time(const std::string& fixed) {
  const std::string date = fixed.substr(168, 8);
  const std::string time = fixed.substr(176, 8);
  const auto num = [](const std::string& s, std::size_t at) {
    return text::parse_integer<int>(std::string_view(s).substr(at, 2));
  };
  const auto day = num(date, 0);
  const auto month = num(date, 3);
  const auto yy = num(date, 6);
  const auto hour = num(time, 0);
  const auto minute = num(time, 3);
  const auto second = num(time, 6);
  if (!day || !month || !yy || !hour || !minute || !second) return {};
  int year = *yy >= 85 ? 1900 + *yy : 2000 + *yy;
  const std::string recording = fixed.substr(88, 80);
  if (recording.starts_with("Startdate ") && recording.size() >= 21 && recording[12] == '-' &&
      recording[16] == '-') {
    if (const auto y4 = text::parse_integer<int>(std::string_view(recording).substr(17, 4))) {
      year = *y4;
    }
  }
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%04d-%02d-%02dT%02d:%02d:%02d", year, *month, *day, *hour,
                *minute, *second);
  return buf.data();
}

raw_header read_raw_header(const std::filesystem::path& path, const std::string& file) {
  std::error_code status_error;
  const auto status = std::filesystem::status(path, status_error);
  if (!status_error && std::filesystem::exists(status) &&
      !std::filesystem::is_regular_file(status)) {
    throw input_error(file, 0, "is not a regular file (EDF and BDF are read with seeks)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    const bool exists = std::filesystem::exists(path, ec);
    throw input_error(file, 0, exists ? "cannot open" : "cannot open: No such file or directory");
  }
  std::string fixed(256, '\0');
  in.read(fixed.data(), 256);
  if (in.gcount() != 256) {
    throw input_error(file, 0,
                      "is too short for an EDF header (" + std::to_string(in.gcount()) +
                          " bytes, at least 256 needed)");
  }
  raw_header h;
  if (fixed.compare(0, 8, "0       ") == 0) {
    h.bdf = false;
  } else if (fixed.compare(0, 8,
                           "\xFF"
                           "BIOSEMI") == 0) {
    h.bdf = true;
  } else {
    throw input_error(
        file, 0,
        "is not an EDF or BDF file (version field " + in_quotes(escaped(fixed.substr(0, 8))) + ")");
  }
  const auto bad = [&](const std::string& what, const std::string& value, const std::string& why) {
    return input_error(file, 0,
                       "header field " + what + " " + in_quotes(escaped(value)) + " " + why);
  };
  const std::string header_bytes = field(fixed, 184, 8);
  const std::string reserved = field(fixed, 192, 44);
  const std::string records = field(fixed, 236, 8);
  const std::string duration = field(fixed, 244, 8);
  const std::string count = field(fixed, 252, 4);
  const auto ns = text::parse_integer<std::size_t>(count);
  if (!ns || *ns < 1 || *ns > EDFLIB_MAXSIGNALS) {
    throw bad("number of signals", count, "is not 1 to " + std::to_string(EDFLIB_MAXSIGNALS));
  }
  const auto hb = text::parse_integer<std::size_t>(header_bytes);
  if (!hb || *hb != 256 * (*ns + 1)) {
    throw bad("header size", header_bytes,
              "is not 256 * (signals + 1) = " + std::to_string(256 * (*ns + 1)));
  }
  h.header_bytes = *hb;
  h.reserved = reserved.substr(0, 5);
  const auto nr = text::parse_integer<std::int64_t>(records);
  if (!nr || *nr < 1) {
    throw bad("number of data records", records,
              "is not a positive integer (-1: the recording was not closed)");
  }
  h.records = *nr;
  const auto rs = text::parse_number(duration);
  if (!rs || !(*rs > 0.0)) throw bad("data record duration", duration, "is not a positive number");
  h.record_s = *rs;
  h.start_time = header_start_time(fixed);

  std::string sig(256 * *ns, '\0');
  in.read(sig.data(), static_cast<std::streamsize>(sig.size()));
  if (static_cast<std::size_t>(in.gcount()) != sig.size()) {
    throw input_error(
        file, 0,
        "is truncated inside the signal headers (" + std::to_string(*ns) + " signals declared)");
  }
  const std::size_t n = *ns;
  const std::size_t bytes_per_sample = h.bdf ? 3 : 2;
  std::size_t offset = 0;
  for (std::size_t i = 0; i < n; ++i) {
    raw_signal s;
    // The standard allows printable ASCII only; anything else is shown escaped, never raw.
    s.label = escaped(field(sig, i * 16, 16));
    s.units = escaped(field(sig, n * 96 + i * 8, 8));
    const std::string spr = field(sig, n * 216 + i * 8, 8);
    const auto v = text::parse_integer<std::int64_t>(spr);
    if (!v || *v < 1 || *v > 100'000'000) {
      throw bad("samples per data record of signal " + std::to_string(i + 1), spr,
                "is not a positive integer");
    }
    s.samples_per_record = *v;

    s.annotation =
        s.label == (h.bdf ? "BDF Annotations" : "EDF Annotations") || s.label == "EDF Annotations";
    s.offset_in_record = offset;
    if (!s.annotation) {
      const std::string pmin = field(sig, n * 104 + i * 8, 8);
      const std::string pmax = field(sig, n * 112 + i * 8, 8);
      const std::string dmin = field(sig, n * 120 + i * 8, 8);
      const std::string dmax = field(sig, n * 128 + i * 8, 8);
      const auto p0 = text::parse_number(pmin);
      const auto p1 = text::parse_number(pmax);
      const auto d0 = text::parse_integer<std::int64_t>(dmin);
      const auto d1 = text::parse_integer<std::int64_t>(dmax);
      const std::int64_t rail = h.bdf ? 8388608 : 32768;
      const std::string which = " of signal " + std::to_string(i + 1);
      if (!p0) throw bad("physical minimum" + which, pmin, "is not a number");
      if (!p1 || *p1 == *p0)
        throw bad("physical maximum" + which, pmax, "is not a number other than the minimum");
      if (!d0 || *d0 < -rail || *d0 >= rail)
        throw bad("digital minimum" + which, dmin, "is out of range");
      if (!d1 || *d1 <= *d0 || *d1 >= rail)
        throw bad("digital maximum" + which, dmax, "is not above the minimum and in range");
      s.phys_min = *p0;
      s.phys_max = *p1;
      s.dig_min = *d0;
      s.dig_max = *d1;
    }
    offset += static_cast<std::size_t>(*v) * bytes_per_sample;
    const double fs = static_cast<double>(*v) / h.record_s;
    if (!s.annotation && !(std::isfinite(fs) && fs > 0.0 && fs < 1e6)) {
      throw input_error(file, 0,
                        "signal " + in_quotes(s.label) + " has a sampling rate of " +
                            std::to_string(fs) + " Hz (from " + spr + " samples per " + duration +
                            " s record), not in (0, 1000000)");
    }
    h.signals.push_back(std::move(s));
  }
  h.record_bytes = offset;
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  const double expected = static_cast<double>(h.header_bytes) +
                          static_cast<double>(h.records) * static_cast<double>(h.record_bytes);
  if (!ec && static_cast<double>(size) < expected) {
    throw input_error(file, 0,
                      "is truncated: the header announces " + std::to_string(h.records) +
                          " data records of " + std::to_string(h.record_bytes) + " bytes (" +
                          std::to_string(static_cast<std::uint64_t>(expected)) +
                          " bytes in all), the file has " + std::to_string(size) + " bytes");
  }
  return h;
}

std::vector<const raw_signal*> ordinary_signals(const raw_header& h) {
  std::vector<const raw_signal*> out;
  for (const auto& s : h.signals) {
    if (!s.annotation) out.push_back(&s);
  }
  return out;
}

std::string edflib_message(int code) {
  switch (code) {
    case EDFLIB_MALLOC_ERROR:
      return "out of memory opening it";
    case EDFLIB_NO_SUCH_FILE_OR_DIRECTORY:
      return "cannot open: No such file or directory";
    case EDFLIB_FILE_CONTAINS_FORMAT_ERRORS:
      return "is not a valid EDF / BDF file (EDFlib found format errors in its header or its "
             "annotations)";
    case EDFLIB_MAXFILES_REACHED:
      return "cannot open: too many EDF files open";
    case EDFLIB_FILE_READ_ERROR:
      return "cannot be read";
    case EDFLIB_FILE_ALREADY_OPENED:
      return "is already open";
    case EDFLIB_FILE_IS_DISCONTINUOUS:
      return "is discontinuous (EDF+D) and EDFlib refused it";
    default:
      return "cannot be opened by EDFlib (error " + std::to_string(code) + ")";
  }
}

// An open EDFlib handle, closed on destruction.
class edf_file {
 public:
  edf_file(const std::filesystem::path& path, const std::string& file, int annotations)
      : hdr_(std::make_unique<edf_hdr_struct>()) {
    const std::lock_guard<std::mutex> lock(edflib_mutex());
    if (edfopen_file_readonly(path.c_str(), hdr_.get(), annotations) != 0) {
      throw input_error(file, 0, edflib_message(hdr_->filetype));
    }
    handle_ = hdr_->handle;
  }
  edf_file(const edf_file&) = delete;
  edf_file& operator=(const edf_file&) = delete;
  ~edf_file() {
    const std::lock_guard<std::mutex> lock(edflib_mutex());
    edfclose_file(handle_);
  }
  [[nodiscard]] const edf_hdr_struct& header() const { return *hdr_; }
  [[nodiscard]] int handle() const { return handle_; }

 private:
  std::unique_ptr<edf_hdr_struct> hdr_;  // about 180 kB: not on the stack
  int handle_ = -1;
};

std::string start_time_of(const edf_hdr_struct& h) {
  std::array<char, 48> buf{};
  std::snprintf(buf.data(), buf.size(), "%04d-%02d-%02dT%02d:%02d:%02d", h.startdate_year,
                h.startdate_month, h.startdate_day, h.starttime_hour, h.starttime_minute,
                h.starttime_second);
  std::string out = buf.data();
  if (h.starttime_subsecond > 0) {
    std::snprintf(buf.data(), buf.size(), ".%07lld", h.starttime_subsecond);
    out += buf.data();
  }
  return out;
}

// Onset (s) of each data record from the first TAL of the first annotation signal.
std::vector<double> record_onsets(const std::filesystem::path& path, const std::string& file,
                                  const raw_header& h) {
  const raw_signal* annot = nullptr;
  for (const auto& s : h.signals) {
    if (s.annotation) {
      annot = &s;
      break;
    }
  }
  if (annot == nullptr) {
    throw input_error(file, 0, "is EDF+D / BDF+D but has no annotation signal to date its records");
  }
  const std::size_t annot_bytes =
      static_cast<std::size_t>(annot->samples_per_record) * (h.bdf ? 3 : 2);
  const std::size_t take = std::min<std::size_t>(annot_bytes, 64);
  std::ifstream in(path, std::ios::binary);
  std::vector<double> onsets;
  onsets.reserve(static_cast<std::size_t>(h.records));
  std::string buf(take, '\0');
  for (std::int64_t r = 0; r < h.records; ++r) {
    const auto at = static_cast<std::streamoff>(h.header_bytes) +
                    static_cast<std::streamoff>(r) * static_cast<std::streamoff>(h.record_bytes) +
                    static_cast<std::streamoff>(annot->offset_in_record);
    in.seekg(at);
    in.read(buf.data(), static_cast<std::streamsize>(take));
    const std::string_view tal(buf.data(), static_cast<std::size_t>(in.gcount()));
    const auto end = tal.find('\x14');
    const auto onset =
        end == std::string_view::npos || end < 2 || (tal[0] != '+' && tal[0] != '-')
            ? std::nullopt
            : text::parse_number(tal.substr(tal[0] == '+' ? 1 : 0, end - (tal[0] == '+' ? 1 : 0)));
    if (!onset) {
      throw input_error(file, 0,
                        "data record " + std::to_string(r + 1) +
                            " does not start with a time-keeping annotation (+onset)");
    }
    onsets.push_back(*onset);
  }
  return onsets;
}

// The samples of one signal read straight from the data records (EDFlib refuses EDF+D).
std::vector<double> read_samples_directly(const std::filesystem::path& path,
                                          const std::string& file, const raw_header& h,
                                          const raw_signal& s) {
  const std::size_t spr = static_cast<std::size_t>(s.samples_per_record);
  const std::size_t bps = h.bdf ? 3 : 2;
  const double scale = (s.phys_max - s.phys_min) / static_cast<double>(s.dig_max - s.dig_min);
  std::vector<double> out(static_cast<std::size_t>(h.records) * spr);
  std::string buf(spr * bps, '\0');
  std::ifstream in(path, std::ios::binary);
  for (std::int64_t r = 0; r < h.records; ++r) {
    in.seekg(static_cast<std::streamoff>(h.header_bytes) +
             static_cast<std::streamoff>(r) * static_cast<std::streamoff>(h.record_bytes) +
             static_cast<std::streamoff>(s.offset_in_record));
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (static_cast<std::size_t>(in.gcount()) != buf.size()) {
      throw input_error(file, 0, "cannot read data record " + std::to_string(r + 1));
    }
    const auto* p = reinterpret_cast<const unsigned char*>(buf.data());
    for (std::size_t k = 0; k < spr; ++k, p += bps) {
      std::int32_t d = 0;
      if (bps == 2) {
        d = static_cast<std::int16_t>(static_cast<std::uint16_t>(p[0] | (p[1] << 8U)));
      } else {
        const std::uint32_t u = p[0] | (p[1] << 8U) | (static_cast<std::uint32_t>(p[2]) << 16U);
        d = static_cast<std::int32_t>(u ^ 0x800000U) - 0x800000;
      }
      out[static_cast<std::size_t>(r) * spr + k] =
          (static_cast<double>(d - s.dig_min)) * scale + s.phys_min;
    }
  }
  return out;
}

// The annotations of every TAL in the annotation signals ("+onset[\x15duration]\x14text\x14
// ...\x14\0"); time-keeping TALs have no text and give none.
std::vector<edf_annotation> read_tals(const std::filesystem::path& path, const std::string& file,
                                      const raw_header& h) {
  std::vector<edf_annotation> out;
  std::ifstream in(path, std::ios::binary);
  for (const auto& s : h.signals) {
    if (!s.annotation) continue;
    std::string buf(static_cast<std::size_t>(s.samples_per_record) * (h.bdf ? 3 : 2), '\0');
    for (std::int64_t r = 0; r < h.records; ++r) {
      in.seekg(static_cast<std::streamoff>(h.header_bytes) +
               static_cast<std::streamoff>(r) * static_cast<std::streamoff>(h.record_bytes) +
               static_cast<std::streamoff>(s.offset_in_record));
      in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      std::string_view rest(buf.data(), static_cast<std::size_t>(in.gcount()));
      while (!rest.empty() && (rest.front() == '+' || rest.front() == '-')) {
        const auto end = rest.find(std::string_view("\x14\0", 2));
        if (end == std::string_view::npos) break;
        std::string_view tal = rest.substr(0, end + 1);
        rest.remove_prefix(end + 2);
        while (!rest.empty() && rest.front() == '\0') rest.remove_prefix(1);
        const auto stamp_end = tal.find('\x14');
        std::string_view stamp = tal.substr(0, stamp_end);
        tal.remove_prefix(stamp_end + 1);
        edf_annotation a;
        const auto dur = stamp.find('\x15');
        if (dur != std::string_view::npos) {
          a.duration_s = text::parse_number(stamp.substr(dur + 1)).value_or(-1.0);
          stamp = stamp.substr(0, dur);
        }
        const auto onset = text::parse_number(stamp.front() == '+' ? stamp.substr(1) : stamp);
        if (!onset) {
          throw input_error(file, 0,
                            "data record " + std::to_string(r + 1) +
                                " has an annotation with an invalid onset " +
                                in_quotes(escaped(stamp)));
        }
        a.onset_s = *onset;
        while (!tal.empty()) {
          const auto t = tal.find('\x14');
          const std::string_view item = tal.substr(0, t);
          if (!item.empty()) {
            edf_annotation copy = a;
            copy.text = std::string(item);
            out.push_back(std::move(copy));
          }
          if (t == std::string_view::npos) break;
          tal.remove_prefix(t + 1);
        }
      }
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const edf_annotation& x, const edf_annotation& y) {
    return x.onset_s < y.onset_s;
  });
  return out;
}

}  // namespace

bool looks_like_edf(std::string_view head) noexcept {
  return head.starts_with("0       ") || head.starts_with(
                                             "\xFF"
                                             "BIOSEMI");
}

std::vector<channel_info> edf_channels(const std::filesystem::path& path) {
  const std::string file = path.string();
  const raw_header h = read_raw_header(path, file);
  std::vector<channel_info> out;
  for (const raw_signal* s : ordinary_signals(h)) {
    channel_info c;
    c.name = s->label;
    c.units = s->units;
    c.fs_hz = static_cast<double>(s->samples_per_record) / h.record_s;
    c.sample_count =
        static_cast<std::size_t>(h.records) * static_cast<std::size_t>(s->samples_per_record);
    c.format = h.format();
    out.push_back(std::move(c));
  }
  return out;
}

signal_recording read_edf_channel(const std::filesystem::path& path, std::size_t channel,
                                  const signal_file_options& options) {
  const std::string file = path.string();
  const raw_header h = read_raw_header(path, file);
  const auto signals = ordinary_signals(h);
  if (channel >= signals.size()) {
    throw input_error(file, 0,
                      "has no signal " + std::to_string(channel) + " (it has " +
                          std::to_string(signals.size()) + ")");
  }
  const raw_signal& s = *signals[channel];
  const auto spr = static_cast<std::size_t>(s.samples_per_record);
  const auto records = static_cast<std::uint64_t>(h.records);
  if (records > max_signal_samples / spr) {
    throw input_error(file, 0,
                      "signal " + in_quotes(s.label) + " holds " + std::to_string(records * spr) +
                          " samples, over the limit of " + std::to_string(max_signal_samples));
  }
  const std::size_t total = static_cast<std::size_t>(records) * spr;
  const std::vector<double> onsets =
      h.discontinuous() ? record_onsets(path, file, h) : std::vector<double>{};

  signal_recording rec;
  rec.path = file;
  rec.column = s.label;
  rec.units = s.units;
  rec.fs_hz = static_cast<double>(spr) / h.record_s;
  rec.kind = requested_kind(options, file);
  if (!rec.kind) rec.kind = text::kind_of_name(s.label);
  if (h.discontinuous()) {
    // EDFlib refuses EDF+D / BDF+D: the records are read here, the same way.
    rec.start_time = h.start_time.empty() ? std::optional<std::string>{} : h.start_time;
    rec.samples = read_samples_directly(path, file, h, s);
  } else {
    const edf_file edf(path, file, EDFLIB_DO_NOT_READ_ANNOTATIONS);
    const edf_hdr_struct& eh = edf.header();
    if (static_cast<std::size_t>(eh.edfsignals) != signals.size() ||
        eh.signalparam[channel].smp_in_file != static_cast<long long>(total)) {
      throw input_error(file, 0,
                        "EDFlib disagrees with the header on the signals or their lengths");
    }
    rec.start_time = start_time_of(eh);
    rec.samples.resize(total);
    const int handle = edf.handle();
    const int sig = static_cast<int>(channel);
    std::size_t done = 0;
    while (done < total) {
      const int n = static_cast<int>(std::min<std::size_t>(total - done, std::size_t{1} << 20U));
      const int got = edfread_physical_samples(handle, sig, n, rec.samples.data() + done);
      if (got <= 0) {
        throw input_error(file, 0,
                          "cannot read the samples of " + in_quotes(s.label) + " after " +
                              std::to_string(done) + " of " + std::to_string(total));
      }
      done += static_cast<std::size_t>(got);
    }
  }
  if (options.invert) {
    for (double& v : rec.samples) v = -v;
  }

  // EDF+D: a record that starts later than the previous one ends leaves a gap.
  const double tolerance_s = 0.5 / rec.fs_hz;
  for (std::size_t r = 1; r < onsets.size(); ++r) {
    const double expected = onsets[r - 1] + h.record_s;
    const double late = onsets[r] - expected;
    if (late < -tolerance_s) {
      throw input_error(file, 0,
                        "data record " + std::to_string(r + 1) + " starts at " +
                            std::to_string(onsets[r]) + " s, before the previous one ends (" +
                            std::to_string(expected) + " s)");
    }
    if (late > tolerance_s) rec.gaps.push_back({r * spr, late});
  }
  if (!rec.gaps.empty()) {
    double missing = 0.0;
    for (const auto& g : rec.gaps) missing += g.seconds;
    rec.warnings.push_back(std::to_string(rec.gaps.size()) + " gap" +
                           (rec.gaps.size() == 1 ? "" : "s") + " between data records (" +
                           std::to_string(missing) + " s in all)");
  }
  return rec;
}

std::vector<edf_annotation> read_edf_annotations(const std::filesystem::path& path) {
  const std::string file = path.string();
  const raw_header h = read_raw_header(path, file);
  if (h.discontinuous()) return read_tals(path, file, h);
  const edf_file edf(path, file, EDFLIB_READ_ALL_ANNOTATIONS);
  std::vector<edf_annotation> out;
  const long long count = edf.header().annotations_in_file;
  out.reserve(static_cast<std::size_t>(std::max(0LL, count)));
  for (long long i = 0; i < count; ++i) {
    edf_annotation_struct a{};
    if (edf_get_annotation(edf.handle(), static_cast<int>(i), &a) != 0) break;
    edf_annotation e;
    e.onset_s = static_cast<double>(a.onset) / EDFLIB_TIME_DIMENSION;
    e.duration_s =
        a.duration_l < 0 ? -1.0 : static_cast<double>(a.duration_l) / EDFLIB_TIME_DIMENSION;
    e.text = a.annotation;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace resonant::drivers
