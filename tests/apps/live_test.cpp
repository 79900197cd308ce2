// The live outputs (issue 16): the server's request rules, the server in process (frames,
// slow clients, 404s), and the real binary: WebSocket frames during a replay carry the fields
// of --format jsonl, --serve-public needs the token from a non-loopback client, no port is open
// without --serve, OSC messages reach liblo's oscdump, and jsonl to stdout is a live stream.
#include <chrono>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "apps/live_server.hpp"
#include "engine/metric_format.hpp"
#include "live_support.hpp"
#include "support/child_process.hpp"
#include "support/cli_run.hpp"
#include "support/scratch_dir.hpp"

namespace {

using resonant::apps::live_request;
using resonant::apps::live_route;
using resonant::apps::route_live_request;
using resonant::test::child_process;
using resonant::test::data_file;
using namespace std::chrono_literals;

const std::string long_rr = data_file("recordings/nsr2db_nsr001_rr_secs.txt");

live_route route(std::string_view target, std::string_view token = "", bool loopback = true,
                 std::string_view host = "127.0.0.1:8080", std::string_view origin = "") {
  return route_live_request({"GET", target, host, origin}, token, loopback);
}

TEST(live_route, serves_only_the_page_and_the_stream) {
  EXPECT_EQ(route("/"), live_route::page);
  EXPECT_EQ(route("/?anything=1"), live_route::page);
  EXPECT_EQ(route("/stream"), live_route::stream);
  for (const char* t :
       {"/etc/passwd", "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/%2e%2e", "//etc/passwd",
        "/index.html", "/stream/../etc/passwd", "/./", "", "*", "http://127.0.0.1/etc/passwd"})
    EXPECT_EQ(route(t), live_route::not_found) << t;
  EXPECT_EQ(route_live_request({"POST", "/", "127.0.0.1:1", ""}, "", true), live_route::not_found);
}

TEST(live_route, a_token_is_required_when_set) {
  const std::string token = "0123456789abcdef0123456789abcdef";
  EXPECT_EQ(route("/", token, false), live_route::forbidden);
  EXPECT_EQ(route("/stream", token, false), live_route::forbidden);
  EXPECT_EQ(route("/?token=", token, false), live_route::forbidden);
  EXPECT_EQ(route("/?token=0123456789abcdef0123456789abcdee", token, false), live_route::forbidden);
  EXPECT_EQ(route("/?token=0123456789abcdef0123456789abcdef0", token, false),
            live_route::forbidden);
  EXPECT_EQ(route("/?token=" + token, token, false, "192.0.2.2:80"), live_route::page);
  EXPECT_EQ(route("/stream?x=1&token=" + token, token, false, "192.0.2.2:80"), live_route::stream);
  EXPECT_EQ(route("/etc/passwd?token=" + token, token, false), live_route::not_found);
}

TEST(live_route, loopback_server_refuses_other_hosts_and_other_sites) {
  EXPECT_EQ(route("/", "", true, "localhost:8080"), live_route::page);
  EXPECT_EQ(route("/", "", true, "[::1]:8080"), live_route::page);
  // DNS rebinding: a page of evil.example resolved to 127.0.0.1.
  EXPECT_EQ(route("/", "", true, "evil.example:8080"), live_route::forbidden);
  EXPECT_EQ(route("/", "", true, ""), live_route::forbidden);
  // Another site's script opening the stream.
  EXPECT_EQ(route("/stream", "", true, "127.0.0.1:8080", "http://evil.example"),
            live_route::forbidden);
  EXPECT_EQ(route("/stream", "", true, "127.0.0.1:8080", "http://127.0.0.1:8080"),
            live_route::stream);
}

TEST(live_server_spec, parses_addresses_and_ports) {
  using resonant::apps::parse_serve_spec;
  EXPECT_EQ(parse_serve_spec("8080").address, "127.0.0.1");
  EXPECT_EQ(parse_serve_spec("8080").port, 8080);
  EXPECT_EQ(parse_serve_spec("0").port, 0);
  EXPECT_EQ(parse_serve_spec("0.0.0.0:9").address, "0.0.0.0");
  EXPECT_EQ(parse_serve_spec("[::1]:9").address, "::1");
  EXPECT_EQ(parse_serve_spec("localhost:9").address, "127.0.0.1");
  for (const char* bad : {"", "x", "65536", "-1", "host.example:80", "1.2.3.4:", ":80x"})
    EXPECT_THROW((void)parse_serve_spec(bad), std::invalid_argument) << bad;
}

TEST(live_server_spec, tokens_are_128_random_bits) {
  const std::string a = resonant::apps::random_token();
  const std::string b = resonant::apps::random_token();
  EXPECT_EQ(a.size(), 32U);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
}

TEST(live_server, non_loopback_needs_the_public_flag) {
  EXPECT_THROW(resonant::apps::live_server({"0.0.0.0", 0}, false), std::invalid_argument);
}

TEST(live_server, serves_the_page_404_elsewhere_and_streams_published_frames) {
  resonant::apps::live_server server({"127.0.0.1", 0}, false);
  ASSERT_GT(server.port(), 0);
  const auto page = resonant::test::http_get("127.0.0.1", server.port(), "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("Dygraph"), std::string::npos);  // the library is inlined
  EXPECT_NE(page.body.find("/stream"), std::string::npos);
  EXPECT_EQ(page.body.find("sourceMappingURL"), std::string::npos);
  for (const char* t : {"/etc/passwd", "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/live.js",
                        "/dygraph.min.js"})
    EXPECT_EQ(resonant::test::http_get("127.0.0.1", server.port(), t).status, 404) << t;

  resonant::test::stream_client client("127.0.0.1", server.port(), "/stream");
  // The client counts once its handshake is through on the server's thread: publish until
  // frames arrive, then every frame comes in order.
  std::optional<std::string> first;
  for (int i = 0; i < 50 && !first; ++i) {
    server.publish("{\"hello\":" + std::to_string(i) + "}");
    first = client.read(100ms);
  }
  ASSERT_TRUE(first.has_value());
  for (int i = 0; i < 20; ++i) server.publish("{\"n\":" + std::to_string(i) + "}");
  std::vector<std::string> got;
  while (got.size() < 20) {
    const auto f = client.read(2000ms);
    ASSERT_TRUE(f.has_value());
    if (f->starts_with("{\"n\":")) got.push_back(*f);
  }
  for (int i = 0; i < 20; ++i) EXPECT_EQ(got[i], "{\"n\":" + std::to_string(i) + "}");
}

TEST(live_server, a_client_that_never_reads_does_not_block_publishing) {
  resonant::apps::live_server server({"127.0.0.1", 0}, false);
  resonant::test::stream_client client("127.0.0.1", server.port(), "/stream");
  for (int i = 0; i < 50; ++i) {
    server.publish("{}");
    if (client.read(100ms)) break;
  }
  // The client now reads nothing: its socket buffers fill and then its queue.
  const std::string frame(4096, 'x');
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20000; ++i) server.publish(frame);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 5.0);
  // 80 MB cannot all be queued: frames were skipped or dropped, none waited.
  EXPECT_TRUE(child_process::wait_for([&] { return server.dropped() > 0; }, 10s));
}

