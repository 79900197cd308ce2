#include "live_outputs.hpp"

#include <iostream>

#include "engine/metric_format.hpp"

namespace resonant::apps {

void add_live_output_options(CLI::App& cmd, live_options& o) {
  cmd.add_option("--serve", o.serve,
                 "serve the live view at http://[ADDR:]PORT/ and its WebSocket stream at "
                 "/stream (ADDR defaults to 127.0.0.1; port 0 picks a free port)");
  cmd.add_flag("--serve-public", o.serve_public,
               "allow --serve on a non-loopback address; a random access token is then required "
               "in the URL (printed)");
  cmd.add_option("--osc", o.osc,
                 "send the metrics as Open Sound Control messages to HOST:PORT (UDP; addresses "
                 "in README.md)");
}

live_outputs::live_outputs(const live_options& o) {
  if (o.serve_public && o.serve.empty())
    throw std::invalid_argument("--serve-public needs --serve ADDR:PORT");
  if (!o.serve.empty()) {
    server_ = std::make_unique<live_server>(parse_serve_spec(o.serve), o.serve_public);
    std::cerr << "resonant: live view at " << server_->url() << std::endl;
  }
  if (!o.osc.empty()) osc_ = std::make_unique<osc_sender>(o.osc);
}

live_outputs::~live_outputs() {
  if (server_ && server_->dropped() > 0)
    std::cerr << "resonant: live view: " << server_->dropped()
              << " frames skipped for slow clients\n";
}

void live_outputs::snapshot(const engine::metric_snapshot& s) {
  if (osc_) osc_->snapshot(s);
  if (!server_) return;
  std::string frame;
  engine::append_json_row(frame, s);
  server_->publish(std::move(frame));
}

void live_outputs::event(double time_s, std::string_view type, std::string_view detail) {
  if (osc_) osc_->event(type, detail);
  if (!server_) return;
  std::string frame;
  engine::append_json_event(frame, time_s, type, detail);
  server_->publish(std::move(frame));
}

void live_outputs::pacer(double time_s, const engine::pacer_state& p) {
  if (osc_) osc_->pacer(p);
  if (!server_) return;
  std::string frame;
  engine::append_json_pacer(frame, time_s, p);
  server_->publish(std::move(frame));
}

}  // namespace resonant::apps
