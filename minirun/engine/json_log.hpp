/**
 * @file json_log.hpp
 * @brief Container logs in Docker's `json-file` format: the writer a monitor uses, the
 *        reader behind `minirun logs`.
 *
 * A container's stdout and stderr are pipes. Something outside the container must
 * drain them (a full pipe blocks the program), stamp each line with the time it was
 * read, and keep it on disk so `minirun logs` can show it after the container is gone.
 * In Docker that is the daemon's `json-file` driver; in Podman and containerd it is a
 * small per-container monitor (conmon, containerd-shim). minirun uses a monitor too,
 * which must stay under 2 MiB resident, so the writer here is frugal: one reused
 * buffer for the record it is building, one partial-line buffer per stream (at most
 * 16 KiB each), and one write(2) per record to a file opened with O_APPEND.
 *
 * The file holds one JSON object per line (Docker's format, byte for byte in shape):
 *
 *     {"log":"hello\n","stream":"stdout","time":"2026-11-28T05:12:01.123456789Z"}
 *
 *  - `log` is one line of output *including* its "\n". A line longer than 16 KiB
 *    (Docker's maximum message size; the limit counts the "\n") is cut into pieces:
 *    every piece but the last has no "\n", and `minirun logs` prints the pieces one
 *    after the other, which joins them again. A cut never splits a UTF-8 character.
 *  - Output that does not end in "\n" waits in the partial-line buffer until the
 *    newline comes, the buffer reaches 16 KiB, or flush() (the container exited).
 *  - `time` is when the monitor read the line: CLOCK_REALTIME, UTC, always nine
 *    fractional digits (Go's RFC3339NanoFixed, what `docker logs -t` prints).
 *  - Strings are escaped by hand (the hot path): `"` and `\` are escaped, control
 *    characters become `\n`, `\r`, `\t` or `\u00XX`, and *invalid UTF-8 is replaced by U+FFFD*,
 *    one replacement per bad byte. That is what Docker does, and it keeps every line
 *    valid JSON (nlohmann refuses invalid UTF-8). Docker also writes `<`, `>`, `&`,
 *    U+2028 and U+2029 as `\u` escapes for HTML safety; we do not (same meaning in JSON).
 *
 * Rotation (`--log-opt max-size=... --log-opt max-file=...`): before a record would
 * make the file larger than max-size, `NAME` becomes `NAME.1`, `NAME.1` becomes
 * `NAME.2`, ..., and the oldest is dropped, so at most max-file files exist; with
 * max-file 1 the file is simply started again. A record is never split across files.
 *
 * Reading (`minirun logs`): the rotated files oldest first, `NAME.N` ... `NAME.1`,
 * `NAME`, one line at a time (never a whole file in memory). A line that is not a
 * valid record (a monitor killed mid-write leaves half a line) is skipped and counted.
 * Filters are applied in this order: stream, `--since` (time >= since), `--until`
 * (time <= until), then `--tail` keeps the last N of what is left. (Docker counts the
 * tail before filtering streams; counting after means `--tail 5` with one stream shows
 * five lines of that stream.) `minirun logs -f` then waits with inotify(7) on the
 * *directory*, so that a rotation (the file renamed, a new one created) is followed.
 *
 * Left out: compression of rotated files (`compress=true`), `--details` attributes,
 * Docker's `local` driver, and read locking against a concurrent rotation (a reader
 * racing two rotations in a row can miss the file in between, as with Docker).
 *
 * Docs: https://docs.docker.com/config/containers/logging/json-file/ and
 * https://docs.docker.com/reference/cli/docker/container/logs/ (the --since forms).
 * Man pages: write(2) (O_APPEND), rename(2), inotify(7), clock_gettime(2), timegm(3).
 *
 * Lab: labs/01-image-and-container
 */
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "minirun/sys/error.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace minirun::engine {

using sys::Result;

/// Docker's maximum message size: a longer line is written as several records.
inline constexpr size_t kMaxLogPiece = 16 * 1024;

/// `--log-opt max-size` / `max-file`.
struct LogOptions {
  int64_t max_size = 10 * 1024 * 1024;  ///< bytes per file; 0 = never rotate
  int max_files = 3;                    ///< files kept in all, the current one included (>= 1)
};

