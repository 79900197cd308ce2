#include "source_spec.hpp"

#include <array>
#include <charconv>
#include <stdexcept>

#include "drivers/ble_source.hpp"
#include "drivers/file_source.hpp"
#include "drivers/serial_source.hpp"
#include "drivers/sim_source.hpp"

namespace resonant::apps {
namespace {

opened_source open_sim(std::string_view spec, boost::asio::io_context& io,
                       const source_context& ctx) {
  drivers::sim_spec s = drivers::parse_sim_spec(spec);
  opened_source out;
  out.speed = s.speed;
  out.simulated = true;
  // A constant pacer in the spec (pace=) wins; otherwise the subject follows the session.
  if (s.pace_bpm <= 0.0 && ctx.guide) s.subject.guide = ctx.guide;
  out.source = std::make_unique<drivers::sim_source>(io, std::move(s));
  return out;
}

opened_source open_ble(std::string_view spec, boost::asio::io_context& io,
                       const source_context& /*ctx*/) {
  opened_source out;
  out.source = std::make_unique<drivers::ble_source>(io, drivers::parse_ble_spec(spec));
  return out;
}

opened_source open_serial(std::string_view spec, boost::asio::io_context& io,
                          const source_context& /*ctx*/) {
  opened_source out;
  out.source = std::make_unique<drivers::serial_source>(io, drivers::parse_serial_spec(spec));
  return out;
}

// file:PATH[,speed=X]
opened_source open_file(std::string_view spec, boost::asio::io_context& io,
                        const source_context& /*ctx*/) {
  std::string_view rest = spec.substr(spec.find(':') + 1);
  drivers::file_source_options o;
  if (const auto comma = rest.rfind(",speed="); comma != std::string_view::npos) {
    const std::string_view v = rest.substr(comma + 7);
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), o.speed);
    if (ec != std::errc{} || ptr != v.data() + v.size() || !(o.speed > 0.0))
      throw std::invalid_argument("source \"" + std::string(spec) + "\": speed=" + std::string(v) +
                                  " is not a positive number");
    rest = rest.substr(0, comma);
  }
  if (rest.empty()) throw std::invalid_argument("source \"file:\" needs a path: file:PATH");
  opened_source out;
  out.speed = o.speed;
  out.source = std::make_unique<drivers::file_source>(io, std::string(rest), o);
  return out;
}

struct source_kind {
  std::string_view prefix;  // the spec is exactly this, or this followed by ':'
  opened_source (*open)(std::string_view, boost::asio::io_context&, const source_context&);
};

constexpr std::array<source_kind, 4> kinds{{
    {"sim", open_sim},
    {"ble", open_ble},
    {"serial", open_serial},
    {"file", open_file},
}};

}  // namespace

std::string source_kinds_help() {
  return "--source sim (simulated subject), ble[:ADDRESS|NAME] (BLE strap), "
         "serial:/dev/ttyUSB0[@115200] (serial device), file:PATH (a recording)";
}

opened_source open_source(std::string_view spec, boost::asio::io_context& io,
                          const source_context& ctx) {
  for (const auto& k : kinds) {
    if (spec == k.prefix || (spec.size() > k.prefix.size() && spec.starts_with(k.prefix) &&
                             spec[k.prefix.size()] == ':'))
      return k.open(spec, io, ctx);
  }
  throw std::invalid_argument("unknown source \"" + std::string(spec) + "\"; use " +
                              source_kinds_help());
}

}  // namespace resonant::apps
