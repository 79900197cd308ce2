#include "drivers/npy_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "drivers/input_error.hpp"
#include "drivers/signal_recording.hpp"
#include "drivers/text_fields.hpp"

// How: the preamble and the header (at most 1 MiB) are read first; the header dict is parsed by
// a small scanner that knows the three keys NumPy writes ('descr', 'fortran_order', 'shape');
// the shape is checked against max_signal_samples and the file size before the output is
// allocated; the data are read in 64 KiB chunks and converted value by value (bytes assembled
// in the file's byte order, so the machine's does not matter). Nothing read from the file
// reaches a message unescaped.
namespace resonant::drivers {

namespace {

using text::in_quotes;

// A cursor over the header dict text.
class dict_scanner {
 public:
  explicit dict_scanner(std::string_view s) : s_(s) {}

  void skip_blanks() {
    while (!s_.empty() && (text::is_blank(s_.front()) || s_.front() == '\n')) s_.remove_prefix(1);
  }
  bool take(char c) {
    skip_blanks();
    if (s_.empty() || s_.front() != c) return false;
    s_.remove_prefix(1);
    return true;
  }
  std::optional<std::string_view> quoted() {
    skip_blanks();
    if (s_.empty() || (s_.front() != '\'' && s_.front() != '"')) return std::nullopt;
    const char q = s_.front();
    const auto end = s_.find(q, 1);
    if (end == std::string_view::npos) return std::nullopt;
    const std::string_view out = s_.substr(1, end - 1);
    s_.remove_prefix(end + 1);
    return out;
  }
  std::optional<std::string_view> word() {
    skip_blanks();
    std::size_t n = 0;
    while (n < s_.size() && ((s_[n] >= 'A' && s_[n] <= 'Z') || (s_[n] >= 'a' && s_[n] <= 'z') ||
                             (s_[n] >= '0' && s_[n] <= '9'))) {
      ++n;
    }
    if (n == 0) return std::nullopt;
    const std::string_view out = s_.substr(0, n);
    s_.remove_prefix(n);
    return out;
  }
  [[nodiscard]] bool at_end() {
    skip_blanks();
    return s_.empty();
  }

