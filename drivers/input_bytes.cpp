#include "drivers/input_bytes.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <system_error>

#include "drivers/input_error.hpp"

// How an input is read, and why:
//  - Exactly once. `analyze <(cat rr.txt)` hands over a pipe: whatever is read to sniff the
//    content cannot be read again, so every reader works on the bytes read here.
//  - open(2) with O_NONBLOCK, so that opening a FIFO nobody writes to does not block; the data
//    are then waited for with poll(2) and a timeout. (Linux reports POLLHUP on a FIFO only after
//    a writer has come and gone, so poll waits for a writer that is late instead of seeing EOF.)
//  - Bounded: a regular file's size is checked before anything is allocated; a stream is read
//    up to the limit and refused past it; NUL bytes in the first block of a stream that is not
//    UTF-16 or gzip end the read at once (/dev/zero is refused in microseconds, not after 1 GiB).
namespace resonant::drivers {
namespace {

constexpr std::size_t block_bytes = std::size_t{1} << 16;

class fd_holder {
 public:
  explicit fd_holder(int fd, bool owned) : fd_(fd), owned_(owned) {}
  fd_holder(const fd_holder&) = delete;
  fd_holder& operator=(const fd_holder&) = delete;
  ~fd_holder() {
    if (owned_ && fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const noexcept { return fd_; }

 private:
  int fd_;
  bool owned_;
};

std::string mib(std::size_t bytes) {
  return std::to_string(bytes >> 20U) + " MiB";
}

[[noreturn]] void too_large(const std::string& name, const input_limits& limits,
                            const std::string& what) {
  throw input_error(name, 0,
                    what + " more than the input limit of " + mib(limits.max_bytes) +
                        " (split the recording, or convert it to a binary format: WFDB, EDF)");
}

bool looks_utf16(std::string_view head, bool& little_endian) {
  if (head.starts_with("\xFF\xFE")) {
    little_endian = true;
    return true;
  }
  if (head.starts_with("\xFE\xFF")) {
    little_endian = false;
    return true;
  }
  // ASCII text in UTF-16 without a byte-order mark: every other byte is NUL.
  const std::size_t n = std::min<std::size_t>(head.size() & ~std::size_t{1}, 256);
  if (n < 8) return false;
  std::size_t odd_nul = 0;
  std::size_t even_nul = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (head[i] != '\0') continue;
    if (i % 2 == 0) {
      ++even_nul;
    } else {
      ++odd_nul;
    }
  }
  if (odd_nul == n / 2 && even_nul == 0) {
    little_endian = true;
    return true;
  }
  if (even_nul == n / 2 && odd_nul == 0) {
    little_endian = false;
    return true;
  }
  return false;
}

bool is_gzip(std::string_view head) {
  return head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x1F &&
         static_cast<unsigned char>(head[1]) == 0x8B;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0U | (cp >> 6U));
    out += static_cast<char>(0x80U | (cp & 0x3FU));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0U | (cp >> 12U));
    out += static_cast<char>(0x80U | ((cp >> 6U) & 0x3FU));
    out += static_cast<char>(0x80U | (cp & 0x3FU));
  } else {
    out += static_cast<char>(0xF0U | (cp >> 18U));
    out += static_cast<char>(0x80U | ((cp >> 12U) & 0x3FU));
    out += static_cast<char>(0x80U | ((cp >> 6U) & 0x3FU));
    out += static_cast<char>(0x80U | (cp & 0x3FU));
  }
}

