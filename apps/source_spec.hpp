#pragma once

#include <utility>  // before Asio: GCC 12 + Boost 1.74 in C++20 need std::exchange declared

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "drivers/source.hpp"

namespace resonant::apps {

// What the session needs to know about an opened source besides the source itself.
struct opened_source {
  std::unique_ptr<drivers::source> source;
  double speed = 1.0;      // seconds of data per second of wall time (sim and file sources)
  bool simulated = false;  // the subject follows the guide (the pacer)
};

// How the program talks to a source it opens: the breathing guide the simulated subject
// follows (pacer cycles at a stream time; see drivers::sim_subject_config::guide).
struct source_context {
  std::function<double(double)> guide;
};

// Opens a source from its spec, by a table of prefixes:
//   sim[:key=value,...]                 simulated subject (drivers/sim_source.hpp)
//   ble[:ADDRESS|NAME][,ecg]            BLE heart-rate strap (drivers/ble_source.hpp)
//   serial:PATH[@BAUD][,key=value...]   serial device (docs/serial-protocol.md)
//   file:PATH[,speed=X]                 a recording played in real time (x speed)
// Throws std::invalid_argument for an unknown kind or a bad spec (naming the part), and
// drivers::input_error for a bad recording. No device I/O happens before start().
opened_source open_source(std::string_view spec, boost::asio::io_context& io,
                          const source_context& ctx);

// One line listing the source kinds, for error messages.
std::string source_kinds_help();

}  // namespace resonant::apps
