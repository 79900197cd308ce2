#pragma once

// Clients for the live server's tests: plain HTTP GET and a WebSocket reader (Boost.Beast),
// the listening sockets of a process (/proc), and the URL the server prints.
#include <dirent.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>  // before Asio: GCC 12 + Boost 1.74 in C++20 need std::exchange declared

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace resonant::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;

struct http_reply {
  int status = 0;
  std::string body;
};

// One GET with the target sent exactly as given (no normalisation), and an optional Host.
inline http_reply http_get(const std::string& address, std::uint16_t port,
                           const std::string& target, const std::string& host = "") {
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address(address), port));
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, host.empty() ? address + ":" + std::to_string(port) : host);
  http::write(s, req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  beast::error_code ec;
  http::read(s, buf, res, ec);
  if (ec && ec != http::error::end_of_stream) return {-1, ec.message()};
  return {static_cast<int>(res.result_int()), res.body()};
}

// A WebSocket client of /stream that reads text frames with a deadline.
class stream_client {
 public:
  // Throws boost::system::system_error when the server declines (e.g. 403).
  stream_client(const std::string& address, std::uint16_t port, const std::string& target)
      : ws_(io_) {
    beast::get_lowest_layer(ws_).connect(tcp::endpoint(asio::ip::make_address(address), port));
    ws_.handshake(address + ":" + std::to_string(port), target);
  }
  // The next frame, or nothing when none came within `deadline`. A read that times out stays
  // pending and is completed by the next call (cancelling a WebSocket read would break the
  // stream).
  std::optional<std::string> read(std::chrono::milliseconds deadline) {
    if (!pending_) {
      pending_ = true;
      done_ = false;
      result_.reset();
      buf_.clear();
      ws_.async_read(buf_, [this](beast::error_code ec, std::size_t) {
        done_ = true;
        if (!ec) result_ = beast::buffers_to_string(buf_.data());
      });
    }
    io_.restart();
    io_.run_for(deadline);
    if (!done_) return std::nullopt;
    pending_ = false;
    return result_;
  }

 private:
  asio::io_context io_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buf_;
  bool pending_ = false;
  bool done_ = false;
  std::optional<std::string> result_;
};

// The text after the first `marker` at or after `from`, up to (not including) the first of
// `stops` (or the end); nullopt when the marker is not there. (No std::regex: GCC 12 warns
// falsely about its std::function state under the sanitizer builds.)
inline std::optional<std::string> text_after(const std::string& s, std::string_view marker,
                                             std::string_view stops, std::size_t from = 0) {
  const auto at = s.find(marker, from);
  if (at == std::string::npos) return std::nullopt;
  const auto begin = at + marker.size();
  const auto end = s.find_first_of(stops, begin);
  return s.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

// The port in "live view at http://ADDR:PORT/..." (0 when not printed yet), and the token.
inline std::uint16_t printed_port(const std::string& err) {
  const auto url = text_after(err, "live view at http://", " \n");
  if (!url) return 0;
  const std::string hostport = url->substr(0, url->find('/'));
  const auto colon = hostport.rfind(':');
  if (colon == std::string::npos || colon + 1 == hostport.size()) return 0;
  const std::string digits = hostport.substr(colon + 1);
  if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 5) return 0;
  return static_cast<std::uint16_t>(std::stoi(digits));
}
inline std::string printed_token(const std::string& err) {
  const auto url = text_after(err, "live view at http://", " \n");
  if (!url) return "";
  const auto token = text_after(*url, "?token=", "");
  if (!token) return "";
  return token->substr(0, token->find_first_not_of("0123456789abcdef"));
}

// Socket inodes a process holds, from /proc/PID/fd.
inline std::set<std::string> socket_inodes(pid_t pid) {
  std::set<std::string> out;
  const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return out;
  while (const dirent* e = readdir(d)) {
    char target[256] = {};
    const std::string link = dir + "/" + e->d_name;
    const ssize_t n = readlink(link.c_str(), target, sizeof target - 1);
    const std::string t(target, n > 0 ? static_cast<std::size_t>(n) : 0);
    if (t.starts_with("socket:[")) out.insert(t.substr(8, t.size() - 9));
  }
  closedir(d);
  return out;
}

// Lines of /proc/net/{tcp,tcp6} (state 0A = LISTEN) or {udp,udp6} (state 07 = bound) whose
// inode is one of the process's sockets.
inline int sockets_in_state(pid_t pid, const char* table, const char* state) {
  const std::set<std::string> mine = socket_inodes(pid);
  int n = 0;
  for (const std::string suffix : {"", "6"}) {
    std::ifstream in(std::string("/proc/net/") + table + suffix);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::string sl, local, remote, st, queues, timer, retr, uid, timeout, inode;
      f >> sl >> local >> remote >> st >> queues >> timer >> retr >> uid >> timeout >> inode;
      if (st == state && mine.count(inode) != 0) ++n;
    }
  }
  return n;
}

// Whether any process has a UDP socket bound to this port (for oscdump's start).
inline bool udp_port_bound(std::uint16_t port) {
  char hex[8];
  std::snprintf(hex, sizeof hex, ":%04X", port);
  for (const char* table : {"/proc/net/udp", "/proc/net/udp6"}) {
    std::ifstream in(table);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::string sl, local;
      f >> sl >> local;
      if (local.ends_with(hex)) return true;
    }
  }
  return false;
}

// An IPv4 address of this machine that is not loopback ("" when there is none).
inline std::string non_loopback_ipv4() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "";
  std::string out;
  for (const ifaddrs* a = list; a != nullptr && out.empty(); a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
    if ((a->ifa_flags & IFF_UP) == 0 || (a->ifa_flags & IFF_LOOPBACK) != 0) continue;
    sockaddr_in sin{};
    std::memcpy(&sin, a->ifa_addr, sizeof sin);
    out = asio::ip::address_v4(ntohl(sin.sin_addr.s_addr)).to_string();
  }
  freeifaddrs(list);
  return out;
}

}  // namespace resonant::test