std::string utf16_to_utf8(std::string_view in, bool little_endian) {
  std::string out;
  out.reserve(in.size() / 2);
  std::size_t i = 0;
  const auto unit = [&](std::size_t at) -> std::uint32_t {
    const auto a = static_cast<unsigned char>(in[at]);
    const auto b = static_cast<unsigned char>(in[at + 1]);
    return little_endian ? (a | (static_cast<std::uint32_t>(b) << 8U))
                         : (b | (static_cast<std::uint32_t>(a) << 8U));
  };
  if (in.size() >= 2 && (unit(0) == 0xFEFF)) i = 2;
  for (; i + 1 < in.size(); i += 2) {
    std::uint32_t cp = unit(i);
    if (cp >= 0xD800 && cp < 0xDC00 && i + 3 < in.size()) {
      const std::uint32_t low = unit(i + 2);
      if (low >= 0xDC00 && low < 0xE000) {
        cp = 0x10000 + ((cp - 0xD800) << 10U) + (low - 0xDC00);
        i += 2;
      } else {
        cp = 0xFFFD;
      }
    } else if (cp >= 0xD800 && cp < 0xE000) {
      cp = 0xFFFD;
    }
    append_utf8(out, cp);
  }
  return out;
}

std::string gunzip(std::string_view in, const std::string& name, const input_limits& limits) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) throw input_error(name, 0, "cannot start zlib");
  std::string out;
  std::size_t consumed = 0;
  int rc = Z_OK;
  for (;;) {
    if (out.size() >= limits.max_bytes) {
      inflateEnd(&z);
      too_large(name, limits, "decompresses to");
    }
    const std::size_t room = std::min(block_bytes * 16, limits.max_bytes - out.size());
    const std::size_t at = out.size();
    out.resize(at + room);
    const std::size_t in_left = in.size() - consumed;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + consumed));
    z.avail_in = static_cast<uInt>(std::min<std::size_t>(in_left, 1U << 30U));
    z.next_out = reinterpret_cast<Bytef*>(out.data() + at);
    z.avail_out = static_cast<uInt>(room);
    const uInt before_in = z.avail_in;
    rc = inflate(&z, Z_NO_FLUSH);
    consumed += before_in - z.avail_in;
    out.resize(at + room - z.avail_out);
    if (rc == Z_STREAM_END) {
      // Concatenated gzip members (as `cat a.gz b.gz` makes) continue the text.
      if (consumed < in.size() && is_gzip(in.substr(consumed))) {
        inflateReset(&z);
        continue;
      }
      break;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      inflateEnd(&z);
      throw input_error(name, 0,
                        std::string("gzip data are damaged: ") + (z.msg ? z.msg : "zlib error"));
    }
    if (rc == Z_BUF_ERROR && consumed >= in.size()) {
      inflateEnd(&z);
      throw input_error(name, 0, "gzip data end early (truncated file)");
    }
  }
  inflateEnd(&z);
  return out;
}

void refuse_binary(const std::string& name, std::string_view bytes) {
  const auto nul = bytes.find('\0');
  if (nul == std::string_view::npos) return;
  throw input_error(name, 0,
                    "holds binary data (a NUL byte at offset " + std::to_string(nul) +
                        "), not a text recording; binary formats are read from a file path "
                        "(WFDB .hea, EDF, .npy)");
}

// Reads a stream with poll(2) timeouts, up to the limit.
std::string read_stream(int fd, const std::string& name, const input_limits& limits) {
  std::string data;
  bool checked_head = false;
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    const auto timeout = data.empty() ? limits.first_byte_timeout : limits.idle_timeout;
    const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw input_error(name, 0, "cannot read: " + std::generic_category().message(errno));
    }
    if (ready == 0) {
      throw input_error(name, 0,
                        data.empty()
                            ? "no data arrived within " + std::to_string(timeout.count() / 1000) +
                                  " s (is anything writing to it?)"
                            : "the data stopped for " + std::to_string(timeout.count() / 1000) +
                                  " s before the end of the input");
    }
    if (data.size() >= limits.max_bytes) too_large(name, limits, "sends");
    const std::size_t at = data.size();
    data.resize(at + std::min(block_bytes, limits.max_bytes - at));
    const ssize_t got = ::read(fd, data.data() + at, data.size() - at);
    if (got < 0) {
      data.resize(at);
      if (errno == EINTR || errno == EAGAIN) continue;
      throw input_error(name, 0, "cannot read: " + std::generic_category().message(errno));
    }
    data.resize(at + static_cast<std::size_t>(got));
    if (got == 0) break;
    if (!checked_head && data.size() >= 512) {
      checked_head = true;
      bool le = false;
      if (!is_gzip(data) && !looks_utf16(data, le)) refuse_binary(name, data);
    }
  }
  return data;
}