// --- the real binary -------------------------------------------------------------------------

class live_cli : public resonant::test::scratch_dir_test {
 protected:
  std::unique_ptr<child_process> start(const std::string& args, const std::string& tag = "run") {
    std::vector<std::string> argv{RESONANT_EXE};
    std::istringstream in(args);
    for (std::string a; in >> a;) argv.push_back(a);
    return std::make_unique<child_process>(
        argv, dir_ / (tag + ".out"), dir_ / (tag + ".err"),
        std::vector<std::string>{"RESONANT_HOME=" + (dir_ / "home").string()});
  }
  static std::uint16_t port_of(const child_process& p) {
    std::uint16_t port = 0;
    child_process::wait_for([&] { return (port = resonant::test::printed_port(p.err_text())) > 0; },
                            20s);
    return port;
  }
};

std::vector<std::string> keys_of(const std::string& json_text) {
  std::vector<std::string> out;
  const auto j = nlohmann::ordered_json::parse(json_text);
  for (const auto& [k, v] : j.items()) out.push_back(k);
  return out;
}

TEST_F(live_cli, stream_frames_carry_the_fields_of_jsonl) {
  // The fields of a jsonl row and event line, from the same binary.
  const auto jsonl = resonant::test::run_resonant(
      "replay " + data_file("reference/rr/pyhrv_nni_short.txt") + " --format jsonl", "", false);
  ASSERT_EQ(jsonl.exit_code, 0);
  const std::vector<std::string> row_keys = keys_of(jsonl.out.substr(0, jsonl.out.find('\n')));
  ASSERT_GT(row_keys.size(), 10U);

  const auto out = dir_ / "m.jsonl";
  auto p =
      start("replay " + long_rr + " --speed 1000 --serve 0 --format jsonl --out " + out.string());
  const std::uint16_t port = port_of(*p);
  ASSERT_GT(port, 0) << p->err_text();
  resonant::test::stream_client client("127.0.0.1", port, "/stream");
  std::vector<std::string> frames;
  while (frames.size() < 50) {
    const auto f = client.read(5000ms);
    ASSERT_TRUE(f.has_value()) << "after " << frames.size() << " frames";
    frames.push_back(*f);
  }
  p->stop();
  const std::string written = resonant::test::slurp(out.string());
  for (const auto& f : frames) {
    EXPECT_EQ(keys_of(f), row_keys) << f;
    // The same serializer: each frame is a line of the --out file, byte for byte.
    EXPECT_NE(written.find(f + "\n"), std::string::npos) << f;
  }
}

