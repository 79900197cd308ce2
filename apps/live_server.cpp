#include "live_server.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <deque>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>  // before Asio: GCC 12 + Boost 1.74 in C++20 need std::exchange declared
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace resonant::apps {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;

constexpr std::size_t max_header_bytes = 8192;
constexpr auto request_timeout = std::chrono::seconds(10);

bool equal_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(static_cast<unsigned char>(a[i]) ^
                                       static_cast<unsigned char>(b[i]));
  return diff == 0;
}

// The value of `token=` in a query string ("" when absent).
std::string_view token_of(std::string_view query) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (pair.starts_with("token=")) return pair.substr(6);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

// The host part of a Host header value: "127.0.0.1:8080" -> "127.0.0.1", "[::1]:80" -> "[::1]".
std::string_view host_part(std::string_view host) {
  if (host.starts_with('[')) {
    const std::size_t close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(0, close + 1);
  }
  return host.substr(0, host.find(':'));
}

bool loopback_host(std::string_view host) {
  const std::string_view h = host_part(host);
  return h == "127.0.0.1" || h == "localhost" || h == "[::1]";
}

}  // namespace

serve_spec parse_serve_spec(const std::string& text) {
  serve_spec spec;
  std::string_view port_text = text;
  const std::size_t colon = text.rfind(':');
  if (colon != std::string::npos) {
    std::string addr = text.substr(0, colon);
    if (addr.size() >= 2 && addr.front() == '[' && addr.back() == ']')
      addr = addr.substr(1, addr.size() - 2);
    if (addr == "localhost") addr = "127.0.0.1";
    boost::system::error_code ec;
    (void)asio::ip::make_address(addr, ec);
    if (ec || addr.empty())
      throw std::invalid_argument("--serve: \"" + addr +
                                  "\" is not an IP address (use e.g. 127.0.0.1:8080 or 8080)");
    spec.address = addr;
    port_text = std::string_view(text).substr(colon + 1);
  }
  unsigned value = 0;
  const auto [ptr, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
  if (port_text.empty() || ec != std::errc{} || ptr != port_text.data() + port_text.size() ||
      value > 65535)
    throw std::invalid_argument("--serve: the port must be a number from 0 to 65535, not \"" +
                                std::string(port_text) + "\"");
  spec.port = static_cast<std::uint16_t>(value);
  return spec;
}

std::string random_token() {
  const int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "/dev/urandom");
  std::array<unsigned char, 16> bytes{};
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      ::close(fd);
      throw std::system_error(err, std::generic_category(), "reading /dev/urandom");
    }
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  static constexpr std::string_view hex = "0123456789abcdef";
  std::string out;
  for (const unsigned char b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 0xf];
  }
  return out;
}

live_route route_live_request(const live_request& r, std::string_view token, bool loopback_only) {
  const std::size_t q = r.target.find('?');
  const std::string_view path = r.target.substr(0, q);
  const std::string_view query =
      q == std::string_view::npos ? std::string_view{} : r.target.substr(q + 1);
  if (r.method != "GET" || (path != "/" && path != "/stream")) return live_route::not_found;
  if (!token.empty() && !equal_constant_time(token_of(query), token)) return live_route::forbidden;
  if (loopback_only && !loopback_host(r.host)) return live_route::forbidden;
  if (!r.origin.empty()) {
    const std::string_view scheme = "http://";
    if (!r.origin.starts_with(scheme) || r.origin.substr(scheme.size()) != r.host)
      return live_route::forbidden;
  }
  return path == "/" ? live_route::page : live_route::stream;
}

// ---------------------------------------------------------------------------------------------

struct live_server::impl {
  class client;

  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::string token;
  bool loopback_only = true;
  std::string url;
  std::uint16_t port = 0;
  std::vector<std::shared_ptr<client>> clients;  // server thread only
  std::atomic<std::size_t> pending{0};
  std::atomic<std::uint64_t> dropped{0};
  std::thread thread;

  void accept();
  void serve(tcp::socket socket);
  void broadcast(const std::shared_ptr<const std::string>& frame);
  void remove(const client* c) {
    std::erase_if(clients, [c](const auto& p) { return p.get() == c; });
  }
};

// One open /stream: a queue of frames written one at a time, and a read loop that only
// notices the close.
class live_server::impl::client : public std::enable_shared_from_this<client> {
 public:
  client(impl& server, beast::tcp_stream stream) : server_(server), ws_(std::move(stream)) {}

  void start(http::request<http::empty_body> req) {
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(1024);
    ws_.async_accept(req, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return;
      self->server_.clients.push_back(self);
      self->read();
    });
  }

  void deliver(const std::shared_ptr<const std::string>& frame) {
    if (queue_.size() >= max_queued) {
      server_.dropped.fetch_add(1, std::memory_order_relaxed);
      if (++skipped_in_row_ >= max_skipped_in_row) close();
      return;
    }
    skipped_in_row_ = 0;
    queue_.push_back(frame);
    if (queue_.size() == 1) write();
  }

  void close() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    server_.remove(this);
  }

 private:
  void write() {
    ws_.text(true);
    ws_.async_write(asio::buffer(*queue_.front()),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      if (ec) {
                        self->server_.remove(self.get());
                        return;
                      }
                      self->queue_.pop_front();
                      if (!self->queue_.empty()) self->write();
                    });
  }

  void read() {
    ws_.async_read(in_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        self->server_.remove(self.get());
        return;
      }
      self->in_.consume(self->in_.size());
      self->read();
    });
  }

  impl& server_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer in_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  std::size_t skipped_in_row_ = 0;
};

