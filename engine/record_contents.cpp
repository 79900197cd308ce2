#include "record_contents.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>

#include "engine/session_pipeline.hpp"

namespace resonant::engine {
namespace {

std::optional<session_phase> phase_named(std::string_view name) {
  for (const session_phase p :
       {session_phase::settle, session_phase::baseline, session_phase::paced, session_phase::after,
        session_phase::done, session_phase::paused}) {
    if (name == to_string(p)) return p;
  }
  return std::nullopt;
}

double number_at(const nlohmann::ordered_json& obj, const char* a, const char* b) {
  if (!obj.contains(a) || !obj.at(a).is_object()) return 0.0;
  const auto& o = obj.at(a);
  if (!o.contains(b) || !o.at(b).is_number()) return 0.0;
  const double v = o.at(b).get<double>();
  return std::isfinite(v) ? v : 0.0;
}

// "rate 5.5/min" -> 5.5
std::optional<double> pacer_rate(std::string_view detail) {
  if (!detail.starts_with("rate ")) return std::nullopt;
  detail.remove_prefix(5);
  double v = 0.0;
  const auto [ptr, ec] = std::from_chars(detail.data(), detail.data() + detail.size(), v);
  if (ec != std::errc{} || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

record_contents read_record_contents(const std::filesystem::path& path) {
  session_record_reader reader(path);
  record_contents c;
  c.header = reader.header();
  const auto& params = c.header.parameters;
  if (params.contains("session") && params.at("session").is_object()) {
    const auto& s = params.at("session");
    if (s.contains("mode") && s.at("mode").is_string()) c.mode = s.at("mode").get<std::string>();
  }
  c.planned_s = number_at(params, "session", "baseline_s") +
                number_at(params, "session", "paced_s") + number_at(params, "session", "after_s");
  c.rate_bpm = number_at(params, "pacer", "rate_bpm");

  pipeline_config pc;
  pc.kind = c.header.input_kind;
  pc.rate_hz = c.header.rate_hz;
  if (pc.kind != input_kind::rr && !(pc.rate_hz >= min_record_rate_hz))
    throw std::invalid_argument(path.string() + ":1: a waveform record needs input.rate_hz");
  session_summarizer summarizer;
  summarizer.enter(session_phase::settle, 0.0);
  session_phase before_pause = session_phase::settle;
  session_phase current = session_phase::settle;
  session_pipeline pipeline(pc, [&](const metric_snapshot& s) {
    summarizer.on_snapshot(s);
    if (s.beat) ++c.beats;
  });
  double end_s = 0.0;
  std::optional<double> session_end_s;
  record_item item;
  while (reader.next(item)) {
    switch (item.type) {
      case record_item::kind::rr:
        pipeline.push_rr(item.time_s, item.rr_ms, item.after_gap);
        end_s = std::max(end_s, item.time_s);
        break;
      case record_item::kind::samples:
        pipeline.push_samples(item.first_sample, item.values);
        end_s = std::max(end_s, pipeline.stream_time_s());
        break;
      case record_item::kind::clock:
        pipeline.advance_to(item.time_s);
        end_s = std::max(end_s, item.time_s);
        break;
      case record_item::kind::event: {
        const std::string_view type = item.event_type;
        const std::string_view detail = item.event_detail;
        const double t = std::max(0.0, item.time_s);
        end_s = std::max(end_s, t);
        if (type == "phase") {
          if (const auto p = phase_named(detail); p && *p != current) {
            summarizer.enter(*p, t);
            current = *p;
          }
        } else if (type == "session" && detail == "paused") {
          before_pause = current;
          current = session_phase::paused;
          summarizer.enter(current, t);
        } else if (type == "session" && detail == "resumed") {
          current = before_pause;
          summarizer.enter(current, t);
        } else if (type == "session" && (detail == "complete" || detail == "ended early")) {
          c.complete = true;
          c.quit_early = detail == "ended early";
          session_end_s = t;
        } else if (type == "signal" && detail.starts_with("lost")) {
          summarizer.on_signal_lost();
        } else if (type == "pacer") {
          if (const auto r = pacer_rate(detail)) c.rate_bpm = *r;
        }
        break;
      }
    }
  }
  const double end = session_end_s.value_or(end_s);
  pipeline.finish(end);
  if (current != session_phase::done) summarizer.enter(session_phase::done, end);
  c.recorded_s = end_s;
  c.skipped_lines = reader.skipped();
  c.summary = summarizer.summarize(end, c.planned_s);
  c.summary.ended_early = c.summary.ended_early || c.quit_early || !c.complete;
  return c;
}

}  // namespace resonant::engine