TEST_F(live_cli, session_streams_pacer_frames) {
  auto p = start(
      "session --source sim:seed=3,speed=20 --minutes 1 --settle 5 --after 0 "
      "--audio off --serve 0");
  const std::uint16_t port = port_of(*p);
  ASSERT_GT(port, 0) << p->err_text();
  resonant::test::stream_client client("127.0.0.1", port, "/stream");
  std::set<std::string> phases;
  int rows = 0;
  for (int i = 0; i < 2000 && (phases.size() < 2 || rows < 5); ++i) {
    const auto f = client.read(5000ms);
    ASSERT_TRUE(f.has_value());
    const auto j = nlohmann::json::parse(*f);
    if (j.contains("pacer")) {
      EXPECT_EQ(keys_of(*f), (std::vector<std::string>{"time_s", "pacer", "progress", "lung",
                                                       "cycles", "rate_bpm"}));
      phases.insert(j["pacer"].get<std::string>());
      EXPECT_GE(j["lung"].get<double>(), 0.0);
      EXPECT_LE(j["lung"].get<double>(), 1.0);
    } else if (j.contains("hr_bpm")) {
      ++rows;
    }
  }
  EXPECT_EQ(phases, (std::set<std::string>{"inhale", "exhale"}));
  EXPECT_GE(rows, 5);
}

TEST_F(live_cli, public_server_refuses_clients_without_the_token) {
  const std::string local = resonant::test::non_loopback_ipv4();
  if (local.empty()) GTEST_SKIP() << "no non-loopback address (the rule is tested in live_route)";
  const auto refused = resonant::test::run_resonant("replay " + long_rr + " --serve 0.0.0.0:0");
  EXPECT_EQ(refused.exit_code, 2) << refused.out;
  EXPECT_NE(refused.out.find("--serve-public"), std::string::npos) << refused.out;

  auto p = start("replay " + long_rr + " --speed 1000 --serve 0.0.0.0:0 --serve-public");
  const std::uint16_t port = port_of(*p);
  ASSERT_GT(port, 0) << p->err_text();
  const std::string token = resonant::test::printed_token(p->err_text());
  ASSERT_EQ(token.size(), 32U) << p->err_text();
  const std::string host = local + ":" + std::to_string(port);
  EXPECT_EQ(resonant::test::http_get(local, port, "/").status, 403);
  EXPECT_EQ(resonant::test::http_get(local, port, "/?token=" + token.substr(1)).status, 403);
  EXPECT_EQ(resonant::test::http_get(local, port, "/?token=" + token).status, 200);
  EXPECT_EQ(resonant::test::http_get(local, port, "/etc/passwd?token=" + token).status, 404);
  EXPECT_THROW(resonant::test::stream_client(local, port, "/stream"), boost::system::system_error);
  resonant::test::stream_client ok(local, port, "/stream?token=" + token);
  EXPECT_TRUE(ok.read(5000ms).has_value());
}