namespace {

// Reads one request, answers it or hands the connection to a WebSocket client.
class http_exchange : public std::enable_shared_from_this<http_exchange> {
 public:
  using on_stream = std::function<void(beast::tcp_stream, http::request<http::empty_body>)>;

  http_exchange(tcp::socket socket, std::string_view token, bool loopback_only,
                on_stream stream_handler)
      : stream_(std::move(socket)),
        token_(token),
        loopback_only_(loopback_only),
        on_stream_(std::move(stream_handler)) {
    parser_.header_limit(max_header_bytes);
    parser_.body_limit(0);
  }

  void start() {
    stream_.expires_after(request_timeout);
    http::async_read(stream_, buf_, parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (!ec) self->answer();
                     });
  }

 private:
  void answer() {
    http::request<http::empty_body> req = parser_.release();
    const live_request r{
        std::string_view(req.method_string().data(), req.method_string().size()),
        std::string_view(req.target().data(), req.target().size()),
        std::string_view(req[http::field::host].data(), req[http::field::host].size()),
        std::string_view(req[http::field::origin].data(), req[http::field::origin].size())};
    const live_route route = route_live_request(r, token_, loopback_only_);
    if (route == live_route::stream && websocket::is_upgrade(req)) {
      on_stream_(std::move(stream_), std::move(req));
      return;
    }
    res_.version(req.version());
    res_.keep_alive(false);
    res_.set(http::field::server, "resonant");
    res_.set(http::field::cache_control, "no-store");
    res_.set("X-Content-Type-Options", "nosniff");
    res_.set("Referrer-Policy", "no-referrer");
    if (route == live_route::page) {
      res_.result(http::status::ok);
      res_.set(http::field::content_type, "text/html; charset=utf-8");
      res_.set("Content-Security-Policy",
               "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
               "connect-src 'self'; img-src data:");
      res_.body() = live_page_html();
    } else {
      res_.result(route == live_route::forbidden ? http::status::forbidden
                  : route == live_route::stream  ? http::status::upgrade_required
                                                 : http::status::not_found);
      res_.set(http::field::content_type, "text/plain; charset=utf-8");
      res_.body() = std::string(res_.reason()) + "\n";
    }
    res_.prepare_payload();
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code, std::size_t) {
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buf_;
  http::request_parser<http::empty_body> parser_;
  http::response<http::string_body> res_;
  std::string token_;
  bool loopback_only_;
  on_stream on_stream_;
};

}  // namespace

void live_server::impl::accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) serve(std::move(socket));
    accept();
  });
}

void live_server::impl::serve(tcp::socket socket) {
  std::make_shared<http_exchange>(
      std::move(socket), token, loopback_only,
      [this](beast::tcp_stream stream, http::request<http::empty_body> req) {
        if (clients.size() >= max_clients) return;  // the connection closes
        std::make_shared<client>(*this, std::move(stream))->start(std::move(req));
      })
      ->start();
}

void live_server::impl::broadcast(const std::shared_ptr<const std::string>& frame) {
  // deliver() may close a client, which removes it from `clients`.
  const std::vector<std::shared_ptr<client>> now = clients;
  for (const auto& c : now) c->deliver(frame);
}

live_server::live_server(const serve_spec& spec, bool allow_public)
    : impl_(std::make_shared<impl>()) {
  boost::system::error_code ec;
  const asio::ip::address addr = asio::ip::make_address(spec.address, ec);
  if (ec) throw std::invalid_argument("--serve: \"" + spec.address + "\" is not an IP address");
  if (!addr.is_loopback() && !allow_public)
    throw std::invalid_argument("--serve " + spec.address +
                                ": not a loopback address; anyone on the network could watch. "
                                "Add --serve-public to serve it with an access token");
  impl_->loopback_only = addr.is_loopback();
  if (!impl_->loopback_only) impl_->token = random_token();
  const tcp::endpoint ep(addr, spec.port);
  const auto fail = [&](const boost::system::error_code& e) {
    throw std::system_error(e, "--serve " + spec.address + ":" + std::to_string(spec.port));
  };
  impl_->acceptor.open(ep.protocol(), ec);
  if (ec) fail(ec);
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  impl_->acceptor.bind(ep, ec);
  if (ec) fail(ec);
  impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) fail(ec);
  impl_->port = impl_->acceptor.local_endpoint().port();
  const std::string host = addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string();
  impl_->url = "http://" + host + ":" + std::to_string(impl_->port) + "/";
  if (!impl_->token.empty()) impl_->url += "?token=" + impl_->token;
  impl_->accept();
  impl_->thread = std::thread([i = impl_.get()] { i->io.run(); });
}

live_server::~live_server() {
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::string live_server::url() const {
  return impl_->url;
}

std::uint16_t live_server::port() const noexcept {
  return impl_->port;
}

std::uint64_t live_server::dropped() const noexcept {
  return impl_->dropped.load(std::memory_order_relaxed);
}

void live_server::publish(std::string frame) {
  impl& s = *impl_;
  // Relaxed: the counter only bounds the backlog; the frame itself travels through post().
  if (s.pending.fetch_add(1, std::memory_order_relaxed) >= max_pending) {
    s.pending.fetch_sub(1, std::memory_order_relaxed);
    s.dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  asio::post(s.io, [&s, f = std::make_shared<const std::string>(std::move(frame))] {
    s.pending.fetch_sub(1, std::memory_order_relaxed);
    s.broadcast(f);
  });
}

}  // namespace resonant::apps
