/**
 * @file minirun_oci.cpp
 * @brief `minirun-oci`: runc's command line over the runtime library.
 *
 * Engines (containerd, podman, dockerd) drive a runtime through its command line, and
 * they all speak runc's: global `--root`, `--log`, `--log-format`, `--debug`, then
 * `create --bundle DIR --pid-file F [--console-socket S] ID`, `start ID`, `state ID`,
 * `kill ID SIGNAL`, `delete [--force] ID`. This file only parses that and calls
 * minirun/runtime/container.hpp; every decision lives in the library. Errors go to
 * stderr and, with `--log`, to the log file in runc's format (JSON lines with level,
 * msg and time), where containerd looks for them.
 *
 * Kit extra: the global `--explain` prints each setup step as it runs.
 *
 * Lab: labs/03-namespaces (and every lab that starts a container by hand).
 */
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <string_view>

#include "minirun/runtime/container.hpp"
#include "minirun/runtime/explain.hpp"
#include "minirun/runtime/spec.hpp"
#include "minirun/sys/file.hpp"
#include "minirun/sys/stamps.hpp"

using minirun::runtime::Runtime;
using minirun::runtime::RuntimeOptions;

namespace {

struct Globals {
  RuntimeOptions runtime;
  std::string log_file;
  std::string log_format = "text";
  bool systemd_cgroup = false;
};

/// Reports an error on stderr and in the --log file; returns the exit code 1.
int report(const Globals& g, const std::string& message) {
  std::fprintf(stderr, "minirun-oci: %s\n", message.c_str());
  if (!g.log_file.empty()) {
    std::ofstream log(g.log_file, std::ios::app);
    if (g.log_format == "json") {
      log << nlohmann::json{{"level", "error"}, {"msg", message}, {"time", minirun::sys::now_rfc3339()}}.dump()
          << "\n";
    } else {
      log << "time=\"" << minirun::sys::now_rfc3339() << "\" level=error msg=" << nlohmann::json(message).dump()
          << "\n";
    }
  }
  return 1;
}

template <class T>
int check(const Globals& g, const minirun::sys::Result<T>& r) {
  return r ? 0 : report(g, r.error().what());
}

/// `exec` without --process: the container's own process settings with new args.
minirun::sys::Result<minirun::runtime::Process> exec_process(Runtime& runtime, const std::string& id,
                                                             const std::string& process_file,
                                                             const std::vector<std::string>& args,
                                                             const std::vector<std::string>& env,
                                                             const std::string& cwd, bool tty) {
  using minirun::sys::Error;
  if (!process_file.empty()) {
    auto text = minirun::sys::read_file(process_file);
    if (!text) return std::move(text.error()).context("--process");
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded()) return Error("--process " + process_file + ": not valid JSON");
    return minirun::runtime::parse_process(j, process_file);
  }
  if (args.empty()) return Error("exec: give a command after the container id, or --process FILE");
  auto state = runtime.load(id);
  if (!state) return std::move(state.error());
  auto spec = minirun::runtime::load_spec(state->bundle);
  if (!spec) return std::move(spec.error());
  minirun::runtime::Process p = spec->process;
  p.args = args;
  p.terminal = tty;
  for (const auto& e : env) {
    if (e.find('=') == std::string::npos) return Error("--env `" + e + "`: expected KEY=VALUE");
    p.env.push_back(e);
  }
  if (!cwd.empty()) p.cwd = cwd;
  return p;
}

std::string table_row(const std::vector<std::string>& cells, const std::vector<size_t>& widths) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    line += cells[i];
    if (i + 1 < cells.size()) line += std::string(widths[i] > cells[i].size() ? widths[i] - cells[i].size() : 0, ' ') + "   ";
  }
  return line;
}

std::string command_line(pid_t pid) {
  auto text = minirun::sys::read_file("/proc/" + std::to_string(pid) + "/cmdline");
  if (!text) return "?";
  std::string cmd = *text;
  while (!cmd.empty() && cmd.back() == '\0') cmd.pop_back();
  for (char& c : cmd)
    if (c == '\0') c = ' ';
  return cmd;
}

}  // namespace