std::string read_regular(int fd, std::size_t size, const std::string& name) {
  std::string data(size, '\0');
  std::size_t filled = 0;
  while (filled < size) {
    const ssize_t got = ::read(fd, data.data() + filled, size - filled);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw input_error(name, 0, "cannot read: " + std::generic_category().message(errno));
    }
    if (got == 0) break;
    filled += static_cast<std::size_t>(got);
  }
  data.resize(filled);
  return data;
}

}  // namespace

std::string printable(std::string_view text, std::size_t longest) {
  std::string out;
  std::size_t shown = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (shown >= longest) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
      ++shown;
      continue;
    }
    // A valid UTF-8 sequence of a non-control character is kept.
    std::size_t len = 0;
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    if (c >= 0xE0 && c <= 0xEF) len = 3;
    if (c >= 0xF0 && c <= 0xF4) len = 4;
    bool valid = len > 0 && i + len <= text.size();
    for (std::size_t k = 1; valid && k < len; ++k) {
      valid = (static_cast<unsigned char>(text[i + k]) & 0xC0U) == 0x80U;
    }
    // C1 controls (U+0080-U+009F) are written as escapes too.
    if (valid && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) valid = false;
    if (valid) {
      out.append(text.substr(i, len));
      i += len - 1;
      ++shown;
      continue;
    }
    static constexpr char hex[] = "0123456789abcdef";
    out += "\\x";
    out += hex[c >> 4U];
    out += hex[c & 0xFU];
    shown += 4;
  }
  return out;
}

std::string display_name(const std::string& path) {
  return path == "-" ? std::string("standard input") : printable(path, 200);
}

input_bytes read_input(const std::string& path, const input_limits& limits) {
  input_bytes in;
  in.name = display_name(path);
  int fd = STDIN_FILENO;
  bool owned = false;
  if (path != "-") {
    fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
      throw input_error(in.name, 0, "cannot open: " + std::generic_category().message(errno));
    }
    owned = true;
  }
  const fd_holder holder(fd, owned);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    throw input_error(in.name, 0, "cannot read: " + std::generic_category().message(errno));
  }
  if (S_ISDIR(st.st_mode)) throw input_error(in.name, 0, "is a directory, not a recording");
  std::string raw;
  if (S_ISREG(st.st_mode)) {
    in.regular_file = true;
    const auto size = static_cast<std::size_t>(st.st_size);
    if (size > limits.max_bytes) {
      too_large(in.name, limits, "is " + mib(size) + ",");
    }
    // A regular file never blocks; clear O_NONBLOCK anyway for network file systems.
    if (owned) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    raw = read_regular(fd, size, in.name);
  } else {
    in.from_stream = true;
    raw = read_stream(fd, in.name, limits);
  }
  if (is_gzip(raw)) {
    raw = gunzip(raw, in.name, limits);
    in.notes.emplace_back("gzip-compressed");
  }
  bool little_endian = true;
  if (looks_utf16(raw, little_endian)) {
    raw = utf16_to_utf8(raw, little_endian);
    in.notes.emplace_back(little_endian ? "UTF-16LE text, converted" : "UTF-16BE text, converted");
  }
  if (std::string_view(raw).starts_with("\xEF\xBB\xBF")) raw.erase(0, 3);
  refuse_binary(in.name, raw);
  in.text = std::move(raw);
  return in;
}

}  // namespace resonant::drivers
