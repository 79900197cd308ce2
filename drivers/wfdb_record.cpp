#include "drivers/wfdb_record.hpp"

#include <FLAC/stream_decoder.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "drivers/file_bytes.hpp"
#include "drivers/input_error.hpp"
#include "drivers/text_fields.hpp"

// WFDB records (header(5), signal(5) of the WFDB Applications Guide, WFDB 10.7).
//
// Header: comment lines ('#', kept) and blank lines skipped; the record line
// "name nsig [fs[/counter[(base)]] [nsamples [base_time [base_date]]]]" (fs default 250;
// multi-segment "name/n" refused), then one line per signal (wfdb_record.hpp). Every number is
// range-checked before it is used (limits in wfdb_record.hpp); the signal count is checked
// against the signal lines present.
//
// Signal files: the signals stored in one file form its frame, in header order; signal i
// contributes samples_per_frame[i] consecutive samples to each frame. The chosen signal's
// stream positions in frame f are f * frame_size + offset_i + 0 .. spf_i - 1, so it is read
// at fs * spf_i samples per second. Formats (signal(5)):
//   8    8-bit first differences of the same signal; sample n = initval + sum of its first n
//        differences (the header's initial value, 0 when missing)
//   16   16-bit two's complement, little-endian          61   same, big-endian
//   80   8-bit offset binary (byte - 128)                160  16-bit offset binary (LE - 32768)
//   212  two 12-bit samples in 3 bytes: s0 = b0 | (b1 & 0x0F) << 8, s1 = b2 | (b1 & 0xF0) << 4
//   310  three 10-bit samples in two little-endian 16-bit words w0, w1: s0 = w0 bits 1-10,
//        s1 = w1 bits 1-10, s2 = w0 bits 11-15 (low 5 bits) and w1 bits 11-15 (high 5 bits)
//   311  three 10-bit samples in one little-endian 32-bit word: bits 0-9, 10-19, 20-29
//   508, 516, 524  the signal file is a FLAC stream (WFDB 10.7); the signals of the file are
//        its channels in header order (at most 8), one sample per frame, 8 / 16 / 24 bits.
//        Decoded with libFLAC; the byte offset must be 0.
// A MATLAB v4 .mat file of the PhysioNet challenges is an ordinary signal file whose header
// gives a byte offset ("A0001.mat 16+24"): nothing special beyond accepting the .mat path.
//
// Physical value = (adc - baseline) / gain. The WFDB invalid-sample code (-128 for 80 and 508,
// -32768 for 16, 61, 160 and 516, -2048 for 212, -512 for 310 and 311, -2^23 for 524; format 8
// has none) marks samples that do not exist: a run of them inside the record becomes a gap
// (signal_recording::gaps, seconds = run length / channel rate); a run at the start or end is
// dropped with a warning; a channel with no valid sample is an error.
//
// nsamples from the header (the .dat must hold that many frames; only their bytes are read),
// else from the file size. The channel's sample count is checked against max_signal_samples
// before anything is read or allocated; a .hea or .dat that is not a regular file (device,
// FIFO, directory) is refused unread. Checksum (16-bit sum of the channel's raw values, when
// nsamples is given) and initial value are compared with the data: a mismatch is a warning.
// Skew is not applied (a warning says so). Pitfall: invalid samples dropped at the start move
// the channel's time zero by that many samples (the warning gives the count).
//
// Speed: the decoding loop touches only the bytes of the chosen signal; MIT-BIH 100 (650 000
// frames of 2 signals, format 212, 1.95 MB) reads in about 2.5 ms in a release build.
namespace resonant::drivers {

namespace {

using text::in_quotes;
using text::parse_integer;
using text::parse_number;
using text::trim;

// ---- header ------------------------------------------------------------------------------------

struct numbered_line {
  std::string_view text;
  std::size_t number;
};

bool is_date(std::string_view s) {  // DD/MM/YYYY
  const auto a = s.find('/');
  const auto b = a == std::string_view::npos ? a : s.find('/', a + 1);
  if (b == std::string_view::npos) return false;
  const auto d = parse_integer<int>(s.substr(0, a));
  const auto m = parse_integer<int>(s.substr(a + 1, b - a - 1));
  const auto y = parse_integer<int>(s.substr(b + 1));
  return d && m && y && *d >= 1 && *d <= 31 && *m >= 1 && *m <= 12 && *y >= 0 && *y <= 9999;
}

bool is_time(std::string_view s) {  // [[HH:]MM:]SS[.s], each part a non-negative number
  std::vector<double> parts;
  for (;;) {
    const auto colon = s.find(':');
    const auto v = parse_number(s.substr(0, colon));
    if (!v || *v < 0.0) return false;
    parts.push_back(*v);
    if (colon == std::string_view::npos) break;
    s.remove_prefix(colon + 1);
  }
  if (parts.size() > 3) return false;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const bool hours = parts.size() == 3 && i == 0;
    if (parts[i] >= (hours ? 24.0 : 60.0)) return false;
  }
  return true;
}

}  // namespace

