/**
 * @file json_log_reader.cpp
 * @brief `minirun logs` and `minirun logs -f`: reading json-file logs back, across
 *        rotated files, and following them as they grow; see json_log.hpp.
 *
 * Reading is line by line through a 64 KiB window (LineReader), so a 1 GiB log costs
 * 64 KiB plus what the query keeps: all matching records, or with `--tail N` only the
 * last N (a bounded deque). Each line is parsed with nlohmann::json; a line that is not
 * a record (half a line from a monitor killed mid-write, garbage) is counted and
 * skipped, never fatal: one bad byte must not hide a container's whole history.
 *
 * Following (`-f`) holds the current file open and reads on from where it stopped.
 * Rotation renames that file away and creates a new one under the old name; the open
 * fd still reads the renamed file, so the follower first drains it to its end (the
 * monitor writes nothing more there after renaming it), then opens the new file. It
 * notices the change by comparing the device and inode of the name with those of its
 * fd. inotify(7) on the *directory* (a watch on the file would follow the renamed
 * inode and never see the new one) serves only to wake up early: every wake-up, and
 * every 200 ms without one, re-checks the files themselves, so coalesced or dropped
 * events (IN_Q_OVERFLOW) cannot lose a line.
 *
 * Man pages: inotify(7), poll(2), read(2), fstat(2).
 *
 * Lab: labs/01-image-and-container
 */
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <nlohmann/json.hpp>

#include "minirun/engine/json_log.hpp"
#include "minirun/sys/file.hpp"

namespace minirun::engine {

namespace {

using sys::Error;
using sys::UniqueFd;

constexpr size_t kReadChunk = 64 * 1024;
/// A record is at most ~100 KiB (16 KiB escaped); a "line" past 1 MiB is garbage.
constexpr size_t kMaxLineBytes = 1024 * 1024;
constexpr int kPollIntervalMs = 200;

/// Reads an fd line by line through a small window; at end of file it can be asked
/// again later (the file may have grown).
class LineReader {
 public:
  LineReader(int fd, std::string path, LogReadStats& stats) : fd_(fd), path_(std::move(path)), stats_(stats) {}

  /// Sets `line` (without its "\n"; valid until the next call) and returns true, or
  /// returns false at the end of what has been written so far.
  Result<bool> next_line(std::string_view& line) {
    for (;;) {
      size_t newline = buffer_.find('\n', scan_);
      if (newline != std::string::npos) {
        std::string_view found(buffer_.data() + start_, newline - start_);
        start_ = scan_ = newline + 1;
        if (discarding_) {  // the end of an overlong line already counted as corrupt
          discarding_ = false;
          continue;
        }
        line = found;
        return true;
      }
      scan_ = buffer_.size();
      if (buffer_.size() - start_ > kMaxLineBytes) {
        if (!discarding_) ++stats_.corrupt_lines;
        discarding_ = true;
        buffer_.clear();
        start_ = scan_ = 0;
      }
      if (start_ > 0) {  // drop what was handed out, keep the unfinished line
        buffer_.erase(0, start_);
        scan_ -= start_;
        start_ = 0;
      }
      size_t old_size = buffer_.size();
      buffer_.resize(old_size + kReadChunk);
      ssize_t n = ::read(fd_, buffer_.data() + old_size, kReadChunk);
      int saved_errno = errno;
      buffer_.resize(old_size + (n > 0 ? static_cast<size_t>(n) : 0));
      if (n < 0) {
        if (saved_errno == EINTR) continue;
        return Error::from_errno("read", path_, saved_errno);
      }
      if (n == 0) return false;
    }
  }

  /// Bytes after the last newline: a record being written, or half of a lost one.
  bool has_unfinished_line() const { return buffer_.size() > start_ || discarding_; }

