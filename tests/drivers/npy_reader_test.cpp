#include "drivers/npy_reader.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "drivers/input_error.hpp"
#include "support/scratch_dir.hpp"

// .npy files written byte by byte (NumPy's format: magic, version, header length, dict header
// padded to a multiple of 64 bytes with spaces and a newline, then the data).
namespace {

using resonant::drivers::input_error;
using resonant::drivers::read_npy;

std::string npy(const std::string& dict, const std::string& data, int major = 1) {
  std::string out = "\x93NUMPY";
  out.push_back(static_cast<char>(major));
  out.push_back('\0');
  const std::size_t preamble = major == 1 ? 10 : 12;
  std::string header = dict;
  while ((preamble + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  const std::size_t n = header.size();
  out.push_back(static_cast<char>(n & 0xFFU));
  out.push_back(static_cast<char>((n >> 8U) & 0xFFU));
  if (major != 1) {
    out.push_back(static_cast<char>((n >> 16U) & 0xFFU));
    out.push_back(static_cast<char>((n >> 24U) & 0xFFU));
  }
  return out + header + data;
}

std::string dict(const std::string& descr, const std::string& shape, bool fortran = false) {
  return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
         ", 'shape': " + shape + ", }";
}

// The bytes of integer v in `size` bytes of the given byte order.
std::string int_bytes(std::int64_t v, std::size_t size, bool big) {
  std::string out(size, '\0');
  const auto u = static_cast<std::uint64_t>(v);
  for (std::size_t b = 0; b < size; ++b) {
    out[big ? size - 1 - b : b] = static_cast<char>((u >> (8U * b)) & 0xFFU);
  }
  return out;
}

std::string double_bytes(double v, bool big) {
  std::uint64_t u = 0;
  std::memcpy(&u, &v, sizeof u);
  return int_bytes(static_cast<std::int64_t>(u), 8, big);
}

std::string float_bytes(float v, bool big) {
  std::uint32_t u = 0;
  std::memcpy(&u, &v, sizeof u);
  return int_bytes(u, 4, big);
}

class npy_reader_test : public resonant::test::scratch_dir_test {
 protected:
  std::string error_for(const std::string& name, const std::string& bytes) const {
    const auto p = write(name, bytes);
    try {
      read_npy(p);
    } catch (const input_error& e) {
      std::string m = e.what();
      const std::string prefix = (dir_ / "").string();
      if (m.starts_with(prefix)) m.erase(0, prefix.size());
      return m;
    }
    return "(no input_error)";
  }
};

TEST_F(npy_reader_test, every_supported_dtype_in_both_byte_orders) {
  const std::vector<std::int64_t> ints = {0, 1, -1, 127, -128};
  for (const bool big : {false, true}) {
    const std::string order = big ? ">" : "<";
    for (const std::size_t size : {2UL, 4UL, 8UL}) {
      std::string data;
      for (auto v : ints) data += int_bytes(v * 100, size, big);
      const auto p = write("i.npy", npy(dict(order + "i" + std::to_string(size), "(5,)"), data));
      const auto a = read_npy(p);
      EXPECT_EQ(a.dtype, order + "i" + std::to_string(size));
      EXPECT_EQ(a.values, (std::vector<double>{0, 100, -100, 12700, -12800}));
    }
    std::string u2;
    for (std::int64_t v : {0, 1, 65535}) u2 += int_bytes(v, 2, big);
    EXPECT_EQ(read_npy(write("u.npy", npy(dict(order + "u2", "(3,)"), u2))).values,
              (std::vector<double>{0, 1, 65535}));
    std::string f8 = double_bytes(-0.125, big) + double_bytes(1e300, big);
    EXPECT_EQ(read_npy(write("d.npy", npy(dict(order + "f8", "(2,)"), f8))).values,
              (std::vector<double>{-0.125, 1e300}));
    std::string f4 = float_bytes(0.5F, big) + float_bytes(-3.25F, big);
    EXPECT_EQ(read_npy(write("f.npy", npy(dict(order + "f4", "(2, 1)"), f4))).values,
              (std::vector<double>{0.5, -3.25}));
  }
  // One byte, NaN kept, versions 2 and 3, a column in Fortran order.
  EXPECT_EQ(read_npy(write("b.npy", npy(dict("|i1", "(2,)"), "\x7F\x80"))).values,
            (std::vector<double>{127, -128}));
  const auto nan = read_npy(write("n.npy", npy(dict("<f8", "(1,)"), double_bytes(NAN, false), 2)));
  ASSERT_EQ(nan.values.size(), 1U);
  EXPECT_TRUE(std::isnan(nan.values[0]));
  EXPECT_EQ(read_npy(write("v3.npy", npy(dict("<f8", "(1, 1)", true), double_bytes(2.0, false), 3)))
                .values,
            (std::vector<double>{2.0}));
  EXPECT_TRUE(read_npy(write("e.npy", npy(dict("<f8", "(0,)"), ""))).values.empty());
}

TEST(npy_sniff, magic_only) {
  EXPECT_TRUE(resonant::drivers::looks_like_npy(npy(dict("<f8", "(0,)"), "")));
  EXPECT_FALSE(resonant::drivers::looks_like_npy("\x93NUMP"));
  EXPECT_FALSE(resonant::drivers::looks_like_npy("rr\n800\n"));
}

TEST_F(npy_reader_test, anything_else_is_refused_naming_the_file) {
  EXPECT_EQ(error_for("a.npy", npy(dict("<f8", "(2, 3)"), std::string(48, '\0'))),
            "a.npy: holds an array of shape (2, 3); only one-dimensional arrays (N,) or (N, 1) "
            "can be read");
  EXPECT_EQ(error_for("a.npy", npy(dict("|O", "(2,)"), std::string(16, '\0'))),
            "a.npy: has dtype \"|O\" (supported: f4 f8 i1 i2 i4 i8 u1 u2 u4 u8, any byte order)");
  EXPECT_EQ(error_for("a.npy", npy(dict("<c16", "(1,)"), std::string(16, '\0'))),
            "a.npy: has dtype \"<c16\" (supported: f4 f8 i1 i2 i4 i8 u1 u2 u4 u8, any byte order)");
  EXPECT_EQ(error_for("a.npy", npy("{'descr': [('a', '<f8')], 'fortran_order': False, "
                                   "'shape': (1,), }",
                                   std::string(8, '\0'))),
            "a.npy: has a structured dtype; only one number per element is supported");
  EXPECT_EQ(error_for("a.npy", npy(dict("<f8", "(3,)"), std::string(20, '\0'))),
            "a.npy: is truncated: the shape says 3 values (24 bytes), the file holds 20 bytes "
            "of data");
  EXPECT_EQ(error_for("a.npy", npy(dict("<f8", "(1,)"), std::string(9, '\0'))),
            "a.npy: has 1 bytes after the data the shape describes");
  EXPECT_EQ(error_for("a.npy", npy(dict("<f8", "(300000000,)"), "")),
            "a.npy: holds 300000000 values, over the limit of 200000000");
  EXPECT_EQ(error_for("a.npy", npy(dict("<f8", "(99999999999999999999,)"), "")),
            "a.npy: has an invalid .npy header (shape holds something other than integers)");
  EXPECT_EQ(error_for("a.npy", "PK\x03\x04 zip"),
            "a.npy: is not a .npy file (no \\x93NUMPY magic)");
  EXPECT_EQ(error_for("a.npy", npy(dict("<f8", "(1,)"), double_bytes(1, false), 4)),
            "a.npy: has .npy format version 4.0 (supported: 1, 2, 3)");
  EXPECT_EQ(error_for("a.npy", std::string("\x93NUMPY\x02\x00\x01\x00\x00\x01", 12)),
            "a.npy: has a .npy header of 16777217 bytes, over the limit of 1 MiB");
  EXPECT_EQ(error_for("a.npy", npy(dict("<\x1b[2J", "(1,)"), "")),
            "a.npy: has dtype \"<\\x1B[2J\" (supported: f4 f8 i1 i2 i4 i8 u1 u2 u4 u8, any byte "
            "order)");
  std::string cut = npy(dict("<f8", "(1,)"), "");
  cut.resize(40);
  EXPECT_EQ(error_for("a.npy", cut), "a.npy: is truncated inside the .npy header");
  EXPECT_EQ(error_for("a.npy", npy("{'descr': '<f8', 'shape': (1,), }", double_bytes(1, false))),
            "a.npy: has an invalid .npy header (descr, fortran_order or shape missing)");
}

}  // namespace
