#include "session_record.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <system_error>

namespace resonant::engine {
namespace {

void append_double(std::string& out, double v) {
  std::array<char, 32> tmp{};
  const auto [end, ec] = std::to_chars(tmp.data(), tmp.data() + tmp.size(), v);
  if (ec == std::errc{})
    out.append(tmp.data(), static_cast<std::size_t>(end - tmp.data()));
  else
    out += "nan";
}

void append_int(std::string& out, std::int64_t v) {
  std::array<char, 24> tmp{};
  const auto [end, ec] = std::to_chars(tmp.data(), tmp.data() + tmp.size(), v);
  (void)ec;
  out.append(tmp.data(), static_cast<std::size_t>(end - tmp.data()));
}

// Events are one line and one field each: separators inside become spaces.
void append_field(std::string& out, std::string_view text, bool allow_commas) {
  for (const char c : text) {
    if (c == '\n' || c == '\r' || (!allow_commas && c == ','))
      out += ' ';
    else
      out += c;
  }
}

bool parse_double(std::string_view s, double& v) {
  if (s.empty()) return false;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc{} && ptr == s.data() + s.size();
}

bool parse_int(std::string_view s, std::int64_t& v) {
  if (s.empty()) return false;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc{} && ptr == s.data() + s.size();
}

// Splits off the next comma-separated field.
std::string_view next_field(std::string_view& rest) {
  const auto comma = rest.find(',');
  std::string_view field = rest.substr(0, comma);
  rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  return field;
}

// A JSON value for a message: scalars as written (cut at 40 characters), arrays and objects by
// their type only (dump() recurses: a deeply nested value must not reach it).
std::string describe(const nlohmann::ordered_json& v) {
  if (!v.is_primitive()) return v.type_name();
  return v.dump().substr(0, 40);
}

// Header fields, each checked for its JSON type before it is read (a wrong type is an input
// error naming the field, never a JSON exception).
std::string string_field(const nlohmann::ordered_json& obj, const char* key,
                         const std::string& where, const char* prefix) {
  if (!obj.contains(key)) return {};
  const auto& v = obj.at(key);
  if (!v.is_string())
    throw std::invalid_argument(where + "header field \"" + prefix + key +
                                "\" must be a string, not " + describe(v));
  return v.get<std::string>();
}

record_header header_from_json(const nlohmann::ordered_json& j, const std::string& where) {
  record_header h;
  h.software = string_field(j, "software", where, "");
  h.started_utc = string_field(j, "started_utc", where, "");
  h.device = string_field(j, "device", where, "");
  if (!j.contains("input") || !j.at("input").is_object())
    throw std::invalid_argument(where + "header field \"input\" must be an object");
  const auto& input = j.at("input");
  if (!input.contains("kind"))
    throw std::invalid_argument(where + "header field \"input.kind\" is missing");
  const std::string kind = string_field(input, "kind", where, "input.");
  const auto parsed = dsp::parse_input_kind(kind);
  if (!parsed || (*parsed != dsp::input_kind::rr && !dsp::is_waveform(*parsed)))
    throw std::invalid_argument(where + "input.kind \"" + kind.substr(0, 40) +
                                "\" is not rr, ecg or ppg");
  h.input_kind = *parsed;
  if (input.contains("rate_hz")) {
    const auto& r = input.at("rate_hz");
    if (!r.is_number())
      throw std::invalid_argument(where + "header field \"input.rate_hz\" must be a number, not " +
                                  describe(r));
    h.rate_hz = r.get<double>();
  }
  h.units = string_field(input, "units", where, "input.");
  if (j.contains("parameters")) {
    if (!j.at("parameters").is_object())
      throw std::invalid_argument(where + "header field \"parameters\" must be an object");
    h.parameters = j.at("parameters");
  }
  return h;
}

// A time from a data line: finite and within the span a record can cover.
bool time_in_range(double t) {
  return std::isfinite(t) && std::fabs(t) <= max_record_time_s;
}

}  // namespace

nlohmann::ordered_json record_header::to_json() const {
  nlohmann::ordered_json j;
  j["format"] = record_format_name;
  j["version"] = record_format_version;
  j["software"] = software;
  j["started_utc"] = started_utc;
  j["device"] = device;
  j["input"] = {{"kind", dsp::to_string(input_kind)}, {"rate_hz", rate_hz}, {"units", units}};
  j["parameters"] = parameters;
  return j;
}

// ---------------------------------------------------------------------------------------
// writer

std::filesystem::path create_record_file(const std::filesystem::path& dir,
                                         const std::string& stem) {
  for (int n = 0;; ++n) {
    const auto p = dir / (stem + (n > 0 ? "-" + std::to_string(n) : "") + ".rsn");
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0) {
      ::close(fd);
      return p;
    }
    if (errno != EEXIST || n >= 9999)
      throw std::system_error(errno, std::generic_category(),
                              "cannot create session record " + p.string());
  }
}

