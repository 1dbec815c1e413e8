/**
 * @file json_log_writer.cpp
 * @brief The monitor's side of json-file logs: output bytes -> lines -> JSON records
 *        appended to a file that rotates; see json_log.hpp for the format.
 *
 * This code runs in the per-container monitor for every line a container prints, so it
 * is written for a small, steady footprint rather than for brevity:
 *  - A complete line found in the bytes just read is encoded straight from them; only
 *    an unfinished line is copied, into that stream's partial buffer (< 16 KiB).
 *  - Each record is built in one std::string that is cleared, never freed, so after the
 *    longest line has been seen no more memory is allocated. The worst case is a 16 KiB
 *    piece of control characters, six bytes each escaped: about 100 KiB.
 *  - One write(2) per record on an O_APPEND fd: the kernel places each record at the
 *    end of the file in one piece, so a reader sees whole records, or, if the monitor
 *    is killed in the middle, one broken last line (which the reader skips).
 *  - JSON escaping is a small hand-written function, not nlohmann: building a json
 *    object per line would allocate several times per line on the hot path.
 *
 * Invalid UTF-8 becomes U+FFFD, one per bad byte, like Docker; see json_log.hpp.
 *
 * A failed write(2) (the disk is full) is returned to the monitor and loses that one
 * record; the partial-line buffers are left consistent, so the next line is whole.
 *
 * Man pages: write(2) (O_APPEND), rename(2), fstat(2), clock_gettime(2), utf-8(7).
 *
 * Lab: labs/01-image-and-container
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

#include "minirun/engine/json_log.hpp"
#include "minirun/sys/file.hpp"

namespace minirun::engine {

namespace {

using sys::Error;

/// U+FFFD REPLACEMENT CHARACTER, in UTF-8.
constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

/// The length of the valid UTF-8 sequence at the start of `bytes` (1-4), or 0 when it
/// is not one: a stray continuation byte, an overlong form, a UTF-16 surrogate, a
/// value above U+10FFFF, or a sequence cut short. The ranges are RFC 3629's table.
size_t valid_utf8_length(std::string_view bytes) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(bytes[i]); };
  unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char second_min = 0x80, second_max = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_min = 0xA0;  // below is an overlong form
    if (lead == 0xED) second_max = 0x9F;  // above are the surrogates D800-DFFF
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_min = 0x90;  // below is an overlong form
    if (lead == 0xF4) second_max = 0x8F;  // above is past U+10FFFF
  } else {
    return 0;  // 0x80-0xC1 (continuation, overlong 2-byte lead) or 0xF5-0xFF
  }
  if (bytes.size() < length) return 0;
  if (byte(1) < second_min || byte(1) > second_max) return 0;
  for (size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  return length;
}

/// Appends `bytes` as the inside of a JSON string (RFC 8259 section 7).
void append_json_string(std::string& out, std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t i = 0;
  while (i < bytes.size()) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x80) {
      size_t length = valid_utf8_length(bytes.substr(i));
      if (length == 0) {
        out += kReplacementCharacter;
        i += 1;
      } else {
        out.append(bytes.data() + i, length);
        i += length;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {  // JSON forbids raw control characters inside strings
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
}

/// How many bytes at the end of a full piece start a UTF-8 character that the cut
/// would split (0-3). Those bytes are held back for the next piece, so a long line of
/// non-ASCII text is not left with U+FFFD at every 16 KiB boundary.
size_t split_character_length(std::string_view piece) {
  for (size_t back = 1; back <= 3 && back <= piece.size(); ++back) {
    unsigned char c = static_cast<unsigned char>(piece[piece.size() - back]);
    if (c < 0x80) return 0;        // ASCII: nothing is split
    if (c >= 0xC0) {               // a lead byte: how long should its sequence be?
      size_t expected = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      return expected > back ? back : 0;
    }
    // a continuation byte: keep looking back for its lead
  }
  return 0;
}

int64_t now_realtime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

Result<void> write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::from_errno("write", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return sys::ok();
}

Result<sys::UniqueFd> open_for_append(const std::string& path) {
  // 0640 as Docker: the log may hold secrets a container printed.
  return sys::open_file(path, O_WRONLY | O_CREAT | O_APPEND, 0640);
}

}  // namespace

JsonLogWriter::JsonLogWriter(std::string path, LogOptions options, sys::UniqueFd fd, int64_t size)
    : path_(std::move(path)), options_(options), fd_(std::move(fd)), file_size_(size) {}

Result<JsonLogWriter> JsonLogWriter::open(const std::string& path, LogOptions options) {
  if (options.max_size < 0) {
    return Error("log option max-size is " + std::to_string(options.max_size) +
                 "; use a size in bytes, or 0 for no rotation");
  }
  if (options.max_files < 1) {
    return Error("log option max-file is " + std::to_string(options.max_files) +
                 "; it counts the current file too, so use 1 or more");
  }
  auto fd = open_for_append(path);
  if (!fd) return std::move(fd.error()).context("open container log");
  struct stat st {};
  if (fstat(fd->get(), &st) != 0) return Error::from_errno("fstat", path).context("open container log");
  // An existing log (a restarted container) is continued, and counts towards max-size.
  return JsonLogWriter(path, options, std::move(*fd), static_cast<int64_t>(st.st_size));
}

Result<void> JsonLogWriter::write(std::string_view stream, std::string_view bytes) {
  std::string* partial = nullptr;
  if (stream == "stdout") {
    partial = &partial_stdout_;
  } else if (stream == "stderr") {
    partial = &partial_stderr_;
  } else {
    return Error("container log: stream `" + std::string(stream) + "` is neither stdout nor stderr");
  }
  // Invariant: partial->size() < kMaxLogPiece, so `room` is never 0.
  while (!bytes.empty()) {
    size_t room = kMaxLogPiece - partial->size();
    size_t newline = bytes.find('\n');
    if (newline != std::string_view::npos && newline < room) {
      std::string_view line = bytes.substr(0, newline + 1);
      if (partial->empty()) {
        MINIRUN_TRY(write_record(stream, line), "container log");
      } else {
        partial->append(line);
        auto written = write_record(stream, *partial);
        partial->clear();  // even on failure: a lost record must not prefix the next one
        if (!written) return std::move(written.error()).context("container log");
      }
      bytes.remove_prefix(newline + 1);
      continue;
    }
    if (bytes.size() < room) {  // no newline yet and still room: wait for more
      partial->append(bytes);
      return sys::ok();
    }
    // A full 16 KiB without a newline: write it as a piece without "\n".
    const bool buffered = !partial->empty();
    if (buffered) partial->append(bytes.substr(0, room));
    std::string_view piece = buffered ? std::string_view(*partial) : bytes.substr(0, room);
    size_t held_back = split_character_length(piece);
    auto written = write_record(stream, piece.substr(0, piece.size() - held_back));
    if (buffered) {  // on failure too: the partial buffer stays below 16 KiB
      partial->erase(0, piece.size() - held_back);
    } else {
      partial->assign(piece.substr(piece.size() - held_back));
    }
    if (!written) return std::move(written.error()).context("container log");
    bytes.remove_prefix(room);
  }
  return sys::ok();
}

Result<void> JsonLogWriter::flush() {
  for (auto [stream, partial] : {std::pair{"stdout", &partial_stdout_}, std::pair{"stderr", &partial_stderr_}}) {
    if (partial->empty()) continue;
    auto written = write_record(stream, *partial);
    partial->clear();
    if (!written) return std::move(written.error()).context("container log");
  }
  return sys::ok();
}

Result<void> JsonLogWriter::write_record(std::string_view stream, std::string_view piece) {
  if (!fd_) return Error("write to `" + path_ + "`: the log writer was moved from");
  record_.clear();
  record_ += R"({"log":")";
  append_json_string(record_, piece);
  record_ += R"(","stream":")";
  record_ += stream;
  record_ += R"(","time":")";
  append_log_time(record_, now_realtime_ns());
  record_ += "\"}\n";

  const auto size = static_cast<int64_t>(record_.size());
  // Rotate before a record would push the file past max-size; an empty file takes
  // the record anyway (one record larger than max-size must go somewhere).
  if (options_.max_size > 0 && file_size_ > 0 && file_size_ + size > options_.max_size) {
    MINIRUN_TRY(rotate_files(), "rotate `" + path_ + "`");
  }
  MINIRUN_TRY(write_all(fd_.get(), record_, path_), "append a record");
  file_size_ += size;
  return sys::ok();
}

Result<void> JsonLogWriter::rotate_files() {
  // Oldest first: NAME.(max-1) is overwritten by NAME.(max-2), ..., NAME.1 by NAME.
  // rename(2) replaces its target atomically, which drops the oldest file.
  for (int i = options_.max_files - 1; i >= 1; --i) {
    std::string from = i == 1 ? path_ : path_ + "." + std::to_string(i - 1);
    std::string to = path_ + "." + std::to_string(i);
    if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT) {
      return Error::from_errno("rename", from + "` to `" + to);
    }
  }
  if (options_.max_files == 1 && ::unlink(path_.c_str()) != 0 && errno != ENOENT) {
    return Error::from_errno("unlink", path_);  // max-file 1: start the file again
  }
  auto fd = open_for_append(path_);
  if (!fd) return std::move(fd.error());
  fd_ = std::move(*fd);
  file_size_ = 0;
  return sys::ok();
}

}  // namespace minirun::engine
