// Container logs in Docker's json-file format: writing records, cutting and joining
// lines, escaping, and rotation.
#include "minirun/engine/json_log.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "minirun/sys/file.hpp"
#include "tests/unit/engine/json_log_test_support.hpp"

namespace minirun::engine {
namespace {

using namespace log_test;

TEST(JsonLogWriter, CompleteLinesBecomeOneRecordEach) {
  TempDir dir;
  auto writer = open_writer(dir.file("log.json"));
  ASSERT_TRUE(writer.write("stdout", "one\ntwo\n\nthree\n").ok());
  EXPECT_EQ(logs_of(read_all(dir.file("log.json"))), (std::vector<std::string>{"one\n", "two\n", "\n", "three\n"}));
}

TEST(JsonLogWriter, PartialLinesAreJoinedWithTheirRest) {
  TempDir dir;
  auto writer = open_writer(dir.file("log.json"));
  ASSERT_TRUE(writer.write("stdout", "hel").ok());
  ASSERT_TRUE(writer.write("stdout", "lo\nwor").ok());
  ASSERT_TRUE(writer.write("stdout", "ld\n").ok());
  EXPECT_EQ(logs_of(read_all(dir.file("log.json"))), (std::vector<std::string>{"hello\n", "world\n"}));
}

TEST(JsonLogWriter, PartialLineWaitsUntilFlush) {
  TempDir dir;
  auto writer = open_writer(dir.file("log.json"));
  ASSERT_TRUE(writer.write("stdout", "no newline yet").ok());
  EXPECT_TRUE(read_all(dir.file("log.json")).empty());
  ASSERT_TRUE(writer.flush().ok());
  EXPECT_EQ(logs_of(read_all(dir.file("log.json"))), (std::vector<std::string>{"no newline yet"}));
  ASSERT_TRUE(writer.flush().ok());  // nothing left: no empty record
  EXPECT_EQ(read_all(dir.file("log.json")).size(), 1u);
}

TEST(JsonLogWriter, EachStreamKeepsItsOwnPartialLine) {
  TempDir dir;
  auto writer = open_writer(dir.file("log.json"));
  ASSERT_TRUE(writer.write("stdout", "out").ok());
  ASSERT_TRUE(writer.write("stderr", "err\n").ok());
  ASSERT_TRUE(writer.write("stdout", "put\n").ok());
  auto entries = read_all(dir.file("log.json"));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].stream, "stderr");
  EXPECT_EQ(entries[0].log, "err\n");
  EXPECT_EQ(entries[1].stream, "stdout");
  EXPECT_EQ(entries[1].log, "output\n");
}

TEST(JsonLogWriter, LongLineIsCutInto16KiBPiecesThatJoinBack) {
  TempDir dir;
  auto writer = open_writer(dir.file("log.json"));
  std::string line(40000, 'x');
  line += "\n";
  // Fed in odd chunks: the cut must not depend on how the pipe was read.
  for (size_t at = 0; at < line.size(); at += 7001) ASSERT_TRUE(writer.write("stdout", line.substr(at, 7001)).ok());
  auto pieces = logs_of(read_all(dir.file("log.json")));
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(pieces[0].size(), kMaxLogPiece);
  EXPECT_EQ(pieces[1].size(), kMaxLogPiece);
  EXPECT_NE(pieces[0].back(), '\n');
  EXPECT_EQ(pieces[2].back(), '\n');
  EXPECT_EQ(pieces[0] + pieces[1] + pieces[2], line);
}

TEST(JsonLogWriter, TheNewlineCountsTowardsThe16KiBLimit) {
  TempDir dir;
  auto writer = open_writer(dir.file("log.json"));
  ASSERT_TRUE(writer.write("stdout", std::string(kMaxLogPiece - 1, 'a') + "\n").ok());
  ASSERT_TRUE(writer.write("stdout", std::string(kMaxLogPiece, 'b') + "\n").ok());
  auto pieces = logs_of(read_all(dir.file("log.json")));
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(pieces[0].size(), kMaxLogPiece);  // 16383 bytes and the newline: one record
  EXPECT_EQ(pieces[1], std::string(kMaxLogPiece, 'b'));
  EXPECT_EQ(pieces[2], "\n");
}