/// Appends a container's output to a json-file log. Movable, not copyable; owns the fd.
class JsonLogWriter {
 public:
  /// Opens (creating, mode 0640) `path` for appending. The directory must exist.
  static Result<JsonLogWriter> open(const std::string& path, LogOptions options);

  JsonLogWriter(JsonLogWriter&&) noexcept = default;
  JsonLogWriter& operator=(JsonLogWriter&&) noexcept = default;
  JsonLogWriter(const JsonLogWriter&) = delete;
  JsonLogWriter& operator=(const JsonLogWriter&) = delete;

  /// Writes the complete lines in `bytes` as records of `stream` ("stdout" or
  /// "stderr"); an unfinished last line is kept until its newline arrives.
  Result<void> write(std::string_view stream, std::string_view bytes);

  /// Writes the kept partial lines (without "\n"); call it when the container exits.
  Result<void> flush();

 private:
  JsonLogWriter(std::string path, LogOptions options, sys::UniqueFd fd, int64_t size);

  Result<void> write_record(std::string_view stream, std::string_view piece);
  Result<void> rotate_files();

  std::string path_;
  LogOptions options_;
  sys::UniqueFd fd_;
  int64_t file_size_ = 0;
  std::string partial_stdout_;
  std::string partial_stderr_;
  std::string record_;  ///< reused for every record: no allocation per line once grown
};

/// One record of the log, as read back.
struct LogEntry {
  std::string stream;  ///< "stdout" or "stderr"
  std::string log;     ///< the line (or piece), with its "\n" when it had one
  std::string time;    ///< RFC3339Nano as written
  int64_t time_ns = 0; ///< the same, as nanoseconds since the Unix epoch
};

/// What `minirun logs` asks for.
struct LogQuery {
  std::optional<int64_t> tail = std::nullopt;      ///< last N records; nullopt (or negative) = all
  std::optional<int64_t> since_ns = std::nullopt;  ///< keep records with time >= since
  std::optional<int64_t> until_ns = std::nullopt;  ///< keep records with time <= until
  bool stdout_ = true;
  bool stderr_ = true;
};

/// What reading found besides the records.
struct LogReadStats {
  int64_t corrupt_lines = 0;  ///< lines skipped because they were not a valid record
};

/// Reads `path` and its rotated files, oldest first, and applies `query`.
/// A missing log (the container printed nothing yet) is an empty result.
Result<std::vector<LogEntry>> read_log(const std::string& path, const LogQuery& query,
                                       LogReadStats* stats = nullptr);

/// Like read_log, then waits for new records (across rotations) and passes each one to
/// `on_entry`. Calls `keep_going()` at least every 200 ms; when it returns false, what
/// is already in the file is still delivered, then follow_log returns. Also returns
/// when `on_entry` returns false, or once the clock is past `query.until_ns`.
Result<void> follow_log(const std::string& path, const LogQuery& query,
                        const std::function<bool(const LogEntry&)>& on_entry,
                        const std::function<bool()>& keep_going);

/// Parses a `--since` / `--until` value: RFC 3339 with or without fraction and offset
/// ("2026-11-28T05:12:01.5+01:00"), its shorter forms down to a date ("2026-11-28",
/// local time when no zone is given, as in Docker), Unix seconds ("1700000000.5"), or a
/// Go duration before `now_ns` ("10m", "1h30m"). Errors name `flag`.
Result<int64_t> parse_log_time(std::string_view text, std::string_view flag, int64_t now_ns);

/// Parses the `time` field of a record: full RFC 3339 with a zone, 0-9 fractional
/// digits. nullopt when it is not one.
std::optional<int64_t> parse_rfc3339(std::string_view text);

/// Nanoseconds since the epoch -> "2026-11-28T05:12:01.123456789Z" (UTC, 9 digits).
std::string format_log_time(int64_t ns);

/// The same, appended to `out`: the writer's hot path, which must not allocate per line.
void append_log_time(std::string& out, int64_t ns);

/// What `minirun logs` prints for one record; with `timestamps`, "TIME " in front
/// (`docker logs -t`).
std::string format_entry(const LogEntry& entry, bool timestamps);

}  // namespace minirun::engine