namespace {

// The non-comment lines of a header (comments go to h.comments) and its record line, parsed
// into h. Returns the non-comment lines (the record line first) and the signal count when the
// record line has one.
struct header_lines {
  std::vector<numbered_line> lines;
  std::optional<std::size_t> nsig;
};

header_lines parse_record_line(std::string_view text, const std::string& file, wfdb_header& h) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  header_lines out;
  std::size_t number = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++number;
    if (line.empty()) continue;
    if (line.front() == '#') {
      h.comments.emplace_back(trim(line.substr(1)));
      continue;
    }
    out.lines.push_back({line, number});
  }
  if (out.lines.empty()) throw input_error(file, 0, "contains no record line");
  const auto& record_line = out.lines.front();
  const auto rf = text::blank_fields(record_line.text);
  if (rf[0].find('/') != std::string_view::npos) {
    throw input_error(file, record_line.number,
                      "multi-segment records (" + in_quotes(rf[0]) + ") are not supported");
  }
  h.record_name = std::string(rf[0]);
  if (rf.size() < 2) return out;
  const auto nsig = parse_integer<std::size_t>(rf[1]);
  if (!nsig) {
    throw input_error(file, record_line.number,
                      "number of signals " + in_quotes(rf[1]) + " is not a non-negative integer");
  }
  if (*nsig > wfdb_max_signals) {
    throw input_error(file, record_line.number,
                      "number of signals " + in_quotes(rf[1]) + " is over the limit of " +
                          std::to_string(wfdb_max_signals));
  }
  out.nsig = *nsig;
  if (rf.size() > 2) {
    const std::string_view fs_text = rf[2].substr(0, rf[2].find_first_of("/("));
    const auto fs = parse_number(fs_text);
    if (!fs || !(*fs >= wfdb_min_fs_hz && *fs < wfdb_max_fs_hz)) {
      throw input_error(file, record_line.number,
                        "sampling frequency " + in_quotes(rf[2]) +
                            " is not a number from 0.001 Hz to below 1e6 Hz");
    }
    h.fs_hz = *fs;
  }
  if (rf.size() > 3) {
    const auto n = parse_integer<std::int64_t>(rf[3]);
    if (!n || *n < 0) {
      throw input_error(file, record_line.number,
                        "number of samples " + in_quotes(rf[3]) + " is not a non-negative integer");
    }
    if (static_cast<std::uint64_t>(*n) > max_signal_samples) {
      throw input_error(file, record_line.number,
                        "number of samples " + in_quotes(rf[3]) + " is over the limit of " +
                            std::to_string(max_signal_samples));
    }
    if (*n > 0) h.frames = *n;
  }
  if (rf.size() > 4) {
    if (!is_time(rf[4])) {
      throw input_error(file, record_line.number,
                        "base time " + in_quotes(rf[4]) + " is not of the form HH:MM:SS");
    }
    h.base_time = std::string(rf[4]);
  }
  if (rf.size() > 5) {
    if (!is_date(rf[5])) {
      throw input_error(file, record_line.number,
                        "base date " + in_quotes(rf[5]) + " is not of the form DD/MM/YYYY");
    }
    h.base_date = std::string(rf[5]);
  }
  return out;
}

}  // namespace

wfdb_header parse_wfdb_record_line(std::string_view text, const std::string& file) {
  wfdb_header h;
  (void)parse_record_line(text, file, h);
  return h;
}