TEST(JsonLogWriter, CutDoesNotSplitAUtf8Character) {
  TempDir dir;
  auto writer = open_writer(dir.file("log.json"));
  const std::string euro = "\xE2\x82\xAC";  // three bytes, straddling the 16 KiB mark
  std::string line = std::string(kMaxLogPiece - 1, 'a') + euro + "\n";
  ASSERT_TRUE(writer.write("stdout", line).ok());
  auto pieces = logs_of(read_all(dir.file("log.json")));
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0], std::string(kMaxLogPiece - 1, 'a'));
  EXPECT_EQ(pieces[1], euro + "\n");
}

TEST(JsonLogWriter, RecordsHaveDockerShapeAndTheCurrentTime) {
  TempDir dir;
  auto writer = open_writer(dir.file("log.json"));
  int64_t before = now_ns();
  ASSERT_TRUE(writer.write("stderr", "hi\n").ok());
  int64_t after = now_ns();
  std::string text = read_text(dir.file("log.json"));
  // {"log":"hi\n","stream":"stderr","time":"dddd-dd-ddTdd:dd:dd.dddddddddZ"}
  const std::string head = R"({"log":"hi\n","stream":"stderr","time":")";
  const std::string tail = "\"}\n";
  const std::string time_shape = "dddd-dd-ddTdd:dd:dd.dddddddddZ";  // d: a digit
  ASSERT_EQ(text.size(), head.size() + time_shape.size() + tail.size()) << text;
  EXPECT_EQ(text.substr(0, head.size()), head);
  EXPECT_EQ(text.substr(text.size() - tail.size()), tail);
  for (size_t i = 0; i < time_shape.size(); ++i) {
    char c = text[head.size() + i];
    EXPECT_TRUE(time_shape[i] == 'd' ? (c >= '0' && c <= '9') : c == time_shape[i]) << text;
  }
  auto entries = read_all(dir.file("log.json"));
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_GE(entries[0].time_ns, before);
  EXPECT_LE(entries[0].time_ns, after);
}

TEST(JsonLogWriter, QuotesBackslashesAndControlCharactersAreEscaped) {
  TempDir dir;
  auto writer = open_writer(dir.file("log.json"));
  const std::string line = std::string("say \"hi\" C:\\dir\x01\x1f\t\r") + '\0' + "\n";
  ASSERT_TRUE(writer.write("stdout", line).ok());
  std::string text = read_text(dir.file("log.json"));
  EXPECT_NE(text.find(R"(say \"hi\" C:\\dir\u0001\u001f\t\r\u0000\n)"), std::string::npos) << text;
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << text;
  EXPECT_EQ(parsed["log"].get<std::string>(), line);
}

TEST(JsonLogWriter, InvalidUtf8BecomesReplacementCharactersAndStillParses) {
  TempDir dir;
  auto writer = open_writer(dir.file("log.json"));
  // A stray byte, a lead byte without its continuation, an encoded surrogate (three
  // bad bytes), an overlong '/', and a valid euro sign that must survive.
  ASSERT_TRUE(writer.write("stdout", "\xFF|\xC3(|\xED\xA0\x80|\xC0\xAF|\xE2\x82\xAC\n").ok());
  std::string text = read_text(dir.file("log.json"));
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << text;
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(parsed["log"].get<std::string>(), r + "|" + r + "(|" + r + r + r + "|" + r + r + "|\xE2\x82\xAC\n");
}

TEST(JsonLogWriter, UnknownStreamIsRefused) {
  TempDir dir;
  auto writer = open_writer(dir.file("log.json"));
  auto result = writer.write("stdin", "x\n");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().what().find("`stdin`"), std::string::npos) << result.error().what();
}

TEST(JsonLogWriter, BadOptionsAreRefusedByName) {
  TempDir dir;
  auto no_files = JsonLogWriter::open(dir.file("log.json"), LogOptions{.max_size = 100, .max_files = 0});
  ASSERT_FALSE(no_files.ok());
  EXPECT_NE(no_files.error().what().find("max-file"), std::string::npos) << no_files.error().what();
  auto negative = JsonLogWriter::open(dir.file("log.json"), LogOptions{.max_size = -1, .max_files = 3});
  ASSERT_FALSE(negative.ok());
  EXPECT_NE(negative.error().what().find("max-size"), std::string::npos) << negative.error().what();
  EXPECT_FALSE(sys::path_exists(dir.file("log.json")));  // refused before creating anything
}

TEST(JsonLogWriter, MissingDirectoryIsAnErrorNamingThePath) {
  TempDir dir;
  auto writer = JsonLogWriter::open(dir.file("nope/log.json"), {});
  ASSERT_FALSE(writer.ok());
  EXPECT_NE(writer.error().what().find(dir.file("nope/log.json")), std::string::npos) << writer.error().what();
}