session_record_writer::session_record_writer(const std::filesystem::path& path,
                                             const record_header& header)
    : path_(path), rate_hz_(header.rate_hz) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0 && errno == EEXIST) {
    // A name reserved by create_record_file: only an empty regular file of ours is taken over.
    fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
    struct stat st {};
    if (fd_ >= 0 && (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != 0)) {
      ::close(fd_);
      fd_ = -1;
      errno = EEXIST;
    }
  }
  if (fd_ < 0)
    throw std::system_error(errno, std::generic_category(),
                            "cannot create session record " + path.string());
  line_.reserve(1 << 16);
  line_ = header.to_json().dump();
  if (!emit()) {
    const int err = error_;
    ::close(fd_);
    fd_ = -1;
    throw std::system_error(err, std::generic_category(),
                            "cannot write session record " + path.string());
  }
}

session_record_writer::~session_record_writer() {
  if (fd_ >= 0) {
    ::fdatasync(fd_);
    ::close(fd_);
  }
}

void session_record_writer::fail(int err) {
  ++write_errors_;
  if (error_ == 0) error_ = err;
  stopped_ = true;
}

bool session_record_writer::emit() {
  if (stopped_) {
    line_.clear();
    return false;
  }
  line_ += '\n';
  const char* p = line_.data();
  std::size_t left = line_.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      fail(n < 0 ? errno : EIO);
      break;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  line_.clear();
  return !stopped_;
}

void session_record_writer::rr(double end_s, double rr_ms, bool after_gap) {
  line_ += "r,";
  append_double(line_, end_s);
  line_ += ',';
  append_double(line_, rr_ms);
  if (after_gap) line_ += ",g";
  if (!emit()) return;
  ++recorded_beats_;
  recorded_s_ = std::max(recorded_s_, end_s);
}

void session_record_writer::samples(std::int64_t first_sample, std::span<const double> values) {
  if (values.empty()) return;
  line_ += "s,";
  append_int(line_, first_sample);
  for (const double v : values) {
    line_ += ',';
    append_double(line_, v);
  }
  if (!emit()) return;
  recorded_samples_ += static_cast<std::int64_t>(values.size());
  if (rate_hz_ > 0.0)
    recorded_s_ = std::max(
        recorded_s_,
        static_cast<double>(first_sample + static_cast<std::int64_t>(values.size())) / rate_hz_);
}

void session_record_writer::clock(double time_s) {
  line_ += "t,";
  append_double(line_, time_s);
  if (emit()) recorded_s_ = std::max(recorded_s_, time_s);
}

void session_record_writer::event(double time_s, std::string_view type, std::string_view detail) {
  line_ += "e,";
  append_double(line_, time_s);
  line_ += ',';
  append_field(line_, type, false);
  line_ += ',';
  append_field(line_, detail, true);
  emit();
}

void session_record_writer::sync() {
  if (fd_ >= 0 && !stopped_ && ::fdatasync(fd_) != 0) fail(errno);
}

// ---------------------------------------------------------------------------------------
// reader

session_record_reader::session_record_reader(const std::filesystem::path& path) : path_(path) {
  file_.reset(std::fopen(path.c_str(), "rb"));
  if (file_ == nullptr)
    throw std::invalid_argument(path.string() +
                                ": cannot open: " + std::generic_category().message(errno));
  std::error_code ec;
  file_size_ = std::filesystem::file_size(path, ec);
  if (ec) file_size_ = 0;
  read_header();
}