wfdb_header parse_wfdb_header(std::string_view text, const std::string& file) {
  wfdb_header h;
  const header_lines parsed = parse_record_line(text, file, h);
  const auto& lines = parsed.lines;
  if (!parsed.nsig)
    throw input_error(file, lines.front().number, "record line has no signal count");
  const std::size_t nsig = *parsed.nsig;
  if (lines.size() - 1 < nsig) {
    throw input_error(file, 0,
                      "declares " + std::to_string(nsig) + " signals but has " +
                          std::to_string(lines.size() - 1) + " signal lines");
  }
  for (std::size_t s = 0; s < nsig; ++s) {
    const numbered_line& line = lines[1 + s];
    const auto f = text::blank_fields(line.text);
    const auto bad = [&](std::string_view what, std::string_view field) {
      return input_error(file, line.number,
                         std::string(what) + " " + in_quotes(field) + " is invalid");
    };
    wfdb_signal_spec sig;
    sig.line = line.number;
    sig.file_name = std::string(f[0]);
    if (f.size() < 2) throw input_error(file, line.number, "signal line has no format");
    // format[xN][:skew][+offset]
    const std::string_view spec = f[1];
    const auto digits_end = std::min(spec.find_first_not_of("0123456789"), spec.size());
    const auto format = parse_integer<unsigned>(spec.substr(0, digits_end));
    if (!format) throw bad("format", f[1]);
    sig.format = *format;
    std::string_view rest = spec.substr(digits_end);
    while (!rest.empty()) {
      const char tag = rest.front();
      rest.remove_prefix(1);
      const auto end = std::min(rest.find_first_of("x:+"), rest.size());
      const auto value = parse_integer<std::int64_t>(rest.substr(0, end));
      rest.remove_prefix(end);
      if (!value || *value < 0 || (tag != 'x' && tag != ':' && tag != '+')) {
        throw bad("format", f[1]);
      }
      if (tag == 'x') {
        if (*value < 1 || static_cast<std::uint64_t>(*value) > wfdb_max_samples_per_frame) {
          throw input_error(file, line.number,
                            "samples per frame in " + in_quotes(f[1]) + " must be 1 to " +
                                std::to_string(wfdb_max_samples_per_frame));
        }
        sig.samples_per_frame = static_cast<std::size_t>(*value);
      }
      if (tag == ':') sig.skew = *value;
      if (tag == '+') sig.byte_offset = static_cast<std::size_t>(*value);
    }
    std::optional<double> baseline;
    if (f.size() > 2) {
      // gain[(baseline)][/units]
      std::string_view g = f[2];
      const auto slash = g.find('/');
      if (slash != std::string_view::npos) {
        sig.units = std::string(g.substr(slash + 1));
        g = g.substr(0, slash);
      }
      const auto paren = g.find('(');
      if (paren != std::string_view::npos) {
        if (!g.ends_with(')')) throw bad("gain", f[2]);
        baseline = parse_number(g.substr(paren + 1, g.size() - paren - 2));
        if (!baseline) throw bad("baseline in gain", f[2]);
        g = g.substr(0, paren);
      }
      const auto gain = parse_number(g);  // finite by parse_number
      if (!gain || *gain < 0.0) throw bad("gain", f[2]);
      if (*gain > 0.0) sig.gain = *gain;
    }
    if (f.size() > 4) {
      const auto z = parse_number(f[4]);
      if (!z) throw bad("ADC zero", f[4]);
      sig.adc_zero = *z;
    }
    sig.baseline = baseline.value_or(sig.adc_zero);
    if (f.size() > 5) {
      sig.initial = parse_integer<std::int64_t>(f[5]);
      if (!sig.initial) throw bad("initial value", f[5]);
    }
    if (f.size() > 6) {
      sig.checksum = parse_integer<std::int64_t>(f[6]);
      if (!sig.checksum) throw bad("checksum", f[6]);
    }
    if (f.size() > 8) {
      const auto at = static_cast<std::size_t>(f[8].data() - line.text.data());
      sig.description = std::string(trim(line.text.substr(at)));
    } else {
      sig.description = "record signal " + std::to_string(s);
    }
    h.signals.push_back(std::move(sig));
  }
  if (h.signals.empty()) throw input_error(file, 0, "declares no signals");
  return h;
}

std::filesystem::path wfdb_record_base(const std::filesystem::path& path) {
  std::filesystem::path record = path;
  const auto ext = path.extension();
  if (ext == ".hea" || ext == ".dat" || ext == ".mat") record.replace_extension();
  return record;
}

bool is_wfdb_path(const std::filesystem::path& path) {
  const auto ext = path.extension();
  if (ext == ".hea" || ext == ".dat") return true;
  if (!path.has_extension() || ext == ".mat") {
    std::filesystem::path hea = wfdb_record_base(path);
    hea += ".hea";
    std::error_code ec;
    return std::filesystem::is_regular_file(hea, ec);
  }
  return false;
}

