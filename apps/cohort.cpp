#include "cohort.hpp"

#include <glob.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <ostream>
#include <set>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>

#include "analyze_report.hpp"
#include "drivers/input_error.hpp"
#include "exit_codes.hpp"

namespace resonant::apps {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool hidden(const fs::path& p) {
  const std::string name = p.filename().string();
  return !name.empty() && name.front() == '.';
}

// The files under a folder; a WFDB record's parts (.hea, .dat, .atr, .mat beside a .hea) become
// the record name, which the input door reads as one recording.
void add_folder(const fs::path& dir, std::set<std::string>& out) {
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  if (ec) throw std::system_error(ec, dir.string());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) throw std::system_error(ec, dir.string());
    const fs::path& p = it->path();
    if (hidden(p)) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    const std::string ext = p.extension().string();
    fs::path record = p;
    record.replace_extension();
    if ((ext == ".hea" || ext == ".dat" || ext == ".atr" || ext == ".mat") &&
        fs::exists(fs::path(record).concat(".hea"))) {
      out.insert(record.string());
    } else {
      out.insert(p.string());
    }
  }
}

void add_input(const std::string& input, std::set<std::string>& out) {
  std::error_code ec;
  if (fs::is_directory(input, ec)) {
    const std::size_t before = out.size();
    add_folder(input, out);
    if (out.size() == before) throw std::invalid_argument(input + ": no files in this folder");
    return;
  }
  if (fs::exists(input, ec) || input.find_first_of("*?[") == std::string::npos) {
    out.insert(input);
    return;
  }
  glob_t g{};
  const int rc = ::glob(input.c_str(), 0, nullptr, &g);
  std::vector<std::string> matches;
  if (rc == 0) matches.assign(g.gl_pathv, g.gl_pathv + g.gl_pathc);
  ::globfree(&g);
  if (matches.empty()) throw std::invalid_argument(input + ": no file matches this pattern");
  for (const auto& m : matches) {
    if (fs::is_directory(m, ec)) {
      add_folder(m, out);
    } else {
      out.insert(m);
    }
  }
}

// The table's columns: path, status, error, the segment's, then the report's (JSON paths).
std::vector<std::string> columns_of(const json& report_template, bool segmented) {
  std::vector<std::string> cols = {"path", "status", "error"};
  if (segmented) {
    cols.insert(cols.end(),
                {"segment.index", "segment.label", "segment.start_s", "segment.start_time",
                 "segment.length_s", "segment.coverage", "segment.complete"});
  }
  json source = report_template;
  source.erase("parameters");  // as the single-recording CSV: provenance stays in the JSON
  std::vector<std::pair<std::string, json>> cells;
  flatten(source, "", cells);
  for (auto& c : cells) cols.push_back(std::move(c.first));
  return cols;
}

// One row's values by column.
using row_values = std::unordered_map<std::string, json>;

class table_writer {
 public:
  table_writer(std::vector<std::string> columns, bool jsonl)
      : columns_(std::move(columns)), jsonl_(jsonl) {}

  [[nodiscard]] std::string header() const {
    if (jsonl_) return {};
    std::string line;
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      if (i) line.push_back(',');
      line += columns_[i];
    }
    return line + '\n';
  }

  [[nodiscard]] std::string row(const row_values& v) const {
    std::string line = jsonl_ ? "{" : "";
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      const auto it = v.find(columns_[i]);
      const json& value = it == v.end() ? null_ : it->second;
      if (jsonl_) {
        if (i) line.push_back(',');
        line += json(columns_[i]).dump() + ":" + value.dump();
      } else {
        if (i) line.push_back(',');
        line += csv_field(value);
      }
    }
    return line + (jsonl_ ? "}\n" : "\n");
  }

 private:
  std::vector<std::string> columns_;
  bool jsonl_;
  json null_;
};

struct recording_rows {
  std::string text;  // the rows, formatted
  bool ok = false;   // at least one row with status ok
};

row_values failure(const std::string& path, const char* status, const std::string& reason) {
  return {{"path", path}, {"status", status}, {"error", reason}};
}

row_values report_row(const std::string& path, const json& report) {
  row_values v{{"path", path}, {"status", "ok"}, {"error", nullptr}};
  json source = report;
  source.erase("parameters");
  std::vector<std::pair<std::string, json>> cells;
  flatten(source, "", cells);
  for (auto& c : cells) v.insert_or_assign(std::move(c.first), std::move(c.second));
  return v;
}

void add_segment(row_values& v, const segment& s, std::optional<double> start_clock_s) {
  v["segment.index"] = s.index;
  v["segment.label"] = s.label;
  v["segment.start_s"] = s.start_s;
  v["segment.start_time"] = start_clock_s ? json(iso_clock(*start_clock_s + s.start_s)) : json();
  v["segment.length_s"] = s.length_s;
  v["segment.coverage"] = s.length_s > 0.0 ? s.covered_s / s.length_s : 0.0;
  v["segment.complete"] = s.complete;
}

