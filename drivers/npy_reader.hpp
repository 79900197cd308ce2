#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace resonant::drivers {

// The values of a one-dimensional NumPy array file (.npy), converted to double.
struct npy_array {
  std::string dtype;  // as the header writes it: "<f8", ">i2", "|u1", ...
  std::vector<double> values;
};

// True when `head` (the first bytes of a file) starts with the .npy magic "\x93NUMPY": for
// content sniffing before a reader is chosen.
bool looks_like_npy(std::string_view head) noexcept;

// Reads a .npy file (format versions 1.0, 2.0 and 3.0):
//   magic "\x93NUMPY", major and minor version bytes, the header length (2 bytes little-endian
//   in version 1, 4 bytes in versions 2 and 3), then the header, a Python dict literal such as
//   {'descr': '<f8', 'fortran_order': False, 'shape': (1000,), }, padded with spaces and a
//   newline; then the data, row-major.
// Accepted: descr f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 with byte order '<', '>' or '|' (one byte);
// fortran_order False (or True when there is one column: same bytes); shape (N,) or (N, 1).
// Floats are kept as they are (NaN and inf included: the caller decides what they mean);
// 64-bit integers above 2^53 lose precision in the conversion.
// Refused with an input_error naming the file: a missing or unknown magic / version, a header
// that is not a dict of those keys, other dtypes (object, structured, complex, strings, ...),
// more than one column, more than max_signal_samples values (checked before allocation), a
// data part shorter or longer than the shape says.
npy_array read_npy(const std::filesystem::path& path);

}  // namespace resonant::drivers
