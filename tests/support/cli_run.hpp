#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace resonant::test {

struct run_result {
  int exit_code;
  std::string out;  // stdout and stderr together
};

// Runs a shell command and collects its standard output and exit code (-1 when it did not
// exit normally).
//
// run_resonant: runs `resonant ARGS` (the binary under test, RESONANT_EXE) through the shell, with
// `env`
// ("NAME=value ...") in its environment, and collects its output (stdout, and stderr unless
// merge_stderr is false) and exit code (-1 when it did not exit normally).
inline run_result run_shell(const std::string& cmd) {
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return {-1, ""};
  std::string out;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// `before` runs in the same shell first (e.g. "ulimit -f 10 && ").
inline run_result run_resonant(const std::string& args, const std::string& env = "",
                               bool merge_stderr = true, const std::string& before = "") {
  return run_shell(before + (env.empty() ? std::string() : "env " + env + " ") +
                   std::string(RESONANT_EXE) + " " + args + (merge_stderr ? " 2>&1" : ""));
}

#ifdef RESONANT_DATA_DIR
inline std::string data_file(const std::string& rel) {
  return std::string(RESONANT_DATA_DIR) + "/" + rel;
}
#endif

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace resonant::test
