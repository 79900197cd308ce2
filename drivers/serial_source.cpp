#include "drivers/serial_source.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include <boost/asio/post.hpp>

namespace resonant::drivers {
namespace {

constexpr std::size_t max_block_samples = 512;

[[noreturn]] void bad_spec(std::string_view spec, const std::string& what) {
  throw std::invalid_argument("serial source \"" + std::string(spec) + "\": " + what);
}

double positive_number(std::string_view spec, std::string_view key, std::string_view v) {
  double x = 0.0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc{} || end != v.data() + v.size() || !(x > 0.0) || !std::isfinite(x)) {
    bad_spec(spec, std::string(key) + "=" + std::string(v) + " is not a positive number");
  }
  return x;
}

serial_column column_named(std::string_view spec, std::string_view name) {
  if (name == "t" || name == "time") return serial_column::time;
  if (name == "ecg") return serial_column::ecg;
  if (name == "ppg") return serial_column::ppg;
  if (name == "rr" || name == "ibi") return serial_column::rr;
  if (name == "hr") return serial_column::hr;
  if (name == "-" || name == "x" || name.empty()) return serial_column::skip;
  bad_spec(spec, "column \"" + std::string(name) + "\" is not one of t, ecg, ppg, rr, hr, -");
}

}  // namespace

serial_spec parse_serial_spec(std::string_view spec) {
  constexpr std::string_view scheme = "serial:";
  if (!spec.starts_with(scheme)) bad_spec(spec, "does not start with serial:");
  std::string_view rest = spec.substr(scheme.size());
  const auto comma = rest.find(',');
  std::string_view device = rest.substr(0, comma);
  std::string_view options =
      comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  serial_spec s;
  const auto at = device.rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view baud = device.substr(at + 1);
    unsigned b = 0;
    const auto [end, ec] = std::from_chars(baud.data(), baud.data() + baud.size(), b);
    if (ec != std::errc{} || end != baud.data() + baud.size() || b == 0) {
      bad_spec(spec, "baud \"" + std::string(baud) + "\" is not a positive integer");
    }
    s.baud = b;
    device = device.substr(0, at);
  }
  if (device.empty()) bad_spec(spec, "no device path");
  s.path = std::string(device);
  while (!options.empty()) {
    const auto next = options.find(',');
    const std::string_view item = options.substr(0, next);
    options = next == std::string_view::npos ? std::string_view{} : options.substr(next + 1);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string_view::npos)
      bad_spec(spec, "option \"" + std::string(item) + "\" has no =");
    const std::string_view key = item.substr(0, eq);
    const std::string_view value = item.substr(eq + 1);
    if (key == "rate") {
      s.rate_hz = positive_number(spec, key, value);
    } else if (key == "time") {
      s.has_time_unit = true;
      if (value == "seq") {
        s.time_unit = serial_time_unit::seq;
      } else if (value == "us") {
        s.time_unit = serial_time_unit::us;
      } else if (value == "ms") {
        s.time_unit = serial_time_unit::ms;
      } else {
        bad_spec(spec, "time=" + std::string(value) + " is not seq, us or ms");
      }
    } else if (key == "columns") {
      std::string_view list = value;
      while (true) {
        const auto colon = list.find(':');
        s.protocol.columns.push_back(column_named(spec, list.substr(0, colon)));
        if (colon == std::string_view::npos) break;
        list.remove_prefix(colon + 1);
      }
    } else if (key == "signal") {
      if (value == "ecg") {
        s.protocol.bare_signal = dsp::input_kind::ecg;
      } else if (value == "ppg") {
        s.protocol.bare_signal = dsp::input_kind::ppg;
      } else {
        bad_spec(spec, "signal=" + std::string(value) + " is not ecg or ppg");
      }
    } else if (key == "checksum") {
      if (value == "required") {
        s.protocol.require_checksum = true;
      } else if (value == "optional") {
        s.protocol.require_checksum = false;
      } else {
        bad_spec(spec, "checksum=" + std::string(value) + " is not required or optional");
      }
    } else if (key == "maxline") {
      const double m = positive_number(spec, key, value);
      if (m < 16 || m > 65536) bad_spec(spec, "maxline must be 16..65536");
      s.protocol.max_line = static_cast<std::size_t>(m);
    } else {
      bad_spec(spec, "unknown option \"" + std::string(key) +
                         "\" (rate, time, columns, signal, checksum, maxline)");
    }
  }
  return s;
}

serial_source::serial_source(boost::asio::io_context& io, serial_spec spec)
    : io_(io), spec_(std::move(spec)), port_(io), timer_(io), decoder_(spec_.protocol) {
  batch_.reserve(max_block_samples);
}

serial_source::~serial_source() {
  alive_.reset();
  boost::system::error_code ec;
  timer_.cancel();
  port_.close(ec);
}

std::string serial_source::description() const {
  return "serial:" + spec_.path + "@" + std::to_string(spec_.baud);
}

