#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <string_view>

#include "apps/live_server.hpp"
#include "apps/osc_sender.hpp"
#include "engine/metric_snapshot.hpp"
#include "engine/pacer.hpp"

namespace resonant::apps {

// The command-line options of the live outputs, shared by `session` and `replay`.
struct live_options {
  std::string serve;          // [ADDR:]PORT; empty: no server (nothing listens)
  bool serve_public = false;  // allow a non-loopback ADDR (then a token is required)
  std::string osc;            // HOST:PORT; empty: no OSC
};

void add_live_output_options(CLI::App& cmd, live_options& o);

// The live outputs of one run: the web view (live_server) and OSC (osc_sender), each only when
// asked for. Called on the engine's thread; each call formats once (the --format jsonl
// serializer) and hands the frame over without waiting for any client.
class live_outputs {
 public:
  // Starts what the options ask for and prints the page's URL on stderr.
  explicit live_outputs(const live_options& o);
  ~live_outputs();
  live_outputs(const live_outputs&) = delete;
  live_outputs& operator=(const live_outputs&) = delete;

  [[nodiscard]] bool active() const noexcept { return server_ != nullptr || osc_ != nullptr; }

  void snapshot(const engine::metric_snapshot& s);
  void event(double time_s, std::string_view type, std::string_view detail);
  void pacer(double time_s, const engine::pacer_state& p);

 private:
  std::unique_ptr<live_server> server_;
  std::unique_ptr<osc_sender> osc_;
};

}  // namespace resonant::apps
