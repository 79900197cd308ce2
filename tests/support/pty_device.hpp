#pragma once

// An in-process pseudo-terminal standing in for a serial device (tests only).
#include <fcntl.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

namespace resonant::test {

// A pseudo-terminal pair made in-process (posix_openpt): the test writes device output to the
// master; the source opens the slave by name (through a symlink, so that a "replugged" device
// can appear at the same path). The slave is put in raw mode and kept open by the test so that
// bytes written before the source opens it are buffered.
class pty_device {
 public:
  pty_device() {
    master_ = posix_openpt(O_RDWR | O_NOCTTY);
    if (master_ < 0 || grantpt(master_) != 0 || unlockpt(master_) != 0)
      throw std::runtime_error("cannot create a pseudo-terminal");
    slave_name_ = ptsname(master_);
    slave_ = ::open(slave_name_.c_str(), O_RDWR | O_NOCTTY);
    if (slave_ < 0) throw std::runtime_error("cannot open " + slave_name_);
    termios t{};
    tcgetattr(slave_, &t);
    cfmakeraw(&t);
    tcsetattr(slave_, TCSANOW, &t);
  }
  ~pty_device() { unplug(); }
  pty_device(const pty_device&) = delete;
  pty_device& operator=(const pty_device&) = delete;

  void write(const std::string& bytes) const {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(master_, bytes.data() + done, bytes.size() - done);
      if (n <= 0) return;  // unplugged meanwhile
      done += static_cast<std::size_t>(n);
    }
  }
  void unplug() {
    if (master_ >= 0) ::close(master_);
    if (slave_ >= 0) ::close(slave_);
    master_ = slave_ = -1;
  }
  [[nodiscard]] const std::string& slave_name() const { return slave_name_; }

 private:
  int master_ = -1;
  int slave_ = -1;
  std::string slave_name_;
};

}  // namespace resonant::test
