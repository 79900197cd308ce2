#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <system_error>

namespace resonant::test {

// A fixture with a fresh, uniquely named directory per test, removed afterwards, and a helper
// that writes a file into it (binary, exactly the given bytes).
class scratch_dir_test : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    dir_ = std::filesystem::temp_directory_path() /
           ("resonant_" + std::string(info->test_suite_name()) + "_" + info->name() + "_" +
            std::to_string(stamp) + "_" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::filesystem::path write(const std::string& name, const std::string& contents) const {
    const std::filesystem::path p = dir_ / name;
    std::ofstream out(p, std::ios::binary);
    out << contents;
    return p;
  }

  std::filesystem::path dir_;
};

}  // namespace resonant::test
