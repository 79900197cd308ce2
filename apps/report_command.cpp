#include "report_command.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <system_error>

#include "analyze_command.hpp"
#include "engine/session_record.hpp"
#include "report_data.hpp"
#include "session_history.hpp"
#include "web/page.hpp"

namespace resonant::apps {
namespace {

struct report_options {
  std::string path;          // the INPUT
  analysis_request request;  // profile and settings, as analyze
  input_options_cli input;
  std::string out;
  bool all = false;  // history: also simulated and file sessions
};

// FILE.html next to nothing: in the current directory, named after the input.
std::string default_output(const std::string& input) {
  if (input == "history") return "history.html";
  if (input == "-") return "report.html";
  std::string stem = std::filesystem::path(input).filename().string();
  if (const auto dot = stem.rfind('.'); dot != std::string::npos && dot > 0) stem.resize(dot);
  return stem + ".html";
}

// Writes the page with mode 0600 (it holds health data), also when FILE existed before.
void write_private(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot create " + path);
  const auto fail = [&](const char* what) {
    const int e = errno;
    ::close(fd);
    throw std::system_error(e, std::generic_category(), std::string(what) + " " + path);
  };
  if (::fchmod(fd, 0600) != 0) fail("cannot restrict");
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot write");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0)
    throw std::system_error(errno, std::generic_category(), "cannot close " + path);
}

nlohmann::json report_data(const report_options& o) {
  const std::string& input = o.path;
  if (input == "history") {
    session_history history(user_data_dir() / "history.sqlite");
    return history_report_data(shown_rows(history.sessions(), o.all), history.resonance_rate());
  }
  std::error_code ec;
  if (input != "-" && std::filesystem::is_regular_file(input, ec) &&
      engine::is_session_record(input)) {
    return session_report_data(input);
  }
  return analysis_report_data(run_analysis(o.path, o.input, o.request));
}

void run_report(const report_options& o) {
  const nlohmann::json data = report_data(o);
  const std::string out = o.out.empty() ? default_output(o.path) : o.out;
  write_private(out, web::report_page(data["title"].get<std::string>(), data));
  std::cerr << "resonant: " << data["report"].get<std::string>() << " report written to " << out
            << '\n';
}

}  // namespace

void add_report_command(CLI::App& app) {
  auto opts = std::make_shared<report_options>();
  CLI::App* cmd = app.add_subcommand(
      "report",
      "One self-contained HTML page with plots (opens offline): an analysis of a recording, a "
      "session record, or your session history");
  cmd->add_option("INPUT", opts->path,
                  "anything `analyze` reads (- for standard input), a session record (.rsn), or "
                  "`history`")
      ->required();
  cmd->add_option("-o,--out", opts->out,
                  "the HTML file to write (mode 0600); default: INPUT's name with .html, in the "
                  "current directory");
  cmd->add_flag("--all", opts->all,
                "history: also sessions on the simulated subject and on recordings");
  add_analysis_options(*cmd, opts->request, opts->input);
  cmd->callback([opts] { run_report(*opts); });
}

}  // namespace resonant::apps