TEST(JsonLogWriter, FailedWriteIsReportedAndLeavesNoHalfLineBehind) {
  // /dev/full accepts open(2) and fails every write(2) with ENOSPC: a full disk.
  auto writer = open_writer("/dev/full");
  ASSERT_TRUE(writer.write("stdout", "par").ok());  // buffered, nothing written yet
  auto failed = writer.write("stdout", "tial\n");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code(), ENOSPC);
  EXPECT_NE(failed.error().what().find("/dev/full"), std::string::npos) << failed.error().what();
  EXPECT_TRUE(writer.flush().ok());  // the lost line is not kept to be written again
}

TEST(JsonLogWriter, ExistingLogIsContinued) {
  TempDir dir;
  {
    auto first = open_writer(dir.file("log.json"));
    ASSERT_TRUE(first.write("stdout", "before restart\n").ok());
  }
  auto second = open_writer(dir.file("log.json"));
  ASSERT_TRUE(second.write("stdout", "after restart\n").ok());
  EXPECT_EQ(logs_of(read_all(dir.file("log.json"))), (std::vector<std::string>{"before restart\n", "after restart\n"}));
}

TEST(JsonLogWriter, MovedWriterKeepsWriting) {
  TempDir dir;
  auto writer = open_writer(dir.file("log.json"));
  ASSERT_TRUE(writer.write("stdout", "par").ok());
  JsonLogWriter moved = std::move(writer);
  ASSERT_TRUE(moved.write("stdout", "tial\n").ok());
  EXPECT_EQ(logs_of(read_all(dir.file("log.json"))), (std::vector<std::string>{"partial\n"}));
}

// ---- rotation ------------------------------------------------------------------------

/// Writes "line 0\n" ... "line N-1\n", each its own record of about 80 bytes.
TEST(JsonLogRotation, KeepsAtMostMaxFilesEachWithinMaxSize) {
  TempDir dir;
  const std::string path = dir.file("log.json");
  auto writer = open_writer(path, LogOptions{.max_size = 300, .max_files = 3});
  write_numbered_lines(writer, 50);
  for (const std::string& file : {path, path + ".1", path + ".2"}) {
    struct stat st {};
    ASSERT_EQ(stat(file.c_str(), &st), 0) << file;
    EXPECT_LE(st.st_size, 300) << file;
  }
  EXPECT_FALSE(sys::path_exists(path + ".3"));
}

TEST(JsonLogRotation, ReadLogReadsRotatedFilesOldestFirst) {
  TempDir dir;
  const std::string path = dir.file("log.json");
  auto writer = open_writer(path, LogOptions{.max_size = 300, .max_files = 100});
  write_numbered_lines(writer, 40);
  ASSERT_TRUE(sys::path_exists(path + ".5"));  // the lines really are spread out
  EXPECT_EQ(logs_of(read_all(path)), numbered_lines(0, 40));
}

TEST(JsonLogRotation, OldestLinesAreDroppedAndTheRestStayInOrder) {
  TempDir dir;
  const std::string path = dir.file("log.json");
  auto writer = open_writer(path, LogOptions{.max_size = 300, .max_files = 3});
  write_numbered_lines(writer, 50);
  auto lines = logs_of(read_all(path));
  ASSERT_FALSE(lines.empty());
  ASSERT_LT(lines.size(), 50u);
  EXPECT_EQ(lines, numbered_lines(50 - static_cast<int>(lines.size()), 50));
}

TEST(JsonLogRotation, MaxFileOneStartsTheFileAgain) {
  TempDir dir;
  const std::string path = dir.file("log.json");
  auto writer = open_writer(path, LogOptions{.max_size = 300, .max_files = 1});
  write_numbered_lines(writer, 20);
  EXPECT_FALSE(sys::path_exists(path + ".1"));
  auto lines = logs_of(read_all(path));
  ASSERT_FALSE(lines.empty());
  EXPECT_LT(lines.size(), 20u);
  EXPECT_EQ(lines.back(), "line 19\n");
}

TEST(JsonLogRotation, ZeroMaxSizeNeverRotates) {
  TempDir dir;
  const std::string path = dir.file("log.json");
  auto writer = open_writer(path, LogOptions{.max_size = 0, .max_files = 3});
  write_numbered_lines(writer, 50);
  EXPECT_FALSE(sys::path_exists(path + ".1"));
  EXPECT_EQ(read_all(path).size(), 50u);
}

// ---- reading -------------------------------------------------------------------------

}  // namespace
}  // namespace minirun::engine