 private:
  int fd_;
  std::string path_;
  LogReadStats& stats_;
  std::string buffer_;
  size_t start_ = 0;  ///< first byte not yet handed out
  size_t scan_ = 0;   ///< bytes before this are known to hold no newline
  bool discarding_ = false;
};

/// One line -> a record, or nullopt when it is not one.
std::optional<LogEntry> parse_record(std::string_view line) {
  auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return std::nullopt;  // also the "discarded" value of a parse error
  auto log = json.find("log");
  auto stream = json.find("stream");
  auto time = json.find("time");
  if (log == json.end() || stream == json.end() || time == json.end()) return std::nullopt;
  if (!log->is_string() || !stream->is_string() || !time->is_string()) return std::nullopt;
  LogEntry entry;
  entry.stream = stream->get<std::string>();
  if (entry.stream != "stdout" && entry.stream != "stderr") return std::nullopt;
  entry.time = time->get<std::string>();
  auto ns = parse_rfc3339(entry.time);
  if (!ns) return std::nullopt;
  entry.time_ns = *ns;
  entry.log = log->get<std::string>();
  return entry;
}

bool wanted_stream(const LogEntry& entry, const LogQuery& query) {
  return entry.stream == "stdout" ? query.stdout_ : query.stderr_;
}

bool in_time_window(const LogEntry& entry, const LogQuery& query) {
  if (query.since_ns && entry.time_ns < *query.since_ns) return false;
  if (query.until_ns && entry.time_ns > *query.until_ns) return false;
  return true;
}

/// Keeps what a query selects; with a tail, only the last N (bounded memory).
class EntryCollector {
 public:
  explicit EntryCollector(const LogQuery& query) : query_(query) {}

  void add(LogEntry entry) {
    if (!wanted_stream(entry, query_) || !in_time_window(entry, query_)) return;
    if (query_.tail && *query_.tail >= 0) {
      if (*query_.tail == 0) return;
      if (static_cast<int64_t>(kept_.size()) == *query_.tail) kept_.pop_front();
    }
    kept_.push_back(std::move(entry));
  }

  std::vector<LogEntry> take() {
    return std::vector<LogEntry>(std::make_move_iterator(kept_.begin()), std::make_move_iterator(kept_.end()));
  }