 private:
  std::string_view s_;
};

struct npy_header {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::uint64_t> shape;
};

npy_header parse_header(std::string_view dict, const std::string& file) {
  const auto bad = [&](const std::string& why) {
    return input_error(file, 0, "has an invalid .npy header (" + why + ")");
  };
  dict_scanner in(dict);
  npy_header h;
  bool have_descr = false;
  bool have_order = false;
  bool have_shape = false;
  if (!in.take('{')) throw bad("no dict");
  while (!in.take('}')) {
    const auto key = in.quoted();
    if (!key || !in.take(':')) throw bad("expected 'key': value");
    if (*key == "descr") {
      const auto v = in.quoted();
      if (!v) {
        throw input_error(file, 0,
                          "has a structured dtype; only one number per element is supported");
      }
      h.descr = std::string(*v);
      have_descr = true;
    } else if (*key == "fortran_order") {
      const auto v = in.word();
      if (!v || (*v != "True" && *v != "False")) throw bad("fortran_order is not True or False");
      h.fortran_order = *v == "True";
      have_order = true;
    } else if (*key == "shape") {
      if (!in.take('(')) throw bad("shape is not a tuple");
      for (;;) {
        if (in.take(')')) break;
        const auto v = in.word();
        const auto n = v ? text::parse_integer<std::uint64_t>(*v) : std::nullopt;
        if (!n) throw bad("shape holds something other than integers");
        h.shape.push_back(*n);
        if (in.take(',')) continue;
        if (in.take(')')) break;
        throw bad("shape is not a tuple of integers");
      }
      have_shape = true;
    } else {
      throw bad("unknown key " + in_quotes(text::printable(*key)));
    }
    if (!in.take(',')) {
      if (!in.take('}')) throw bad("expected ',' or '}'");
      break;
    }
  }
  if (!have_descr || !have_order || !have_shape) throw bad("descr, fortran_order or shape missing");
  return h;
}

}  // namespace

bool looks_like_npy(std::string_view head) noexcept {
  return head.starts_with("\x93NUMPY");
}

npy_array read_npy(const std::filesystem::path& path) {
  const std::string file = path.string();
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw input_error(file, 0, "cannot open: " + std::generic_category().message(errno));
  }
  const auto read = [&](std::string& buf) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    return static_cast<std::size_t>(in.gcount());
  };
  std::string pre(10, '\0');
  const std::size_t got = read(pre);
  constexpr std::string_view magic = "\x93NUMPY";
  if (got < 10 || std::string_view(pre).substr(0, magic.size()) != magic) {
    throw input_error(file, 0, "is not a .npy file (no \\x93NUMPY magic)");
  }
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(pre[i]); };
  const unsigned major = byte(6);
  std::size_t header_len = 0;
  std::size_t header_at = 10;
  if (major == 1) {
    header_len = byte(8) | (std::size_t{byte(9)} << 8U);
  } else if (major == 2 || major == 3) {
    std::string more(2, '\0');
    if (read(more) != 2) throw input_error(file, 0, "is truncated inside the .npy preamble");
    pre += more;
    header_len = byte(8) | (std::size_t{byte(9)} << 8U) | (std::size_t{byte(10)} << 16U) |
                 (std::size_t{byte(11)} << 24U);
    header_at = 12;
  } else {
    throw input_error(file, 0,
                      "has .npy format version " + std::to_string(major) + "." +
                          std::to_string(byte(7)) + " (supported: 1, 2, 3)");
  }
  constexpr std::size_t max_header = std::size_t{1} << 20U;
  if (header_len > max_header) {
    throw input_error(
        file, 0,
        "has a .npy header of " + std::to_string(header_len) + " bytes, over the limit of 1 MiB");
  }
  std::string header(header_len, '\0');
  if (read(header) != header_len) throw input_error(file, 0, "is truncated inside the .npy header");
  const npy_header h = parse_header(header, file);

  // dtype: byte order, kind, size.
  const std::string& d = h.descr;
  const auto unsupported = [&] {
    return input_error(file, 0,
                       "has dtype " + in_quotes(text::printable(d)) +
                           " (supported: f4 f8 i1 i2 i4 i8 u1 u2 u4 u8, any byte order)");
  };
  if (d.size() != 3 || (d[0] != '<' && d[0] != '>' && d[0] != '|' && d[0] != '=')) {
    throw unsupported();
  }
  const char kind = d[1];
  const auto size = static_cast<std::size_t>(d[2] - '0');
  const bool ok =
      (kind == 'f' && (size == 4 || size == 8)) ||
      ((kind == 'i' || kind == 'u') && (size == 1 || size == 2 || size == 4 || size == 8));
  if (!ok) throw unsupported();
  if (d[0] == '|' && size != 1) throw unsupported();
  const bool big_endian = d[0] == '>';

  // Shape: (N,) or (N, 1); one column means the Fortran order stores the same bytes.
  std::uint64_t count = 0;
  if (h.shape.size() == 1) {
    count = h.shape[0];
  } else if (h.shape.size() == 2 && (h.shape[1] == 1 || h.shape[0] == 0)) {
    count = h.shape[0];
  } else {
    std::string shape;
    for (const auto n : h.shape) shape += (shape.empty() ? "" : ", ") + std::to_string(n);
    throw input_error(file, 0,
                      "holds an array of shape (" + shape +
                          "); only one-dimensional arrays (N,) or (N, 1) can be read");
  }
  if (count > max_signal_samples) {
    throw input_error(file, 0,
                      "holds " + std::to_string(count) + " values, over the limit of " +
                          std::to_string(max_signal_samples));
  }
  const std::size_t data_at = header_at + header_len;
  const std::size_t want = static_cast<std::size_t>(count) * size;
  std::error_code ec;
  const auto file_size = std::filesystem::file_size(path, ec);
  if (!ec && file_size < data_at + want) {
    throw input_error(file, 0,
                      "is truncated: the shape says " + std::to_string(count) + " values (" +
                          std::to_string(want) + " bytes), the file holds " +
                          std::to_string(file_size - data_at) + " bytes of data");
  }

  npy_array out;
  out.dtype = d;
  out.values.resize(static_cast<std::size_t>(count));
  // Converted in chunks of 64 KiB: the raw bytes are never held whole.
  std::string chunk(std::size_t{1} << 16U, '\0');
  std::size_t done = 0;
  while (done < out.values.size()) {
    const std::size_t n = std::min(out.values.size() - done, chunk.size() / size);
    in.read(chunk.data(), static_cast<std::streamsize>(n * size));
    if (static_cast<std::size_t>(in.gcount()) != n * size) {
      throw input_error(file, 0,
                        "is truncated: the shape says " + std::to_string(count) + " values (" +
                            std::to_string(want) + " bytes), the file holds " +
                            std::to_string(done * size + static_cast<std::size_t>(in.gcount())) +
                            " bytes of data");
    }
    const auto* p = reinterpret_cast<const unsigned char*>(chunk.data());
    for (std::size_t i = 0; i < n; ++i, p += size) {
      std::uint64_t u = 0;
      for (std::size_t b = 0; b < size; ++b) {
        const std::size_t shift = big_endian ? (size - 1 - b) : b;
        u |= std::uint64_t{p[b]} << (8U * shift);
      }
      double v = 0.0;
      if (kind == 'f' && size == 8) {
        std::memcpy(&v, &u, sizeof v);
      } else if (kind == 'f') {
        const auto u32 = static_cast<std::uint32_t>(u);
        float f = 0.0F;
        std::memcpy(&f, &u32, sizeof f);
        v = f;
      } else if (kind == 'u') {
        v = static_cast<double>(u);
      } else {
        const auto bits = static_cast<unsigned>(8 * size);
        const std::int64_t signed_value =
            bits == 64 ? static_cast<std::int64_t>(u)
                       : static_cast<std::int64_t>(u ^ (std::uint64_t{1} << (bits - 1))) -
                             static_cast<std::int64_t>(std::uint64_t{1} << (bits - 1));
        v = static_cast<double>(signed_value);
      }
      out.values[done + i] = v;
    }
    done += n;
  }
  if (in.peek() != std::char_traits<char>::eof()) {
    throw input_error(file, 0,
                      ec ? std::string("has bytes after the data the shape describes")
                         : "has " + std::to_string(file_size - data_at - want) +
                               " bytes after the data the shape describes");
  }
  return out;
}

}  // namespace resonant::drivers