void serial_source::start(source_handlers handlers) {
  if (started_) return;
  started_ = true;
  handlers_ = std::move(handlers);
  retry_delay_ = spec_.reconnect_initial;
  boost::asio::post(io_, [this, weak = std::weak_ptr<char>(alive_)] {
    if (weak.expired() || stopped_) return;
    set_state(source_state::connecting, spec_.path);
    try_open();
  });
}

void serial_source::stop() {
  if (stopped_) return;
  if (started_) flush_samples();
  stopped_ = true;
  boost::system::error_code ec;
  timer_.cancel();
  port_.close(ec);
}

void serial_source::set_state(source_state s, std::string detail) {
  if (stopped_) return;
  if (state_known_ && s == state_ && s != source_state::reconnecting) return;
  state_known_ = true;
  state_ = s;
  handlers_.on_status(source_status{s, std::move(detail)});
}

void serial_source::try_open() {
  boost::system::error_code ec;
  port_.open(spec_.path, ec);
  if (ec) {
    schedule_retry(spec_.path + ": " + ec.message());
    return;
  }
  using sp = boost::asio::serial_port_base;
  boost::system::error_code ignored;  // pseudo-terminals and some USB CDC devices ignore these
  port_.set_option(sp::baud_rate(spec_.baud), ignored);
  port_.set_option(sp::character_size(8), ignored);
  port_.set_option(sp::parity(sp::parity::none), ignored);
  port_.set_option(sp::stop_bits(sp::stop_bits::one), ignored);
  port_.set_option(sp::flow_control(sp::flow_control::none), ignored);
  retry_delay_ = spec_.reconnect_initial;
  decoder_.reset_line();
  state_known_ = false;  // the next record reports streaming again
  read_more();
}

void serial_source::schedule_retry(const std::string& why) {
  set_state(source_state::reconnecting,
            why + "; retry in " + std::to_string(retry_delay_.count()) + " ms");
  timer_.expires_after(retry_delay_);
  retry_delay_ = std::min(retry_delay_ * 2, spec_.reconnect_max);
  timer_.async_wait([this, weak = std::weak_ptr<char>(alive_)](const boost::system::error_code& e) {
    if (weak.expired() || stopped_ || e) return;
    ++reconnects_;
    try_open();
  });
}

void serial_source::read_more() {
  port_.async_read_some(
      boost::asio::buffer(read_buffer_), [this, weak = std::weak_ptr<char>(alive_)](
                                             const boost::system::error_code& e, std::size_t n) {
        if (weak.expired() || stopped_) return;
        if (n > 0) on_read(n);
        if (stopped_) return;
        if (e) {
          on_lost(e == boost::asio::error::eof ? std::string("end of file") : e.message());
          return;
        }
        read_more();
      });
}

void serial_source::on_read(std::size_t n) {
  decoder_.feed(std::span<const std::uint8_t>(read_buffer_.data(), n),
                [this](const serial_record& r) { on_record(r); });
  flush_samples();
}

void serial_source::on_lost(const std::string& why) {
  flush_samples();
  boost::system::error_code ec;
  port_.close(ec);
  decoder_.reset_line();
  if (!gap_pending_) {
    gap_pending_ = true;
    lost_at_ = std::chrono::steady_clock::now();
  }
  set_state(source_state::disconnected, spec_.path + ": " + why);
  retry_delay_ = spec_.reconnect_initial;
  schedule_retry(spec_.path + " unplugged");
}

double serial_source::rate() const noexcept {
  return spec_.rate_hz > 0.0 ? spec_.rate_hz : meta_rate_hz_;
}

serial_time_unit serial_source::time_unit() const noexcept {
  if (spec_.has_time_unit) return spec_.time_unit;
  return meta_has_unit_ ? meta_unit_ : serial_time_unit::seq;
}

void serial_source::on_record(const serial_record& r) {
  if (stopped_) return;
  if (gap_pending_ && r.kind != serial_record_kind::meta) {
    lost_seconds_ =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - lost_at_).count();
  }
  switch (r.kind) {
    case serial_record_kind::meta: {
      const serial_meta m = parse_serial_meta(r.text);
      if (m.rate_hz > 0.0) meta_rate_hz_ = m.rate_hz;
      if (m.has_time_unit) {
        meta_has_unit_ = true;
        meta_unit_ = m.time_unit;
      }
      return;
    }
    case serial_record_kind::hr:
      if (r.value <= 0.0) {
        set_state(source_state::contact_lost, spec_.path + ": sensor reports no contact");
      } else if (!rr_ahead_) {
        set_state(source_state::streaming, spec_.path);
      }
      return;
    case serial_record_kind::rr:
      on_rr(r);
      return;
    case serial_record_kind::sample:
      on_sample(r);
      return;
  }
}