 private:
  const LogQuery& query_;
  std::deque<LogEntry> kept_;
};

/// Feeds every complete record from `reader` to `sink`; counts the lines that are not
/// records. Stops at the current end of file.
template <class Sink>
Result<void> drain_lines(LineReader& reader, LogReadStats& stats, Sink&& sink) {
  std::string_view line;
  for (;;) {
    auto more = reader.next_line(line);
    if (!more) return std::move(more.error());
    if (!*more) return sys::ok();
    auto entry = parse_record(line);
    if (!entry) {
      ++stats.corrupt_lines;
      continue;
    }
    if (!sink(std::move(*entry))) return sys::ok();
  }
}

/// `NAME.N` ... `NAME.1`, oldest first: the numbered files that exist in a row.
std::vector<std::string> list_rotated_files(const std::string& path) {
  std::vector<std::string> files;
  for (int i = 1;; ++i) {
    std::string name = path + "." + std::to_string(i);
    if (!sys::path_exists(name)) break;
    files.insert(files.begin(), name);
  }
  return files;
}

/// Opens a log file for reading; a file that does not exist gives an invalid fd
/// (rotated away, or never written), not an error.
Result<UniqueFd> open_if_exists(const std::string& path) {
  auto fd = sys::open_file(path, O_RDONLY);
  if (!fd && fd.error().code() == ENOENT) return UniqueFd();
  return fd;
}

bool same_file(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

/// Reads the rotated files, and then the current file through `current` (kept open by
/// the caller), into `collector`. A rotated file that is the same inode as `current`
/// was renamed while we looked and is read once, as the current file.
Result<void> read_all_files(const std::string& path, int current, EntryCollector& collector,
                            LineReader* current_reader, LogReadStats& stats) {
  struct stat current_stat {};
  bool have_current = current >= 0 && fstat(current, &current_stat) == 0;
  auto add = [&](LogEntry entry) {
    collector.add(std::move(entry));
    return true;
  };
  for (const std::string& file : list_rotated_files(path)) {
    auto fd = open_if_exists(file);
    if (!fd) return std::move(fd.error());
    if (!fd->valid()) continue;
    struct stat st {};
    if (have_current && fstat(fd->get(), &st) == 0 && same_file(st, current_stat)) continue;
    LineReader reader(fd->get(), file, stats);
    if (auto read = drain_lines(reader, stats, add); !read) return std::move(read.error());
    if (reader.has_unfinished_line()) ++stats.corrupt_lines;  // a rotated file is complete
  }
  if (current_reader != nullptr) return drain_lines(*current_reader, stats, add);
  return sys::ok();
}

int64_t now_realtime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::string parent_directory(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

Result<std::vector<LogEntry>> read_log(const std::string& path, const LogQuery& query, LogReadStats* stats) {
  LogReadStats local_stats;
  LogReadStats& counts = stats != nullptr ? *stats : local_stats;
  auto current = open_if_exists(path);
  if (!current) return std::move(current.error()).context("read container log");
  EntryCollector collector(query);
  std::optional<LineReader> reader;
  if (current->valid()) reader.emplace(current->get(), path, counts);
  MINIRUN_TRY(read_all_files(path, current->get(), collector, reader ? &*reader : nullptr, counts),
              "read container log");
  if (reader && reader->has_unfinished_line()) ++counts.corrupt_lines;
  return collector.take();
}

Result<void> follow_log(const std::string& path, const LogQuery& query,
                        const std::function<bool(const LogEntry&)>& on_entry,
                        const std::function<bool()>& keep_going) {
  // Watch before reading, so nothing written in between goes unnoticed.
  UniqueFd inotify(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!inotify) return Error::from_errno("inotify_init1").context("follow container log");
  const std::string directory = parent_directory(path);
  if (inotify_add_watch(inotify.get(), directory.c_str(),
                        IN_MODIFY | IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE) < 0) {
    return Error::from_errno("inotify_add_watch", directory).context("follow container log `" + path + "`");
  }

  LogReadStats stats;  // corrupt lines are skipped; nobody asks for the count here
  auto current = open_if_exists(path);
  if (!current) return std::move(current.error()).context("follow container log");
  UniqueFd fd = std::move(*current);
  std::optional<LineReader> reader;
  if (fd) reader.emplace(fd.get(), path, stats);

  {  // What is there already: read_log's answer, tail included.
    EntryCollector collector(query);
    MINIRUN_TRY(read_all_files(path, fd.get(), collector, reader ? &*reader : nullptr, stats),
                "follow container log");
    for (const LogEntry& entry : collector.take()) {
      if (!on_entry(entry)) return sys::ok();
    }
  }

  bool stop = false;
  auto deliver = [&](LogEntry entry) {
    if (!wanted_stream(entry, query)) return true;
    if (query.since_ns && entry.time_ns < *query.since_ns) return true;
    if (query.until_ns && entry.time_ns > *query.until_ns) {
      stop = true;  // records are in time order: nothing later can be wanted
      return false;
    }
    if (!on_entry(entry)) stop = true;
    return !stop;
  };

  for (;;) {
    // Asked first, answered last: lines written before keep_going() said "stop" are
    // still delivered (the container's last words before it exited).
    const bool go_on = keep_going();
    for (;;) {
      if (reader) MINIRUN_TRY(drain_lines(*reader, stats, deliver), "follow container log");
      if (stop) return sys::ok();
      struct stat named {}, held {};
      if (::stat(path.c_str(), &named) != 0) break;  // renamed away, new file not created yet
      if (fd && fstat(fd.get(), &held) == 0 && same_file(named, held)) break;  // no rotation
      // Rotated (or created). The monitor wrote its last record to the old file before
      // renaming it, so drain it once more now that the rename is seen, then move on.
      if (reader) MINIRUN_TRY(drain_lines(*reader, stats, deliver), "follow container log");
      if (stop) return sys::ok();
      if (reader && reader->has_unfinished_line()) ++stats.corrupt_lines;
      auto next = open_if_exists(path);
      if (!next) return std::move(next.error()).context("follow container log");
      reader.reset();
      fd = std::move(*next);
      if (fd) reader.emplace(fd.get(), path, stats);
    }
    if (!go_on) return sys::ok();
    if (query.until_ns && now_realtime_ns() > *query.until_ns) return sys::ok();

    pollfd wait_for{inotify.get(), POLLIN, 0};
    int ready = ::poll(&wait_for, 1, kPollIntervalMs);
    if (ready < 0 && errno != EINTR) return Error::from_errno("poll", "inotify").context("follow container log");
    if (ready > 0) {  // the events are only a wake-up call: empty the queue, ignore them
      alignas(inotify_event) char events[4096];
      while (::read(inotify.get(), events, sizeof events) > 0) {
      }
    }
  }
}

}  // namespace minirun::engine