/// Exits with `code` at once if the runtime left retired state directories to delete:
/// a child deletes them while we are gone (remove_tree_detached). Forked this late, after
/// every output is flushed, and followed by _exit(2), the fork costs the parent almost no
/// copy-on-write faults. Returns `code` when there is nothing to delete.
int exit_leaving_deletions(Runtime& runtime, int code) {
  const std::vector<std::string> retired = runtime.take_retired();
  if (retired.empty()) return code;
  std::cout.flush();
  std::fflush(nullptr);
  for (const auto& path : retired) (void)minirun::runtime::remove_tree_detached(path);
  ::_exit(code);
}

namespace {

/// Everything the command line sets: the globals, then the subcommands' flags (shared
/// where two subcommands have the same flag).
struct Args {
  Globals g;
  std::string id, bundle = ".", pid_file, console_socket, signal = "TERM", format = "table", process_file, cwd;
  bool detach = false, force = false, all = false, rootless = false, tty = false, quiet = false;
  bool compat_ignored = false;
  std::vector<std::string> exec_args, exec_env;
};

void add_create_flags(CLI::App* c, Args& a) {
  c->add_option("-b,--bundle", a.bundle, "bundle directory (config.json + rootfs)")->capture_default_str();
  c->add_option("--pid-file", a.pid_file, "write the container's init pid to this file");
  c->add_option("--console-socket", a.console_socket, "Unix socket that receives the pty master (terminal: true)");
  c->add_option("id", a.id, "container id")->required();
  c->add_flag("--no-pivot,--no-new-keyring", a.compat_ignored, "accepted for runc compatibility; ignored");
}

CLI::App* with_id(CLI::App* c, Args& a) {
  c->add_option("id", a.id, "container id")->required();
  return c;
}

/// One subcommand: its name and how it joins the parser.
struct Subcommand {
  const char* name;
  CLI::App* (*add)(CLI::App& app, Args& a);
};

const Subcommand kSubcommands[] = {
    {"spec",
     [](CLI::App& app, Args& a) {
       auto* c = app.add_subcommand("spec", "write a default config.json into the bundle directory");
       c->add_option("-b,--bundle", a.bundle, "bundle directory")->capture_default_str();
       c->add_flag("--rootless", a.rootless, "a config for a user namespace owned by the caller");
       return c;
     }},
    {"create",
     [](CLI::App& app, Args& a) {
       auto* c = app.add_subcommand("create", "create a container, waiting for `start`");
       add_create_flags(c, a);
       return c;
     }},
    {"run",
     [](CLI::App& app, Args& a) {
       auto* c = app.add_subcommand("run", "create and start a container; wait for it unless --detach");
       add_create_flags(c, a);
       c->add_flag("-d,--detach", a.detach, "do not wait for the container");
       return c;
     }},
    {"start", [](CLI::App& app, Args& a) { return with_id(app.add_subcommand("start", "start a created container"), a); }},
    {"state",
     [](CLI::App& app, Args& a) {
       return with_id(app.add_subcommand("state", "print the OCI state of a container as JSON"), a);
     }},
    {"kill",
     [](CLI::App& app, Args& a) {
       auto* c = with_id(app.add_subcommand("kill", "send a signal to a container's init"), a);
       c->add_option("signal", a.signal, "signal name or number")->capture_default_str();
       c->add_flag("-a,--all", a.all, "signal every process in the container");
       return c;
     }},
    {"delete",
     [](CLI::App& app, Args& a) {
       auto* c = with_id(app.add_subcommand("delete", "remove a stopped container and everything it used"), a);
       c->add_flag("-f,--force", a.force, "kill a running container first");
       return c;
     }},
    {"list",
     [](CLI::App& app, Args& a) {
       auto* c = app.add_subcommand("list", "list containers");
       c->add_option("-f,--format", a.format, "table or json")->check(CLI::IsMember({"table", "json"}));
       c->add_flag("-q,--quiet", a.quiet, "ids only");
       return c;
     }},
    {"ps",
     [](CLI::App& app, Args& a) {
       auto* c = app.add_subcommand("ps", "list the processes of a container");
       c->add_option("-f,--format", a.format, "table or json")->check(CLI::IsMember({"table", "json"}));
       return with_id(c, a);
     }},
    {"pause",
     [](CLI::App& app, Args& a) { return with_id(app.add_subcommand("pause", "freeze every process of a container"), a); }},
    {"resume", [](CLI::App& app, Args& a) { return with_id(app.add_subcommand("resume", "thaw a paused container"), a); }},
    {"exec",
     [](CLI::App& app, Args& a) {
       auto* c = app.add_subcommand("exec", "run a new process in a running container");
       c->add_option("-p,--process", a.process_file, "a JSON process object (runtime-spec) to run");
       c->add_flag("-t,--tty", a.tty, "allocate a pseudo-terminal");
       c->add_flag("-d,--detach", a.detach, "do not wait for the process");
       c->add_option("--pid-file", a.pid_file, "write the process's pid to this file");
       c->add_option("--console-socket", a.console_socket, "Unix socket that receives the pty master");
       c->add_option("-e,--env", a.exec_env, "extra environment KEY=VALUE");
       c->add_option("--cwd", a.cwd, "working directory inside the container");
       c->add_option("id", a.id, "container id")->required();
       c->add_option("command", a.exec_args, "command and arguments");
       c->positionals_at_end();
       c->prefix_command();
       return c;
     }},
};

/// The subcommand named on the command line, found without the parser: the first word
/// that is not a global option or its value. Empty when an unknown option comes first
/// (--help, a typo): the whole parser judges those.
std::string_view subcommand_named(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view word = argv[i];
    if (word == "--root" || word == "--log" || word == "--log-format") {
      ++i;  // and its value
      continue;
    }
    if (word == "--debug" || word == "--explain" || word == "--systemd-cgroup") continue;
    if (word.rfind("--root=", 0) == 0 || word.rfind("--log=", 0) == 0 || word.rfind("--log-format=", 0) == 0) continue;
    if (word.empty() || word[0] == '-') return {};
    return word;
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  (void)minirun::runtime::Explainer::origin();  // "at" in --explain counts from here
  CLI::App app{"minirun-oci: a small OCI runtime that speaks runc's command line.\n"
               "Runs an OCI bundle (config.json + rootfs) in namespaces, cgroups, seccomp and\n"
               "capabilities. Add --explain to see every setup step as it runs."};
  app.require_subcommand(1);
  Args a;
  Globals& g = a.g;
  app.add_option("--root", g.runtime.root, "directory for container state")->capture_default_str();
  app.add_option("--log", g.log_file, "also write errors to this file");
  app.add_option("--log-format", g.log_format, "log file format")->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--debug", g.runtime.debug, "print more about what happens");
  app.add_flag("--explain", g.runtime.explain, "print each setup step with its man page, reason and time");
  app.add_flag("--systemd-cgroup", g.systemd_cgroup, "not supported: cgroups are managed directly");

  // Only the subcommand asked for joins the parser: building all twelve costs a cold
  // process ~0.15 ms (CLI11 makes a few hundred small objects), 4% of a whole `run`.
  // With no known subcommand named (--help, a typo, none) all of them do, for the
  // messages that list them.
  const std::string_view named = subcommand_named(argc, argv);
  const bool known = std::any_of(std::begin(kSubcommands), std::end(kSubcommands),
                                 [&](const Subcommand& s) { return named == s.name; });
  std::map<std::string_view, CLI::App*> built;
  for (const Subcommand& s : kSubcommands)
    if (!known || named == s.name) built[s.name] = s.add(app, a);
  auto parsed = [&](const char* name) {
    auto it = built.find(name);
    return it != built.end() && it->second->parsed();
  };
  CLI11_PARSE(app, argc, argv);
  if (g.systemd_cgroup) return report(g, "--systemd-cgroup is not supported: minirun-oci manages cgroupfs directly");

  // This command exits as soon as it is done: a container's state directory can be
  // deleted by a child that outlives it (exit_leaving_deletions).
  g.runtime.defer_state_removal = true;
  Runtime runtime(g.runtime);
  if (parsed("spec")) {
    std::string path = a.bundle + "/config.json";
    if (minirun::sys::path_exists(path)) return report(g, path + " exists: remove it first");
    auto r = minirun::sys::write_file(path, minirun::runtime::default_spec(a.rootless).dump(1, '\t') + "\n",
                                      O_WRONLY | O_CREAT | O_EXCL, 0644);
    return check(g, r);
  }
  if (parsed("create")) {
    auto created = runtime.create({a.id, a.bundle, a.pid_file, a.console_socket});
    if (!created) return report(g, created.error().what());
    created->init.release();
    return 0;
  }
  if (parsed("run")) {
    auto code = runtime.run({a.id, a.bundle, a.pid_file, a.console_socket}, a.detach);
    return exit_leaving_deletions(runtime, code ? *code : report(g, code.error().what()));
  }
  if (parsed("start")) return check(g, runtime.start(a.id));
  if (parsed("state")) {
    auto j = runtime.state_json(a.id);
    if (!j) return report(g, j.error().what());
    std::cout << j->dump(2) << "\n";
    return 0;
  }
  if (parsed("kill")) {
    auto sig = minirun::runtime::parse_signal(a.signal);
    if (!sig) return report(g, sig.error().what());
    return check(g, runtime.kill(a.id, *sig, a.all));
  }
  if (parsed("delete")) return exit_leaving_deletions(runtime, check(g, runtime.remove(a.id, a.force)));
  if (parsed("pause")) return check(g, runtime.pause(a.id));
  if (parsed("resume")) return check(g, runtime.resume(a.id));
  if (parsed("list")) {
    auto rows = runtime.list();
    if (a.format == "json") {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& r : rows) {
        out.push_back({{"ociVersion", r.state.oci_version}, {"id", r.state.id},
                       {"pid", r.status == minirun::runtime::Status::stopped ? 0 : r.state.pid},
                       {"status", minirun::runtime::status_name(r.status)}, {"bundle", r.state.bundle},
                       {"rootfs", r.state.rootfs}, {"created", r.state.created},
                       {"owner", minirun::runtime::user_name(r.state.owner_uid)}});
      }
      std::cout << out.dump() << "\n";
      return 0;
    }
    if (a.quiet) {
      for (const auto& r : rows) std::cout << r.state.id << "\n";
      return 0;
    }
    std::vector<std::vector<std::string>> table = {{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}};
    for (const auto& r : rows) {
      bool stopped = r.status == minirun::runtime::Status::stopped;
      table.push_back({r.state.id, std::to_string(stopped ? 0 : r.state.pid), minirun::runtime::status_name(r.status),
                       r.state.bundle, r.state.created, minirun::runtime::user_name(r.state.owner_uid)});
    }
    std::vector<size_t> widths(6, 0);
    for (const auto& row : table)
      for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    for (const auto& row : table) std::cout << table_row(row, widths) << "\n";
    return 0;
  }
  if (parsed("ps")) {
    auto pids = runtime.processes(a.id);
    if (!pids) return report(g, pids.error().what());
    if (a.format == "json") {
      std::cout << nlohmann::json(*pids).dump() << "\n";
      return 0;
    }
    std::cout << "PID      CMD\n";
    for (pid_t pid : *pids) std::printf("%-8d %s\n", pid, command_line(pid).c_str());
    return 0;
  }
  if (parsed("exec")) {
    std::vector<std::string> args = a.exec_args;
    for (const auto& extra : built["exec"]->remaining()) args.push_back(extra);
    auto process = exec_process(runtime, a.id, a.process_file, args, a.exec_env, a.cwd, a.tty);
    if (!process) return report(g, process.error().what());
    if (a.tty) process->terminal = true;
    auto code = runtime.exec(a.id, *process, {a.detach, a.pid_file, a.console_socket});
    if (!code) return report(g, code.error().what());
    return *code;
  }
  return 0;
}
