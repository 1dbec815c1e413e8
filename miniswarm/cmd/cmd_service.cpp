/**
 * @file cmd_service.cpp
 * @brief `miniswarm service create | ls | ps | inspect | scale | update | rm | logs`: the
 *        CLI11 wiring of cli/service_commands.hpp.
 *
 * As in cmd_node.cpp, the callbacks only connect flags to cli/ functions and turn an
 * Error into a CliError. The flags of create and update are declared in
 * cli/service_cli_flags.cpp, where a unit test parses Docker command lines with them.
 *
 * Docs: `docker service --help`.
 */
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "miniswarm/cli/cli_context.hpp"
#include "miniswarm/cli/service_cli_flags.hpp"
#include "miniswarm/cli/service_commands.hpp"
#include "miniswarm/cli/service_logs.hpp"

namespace miniswarm::cli {

namespace {

void or_fail(const minirun::sys::Result<void>& done) {
  if (!done.ok()) throw CliError{done.error().what()};
}

WaitOptions wait_options(const WaitFlags& flags) {
  WaitOptions options;
  options.timeout_ms = parse_duration_ms(flags.timeout, "--timeout");
  options.quiet = flags.quiet;
  options.tty = ::isatty(STDOUT_FILENO) == 1;
  return options;
}

void add_service_create(CLI::App& service, CliContext& ctx) {
  auto* cmd = service.add_subcommand(
      "create", "Create a service: miniswarm service create [OPTIONS] IMAGE [COMMAND] [ARG...]");
  auto flags = std::make_shared<ServiceCreateFlags>();
  auto wait = std::make_shared<WaitFlags>();
  add_service_create_flags(*cmd, *flags, *wait);
  cmd->callback([&ctx, cmd, flags, wait] {
    flags->image_and_command = cmd->remaining();
    auto spec = build_service_spec(*flags);
    if (!spec.ok()) throw CliError{spec.error().what()};
    WaitOptions options = wait_options(*wait);  // --timeout checked before anything is created
    ManagerClient client(ctx.state_dir);
    auto created = service_create(client, *spec, std::cout);
    if (!created.ok()) throw CliError{created.error().what()};
    if (!wait->detach)
      or_fail(wait_for_convergence(client, *created, /*new_service=*/true, options, std::cout));
  });
}

void add_service_ls(CLI::App& service, CliContext& ctx) {
  auto* cmd = service.add_subcommand("ls", "List services");
  cmd->alias("list");
  auto options = std::make_shared<ListOptions>();
  cmd->add_flag("-q,--quiet", options->quiet, "Only display IDs");
  cmd->add_option("--format", options->format, "table (default), or json: one object per line");
  cmd->callback(
      [&ctx, options] { or_fail(service_ls(ManagerClient(ctx.state_dir), *options, std::cout)); });
}

void add_service_ps(CLI::App& service, CliContext& ctx) {
  auto* cmd = service.add_subcommand("ps", "List the tasks of services, with each slot's history");
  auto names = std::make_shared<std::vector<std::string>>();
  auto options = std::make_shared<PsOptions>();
  cmd->add_option("SERVICE", *names, "Service name, id or id prefix")->required();
  cmd->add_flag("--no-trunc", options->no_trunc, "Do not cut ids and errors");
  cmd->add_flag("-q,--quiet", options->quiet, "Only display task IDs");
  cmd->add_option("--format", options->format, "table (default), or json: one object per line");
  cmd->callback([&ctx, names, options] {
    or_fail(service_ps(ManagerClient(ctx.state_dir), *names, *options, std::cout));
  });
}

void add_service_inspect(CLI::App& service, CliContext& ctx) {
  auto* cmd = service.add_subcommand("inspect", "Show services in detail (JSON, or --pretty)");
  auto names = std::make_shared<std::vector<std::string>>();
  auto pretty = std::make_shared<bool>(false);
  auto format = std::make_shared<std::string>();
  cmd->add_option("SERVICE", *names, "Service name, id or id prefix")->required();
  cmd->add_flag("--pretty", *pretty, "A human-readable summary instead of JSON");
  cmd->add_option("--format", *format, "json (the default)");
  cmd->callback([&ctx, names, pretty, format] {
    if (!format->empty() && *format != "json")
      throw CliError{"--format: only json is supported for inspect"};
    or_fail(service_inspect(ManagerClient(ctx.state_dir), *names, *pretty, std::cout));
  });
}

void add_service_scale(CLI::App& service, CliContext& ctx) {
  auto* cmd =
      service.add_subcommand("scale", "Set the replica count of services: SERVICE=REPLICAS...");
  auto targets = std::make_shared<std::vector<std::string>>();
  auto wait = std::make_shared<WaitFlags>();
  cmd->add_option("SERVICE=REPLICAS", *targets, "e.g. web=3")->required();
  add_wait_flags(*cmd, *wait);
  cmd->callback([&ctx, targets, wait] {
    WaitOptions options = wait_options(*wait);
    ManagerClient client(ctx.state_dir);
    std::vector<ServiceRef> scaled;
    auto done = service_scale(client, *targets, std::cout, scaled);
    if (!wait->detach) {
      for (const auto& ref : scaled)
        or_fail(wait_for_convergence(client, ref, /*new_service=*/false, options, std::cout));
    }
    or_fail(done);
  });
}

void add_service_update(CLI::App& service, CliContext& ctx) {
  auto* cmd = service.add_subcommand(
      "update",
      "Change a service's replicas, restart policy, placement or labels (no rolling update yet)");
  auto flags = std::make_shared<ServiceUpdateFlags>();
  auto wait = std::make_shared<WaitFlags>();
  auto name = std::make_shared<std::string>();
  add_service_update_flags(*cmd, *flags, *wait);
  cmd->add_option("SERVICE", *name, "Service name, id or id prefix")->required();
  cmd->callback([&ctx, flags, wait, name] {
    WaitOptions options = wait_options(*wait);
    ManagerClient client(ctx.state_dir);
    auto updated = service_update(client, *name, *flags, std::cout);
    if (!updated.ok()) throw CliError{updated.error().what()};
    if (!wait->detach)
      or_fail(wait_for_convergence(client, *updated, /*new_service=*/false, options, std::cout));
  });
}

void add_service_rm(CLI::App& service, CliContext& ctx) {
  auto* cmd =
      service.add_subcommand("rm", "Remove services (their tasks are stopped, then removed)");
  cmd->alias("remove");
  auto names = std::make_shared<std::vector<std::string>>();
  cmd->add_option("SERVICE", *names, "Service name, id or id prefix")->required();
  cmd->callback(
      [&ctx, names] { or_fail(service_rm(ManagerClient(ctx.state_dir), *names, std::cout)); });
}

}  // namespace

void add_service_commands(CLI::App& app, CliContext& ctx) {
  auto* service = app.add_subcommand("service", "Manage services (on a manager)");
  service->require_subcommand(1);
  add_service_create(*service, ctx);
  add_service_ls(*service, ctx);
  add_service_ps(*service, ctx);
  add_service_inspect(*service, ctx);
  add_service_scale(*service, ctx);
  add_service_update(*service, ctx);
  add_service_rm(*service, ctx);
  add_service_logs_command(*service, ctx);  // cli/service_logs.hpp
}

}  // namespace miniswarm::cli