void serial_source::on_rr(const serial_record& r) {
  rr_reading out;
  out.rr_ms = r.value;
  out.after_gap = gap_pending_ || rr_ahead_;
  bool anchored = rr_anchored_;
  double anchor_device_ms = rr_anchor_device_ms_;
  double anchor_end_s = rr_anchor_end_s_;
  if (r.has_time) {
    if (!anchored || gap_pending_ || r.time <= rr_last_device_ms_) {
      out.after_gap = out.after_gap || (anchored && r.time <= rr_last_device_ms_);
      anchored = true;
      anchor_device_ms = r.time;
      anchor_end_s = last_end_s_ + (gap_pending_ ? lost_seconds_ : 0.0) + r.value / 1000.0;
    }
    out.end_s = anchor_end_s + (r.time - anchor_device_ms) / 1000.0;
  } else {
    anchored = false;
    out.end_s = last_end_s_ + (gap_pending_ ? lost_seconds_ : 0.0) + r.value / 1000.0;
  }

  // A device whose RR time runs ahead of the wall clock (a wrong clock, corrupt values, noise)
  // is at fault: its intervals are dropped until they fit again.
  const auto now = std::chrono::steady_clock::now();
  if (!rr_clock_started_) {
    rr_clock_started_ = true;
    rr_wall_origin_ = now;
    rr_stream_origin_s_ = out.end_s;
  }
  const double wall_s = std::chrono::duration<double>(now - rr_wall_origin_).count();
  const double ahead_s = (out.end_s - rr_stream_origin_s_) - wall_s;
  if (!(out.end_s - rr_stream_origin_s_ <= (1.0 + rr_ahead_fraction) * wall_s + rr_ahead_slack_s)) {
    ++rr_ahead_dropped_;
    rr_anchored_ = false;  // the device time is re-anchored on the next interval that fits
    gap_pending_ = false;
    if (!rr_ahead_) {
      rr_ahead_ = true;
      ++rr_ahead_faults_;
      char text[160];
      std::snprintf(text, sizeof text,
                    ": device fault: RR intervals run %.1f s ahead of the wall clock after %.1f s "
                    "(limit 10 %% + 5 s); intervals dropped until they fit",
                    ahead_s, wall_s);
      set_state(source_state::contact_lost, spec_.path + text);
    }
    return;
  }
  rr_ahead_ = false;
  rr_anchored_ = anchored;
  rr_anchor_device_ms_ = anchor_device_ms;
  rr_anchor_end_s_ = anchor_end_s;
  if (r.has_time) rr_last_device_ms_ = r.time;
  set_state(source_state::streaming, spec_.path);
  gap_pending_ = false;
  last_end_s_ = out.end_s;
  handlers_.on_rr(out);
}

void serial_source::on_sample(const serial_record& r) {
  const double fs = rate();
  if (fs <= 0.0) {
    ++no_rate_;
    if (!no_rate_reported_) {
      no_rate_reported_ = true;
      set_state(source_state::streaming,
                spec_.path +
                    ": waveform without a sample rate is dropped (give rate= in the "
                    "spec, or send @fs=)");
    }
    return;
  }
  set_state(source_state::streaming, spec_.path);
  std::int64_t index = next_index_;
  if (gap_pending_) {
    // Samples lost while away: the device clock says how many when it has one; otherwise the
    // wall time away does.
    wave_anchored_ = false;
    index = next_index_ + 1 + static_cast<std::int64_t>(std::llround(lost_seconds_ * fs));
    gap_pending_ = false;
  }
  if (r.has_time) {
    const serial_time_unit unit = time_unit();
    const double per_unit = unit == serial_time_unit::seq  ? 1.0
                            : unit == serial_time_unit::us ? fs * 1e-6
                                                           : fs * 1e-3;
    if (!wave_anchored_) {
      wave_anchored_ = true;
      wave_anchor_time_ = r.time;
      wave_anchor_index_ = index;
    } else {
      const std::int64_t from_time =
          wave_anchor_index_ +
          static_cast<std::int64_t>(std::llround((r.time - wave_anchor_time_) * per_unit));
      const std::int64_t jitter = unit == serial_time_unit::seq ? 0 : 1;
      if (from_time > next_index_ + jitter) {
        index = from_time;  // samples lost on the way
      } else if (from_time < next_index_ - jitter) {
        index = next_index_ + 1;  // the device clock went back (reset): a gap, re-anchored
        wave_anchor_time_ = r.time;
        wave_anchor_index_ = index;
      } else {
        index = next_index_;
        if (from_time != next_index_) {  // within jitter: follow the device clock
          wave_anchor_time_ = r.time;
          wave_anchor_index_ = index;
        }
      }
    }
  } else {
    wave_anchored_ = false;
  }
  if (!batch_.empty() && (index != batch_first_ + static_cast<std::int64_t>(batch_.size()) ||
                          r.signal != batch_kind_ || batch_.size() == max_block_samples)) {
    flush_samples();
  }
  if (batch_.empty()) {
    batch_first_ = index;
    batch_kind_ = r.signal;
  }
  batch_.push_back(r.value);
  next_index_ = index + 1;
}

void serial_source::flush_samples() {
  if (batch_.empty()) return;
  if (!stopped_) {
    sample_block b;
    b.kind = batch_kind_;
    b.rate_hz = rate();
    b.first_sample = batch_first_;
    b.samples = std::span<const double>(batch_.data(), batch_.size());
    handlers_.on_samples(b);
  }
  batch_.clear();
}

}  // namespace resonant::drivers
