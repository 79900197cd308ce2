// Runs a libFuzzer entry point without libFuzzer (GCC builds, CTest): every file named on the
// command line is fed as one input, then a deterministic stream of pseudo-random inputs
// (lengths 0-512, and mutations of the given files) so that CI exercises the decoder under
// the sanitizers on every run. With clang and RESONANT_BUILD_FUZZ=ON the same entry point is
// linked with -fsanitize=fuzzer instead, for coverage-guided fuzzing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  std::vector<std::vector<std::uint8_t>> seeds;
  long iterations = 20000;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("-runs=", 0) == 0) {
      iterations = std::strtol(arg.c_str() + 6, nullptr, 10);
      continue;
    }
    std::ifstream in(arg, std::ios::binary);
    if (!in) {
      std::cerr << arg << ": cannot open\n";
      return 2;
    }
    seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  for (const auto& s : seeds) LLVMFuzzerTestOneInput(s.data(), s.size());

  std::mt19937_64 rng(0x5eed);
  std::vector<std::uint8_t> buf;
  for (long n = 0; n < iterations; ++n) {
    if (!seeds.empty() && (n % 2) == 0) {
      buf = seeds[static_cast<std::size_t>(rng() % seeds.size())];
      const auto flips = 1 + rng() % 4;
      for (std::uint64_t k = 0; k < flips && !buf.empty(); ++k)
        buf[rng() % buf.size()] = static_cast<std::uint8_t>(rng());
      if (rng() % 4 == 0) buf.resize(rng() % (buf.size() + 1));
    } else {
      buf.resize(rng() % 513);
      for (auto& b : buf) b = static_cast<std::uint8_t>(rng());
    }
    LLVMFuzzerTestOneInput(buf.data(), buf.size());
  }
  std::cout << "ran " << seeds.size() << " seed inputs and " << iterations << " generated inputs\n";
  return 0;
}
