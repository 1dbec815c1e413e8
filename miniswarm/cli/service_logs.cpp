/**
 * @file service_logs.cpp
 * @brief `service logs`: flags, the manager's stream, Docker's line format
 *        (service_logs.hpp).
 *
 * The stream is read with httplib's content receiver, which hands over the body in
 * pieces as they arrive (a piece may end in the middle of an event), so the pieces are
 * gathered until a newline and each complete line is one event. The reply's status is
 * seen before the body (the response handler): anything but 200 is an error whose body
 * is the manager's `{"message": ...}`.
 */
#include "miniswarm/cli/service_logs.hpp"

#include <httplib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>

#include "miniswarm/cli/cli_context.hpp"

namespace miniswarm::cli {

using minirun::sys::Error;

namespace {

constexpr time_t kConnectTimeoutSeconds = 2;
/// With follow the manager writes a keep-alive every second; without, it answers
/// within its node deadline (5 s). A minute of silence is a manager that is gone.
constexpr time_t kReadTimeoutSeconds = 60;
constexpr size_t kShortTaskId = 12;

int64_t realtime_now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

/// "5" -> 500000000: a fraction of a second as nanoseconds.
int64_t fraction_ns(const std::string& digits) {
  std::string nine = digits;
  nine.resize(9, '0');
  return std::stoll(nine);
}

std::string since_help(std::string_view text) {
  return "--since: `" + std::string(text) +
         "` is not a time (2026-11-28T10:00:00Z, 2026-11-28, 1700000000.5) or a duration (10m, 1h30m)";
}

/// How one request's stream went.
struct StreamOutcome {
  int status = 0;
  std::string error_body;  ///< the body of a non-200 reply
  std::string error;       ///< an error event from the manager
  bool cancelled = false;  ///< keep_going() said stop
  httplib::Error transport = httplib::Error::Success;
};

StreamOutcome stream_events(const std::string& socket_path, const std::string& path, LogLineFormatter& formatter,
                            std::ostream& out, std::ostream& err, const std::function<bool()>& keep_going) {
  httplib::Client client(socket_path, 80);
  client.set_address_family(AF_UNIX);
  client.set_connection_timeout(kConnectTimeoutSeconds, 0);
  client.set_read_timeout(kReadTimeoutSeconds, 0);
  StreamOutcome outcome;
  std::string pending;
  auto handle_line = [&](const std::string& text) {
    LogEvent event;
    try {
      event = nlohmann::json::parse(text).get<LogEvent>();
    } catch (const nlohmann::json::exception& e) {
      outcome.error = std::string("unreadable event from the manager: ") + e.what();
      return false;
    }
    if (!event.tasks.empty()) formatter.set_tasks(event.tasks);
    if (event.message) (event.message->stream == "stderr" ? err : out) << formatter.line(*event.message);
    if (!event.warning.empty()) err << "warning: " << event.warning << "\n";
    if (!event.error.empty()) {
      outcome.error = event.error;
      return false;
    }
    return true;
  };
  auto result = client.Get(
      path, httplib::Headers{},
      [&](const httplib::Response& response) {
        outcome.status = response.status;
        return true;
      },
      [&](const char* data, size_t size) {
        if (outcome.status != 200) {
          outcome.error_body.append(data, std::min<size_t>(size, 65536));
          return true;
        }
        pending.append(data, size);
        size_t start = 0;
        for (size_t newline; (newline = pending.find('\n', start)) != std::string::npos; start = newline + 1) {
          if (newline > start && !handle_line(pending.substr(start, newline - start))) return false;
        }
        pending.erase(0, start);
        out.flush();
        err.flush();
        if (keep_going && !keep_going()) {
          outcome.cancelled = true;
          return false;
        }
        return true;
      });
  if (!result) outcome.transport = result.error();
  return outcome;
}

/// The manager's `{"message": ...}` in a non-200 body, or the status.
std::string reply_message(const StreamOutcome& outcome) {
  try {
    auto body = nlohmann::json::parse(outcome.error_body);
    if (body.is_object() && body.contains("message") && body["message"].is_string()) return body["message"];
  } catch (const nlohmann::json::exception&) {
  }
  return "the manager answered HTTP " + std::to_string(outcome.status);
}

}  // namespace

minirun::sys::Result<int64_t> parse_since(std::string_view text, int64_t now_ns) {
  const std::string s(text);
  std::smatch m;
  static const std::regex unix_seconds(R"((\d+)(?:\.(\d{1,9}))?)");
  if (std::regex_match(s, m, unix_seconds)) {
    return std::stoll(m[1]) * 1'000'000'000 + (m[2].matched ? fraction_ns(m[2]) : 0);
  }
  static const std::regex rfc3339(
      R"((\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|z|[+-]\d{2}:\d{2})?)");
  if (std::regex_match(s, m, rfc3339)) {
    struct tm tm {};
    tm.tm_year = std::stoi(m[1]) - 1900;
    tm.tm_mon = std::stoi(m[2]) - 1;
    tm.tm_mday = std::stoi(m[3]);
    tm.tm_hour = m[4].matched ? std::stoi(m[4]) : 0;
    tm.tm_min = m[5].matched ? std::stoi(m[5]) : 0;
    tm.tm_sec = m[6].matched ? std::stoi(m[6]) : 0;
    if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) {
      return Error(since_help(text));
    }
    time_t seconds = 0;
    if (m[8].matched) {
      seconds = ::timegm(&tm);
      std::string zone = m[8];
      if (zone != "Z" && zone != "z") {
        int offset = std::stoi(zone.substr(1, 2)) * 3600 + std::stoi(zone.substr(4, 2)) * 60;
        seconds -= zone[0] == '+' ? offset : -offset;
      }
    } else {
      tm.tm_isdst = -1;  // no zone: local time, as Docker reads it
      seconds = ::mktime(&tm);
    }
    return static_cast<int64_t>(seconds) * 1'000'000'000 + (m[7].matched ? fraction_ns(m[7]) : 0);
  }
  auto duration_ms = parse_duration("--since", text);
  if (duration_ms.ok()) return now_ns - *duration_ms * 1'000'000;
  return Error(since_help(text));
}