namespace {

std::filesystem::path header_path(const std::filesystem::path& record_or_file) {
  std::filesystem::path hea = wfdb_record_base(record_or_file);
  hea += ".hea";
  return hea;
}

// ---- formats -----------------------------------------------------------------------------------

bool is_flac(unsigned format) {
  return format == 508 || format == 516 || format == 524;
}

bool is_supported(unsigned format) {
  switch (format) {
    case 8:
    case 16:
    case 61:
    case 80:
    case 160:
    case 212:
    case 310:
    case 311:
      return true;
    default:
      return is_flac(format);
  }
}

std::optional<std::int32_t> invalid_code(unsigned format) {
  switch (format) {
    case 80:
    case 508:
      return -128;
    case 16:
    case 61:
    case 160:
    case 516:
      return -32768;
    case 212:
      return -2048;
    case 310:
    case 311:
      return -512;
    case 524:
      return -8388608;
    default:
      return std::nullopt;
  }
}

// Stream samples held whole by `bytes` bytes of a packed (non-FLAC) format.
std::size_t stream_samples_in(std::size_t bytes, unsigned format) {
  switch (format) {
    case 8:
    case 80:
      return bytes;
    case 212:
      return bytes / 3 * 2 + (bytes % 3 >= 2 ? 1 : 0);
    case 310:
      return bytes / 4 * 3 + (bytes % 4 >= 2 ? 1 : 0);
    case 311:
      return bytes / 4 * 3 + (bytes % 4 >= 2 ? 1 : 0) + (bytes % 4 >= 3 ? 1 : 0);
    default:
      return bytes / 2;
  }
}

std::int32_t sign_extend(unsigned value, unsigned bits) {
  const unsigned sign = 1U << (bits - 1U);
  return static_cast<std::int32_t>((value & ((sign << 1U) - 1U)) ^ sign) -
         static_cast<std::int32_t>(sign);
}

// The raw value at stream position s (for format 8: the difference). s must be held whole by
// the buffer (stream_samples_in).
template <unsigned format>
std::int32_t stream_sample(const unsigned char* d, std::size_t s) {
  switch (format) {
    case 8:
      return static_cast<std::int8_t>(d[s]);
    case 16:
      return static_cast<std::int16_t>(static_cast<std::uint16_t>(d[2 * s] | (d[2 * s + 1] << 8U)));
    case 61:
      return static_cast<std::int16_t>(static_cast<std::uint16_t>((d[2 * s] << 8U) | d[2 * s + 1]));
    case 80:
      return static_cast<std::int32_t>(d[s]) - 128;
    case 160:
      return static_cast<std::int32_t>(d[2 * s] | (d[2 * s + 1] << 8U)) - 32768;
    case 212: {
      const unsigned char* p = d + (s >> 1U) * 3;
      const unsigned u =
          (s & 1U) == 0 ? (p[0] | ((p[1] & 0x0FU) << 8U)) : (p[2] | ((p[1] & 0xF0U) << 4U));
      return sign_extend(u, 12);
    }
    case 310: {
      const unsigned char* p = d + (s / 3) * 4;
      switch (s % 3) {
        case 0:
          return sign_extend(static_cast<unsigned>(p[0] | (p[1] << 8U)) >> 1U, 10);
        case 1:
          return sign_extend(static_cast<unsigned>(p[2] | (p[3] << 8U)) >> 1U, 10);
        default:
          return sign_extend((static_cast<unsigned>(p[1]) >> 3U) | ((p[3] >> 3U) << 5U), 10);
      }
    }
    default: {  // 311
      const unsigned char* p = d + (s / 3) * 4;
      switch (s % 3) {
        case 0:
          return sign_extend(p[0] | ((p[1] & 0x03U) << 8U), 10);
        case 1:
          return sign_extend((p[1] >> 2U) | ((p[2] & 0x0FU) << 6U), 10);
        default:
          return sign_extend((p[2] >> 4U) | ((p[3] & 0x3FU) << 4U), 10);
      }
    }
  }
}

// Bytes that hold `samples` stream samples of a packed format (the last group may be partial).
std::uint64_t bytes_for(std::uint64_t samples, unsigned format) {
  switch (format) {
    case 8:
    case 80:
      return samples;
    case 212:
      return (samples * 3 + 1) / 2;
    case 310:
    case 311:
      return (samples + 2) / 3 * 4;
    default:
      return 2 * samples;
  }
}

// The first `cap` bytes of a signal file (all of it when shorter). With `cap_is_limit`, a file
// longer than cap is refused unread (its record would exceed max_signal_samples).
std::string read_dat(const std::filesystem::path& dat, const std::string& name, std::uint64_t cap,
                     bool cap_is_limit) {
  std::error_code ec;
  const auto status = std::filesystem::status(dat, ec);
  if (!ec && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
    throw input_error(name, 0, "is not a regular file");
  }
  const auto size = std::filesystem::file_size(dat, ec);
  if (ec) return read_file_bytes(dat, name);  // reports why it cannot be opened
  if (cap_is_limit && size > cap) {
    throw input_error(name, 0,
                      "holds " + std::to_string(size) + " bytes, more than " +
                          std::to_string(max_signal_samples) + " samples per signal");
  }
  errno = 0;
  std::ifstream in(dat, std::ios::binary);
  if (!in) throw input_error(name, 0, "cannot open: " + std::generic_category().message(errno));
  std::string bytes(static_cast<std::size_t>(std::min<std::uint64_t>(size, cap)), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  return bytes;
}

// ---- FLAC (formats 508, 516, 524) --------------------------------------------------------------

struct flac_state {
  std::size_t channel = 0;
  std::size_t channels = 0;
  std::uint64_t limit = 0;  // samples wanted (frames)
  std::vector<std::int32_t>* out = nullptr;
  std::string error;
};

FLAC__StreamDecoderWriteStatus flac_write(const FLAC__StreamDecoder*, const FLAC__Frame* frame,
                                          const FLAC__int32* const buffer[], void* data) {
  auto& st = *static_cast<flac_state*>(data);
  if (frame->header.channels != st.channels) {
    st.error = "a FLAC frame has " + std::to_string(frame->header.channels) + " channels, " +
               std::to_string(st.channels) + " expected";
    return FLAC__STREAM_DECODER_WRITE_STATUS_ABORT;
  }
  const FLAC__int32* samples = buffer[st.channel];
  for (unsigned i = 0; i < frame->header.blocksize; ++i) {
    if (st.out->size() >= st.limit) {
      if (st.limit >= max_signal_samples) {
        st.error = "holds more than " + std::to_string(max_signal_samples) + " samples per signal";
        return FLAC__STREAM_DECODER_WRITE_STATUS_ABORT;
      }
      break;
    }
    st.out->push_back(samples[i]);
  }
  return FLAC__STREAM_DECODER_WRITE_STATUS_CONTINUE;
}

void flac_metadata(const FLAC__StreamDecoder*, const FLAC__StreamMetadata* meta, void* data) {
  auto& st = *static_cast<flac_state*>(data);
  if (meta->type != FLAC__METADATA_TYPE_STREAMINFO) return;
  const auto& info = meta->data.stream_info;
  if (info.channels != st.channels) {
    st.error = "has " + std::to_string(info.channels) + " FLAC channels, the header lists " +
               std::to_string(st.channels) + " signals in it";
    return;
  }
  if (info.total_samples > 0) {
    st.out->reserve(static_cast<std::size_t>(std::min<std::uint64_t>(
        std::min<std::uint64_t>(info.total_samples, st.limit), max_signal_samples)));
  }
}

void flac_error(const FLAC__StreamDecoder*, FLAC__StreamDecoderErrorStatus status, void* data) {
  auto& st = *static_cast<flac_state*>(data);
  if (st.error.empty()) {
    st.error = std::string("is not a valid FLAC stream (") +
               FLAC__StreamDecoderErrorStatusString[status] + ")";
  }
}

struct flac_deleter {
  void operator()(FLAC__StreamDecoder* d) const noexcept { FLAC__stream_decoder_delete(d); }
};

std::vector<std::int32_t> decode_flac(const std::filesystem::path& file, const std::string& name,
                                      std::size_t channel, std::size_t channels,
                                      std::uint64_t limit) {
  std::vector<std::int32_t> out;
  flac_state st{channel, channels, limit, &out, {}};
  std::unique_ptr<FLAC__StreamDecoder, flac_deleter> decoder(FLAC__stream_decoder_new());
  if (!decoder) throw std::bad_alloc();
  FLAC__stream_decoder_set_md5_checking(decoder.get(), false);
  const auto init = FLAC__stream_decoder_init_file(decoder.get(), file.c_str(), flac_write,
                                                   flac_metadata, flac_error, &st);
  if (init != FLAC__STREAM_DECODER_INIT_STATUS_OK) {
    throw input_error(name, 0,
                      std::string("cannot open: ") + FLAC__StreamDecoderInitStatusString[init]);
  }
  // Metadata first, so a channel count that disagrees stops before any audio is decoded.
  const bool meta_ok = FLAC__stream_decoder_process_until_end_of_metadata(decoder.get());
  if (st.error.empty() && meta_ok) FLAC__stream_decoder_process_until_end_of_stream(decoder.get());
  const auto state = FLAC__stream_decoder_get_state(decoder.get());
  FLAC__stream_decoder_finish(decoder.get());
  if (!st.error.empty()) throw input_error(name, 0, st.error);
  if (state != FLAC__STREAM_DECODER_END_OF_STREAM && state != FLAC__STREAM_DECODER_ABORTED) {
    throw input_error(
        name, 0,
        std::string("is not a valid FLAC stream (") + FLAC__StreamDecoderStateString[state] + ")");
  }
  return out;
}

// ---- reading -----------------------------------------------------------------------------------

// Where signal `lead` sits in the frames of its file.
struct frame_layout {
  std::size_t frame_size = 0;  // stream samples per frame (sum of samples per frame)
  std::size_t offset = 0;      // first stream position of the lead in a frame
  std::size_t flac_channel = 0;
  std::size_t signals_in_file = 0;
};

frame_layout layout_of(const wfdb_header& h, std::size_t lead, const std::string& hea_name) {
  const wfdb_signal_spec& sig = h.signals[lead];
  frame_layout l;
  for (std::size_t i = 0; i < h.signals.size(); ++i) {
    const auto& other = h.signals[i];
    if (other.file_name != sig.file_name) continue;
    if (other.format != sig.format || other.byte_offset != sig.byte_offset) {
      throw input_error(hea_name, other.line,
                        "signals in " + sig.file_name + " disagree on format or byte offset");
    }
    if (i == lead) {
      l.offset = l.frame_size;
      l.flac_channel = l.signals_in_file;
    }
    l.frame_size += other.samples_per_frame;
    ++l.signals_in_file;
  }
  return l;
}

// The raw values of one lead: spf samples per frame at stream positions frame * frame_size +
// offset + j. Format 8 sums the differences from `initial` (modulo 2^32, like the file's
// writer; no overflow).
template <unsigned format>
void decode_lead(const unsigned char* d, std::size_t frames, const frame_layout& layout,
                 std::size_t spf, std::uint32_t initial, std::vector<std::int32_t>& raw) {
  std::uint32_t running = initial;
  std::size_t k = 0;
  for (std::size_t f = 0; f < frames; ++f) {
    const std::size_t base = f * layout.frame_size + layout.offset;
    for (std::size_t j = 0; j < spf; ++j, ++k) {
      const std::int32_t v = stream_sample<format>(d, base + j);
      if constexpr (format == 8) {
        running += static_cast<std::uint32_t>(v);
        raw[k] = static_cast<std::int32_t>(running);
      } else {
        raw[k] = v;
      }
    }
  }
}

std::string iso_start_time(const wfdb_header& h) {
  if (!h.base_time || !h.base_date) return {};
  // base_date DD/MM/YYYY, base_time [[HH:]MM:]SS[.s]
  const std::string_view d = *h.base_date;
  const auto a = d.find('/');
  const auto b = d.find('/', a + 1);
  const int day = parse_integer<int>(d.substr(0, a)).value_or(1);
  const int month = parse_integer<int>(d.substr(a + 1, b - a - 1)).value_or(1);
  const int year = parse_integer<int>(d.substr(b + 1)).value_or(0);
  std::vector<std::string_view> parts;
  std::string_view t = *h.base_time;
  for (;;) {
    const auto colon = t.find(':');
    parts.push_back(t.substr(0, colon));
    if (colon == std::string_view::npos) break;
    t.remove_prefix(colon + 1);
  }
  while (parts.size() < 3) parts.insert(parts.begin(), "0");
  const auto two = [](std::string_view p) {
    const std::string_view whole = p.substr(0, p.find('.'));
    std::string out = whole.size() < 2 ? "0" + std::string(whole) : std::string(whole);
    if (p.find('.') != std::string_view::npos) out += std::string(p.substr(p.find('.')));
    return out;
  };
  char date[16];
  std::snprintf(date, sizeof date, "%04d-%02d-%02d", year, month, day);
  return std::string(date) + "T" + two(parts[0]) + ":" + two(parts[1]) + ":" + two(parts[2]);
}

}  // namespace

wfdb_header read_wfdb_header(const std::filesystem::path& record_or_file) {
  const std::filesystem::path hea = header_path(record_or_file);
  const std::string name = hea.string();
  // A header is a few lines: anything that is not a regular file of at most 16 MiB is refused
  // before it is read (a path to a device or a FIFO must not hang or fill memory).
  constexpr std::uintmax_t max_header_bytes = std::uintmax_t{16} << 20U;
  std::error_code ec;
  const auto status = std::filesystem::status(hea, ec);
  if (!ec && std::filesystem::exists(status)) {
    if (!std::filesystem::is_regular_file(status)) {
      throw input_error(name, 0, "is not a regular file");
    }
    const auto size = std::filesystem::file_size(hea, ec);
    if (!ec && size > max_header_bytes) {
      throw input_error(
          name, 0,
          "holds " + std::to_string(size) + " bytes, too many for a WFDB header (limit 16 MiB)");
    }
  }
  return parse_wfdb_header(read_file_bytes(hea, name), name);
}

std::vector<channel_info> wfdb_channels(const std::filesystem::path& record_or_file) {
  const std::filesystem::path hea = header_path(record_or_file);
  const wfdb_header h = read_wfdb_header(record_or_file);
  std::vector<channel_info> out;
  for (std::size_t i = 0; i < h.signals.size(); ++i) {
    const auto& s = h.signals[i];
    channel_info c;
    c.name = s.description;
    c.units = s.units;
    c.fs_hz = h.fs_hz * static_cast<double>(s.samples_per_frame);
    c.format = "WFDB " + std::to_string(s.format);
    if (h.frames) {
      c.sample_count = static_cast<std::size_t>(*h.frames) * s.samples_per_frame;
    } else if (!is_flac(s.format) && is_supported(s.format)) {
      const frame_layout l = layout_of(h, i, hea.string());
      std::error_code ec;
      const auto size = std::filesystem::file_size(hea.parent_path() / s.file_name, ec);
      if (!ec) {
        const auto bytes = static_cast<std::size_t>(size);
        const std::size_t usable = bytes > s.byte_offset ? bytes - s.byte_offset : 0;
        c.sample_count = stream_samples_in(usable, s.format) / l.frame_size * s.samples_per_frame;
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

signal_recording read_wfdb_channel(const std::filesystem::path& record_or_file, std::size_t channel,
                                   const signal_file_options& options) {
  const std::filesystem::path hea = header_path(record_or_file);
  const std::string hea_name = hea.string();
  const wfdb_header h = read_wfdb_header(record_or_file);
  if (channel >= h.signals.size()) {
    throw input_error(hea_name, 0,
                      "has no signal " + std::to_string(channel) + " (it has " +
                          std::to_string(h.signals.size()) + ")");
  }
  const wfdb_signal_spec& sig = h.signals[channel];
  const frame_layout layout = layout_of(h, channel, hea_name);
  if (!is_supported(sig.format)) {
    throw input_error(hea_name, sig.line,
                      "unsupported WFDB format " + std::to_string(sig.format) + " for lead " +
                          in_quotes(sig.description) +
                          " (supported: 8, 16, 61, 80, 160, 212, 310, 311, 508, 516, 524)");
  }
  const std::size_t spf = sig.samples_per_frame;
  const std::filesystem::path dat = hea.parent_path() / sig.file_name;
  const std::string dat_name = dat.string();

  signal_recording rec;
  rec.path = record_or_file.string();
  rec.column = sig.description;
  rec.units = sig.units;
  rec.fs_hz = h.fs_hz * static_cast<double>(spf);
  rec.kind = requested_kind(options, hea_name);
  if (!rec.kind) rec.kind = text::kind_of_name(sig.description);
  if (sig.skew != 0) rec.warnings.push_back("skew of lead " + sig.description + " ignored");
  if (const std::string start = iso_start_time(h); !start.empty()) rec.start_time = start;

  // Raw values of the lead, one per sample of the channel.
  std::vector<std::int32_t> raw;
  std::size_t frames = 0;
  if (is_flac(sig.format)) {
    if (spf != 1 || sig.byte_offset != 0 || layout.signals_in_file > 8) {
      throw input_error(hea_name, sig.line,
                        "FLAC signal files need one sample per frame, byte offset 0 and at most "
                        "8 signals per file");
    }
    const std::uint64_t limit =
        h.frames ? static_cast<std::uint64_t>(*h.frames) : std::uint64_t{max_signal_samples};
    raw = decode_flac(dat, dat_name, layout.flac_channel, layout.signals_in_file, limit);
    if (h.frames && raw.size() < static_cast<std::size_t>(*h.frames)) {
      throw input_error(dat_name, 0,
                        "is too short: it holds " + std::to_string(raw.size()) +
                            " samples per signal, " + hea_name + " says " +
                            std::to_string(*h.frames));
    }
    frames = raw.size();
  } else {
    // Only the bytes the record needs are read: nsamples frames when the header says, else the
    // whole file, refused unread when it would hold more than max_signal_samples per signal.
    const std::uint64_t max_frames = max_signal_samples / spf;
    if (h.frames && static_cast<std::uint64_t>(*h.frames) > max_frames) {
      throw input_error(hea_name, sig.line,
                        "lead " + in_quotes(sig.description) + " has " + std::to_string(*h.frames) +
                            " frames of " + std::to_string(spf) + " samples, over the limit of " +
                            std::to_string(max_signal_samples) + " samples per signal");
    }
    const std::uint64_t wanted_frames =
        h.frames ? static_cast<std::uint64_t>(*h.frames) : max_frames + 1;
    const std::uint64_t cap =
        sig.byte_offset + bytes_for(wanted_frames * layout.frame_size, sig.format);
    const std::string bytes = read_dat(dat, dat_name, cap, !h.frames);
    const std::size_t usable = bytes.size() > sig.byte_offset ? bytes.size() - sig.byte_offset : 0;
    const std::size_t available = stream_samples_in(usable, sig.format) / layout.frame_size;
    frames = available;
    if (h.frames) {
      if (static_cast<std::uint64_t>(*h.frames) > available) {
        throw input_error(dat_name, 0,
                          "is too short: " + std::to_string(bytes.size()) + " bytes hold " +
                              std::to_string(available) + " samples per signal, " + hea_name +
                              " says " + std::to_string(*h.frames));
      }
      frames = static_cast<std::size_t>(*h.frames);
    }
    raw.resize(frames * spf);
    const auto* d = reinterpret_cast<const unsigned char*>(bytes.data()) + sig.byte_offset;
    const auto initial = static_cast<std::uint32_t>(sig.initial.value_or(0));
    switch (sig.format) {
      case 8:
        decode_lead<8>(d, frames, layout, spf, initial, raw);
        break;
      case 16:
        decode_lead<16>(d, frames, layout, spf, initial, raw);
        break;
      case 61:
        decode_lead<61>(d, frames, layout, spf, initial, raw);
        break;
      case 80:
        decode_lead<80>(d, frames, layout, spf, initial, raw);
        break;
      case 160:
        decode_lead<160>(d, frames, layout, spf, initial, raw);
        break;
      case 212:
        decode_lead<212>(d, frames, layout, spf, initial, raw);
        break;
      case 310:
        decode_lead<310>(d, frames, layout, spf, initial, raw);
        break;
      default:
        decode_lead<311>(d, frames, layout, spf, initial, raw);
        break;
    }
  }
  if (frames == 0) throw input_error(dat_name, 0, "is empty (no samples)");

  // Checksum and initial value (over every raw value, invalid ones included, as WFDB does).
  std::uint32_t sum = 0;
  for (const std::int32_t v : raw) sum += static_cast<std::uint32_t>(v);
  if (h.frames && sig.checksum) {
    const auto got = static_cast<std::int16_t>(static_cast<std::uint16_t>(sum & 0xFFFFU));
    const auto expected =
        static_cast<std::int16_t>(static_cast<std::uint16_t>(*sig.checksum & 0xFFFF));
    if (got != expected) {
      rec.warnings.push_back("checksum of lead " + sig.description + " is " + std::to_string(got) +
                             ", the header says " + std::to_string(expected) +
                             " (data may be corrupt)");
    }
  }
  if (sig.initial && sig.format != 8 && raw.front() != *sig.initial) {
    rec.warnings.push_back("first sample of lead " + sig.description + " is " +
                           std::to_string(raw.front()) + ", the header says " +
                           std::to_string(*sig.initial));
  }

  // Physical values; runs of the invalid code become gaps.
  const auto invalid = invalid_code(sig.format);
  const double sign = options.invert ? -1.0 : 1.0;
  rec.samples.reserve(raw.size());
  std::size_t run = 0;
  std::size_t leading = 0;
  std::size_t invalid_total = 0;
  for (const std::int32_t v : raw) {
    if (invalid && v == *invalid) {
      ++run;
      ++invalid_total;
      continue;
    }
    if (run > 0) {
      if (rec.samples.empty()) {
        leading = run;
      } else {
        rec.gaps.push_back({rec.samples.size(), static_cast<double>(run) / rec.fs_hz});
      }
      run = 0;
    }
    rec.samples.push_back(sign * ((static_cast<double>(v) - sig.baseline) / sig.gain));
  }
  if (rec.samples.empty()) {
    throw input_error(dat_name, 0, "lead " + sig.description + " holds no valid sample");
  }
  if (invalid_total > 0) {
    std::string w = std::to_string(invalid_total) + " invalid sample" +
                    (invalid_total == 1 ? "" : "s") + " in lead " + sig.description + ": " +
                    std::to_string(rec.gaps.size()) + " gap" + (rec.gaps.size() == 1 ? "" : "s");
    if (leading > 0) w += ", " + std::to_string(leading) + " dropped at the start";
    if (run > 0) w += ", " + std::to_string(run) + " dropped at the end";
    rec.warnings.push_back(w);
  }
  return rec;
}

signal_recording read_wfdb_signal(const std::filesystem::path& record_or_file,
                                  const signal_file_options& options) {
  if (!options.column) return read_wfdb_channel(record_or_file, 0, options);
  const std::filesystem::path hea = header_path(record_or_file);
  const wfdb_header h = read_wfdb_header(record_or_file);
  const std::string_view wanted = trim(*options.column);
  for (std::size_t i = 0; i < h.signals.size(); ++i) {
    if (text::iequals(h.signals[i].description, wanted)) {
      return read_wfdb_channel(record_or_file, i, options);
    }
  }
  const auto index = parse_integer<std::size_t>(wanted);
  if (index && *index < h.signals.size()) return read_wfdb_channel(record_or_file, *index, options);
  std::vector<std::string> leads;
  for (std::size_t i = 0; i < h.signals.size(); ++i) {
    leads.push_back(std::to_string(i) + " " + h.signals[i].description);
  }
  throw input_error(hea.string(), 0,
                    "has no lead " + in_quotes(wanted) + " (leads: " + text::join(leads) + ")");
}

}  // namespace resonant::drivers
