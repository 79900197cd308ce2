#pragma once

#include <stdexcept>
#include <string>

namespace resonant::apps {

// The exit codes of `resonant` (README, "Exit codes"):
//  0  done;
//  2  bad input or usage: a file that cannot be read or interpreted, a bad option (one line on
//     stderr names the file, the place, what was seen and the option that resolves it);
//  3  the input was read but holds too little usable data for the analysis (the reason is
//     printed);
//  4  internal error (a bug: please report it with the input);
//  5  `session`: the session ran to its end, but its record could not be written to the end
//     (disk full, file size limit): the summary covers what the record holds, and the last
//     lines name the record and what it holds.
//  6  `analyze` of several recordings (or segments): the table is complete, but at least one
//     recording could not be analysed (its rows' status is failed, refused or error, with the
//     reason in the error column; a count on stderr).
inline constexpr int exit_bad_input = 2;
inline constexpr int exit_unusable_data = 3;
inline constexpr int exit_internal = 4;
inline constexpr int exit_record_incomplete = 5;
inline constexpr int exit_cohort_incomplete = 6;

// Ends the program with this code; what there was to say has been said.
class exit_with : public std::exception {
 public:
  explicit exit_with(int code) noexcept : code_(code) {}
  [[nodiscard]] int code() const noexcept { return code_; }
  [[nodiscard]] const char* what() const noexcept override { return "exit"; }

 private:
  int code_;
};

// The input was read, but what it holds cannot support the analysis.
class unusable_data : public std::runtime_error {
 public:
  explicit unusable_data(const std::string& what) : std::runtime_error(what) {}
};

// A cohort table was written, but some of its recordings could not be analysed.
class cohort_incomplete : public std::runtime_error {
 public:
  explicit cohort_incomplete(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace resonant::apps