session_record_reader::session_record_reader(const std::string& name, std::string_view bytes)
    : path_(name), bytes_(bytes) {
  const std::string where = name + ":1: ";
  if (bytes_.empty()) throw std::invalid_argument(where + "empty file, not a session record");
  file_.reset(::fmemopen(bytes_.data(), bytes_.size(), "r"));
  if (file_ == nullptr)
    throw std::invalid_argument(name + ": cannot open: " + std::generic_category().message(errno));
  file_size_ = bytes_.size();
  read_header();
}

void session_record_reader::read_header() {
  const ssize_t n = ::getline(&line_.data, &line_.capacity, file_.get());
  line_no_ = 1;
  const std::string where = path_.string() + ":1: ";
  if (n <= 0) throw std::invalid_argument(where + "empty file, not a session record");
  consumed_ += static_cast<std::uintmax_t>(n);
  std::string_view line(line_.data, static_cast<std::size_t>(n));
  if (!line.ends_with('\n'))
    throw std::invalid_argument(where + "truncated session record header (no end of line)");
  line.remove_suffix(1);
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw std::invalid_argument(where + "session record header is not valid JSON");
  const auto format = j.find("format");
  if (format == j.end() || !format->is_string() ||
      format->get_ref<const std::string&>() != record_format_name)
    throw std::invalid_argument(where + "not a Resonant session record (format is not \"" +
                                std::string(record_format_name) + "\")");
  // The version must be the integer 1: "1", 1.9 or 1e300 are refused (no conversion of a
  // float to an integer, which is undefined behaviour out of range).
  const auto version = j.find("version");
  if (version == j.end())
    throw std::invalid_argument(where + "session record header has no version");
  if (!version->is_number_integer() ||
      (version->is_number_unsigned()
           ? version->get<std::uint64_t>() != static_cast<std::uint64_t>(record_format_version)
           : version->get<std::int64_t>() != record_format_version))
    throw std::invalid_argument(where + "unsupported session record version " + describe(*version) +
                                " (this program reads version " +
                                std::to_string(record_format_version) + ")");
  header_ = header_from_json(j, where);
  if (header_.input_kind == dsp::input_kind::rr) {
    if (!(header_.rate_hz >= 0.0 && header_.rate_hz <= max_record_rate_hz))
      throw std::invalid_argument(where + "input.rate_hz must be from 0 to 1000000 for rr records");
  } else {
    if (!(header_.rate_hz >= min_record_rate_hz && header_.rate_hz <= max_record_rate_hz))
      throw std::invalid_argument(where + "input.rate_hz must be in 1..1000000 Hz for " +
                                  std::string(dsp::to_string(header_.input_kind)) + " records");
    // Sample indices are checked against the time they stand for (index / rate), so that
    // index arithmetic and the replay's pacing stay far from overflow.
    max_sample_index_ = static_cast<std::int64_t>(max_record_time_s * header_.rate_hz);
  }
}

session_record_reader::~session_record_reader() = default;

session_record_reader::line_buffer::~line_buffer() {
  std::free(data);  // NOLINT(cppcoreguidelines-no-malloc): allocated by getline(3)
}

double session_record_reader::progress() const noexcept {
  if (file_size_ == 0) return 1.0;
  return static_cast<double>(consumed_) / static_cast<double>(file_size_);
}

void session_record_reader::skip(std::string_view why) {
  ++skipped_;
  if (skip_notes_.size() < 20)
    skip_notes_.push_back(path_.string() + ":" + std::to_string(line_no_) + ": " +
                          std::string(why));
}

