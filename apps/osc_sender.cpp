#include "osc_sender.hpp"

#include <lo/lo.h>

#include <cmath>
#include <stdexcept>
#include <string>

namespace resonant::apps {

struct osc_sender::address {
  lo_address a = nullptr;
  ~address() {
    if (a != nullptr) lo_address_free(a);
  }
};

osc_sender::osc_sender(const std::string& host_port) : addr_(std::make_unique<address>()) {
  const std::size_t colon = host_port.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == host_port.size())
    throw std::invalid_argument("--osc wants HOST:PORT (e.g. 127.0.0.1:9000), not \"" + host_port +
                                "\"");
  std::string host = host_port.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const std::string port = host_port.substr(colon + 1);
  if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 ||
      std::stoul(port) == 0 || std::stoul(port) > 65535)
    throw std::invalid_argument("--osc: the port must be a number from 1 to 65535, not \"" + port +
                                "\"");
  addr_->a = lo_address_new(host.c_str(), port.c_str());
  if (addr_->a == nullptr)
    throw std::invalid_argument("--osc: cannot address \"" + host_port + "\"");
}

osc_sender::~osc_sender() = default;

void osc_sender::send_float(const char* path, double v) {
  if (!std::isfinite(v)) return;
  if (lo_send(addr_->a, path, "f", v) < 0) ++errors_;
}

void osc_sender::snapshot(const engine::metric_snapshot& s) {
  send_float("/resonant/time", s.time_s);
  if (lo_send(addr_->a, "/resonant/beat", "i", s.beat ? 1 : 0) < 0) ++errors_;
  send_float("/resonant/rr", s.rr_ms);
  send_float("/resonant/hr", s.hr_bpm);
  send_float("/resonant/rmssd", s.rmssd_60s_ms);
  send_float("/resonant/rmssd30", s.rmssd_30s_ms);
  send_float("/resonant/sdnn", s.sdnn_60s_ms);
  send_float("/resonant/lf_hf", s.lf_hf);
  send_float("/resonant/coherence", s.coherence);
  send_float("/resonant/rsa", s.rsa_bpm);
  send_float("/resonant/breathing_rate", s.breathing_rate_bpm);
  send_float("/resonant/missing", s.missing_pct);
}

void osc_sender::pacer(const engine::pacer_state& p) {
  send_float("/resonant/pacer/phase", p.cycles - std::floor(p.cycles));
  send_float("/resonant/pacer/lung", p.lung);
  send_float("/resonant/pacer/rate", p.rate_bpm);
}

void osc_sender::event(std::string_view type, std::string_view detail) {
  const std::string t(type);
  const std::string d(detail);
  if (lo_send(addr_->a, "/resonant/event", "ss", t.c_str(), d.c_str()) < 0) ++errors_;
}

}  // namespace resonant::apps