// A recording's rows; never throws for what the recording holds.
recording_rows analyse_one(const std::string& path, const cohort_options& o,
                           const recording_analyzer& a, const table_writer& table) {
  recording_rows out;
  const auto fail = [&](const char* status, const std::string& reason) {
    out.text += table.row(failure(path, status, reason));
  };
  try {
    const analysis_input in = a.open(path);
    if (!o.segments.active()) {
      out.text += table.row(report_row(path, a.report(in, in.rr)));
      out.ok = true;
      return out;
    }
    std::optional<double> start_clock;
    if (in.recording.signal && in.recording.signal->start_time)
      start_clock = clock_seconds(*in.recording.signal->start_time);
    bool any = false;
    const segment_source source = a.prepare_segments(in);
    for_each_segment(o.segments, source.rr, in.origin_s, start_clock, [&](const segment& s) {
      any = true;
      row_values v;
      if (s.rr.rr.empty()) {
        v = failure(path, "refused", "no intervals in this segment");
      } else {
        try {
          v = report_row(path, a.segment_report(in, source, s.rr));
          out.ok = true;
        } catch (const unusable_data& e) {
          v = failure(path, "refused", e.what());
        }
      }
      add_segment(v, s, start_clock);
      out.text += table.row(v);
    });
    if (!any) fail("refused", "no intervals to segment");
  } catch (const unusable_data& e) {
    fail("refused", e.what());
  } catch (const drivers::input_error& e) {
    fail("failed", e.what());
  } catch (const std::invalid_argument& e) {
    fail("failed", e.what());
  } catch (const std::system_error& e) {
    fail("failed", e.what());
  } catch (const std::exception& e) {
    fail("error", std::string("internal error: ") + e.what());
  }
  return out;
}

// A one-line progress bar on stderr.
void show_progress(std::size_t done, std::size_t total,
                   std::chrono::steady_clock::time_point began) {
  constexpr int width = 30;
  const auto filled = static_cast<int>(width * done / std::max<std::size_t>(total, 1));
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  std::fprintf(stderr, "\r[%-*s] %zu/%zu recordings, %.1f s", width,
               std::string(static_cast<std::size_t>(filled), '#').c_str(), done, total, s);
  if (done == total) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace

std::vector<std::string> expand_inputs(const std::vector<std::string>& inputs) {
  if (inputs.size() > 1 && std::find(inputs.begin(), inputs.end(), "-") != inputs.end()) {
    throw std::invalid_argument("- (standard input) can only be analysed alone");
  }
  std::set<std::string> paths;
  for (const auto& in : inputs) add_input(in, paths);
  return {paths.begin(), paths.end()};
}

std::size_t run_cohort(const cohort_options& o, const recording_analyzer& a, std::ostream& out) {
  const table_writer table(columns_of(a.columns_template, o.segments.active()),
                           o.format == "jsonl");
  out << table.header();
  const std::size_t n = o.paths.size();
  const std::size_t jobs = std::clamp<std::size_t>(o.jobs, 1, std::max<std::size_t>(n, 1));
  const std::size_t window = 2 * jobs;

  std::mutex m;
  std::condition_variable changed;
  std::size_t next_task = 0;                       // guarded by m
  std::size_t next_write = 0;                      // guarded by m
  std::map<std::size_t, recording_rows> finished;  // guarded by m; at most `window` entries

  const auto work = [&] {
    for (;;) {
      std::size_t i = 0;
      {
        std::unique_lock lock(m);
        changed.wait(lock, [&] { return next_task >= n || next_task < next_write + window; });
        if (next_task >= n) return;
        i = next_task++;
      }
      recording_rows rows = analyse_one(o.paths[i], o, a, table);
      {
        const std::lock_guard lock(m);
        finished.emplace(i, std::move(rows));
      }
      changed.notify_all();
    }
  };

  std::size_t failed = 0;
  const auto began = std::chrono::steady_clock::now();
  {
    std::vector<std::jthread> workers;
    workers.reserve(jobs);
    for (std::size_t w = 0; w < jobs; ++w) workers.emplace_back(work);
    for (std::size_t i = 0; i < n; ++i) {
      recording_rows rows;
      {
        std::unique_lock lock(m);
        changed.wait(lock, [&] { return finished.contains(i); });
        auto node = finished.extract(i);
        rows = std::move(node.mapped());
        next_write = i + 1;
      }
      changed.notify_all();
      out << rows.text;
      out.flush();
      failed += rows.ok ? 0 : 1;
      if (o.progress) show_progress(i + 1, n, began);
    }
  }
  return failed;
}

}  // namespace resonant::apps
