// Shared helpers of the json-file log tests (json_log_writer_test.cpp and
// json_log_reader_test.cpp): a scratch directory, a writer that must open, and readers
// that return what the log holds.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "minirun/engine/json_log.hpp"
#include "minirun/sys/file.hpp"

namespace minirun::engine::log_test {


/// A fresh directory under /tmp, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/json_log_test.XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() { (void)sys::remove_tree(path_); }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline JsonLogWriter open_writer(const std::string& path, LogOptions options = {}) {
  auto writer = JsonLogWriter::open(path, options);
  EXPECT_TRUE(writer.ok()) << writer.error().what();
  return std::move(*writer);
}

inline std::vector<LogEntry> read_all(const std::string& path, const LogQuery& query = {}) {
  auto entries = read_log(path, query);
  EXPECT_TRUE(entries.ok()) << entries.error().what();
  return entries.ok() ? *entries : std::vector<LogEntry>{};
}

inline std::vector<std::string> logs_of(const std::vector<LogEntry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.log);
  return out;
}

inline std::string read_text(const std::string& path) {
  auto text = sys::read_file(path);
  EXPECT_TRUE(text.ok()) << text.error().what();
  return text.ok() ? *text : "";
}

/// A record line with a chosen time, as another writer (or an older monitor) left it.
inline std::string record(const std::string& log, const std::string& stream, const std::string& time) {
  return nlohmann::json{{"log", log}, {"stream", stream}, {"time", time}}.dump() + "\n";
}

inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr int64_t kSecond = 1'000'000'000;


inline void write_numbered_lines(JsonLogWriter& writer, int count) {
  for (int i = 0; i < count; ++i) {
    ASSERT_TRUE(writer.write("stdout", "line " + std::to_string(i) + "\n").ok());
  }
}

inline std::vector<std::string> numbered_lines(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back("line " + std::to_string(i) + "\n");
  return out;
}

}  // namespace minirun::engine::log_test