minirun::sys::Result<std::string> logs_query(const ServiceLogsOptions& options, int64_t now_ns) {
  std::string query;
  auto add = [&query](const std::string& key, const std::string& value) {
    query += (query.empty() ? "?" : "&") + key + "=" + value;
  };
  if (options.tail != "all") {
    size_t used = 0;
    int64_t tail = 0;
    try {
      tail = std::stoll(options.tail, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != options.tail.size()) {
      return Error("--tail: `" + options.tail + "` is not a number of lines (or all)");
    }
    if (tail >= 0) add("tail", std::to_string(tail));  // negative: all, as Docker
  }
  if (!options.since.empty()) {
    auto since = parse_since(options.since, now_ns);
    if (!since.ok()) return std::move(since.error());
    add("since", std::to_string(std::max<int64_t>(*since, 0)));
  }
  if (options.follow) add("follow", "1");
  return query;
}

std::string format_log_timestamp(int64_t ns) {
  time_t seconds = static_cast<time_t>(ns / 1'000'000'000);
  int64_t nanos = ns % 1'000'000'000;
  if (nanos < 0) {
    nanos += 1'000'000'000;
    --seconds;
  }
  struct tm tm {};
  ::gmtime_r(&seconds, &tm);
  char text[64];
  size_t n = ::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(text + n, sizeof text - n, ".%09lldZ", static_cast<long long>(nanos));
  return text;
}

void LogLineFormatter::set_tasks(const std::vector<LogTaskInfo>& tasks) {
  for (const auto& t : tasks) tasks_[t.task_id] = t;
  width_ = 0;
  for (const auto& [id, t] : tasks_) width_ = std::max(width_, prefix(id).size());
}

std::string LogLineFormatter::prefix(const std::string& task_id) const {
  auto it = tasks_.find(task_id);
  std::string id = options_.no_trunc ? task_id : task_id.substr(0, kShortTaskId);
  if (it == tasks_.end()) return id;  // not announced: the id alone still says whose line it is
  std::string name = it->second.name;
  if (!options_.no_task_ids) name += "." + id;
  return name + "@" + it->second.node;
}

std::string LogLineFormatter::line(const LogMessage& message) const {
  std::string text;
  if (options_.timestamps) text += format_log_timestamp(message.time_ns) + " ";
  if (!options_.raw) {
    std::string p = prefix(message.task_id);
    text += p + std::string(width_ > p.size() ? width_ - p.size() : 0, ' ') + "    | ";
  }
  text += message.line;
  text += '\n';
  return text;
}

minirun::sys::Result<void> service_logs(const std::string& socket_path, const std::string& target,
                                        const ServiceLogsOptions& options, std::ostream& out, std::ostream& err,
                                        const std::function<bool()>& keep_going) {
  auto query = logs_query(options, realtime_now_ns());
  if (!query.ok()) return std::move(query.error());
  if (::access(socket_path.c_str(), F_OK) != 0) {
    return Error("cannot reach the manager at " + socket_path +
                 ": is this node a manager? (`miniswarm init` starts one)");
  }
  LogLineFormatter formatter(options);
  const std::string key = encode_uri_component(target);
  StreamOutcome outcome;
  // A service first (name, id or prefix), then a task id, as `docker service logs`.
  for (const char* kind : {"/v1/services/", "/v1/tasks/"}) {
    outcome = stream_events(socket_path, kind + key + "/logs" + *query, formatter, out, err, keep_going);
    if (outcome.status != 404) break;
  }
  if (outcome.cancelled) return minirun::sys::ok();
  if (!outcome.error.empty()) return Error(outcome.error);
  if (outcome.status == 404) {
    return Error("no such service or task: `" + target + "` (`miniswarm service ls`, `miniswarm service ps SERVICE`)");
  }
  if (outcome.status != 0 && outcome.status != 200) return Error(reply_message(outcome));
  if (outcome.transport != httplib::Error::Success) {
    return Error("the log stream from the manager at " + socket_path + " broke off: " +
                 httplib::to_string(outcome.transport));
  }
  return minirun::sys::ok();
}

void add_service_logs_command(CLI::App& service, CliContext& ctx) {
  auto* cmd = service.add_subcommand("logs", "Fetch the logs of a service or task (from every node)");
  auto target = std::make_shared<std::string>();
  auto o = std::make_shared<ServiceLogsOptions>();
  cmd->add_option("SERVICE|TASK", *target, "Service name, id or id prefix, or a task id")->required();
  cmd->add_flag("-f,--follow", o->follow, "Follow log output");
  cmd->add_option("-n,--tail", o->tail, "Number of lines to show from the end of each task's log (or all)")
      ->capture_default_str();
  cmd->add_flag("-t,--timestamps", o->timestamps, "Show timestamps");
  cmd->add_option("--since", o->since, "Show logs since a time (2026-11-28T10:00:00Z) or for a duration (10m)");
  cmd->add_flag("--no-task-ids", o->no_task_ids, "Do not include task IDs in output");
  cmd->add_flag("--no-trunc", o->no_trunc, "Do not truncate output");
  cmd->add_flag("--raw", o->raw, "Do not neatly format logs (no task prefix)");
  cmd->callback([&ctx, target, o] {
    auto done = service_logs(ctx.state_dir + "/manager.sock", *target, *o, std::cout, std::cerr);
    if (!done.ok()) throw CliError{done.error().what()};
  });
}

}  // namespace miniswarm::cli
