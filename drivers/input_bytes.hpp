#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace resonant::drivers {

// Limits on what one input may cost. A regular file larger than max_bytes is refused before
// anything is allocated (its size is known); a stream (pipe, FIFO, standard input, character
// device) is read until max_bytes and then refused. Decompressed gzip data count against the same
// limit. A stream that sends nothing for first_byte_timeout (a FIFO nobody writes to) or stops for
// idle_timeout in the middle is refused.
struct input_limits {
  std::size_t max_bytes = std::size_t{1} << 30;  // 1 GiB of text
  std::chrono::milliseconds first_byte_timeout{3000};
  std::chrono::milliseconds idle_timeout{30000};
};

// The text of one input, read exactly once.
struct input_bytes {
  std::string name;          // as the user gave it ("-" shows as "standard input"), printable
  std::string text;          // UTF-8 without a byte-order mark
  bool from_stream = false;  // not a regular file: cannot be opened again by path
  bool regular_file = false;
  std::vector<std::string> notes;  // "gzip-compressed", "UTF-16LE, converted"
};

// Reads `path` ("-" = standard input) once: regular files, pipes (`<(cmd)`), FIFOs and character
// devices; gzip data (by its magic bytes) are inflated with zlib; UTF-16 (by its byte-order mark,
// or by the NUL bytes of ASCII text in UTF-16) is converted to UTF-8; a UTF-8 byte-order mark is
// dropped. Binary data are left as they are (the caller refuses them with a message). Throws
// input_error naming the input on any failure or limit.
input_bytes read_input(const std::string& path, const input_limits& limits = {});

// `text` with every byte that is not printable ASCII or valid UTF-8 written as \xHH, control
// characters included, cut to `longest` characters with "..." after: safe to print on a terminal.
std::string printable(std::string_view text, std::size_t longest = 60);

// The input's name for messages: "standard input" for "-", else the path made printable.
std::string display_name(const std::string& path);

}  // namespace resonant::drivers