bool session_record_reader::parse(std::string_view line, record_item& item, std::string& why) {
  if (line.size() < 2 || line[1] != ',') {
    why = "not a record line";
    return false;
  }
  const char tag = line[0];
  std::string_view rest = line.substr(2);
  switch (tag) {
    case 'r': {
      double end = 0.0;
      double rr = 0.0;
      if (!parse_double(next_field(rest), end) || !parse_double(next_field(rest), rr)) {
        why = "RR line: expected r,<end_s>,<rr_ms>";
        return false;
      }
      bool gap = false;
      if (!rest.empty()) {
        if (rest != "g") {
          why = "RR line: unexpected field \"" + std::string(rest) + "\"";
          return false;
        }
        gap = true;
      }
      if (!time_in_range(end)) {
        why = "RR line: end time is not a finite number within 1e7 s";
        return false;
      }
      if (!std::isnan(rr) && !(rr >= 0.0 && rr <= max_record_rr_ms)) {
        why = "RR line: interval is not within 0..1e6 ms";
        return false;
      }
      if (end < last_rr_end_s_) {
        why = "RR line: end time goes back in time";
        return false;
      }
      last_rr_end_s_ = end;
      item.type = record_item::kind::rr;
      item.time_s = end;
      item.rr_ms = rr;
      item.after_gap = gap;
      return true;
    }
    case 's': {
      std::int64_t first = 0;
      if (!parse_int(next_field(rest), first) || rest.empty()) {
        why = "sample line: expected s,<first_sample>,<values...>";
        return false;
      }
      item.values.clear();
      while (!rest.empty()) {
        double v = 0.0;
        const std::string_view f = next_field(rest);
        if (!parse_double(f, v)) {
          why = "sample line: \"" + std::string(f.substr(0, 32)) + "\" is not a number";
          return false;
        }
        item.values.push_back(v);
      }
      if (max_sample_index_ < 0) {
        why = "sample line in an RR record (no sample rate)";
        return false;
      }
      if (first < 0 || first > max_sample_index_) {
        why = "sample line: first sample index is out of range (negative or beyond 1e7 s)";
        return false;
      }
      if (next_sample_ != INT64_MIN && first < next_sample_) {
        why = "sample line: sample index goes back in time";
        return false;
      }
      next_sample_ = first + static_cast<std::int64_t>(item.values.size());
      item.type = record_item::kind::samples;
      item.first_sample = first;
      return true;
    }
    case 't': {
      double t = 0.0;
      if (!parse_double(rest, t) || !time_in_range(t)) {
        why = "clock line: expected t,<time_s> with a finite time within 1e7 s";
        return false;
      }
      if (t < last_clock_s_) {
        why = "clock line: time goes back";
        return false;
      }
      last_clock_s_ = t;
      item.type = record_item::kind::clock;
      item.time_s = t;
      return true;
    }
    case 'e': {
      double t = 0.0;
      if (!parse_double(next_field(rest), t) || !time_in_range(t)) {
        why = "event line: expected e,<time_s>,<type>,<detail> with a time within 1e7 s";
        return false;
      }
      const std::string_view type = next_field(rest);
      if (type.empty()) {
        why = "event line: empty event type";
        return false;
      }
      item.type = record_item::kind::event;
      item.time_s = t;
      item.event_type.assign(type);
      item.event_detail.assign(rest);
      return true;
    }
    default:
      why = "unknown line type '" + std::string(1, tag) + "'";
      return false;
  }
}

bool session_record_reader::next(record_item& item) {
  std::string why;
  for (;;) {
    const ssize_t n = ::getline(&line_.data, &line_.capacity, file_.get());
    if (n <= 0) return false;
    ++line_no_;
    consumed_ += static_cast<std::uintmax_t>(n);
    std::string_view line(line_.data, static_cast<std::size_t>(n));
    if (!line.ends_with('\n')) {
      skip("partial last line (recording interrupted), " + std::to_string(line.size()) + " bytes");
      return false;
    }
    line.remove_suffix(1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.empty()) continue;
    if (parse(line, item, why)) return true;
    skip(why);
  }
}

bool is_session_record(const std::filesystem::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  std::array<char, 64> head{};
  const std::size_t n = std::fread(head.data(), 1, head.size(), f);
  std::fclose(f);
  const std::string_view s(head.data(), n);
  return s.starts_with("{\"format\":\"resonant-session\"");
}

}  // namespace resonant::engine
