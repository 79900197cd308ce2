// resonant: HRV biofeedback engine, command line.
#include <csignal>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <system_error>

#include <CLI/CLI.hpp>

#include "analyze_command.hpp"
#include "beats_command.hpp"
#include "drivers/input_error.hpp"
#include "exit_codes.hpp"
#include "pace_command.hpp"
#include "replay_command.hpp"
#include "report_command.hpp"
#include "scan_command.hpp"
#include "session_command.hpp"
#include "simulate_command.hpp"

using resonant::apps::exit_bad_input;
using resonant::apps::exit_cohort_incomplete;
using resonant::apps::exit_internal;
using resonant::apps::exit_unusable_data;

int main(int argc, char** argv) {
  // A file size limit (ulimit -f) must not kill a session with no summary: with SIGXFSZ
  // ignored, a write beyond the limit fails with EFBIG and is handled like a full disk.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"Resonant: HRV analysis and paced-breathing biofeedback", "resonant"};
  app.set_version_flag("--version", RESONANT_VERSION);
  app.require_subcommand(1);
  resonant::apps::add_analyze_command(app);
  resonant::apps::add_beats_command(app);
  resonant::apps::add_pace_command(app);
  resonant::apps::add_simulate_command(app);
  resonant::apps::add_replay_command(app);
  resonant::apps::add_session_command(app);
  resonant::apps::add_assess_command(app);
  resonant::apps::add_history_command(app);
  resonant::apps::add_scan_command(app);
  resonant::apps::add_report_command(app);
  try {
    app.parse(argc, argv);
  } catch (const resonant::apps::exit_with& e) {
    return e.code();
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : exit_bad_input;
  } catch (const resonant::apps::cohort_incomplete& e) {
    std::cerr << "resonant: " << e.what() << '\n';
    return exit_cohort_incomplete;
  } catch (const resonant::apps::unusable_data& e) {
    std::cerr << "resonant: " << e.what() << '\n';
    return exit_unusable_data;
  } catch (const resonant::drivers::input_error& e) {
    std::cerr << "resonant: " << e.what() << '\n';
    return exit_bad_input;
  } catch (const std::invalid_argument& e) {
    std::cerr << "resonant: " << e.what() << '\n';
    return exit_bad_input;
  } catch (const std::system_error& e) {  // a file or device that cannot be opened / created
    std::cerr << "resonant: " << e.what() << '\n';
    return exit_bad_input;
  } catch (const std::exception& e) {
    std::cerr << "resonant: internal error: " << e.what() << '\n';
    return exit_internal;
  }
  return EXIT_SUCCESS;
}