TEST_F(live_cli, no_port_is_open_without_serve) {
  auto quiet = start("replay " + long_rr + " --speed 20 --format jsonl", "quiet");
  auto served = start("replay " + long_rr + " --speed 20 --format jsonl --serve 0", "served");
  ASSERT_GT(port_of(*served), 0);
  // The quiet one is running and writing its stream.
  ASSERT_TRUE(child_process::wait_for([&] { return !quiet->out_text().empty(); }, 20s));
  EXPECT_EQ(resonant::test::sockets_in_state(quiet->pid(), "tcp", "0A"), 0);
  EXPECT_EQ(resonant::test::socket_inodes(quiet->pid()).size(), 0U);
  EXPECT_EQ(resonant::test::sockets_in_state(served->pid(), "tcp", "0A"), 1);
}

TEST_F(live_cli, jsonl_to_stdout_at_a_finite_speed_is_a_live_stream) {
  // A 24-hour recording at speed 20 lasts over an hour: rows must arrive long before the end.
  auto p = start("replay " + long_rr + " --speed 20 --format jsonl --out -");
  ASSERT_TRUE(child_process::wait_for(
      [&] {
        const std::string out = p->out_text();
        return std::count(out.begin(), out.end(), '\n') >= 3;
      },
      20s));
  const std::string out = p->out_text();
  EXPECT_EQ(out.back(), '\n');  // whole lines, flushed as made
  EXPECT_TRUE(nlohmann::json::parse(out.substr(0, out.find('\n'))).contains("hr_bpm"));
}

TEST_F(live_cli, osc_messages_reach_oscdump) {
  // A free UDP port for oscdump.
  std::uint16_t port = 0;
  {
    resonant::test::asio::io_context io;
    boost::asio::ip::udp::socket s(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port = s.local_endpoint().port();
  }
  child_process dump({"oscdump", "-L", std::to_string(port)}, dir_ / "osc.txt", dir_ / "osc.err");
  ASSERT_TRUE(child_process::wait_for([&] { return resonant::test::udp_port_bound(port); }, 10s));
  const std::string target = "127.0.0.1:" + std::to_string(port);

  // A record with an event, then 13 minutes of RR at speed 1000; then a paced session.
  const auto rec =
      write("ev.rsn", R"({"format":"resonant-session","version":1,"software":"test",)"
                      R"("started_utc":"","device":"test","input":{"kind":"rr","rate_hz":0,)"
                      R"("units":"ms"},"parameters":{}})"
                      "\nr,0.8,800\nr,1.6,800\ne,2,signal,lost\nr,5.6,800,g\n");
  EXPECT_EQ(resonant::test::run_resonant("replay " + rec.string() + " --osc " + target).exit_code,
            0);
  EXPECT_EQ(resonant::test::run_resonant("replay " +
                                         data_file("recordings/hrvanalysis_test_nn_intervals.txt") +
                                         " --speed 1000 --osc " + target)
                .exit_code,
            0);
  auto session = start(
      "session --source sim:seed=3,speed=20 --minutes 1 --settle 5 --after 0 "
      "--audio off --osc " +
      target);
  EXPECT_EQ(session->wait(), 0) << session->err_text();

  const std::vector<std::string> wanted{"/resonant/event ss \"signal\" \"lost\"",
                                        "/resonant/time f",
                                        "/resonant/hr f",
                                        "/resonant/rr f",
                                        "/resonant/rmssd f",
                                        "/resonant/sdnn f",
                                        "/resonant/coherence f",
                                        "/resonant/rsa f",
                                        "/resonant/lf_hf f",
                                        "/resonant/beat i",
                                        "/resonant/pacer/phase f",
                                        "/resonant/pacer/lung f",
                                        "/resonant/pacer/rate f 6"};
  std::string seen;
  ASSERT_TRUE(child_process::wait_for(
      [&] {
        seen = dump.out_text();
        for (const auto& w : wanted)
          if (seen.find(w) == std::string::npos) return false;
        return true;
      },
      10s))
      << seen.substr(0, 2000);
}

}  // namespace
