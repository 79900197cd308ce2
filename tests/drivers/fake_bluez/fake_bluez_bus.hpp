#pragma once

// A private D-Bus "system" bus for tests, optionally with the fake BlueZ of fake_bluez.py
// (python-dbusmock) on it. Sets DBUS_SYSTEM_BUS_ADDRESS for this process and its children, so
// the real sdbus-c++ client and the `resonant` executable talk to it. Drives the fake with
// `gdbus call` (libglib2.0-bin). Readiness is polled (never a fixed sleep).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/scratch_dir.hpp"

extern char** environ;  // NOLINT: POSIX

namespace resonant::test {

// Runs a shell command, returns its exit code and stdout (with stderr merged in, or discarded).
inline std::pair<int, std::string> shell(const std::string& cmd, bool with_stderr = false) {
  FILE* p = popen((cmd + (with_stderr ? " 2>&1" : " 2>/dev/null")).c_str(), "r");
  if (p == nullptr) return {-1, ""};
  std::string out;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// Polls cond every 20 ms until it holds or timeout passes; generous timeouts for loaded CI.
inline bool eventually(const std::function<bool()>& cond,
                       std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return cond();
}

class fake_bluez_bus {
 public:
  static std::filesystem::path template_path() {
    return std::filesystem::path(RESONANT_FAKE_BLUEZ_PY);
  }

  // Why these tests cannot run here, or nullopt when everything needed is installed.
  static std::optional<std::string> missing_tools() {
    if (!std::filesystem::exists("/usr/bin/dbus-daemon")) return "dbus-daemon is not installed";
    if (!std::filesystem::exists("/usr/bin/setpriv")) return "setpriv (util-linux) is missing";
    if (!std::filesystem::exists("/usr/bin/gdbus"))
      return "gdbus (libglib2.0-bin) is not installed";
    if (shell("/usr/bin/python3 -c 'import dbusmock'").first != 0)
      return "python3-dbusmock is not installed for /usr/bin/python3";
    return std::nullopt;
  }

  fake_bluez_bus(const std::filesystem::path& dir, bool with_bluez) : dir_(dir) {
    {
      std::ofstream conf(dir / "bus.conf");
      conf << "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
              " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
              // unix socket paths are limited to 108 bytes: not in the (long) test dir
              "<busconfig><type>system</type><listen>unix:tmpdir=/tmp</listen>\n<policy "
              "context=\"default\"><allow send_destination=\"*\" "
              "eavesdrop=\"true\"/><allow eavesdrop=\"true\"/><allow own=\"*\"/></policy>\n"
              "</busconfig>\n";
    }
    // Both helpers run under `setpriv --pdeathsig KILL`: if this process dies without running
    // the destructor (a sanitizer abort, a crash), they die with it instead of holding the
    // test runner's output pipe open and hanging it.
    const auto out = dir / "bus.out";
    bus_pid_ = spawn({"/usr/bin/dbus-daemon", "--config-file=" + (dir / "bus.conf").string(),
                      "--nofork", "--print-address=1"},
                     out, dir / "bus.err");
    const bool listening = eventually([&] {
      std::ifstream in(out);
      return std::getline(in, address_) && !in.eof();  // the whole first line is written
    });
    if (!listening) throw std::runtime_error("dbus-daemon did not start (see bus.err)");
    ::setenv("DBUS_SYSTEM_BUS_ADDRESS", address_.c_str(), 1);
    if (!with_bluez) return;

    mock_pid_ = spawn({"/usr/bin/python3", "-m", "dbusmock", "--system", "-t",
                       template_path().string(), "-l", (dir / "mock.log").string()},
                      dir / "mock.out", dir / "mock.err");
    const bool up = eventually([this] {
      return gdbus("org.freedesktop.DBus", "/org/freedesktop/DBus",
                   "org.freedesktop.DBus.NameHasOwner", "org.bluez") == "(true,)";
    });
    if (!up) throw std::runtime_error("the fake BlueZ did not come up on the bus");
  }

  ~fake_bluez_bus() {
    for (const pid_t pid : {mock_pid_, bus_pid_}) {
      if (pid <= 0) continue;
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
    ::unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
  }
  fake_bluez_bus(const fake_bluez_bus&) = delete;
  fake_bluez_bus& operator=(const fake_bluez_bus&) = delete;

  [[nodiscard]] const std::string& address() const { return address_; }

  // `gdbus call`; returns the printed reply without the trailing newline ("" on error).
  [[nodiscard]] std::string gdbus(const std::string& dest, const std::string& path,
                                  const std::string& method, const std::string& args = "") const {
    auto [rc, out] = shell("/usr/bin/gdbus call --address '" + address_ + "' -d " + dest + " -o " +
                           path + " -m " + method + " " + args);
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return rc == 0 ? out : std::string();
  }
  // A call to the fake's test controls (org.bluez.Mock on "/").
  [[nodiscard]] std::string mock(const std::string& method, const std::string& args = "") const {
    return gdbus("org.bluez", "/", "org.bluez.Mock." + method, args);
  }
  [[nodiscard]] unsigned call_count(const std::string& path, const std::string& method) const {
    const std::string r = mock("CallCount", path + " " + method);  // "(uint32 N,)"
    const auto sp = r.find(' ');
    return sp == std::string::npos ? 0U : static_cast<unsigned>(std::stoul(r.substr(sp + 1)));
  }
  // Sends a notification once the client has subscribed (polls until it is delivered).
  [[nodiscard]] bool notify(const std::string& char_path, const std::vector<int>& bytes) const {
    std::string arr = "\"[";
    for (std::size_t i = 0; i < bytes.size(); ++i)
      arr += (i != 0 ? ", " : "") + std::string("byte ") + std::to_string(bytes[i]);
    arr += "]\"";
    if (bytes.empty()) arr = "\"@ay []\"";
    return eventually([&] { return mock("Notify", char_path + " " + arr) == "(true,)"; });
  }

 private:
  // Starts argv under `setpriv --pdeathsig KILL` with stdout and stderr sent to files.
  static pid_t spawn(std::vector<std::string> args, const std::filesystem::path& out,
                     const std::filesystem::path& err) {
    args.insert(args.begin(), {"/usr/bin/setpriv", "--pdeathsig", "KILL", "--"});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error("cannot start " + args[4]);
    return pid;
  }

  std::filesystem::path dir_;
  std::string address_;
  pid_t bus_pid_ = -1;
  pid_t mock_pid_ = -1;
};

// Base fixture of the tests that need a private bus: a scratch directory, and the test is
// skipped (with the reason) when dbus-daemon, gdbus, setpriv or python3-dbusmock is missing.
class fake_bluez_test : public scratch_dir_test {
 protected:
  void SetUp() override {
    scratch_dir_test::SetUp();
    if (auto why = fake_bluez_bus::missing_tools()) GTEST_SKIP() << *why;
  }
};

}  // namespace resonant::test
