/**
 * @file service_logs.hpp
 * @brief `miniswarm service logs SERVICE|TASK`: the lines of a service's tasks, from
 *        every node that ran them, as `docker service logs` prints them.
 *
 *     $ miniswarm service logs web
 *     web.1.k2j4xyz0abcd@node-1    | hello from slot 1
 *     web.2.m9q8r7s6t5u4@node-2    | hello from slot 2
 *
 * The command asks the manager (`GET /v1/services/{id}/logs`, or `/v1/tasks/{id}/logs`
 * when no service has that name or id) and prints the stream the manager answers with:
 * one JSON event per line (log_protocol.hpp), the first naming the tasks, then the
 * lines as the nodes send them. The manager gathers them through its log broker from
 * the agents (docs/design/swarm.md, "Logs: the broker"); this side only formats.
 *
 * Flags, Docker's:
 *  | flag              | effect                                                        |
 *  |-------------------|---------------------------------------------------------------|
 *  | -f, --follow      | keep printing new lines until interrupted (Ctrl-C)            |
 *  | -n, --tail N|all  | the last N lines of each task (a negative N means all, as Docker) |
 *  | -t, --timestamps  | RFC 3339 time with nine fractional digits before each line    |
 *  | --since WHEN      | lines from then on: 2026-11-28T10:00:00Z, 2026-11-28, 10m, 1700000000 |
 *  | --no-task-ids     | `web.1@node-2` instead of `web.1.k2j4xyz0abcd@node-2`          |
 *  | --no-trunc        | the full 25-character task id                                 |
 *  | --raw             | the lines alone, no prefix                                    |
 *
 * The prefix is padded to the longest one in the stream, then `    | `, so the lines of
 * all tasks start in one column. Lines the task wrote to stderr go to stderr. Warnings
 * from the manager ("node-3 did not send its logs (node is down)") go to stderr as
 * `warning: ...`; an error event ends the command with that error.
 *
 * `--since` is turned into an absolute time here, as Docker's CLI does, so that every
 * node applies the same instant whatever its clock says about "10m". (The engine's
 * parser, minirun/engine/json_log.hpp, is not linked into the CLI library; this one
 * accepts the same forms.)
 *
 * Docs: `docker service logs --help`; https://docs.docker.com/reference/cli/docker/service/logs/
 */
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <string_view>

#include "minirun/sys/error.hpp"
#include "miniswarm/dispatcher/log_protocol.hpp"

namespace CLI {
class App;
}

namespace miniswarm::cli {

struct CliContext;

struct ServiceLogsOptions {
  bool follow = false;
  std::string tail = "all";
  bool timestamps = false;
  std::string since{};
  bool no_task_ids = false;
  bool no_trunc = false;
  bool raw = false;
};

/// `--since`: RFC 3339 (with or without fraction and zone; local time without a zone),
/// a date, Unix seconds with an optional fraction, or a Go duration before `now_ns`.
/// Nanoseconds since the epoch.
minirun::sys::Result<int64_t> parse_since(std::string_view text, int64_t now_ns);

/// The query the manager takes: "?tail=10&since=1700000000000000000&follow=1".
minirun::sys::Result<std::string> logs_query(const ServiceLogsOptions& options, int64_t now_ns);

/// "2026-11-28T05:12:01.123456789Z": UTC, nine fractional digits (Go's RFC3339Nano, fixed).
std::string format_log_timestamp(int64_t ns);

/// Formats the events of one stream. Holds the task table of the first event.
class LogLineFormatter {
 public:
  explicit LogLineFormatter(ServiceLogsOptions options) : options_(std::move(options)) {}

  /// Learns the tasks (the stream's first event) and the width to pad prefixes to.
  void set_tasks(const std::vector<LogTaskInfo>& tasks);
  /// "web.1.k2j4xyz0abcd@node-2" (or its --no-task-ids / --no-trunc form).
  std::string prefix(const std::string& task_id) const;
  /// The whole output line, "\n" included.
  std::string line(const LogMessage& message) const;

 private:
  ServiceLogsOptions options_;
  std::map<std::string, LogTaskInfo> tasks_;
  size_t width_ = 0;
};

/// Streams the logs of `target` (a service, else a task) from the manager whose local
/// socket is `socket_path`: lines to `out` / `err` by their stream, warnings to `err`.
/// `keep_going` is asked between events (tests end a follow with it).
minirun::sys::Result<void> service_logs(const std::string& socket_path, const std::string& target,
                                        const ServiceLogsOptions& options, std::ostream& out,
                                        std::ostream& err, const std::function<bool()>& keep_going = {});

/// Adds `logs` to the `service` command group (cmd/cmd_service.cpp calls it).
void add_service_logs_command(CLI::App& service, CliContext& ctx);

}  // namespace miniswarm::cli
