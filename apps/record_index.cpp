#include "record_index.hpp"

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <set>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "engine/record_contents.hpp"

namespace resonant::apps {
namespace {

constexpr const char* file_stamp = "%Y%m%dT%H%M%SZ";

bool is_session_record_name(const std::filesystem::path& p) {
  const std::string name = p.filename().string();
  return name.starts_with("session-") && name.ends_with(".rsn");
}

// Records in the order they were made: by time stamp, then by the suffix that two sessions
// started in the same second get ("X.rsn" before "X-1.rsn" before "X-10.rsn").
std::pair<std::string, long> record_order(const std::filesystem::path& p) {
  std::string stem = p.stem().string();
  const auto z = stem.rfind('Z');
  long n = 0;
  if (z != std::string::npos && z + 2 < stem.size() && stem[z + 1] == '-') {
    n = std::strtol(stem.c_str() + z + 2, nullptr, 10);
    stem.resize(z + 1);
  }
  return {stem, n};
}

}  // namespace

std::string utc_now(const char* format) {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[64];
  return std::strftime(text, sizeof text, format, &tm) > 0 ? text : "";
}

std::filesystem::path records_dir(const std::filesystem::path& data_dir) {
  return data_dir / "sessions";
}

std::vector<std::filesystem::path> session_records(const std::filesystem::path& data_dir) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(records_dir(data_dir), ec), end; !ec && it != end;
       it.increment(ec)) {
    if (is_session_record_name(it->path()) && it->is_regular_file(ec)) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return record_order(a) < record_order(b); });
  return out;
}

session_row row_from_record(const std::filesystem::path& record) {
  const engine::record_contents c = engine::read_record_contents(record);
  if (c.mode != "session")
    throw std::invalid_argument(record.string() + ": not a session's record (mode \"" + c.mode +
                                "\")");
  session_row row;
  row.started_utc = c.header.started_utc;
  row.source = c.header.device;
  row.record_path = record.string();
  // The session's planned length: baseline + paced (the after phase comes on top).
  const auto& s = c.header.parameters.at("session");
  const auto num = [&](const char* k) {
    return s.contains(k) && s.at(k).is_number() ? s.at(k).get<double>() : 0.0;
  };
  row.planned_minutes = (num("baseline_s") + num("paced_s")) / 60.0;
  row.rate_bpm = c.rate_bpm;
  row.summary = c.summary;
  return row;
}

index_result add_unknown_records(session_history& history, const std::filesystem::path& data_dir) {
  std::set<std::string> known;
  for (const auto& r : history.sessions())
    known.insert(std::filesystem::path(r.record_path).filename().string());
  index_result out;
  for (const auto& p : session_records(data_dir)) {
    if (known.contains(p.filename().string())) continue;
    session_row row;
    try {
      row = row_from_record(p);
    } catch (const std::exception& e) {
      // An empty name reserved by a session that got no data, or a foreign file: not a row.
      out.problems.emplace_back(e.what());
      continue;
    }
    history.add_session(row);
    ++out.added;
  }
  return out;
}

rebuild_result rebuild_history(const std::filesystem::path& data_dir) {
  const auto db = data_dir / "history.sqlite";
  rebuild_result out;
  std::vector<session_history::resonance_row> rates;
  std::error_code ec;
  if (std::filesystem::exists(db, ec)) {
    try {
      const session_history old(db);
      rates = old.resonance_rates();
    } catch (const std::exception&) {
      // Damaged beyond reading: the rates are lost with it (the file is kept aside).
    }
    out.kept_as = data_dir / ("history.sqlite.damaged-" + utc_now(file_stamp));
    for (int n = 1; std::filesystem::exists(out.kept_as, ec); ++n)
      out.kept_as =
          data_dir / ("history.sqlite.damaged-" + utc_now(file_stamp) + "-" + std::to_string(n));
    std::filesystem::rename(db, out.kept_as);
    for (const char* side : {"-journal", "-wal", "-shm"}) {
      const auto from = data_dir / (std::string("history.sqlite") + side);
      if (std::filesystem::exists(from, ec))
        std::filesystem::rename(from, out.kept_as.string() + side, ec);
    }
  }
  session_history fresh(db);
  for (const auto& r : rates) {
    fresh.set_resonance_rate(r.rate_bpm, r.assessed_utc, r.table);
    ++out.resonance_rates_kept;
  }
  out.index = add_unknown_records(fresh, data_dir);
  return out;
}

}  // namespace resonant::apps
