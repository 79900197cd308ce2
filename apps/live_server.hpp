#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace resonant::apps {

// Where `--serve [ADDR:]PORT` listens. The address defaults to loopback; any other address is
// refused unless `allow_public` (--serve-public) is set, and then every request needs the token.
struct serve_spec {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: the system picks a free port
};

// Parses "PORT", "ADDR:PORT" or "[V6ADDR]:PORT". Throws std::invalid_argument naming the text.
[[nodiscard]] serve_spec parse_serve_spec(const std::string& text);

// 128 random bits from /dev/urandom as 32 lowercase hex digits. Throws std::system_error.
[[nodiscard]] std::string random_token();

// What the server does with one request, decided from its target, Host and Origin headers
// alone (pure, so the security rules are tested without sockets):
//   page / stream  GET "/" or "/stream" (a query is allowed; "token=..." must equal the token
//                  when one is set; compared in constant time)
//   forbidden      right path, missing or wrong token; or a Host that is not loopback on a
//                  loopback server (DNS rebinding); or an Origin that is not this server
//                  (another site's page opening the stream)
//   not_found      anything else: there are no files behind the server, no path is decoded
enum class live_route { page, stream, forbidden, not_found };
struct live_request {
  std::string_view method;
  std::string_view target;
  std::string_view host;    // Host header ("" if absent)
  std::string_view origin;  // Origin header ("" if absent)
};
[[nodiscard]] live_route route_live_request(const live_request& r, std::string_view token,
                                            bool loopback_only);

// The live view's HTTP and WebSocket server (Boost.Beast), on its own thread with its own
// io_context, so neither the engine loop nor the audio callback ever waits for a client.
//
// Frames. publish() takes one JSON text (a line of --format jsonl without the newline) from
// any thread and posts it to the server thread, which appends it to every open stream's queue.
// Drop policy: at most `max_pending` frames may wait to be posted (more are counted and
// dropped), and each client's queue holds at most `max_queued` frames; when a slow client's
// queue is full the new frame is skipped for that client (counted) - a client that skipped
// `max_skipped_in_row` frames in a row is closed. The engine thread never blocks.
//
// Requests: GET / is the live page (web/live.html with its scripts inlined at build time),
// GET /stream upgrades to a WebSocket that only sends; anything else is 404. Nothing from the
// file system is ever served.
class live_server {
 public:
  static constexpr std::size_t max_queued = 512;
  static constexpr std::size_t max_pending = 4096;
  static constexpr std::size_t max_skipped_in_row = 2048;
  static constexpr std::size_t max_clients = 32;

  // Binds and starts serving. A non-loopback address without `allow_public` throws
  // std::invalid_argument; bind errors throw std::system_error naming the address.
  live_server(const serve_spec& spec, bool allow_public);
  ~live_server();
  live_server(const live_server&) = delete;
  live_server& operator=(const live_server&) = delete;

  // The page's URL, with ?token=... when a token is required.
  [[nodiscard]] std::string url() const;
  [[nodiscard]] std::uint16_t port() const noexcept;

  // Any thread; never blocks (one allocation for the shared frame).
  void publish(std::string frame);

  [[nodiscard]] std::uint64_t dropped() const noexcept;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

// The live page, embedded at build time (apps/live_page.cpp is generated from web/).
[[nodiscard]] std::string_view live_page_html() noexcept;

}  // namespace resonant::apps
