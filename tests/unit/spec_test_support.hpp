/**
 * @file spec_test_support.hpp
 * @brief What the config parser's unit tests share: a throw-away bundle directory, the
 * smallest valid config, and an assertion that an error names the right field.
 *
 * The parser checks that root.path and bind sources exist, so even its pure tests need
 * a directory; TempBundle makes one under /tmp (mkdtemp(3), with an empty `rootfs`)
 * and removes it afterwards. No test here needs root.
 */
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "minirun/runtime/spec.hpp"
#include "minirun/sys/file.hpp"

namespace minirun::testing {

/// A bundle directory with an empty `rootfs/`, removed on destruction.
class TempBundle {
 public:
  TempBundle() {
    char tmpl[] = "/tmp/minirun-spec-test-XXXXXX";
    if (char* p = ::mkdtemp(tmpl)) path_ = p;
    make_dir("rootfs");
  }
  ~TempBundle() {
    if (!path_.empty()) (void)sys::remove_tree(path_);
  }
  TempBundle(const TempBundle&) = delete;
  TempBundle& operator=(const TempBundle&) = delete;

  const std::string& path() const { return path_; }
  std::string make_dir(const std::string& relative) const {
    std::string p = path_ + "/" + relative;
    ::mkdir(p.c_str(), 0755);
    return p;
  }
  std::string write_file(const std::string& relative, const std::string& text) const {
    std::string p = path_ + "/" + relative;
    std::ofstream(p) << text;
    return p;
  }
  runtime::Result<runtime::Spec> parse(const nlohmann::json& config) const {
    return runtime::parse_spec(config, path_);
  }

 private:
  std::string path_;
};

/// The smallest config parse_spec accepts: a version, a rootfs, a program and its cwd.
inline nlohmann::json minimal_config() {
  return {
      {"ociVersion", "1.0.2"},
      {"root", {{"path", "rootfs"}}},
      {"process", {{"args", nlohmann::json::array({"sh"})}, {"cwd", "/"}}},
  };
}

/// Passes when `result` failed with a message containing `expected`.
template <class T>
::testing::AssertionResult FailsWith(const runtime::Result<T>& result, std::string_view expected) {
  if (result) return ::testing::AssertionFailure() << "succeeded; expected an error containing: " << expected;
  const std::string& message = result.error().message();
  if (message.find(expected) == std::string::npos)
    return ::testing::AssertionFailure() << "error \"" << message << "\" does not contain \"" << expected << "\"";
  return ::testing::AssertionSuccess();
}

/// Passes when `result` succeeded; otherwise shows the error.
template <class T>
::testing::AssertionResult Succeeds(const runtime::Result<T>& result) {
  if (result) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "failed: " << result.error().what();
}

}  // namespace minirun::testing
