/**
 * @file service_commands.cpp
 * @brief The service commands' requests, output and the convergence wait
 *        (service_commands.hpp).
 */
#include "miniswarm/cli/service_commands.hpp"

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "miniswarm/cli/convergence.hpp"
#include "miniswarm/cli/decode.hpp"
#include "miniswarm/cli/inspect_pretty.hpp"
#include "miniswarm/cli/node_commands.hpp"
#include "miniswarm/cli/service_table.hpp"
#include "miniswarm/cli/task_listing.hpp"

namespace miniswarm::cli {

using minirun::sys::Error;
using minirun::sys::Result;

namespace {

std::string service_path(const std::string& service) {
  return "/v1/services/" + encode_uri_component(service);
}

Result<ServiceRef> ref_of(const nlohmann::json& reply, const std::string& what) {
  auto service = decode<Service>(reply, what);
  if (!service.ok()) return std::move(service.error());
  return ServiceRef{service->id, service->spec.name};
}

}  // namespace

Result<ServiceRef> service_create(const ManagerClient& client, const ServiceSpec& spec,
                                  std::ostream& out) {
  auto reply = client.try_post("/v1/services", spec);
  if (!reply.ok()) return std::move(reply.error()).context("service create");
  auto created = ref_of(*reply, "POST /v1/services");
  if (!created.ok()) return created;
  out << created->id << "\n";
  return created;
}

Result<void> wait_for_convergence(const ManagerClient& client, const ServiceRef& ref,
                                  bool new_service, const WaitOptions& options, std::ostream& out) {
  ConvergenceWatch watch(new_service);
  const auto start = std::chrono::steady_clock::now();
  std::string last_line;
  auto end_line = [&] {
    if (options.tty && !options.quiet && !last_line.empty()) out << "\n";
  };
  for (;;) {
    const int64_t elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - start)
                                .count();
    auto reply = client.try_get(service_path(ref.id));
    if (!reply.ok()) {
      end_line();
      return std::move(reply.error()).context("verify: service `" + ref.name + "`");
    }
    auto service = decode<Service>(*reply, "GET " + service_path(ref.id));
    if (!service.ok()) return std::move(service.error());
    auto tasks = fetch_tasks(client, "service", {ref.id});
    if (!tasks.ok()) return std::move(tasks.error());

    ConvergenceProgress progress = watch.observe(*service, *tasks, elapsed);
    std::string line = progress_line(progress);
    if (!options.quiet && line != last_line) {
      if (options.tty) {
        out << "\r" << line << "\033[K" << std::flush;  // ESC[K: erase the rest of the old line
      } else {
        out << line << "\n" << std::flush;
      }
      last_line = line;
    }
    if (progress.verdict == Convergence::kConverged) {
      end_line();
      if (!options.quiet) out << "verify: Service converged\n";
      return minirun::sys::ok();
    }
    if (progress.verdict == Convergence::kFailing || elapsed >= options.timeout_ms) {
      end_line();
      return Error(not_converged_message(
          progress, ref.name, progress.verdict != Convergence::kFailing, options.timeout_ms));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(options.poll_ms));
  }
}

Result<void> service_ls(const ManagerClient& client, const ListOptions& options,
                        std::ostream& out) {
  MINIRUN_TRY(check_format(options.format), "service ls");
  auto reply = client.try_get("/v1/services");
  if (!reply.ok()) return std::move(reply.error());
  if (!reply->is_array()) return Error("GET /v1/services: the manager's reply is not a list");
  if (wants_json(options.format)) {
    print_json_lines(*reply, out);
    return minirun::sys::ok();
  }
  std::vector<ServiceListing> services;
  for (const auto& item : *reply) {
    auto listing = parse_service_listing(item);
    if (!listing.ok()) return std::move(listing.error());
    services.push_back(std::move(*listing));
  }
  out << (options.quiet ? render_service_ids(std::move(services))
                        : render_service_table(std::move(services)));
  return minirun::sys::ok();
}

Result<void> service_ps(const ManagerClient& client, const std::vector<std::string>& services,
                        const PsOptions& options, std::ostream& out) {
  MINIRUN_TRY(check_format(options.format), "service ps");
  auto tasks = fetch_tasks(client, "service", services);
  if (!tasks.ok()) return std::move(tasks.error());
  return print_tasks(client, *tasks, options, now_ms(), out);
}

Result<void> service_inspect(const ManagerClient& client, const std::vector<std::string>& services,
                             bool pretty, std::ostream& out) {
  nlohmann::json found = nlohmann::json::array();
  std::string summaries;
  auto done = for_each_name(services, [&](const std::string& name) -> Result<void> {
    auto reply = client.try_get(service_path(name));
    if (!reply.ok()) return std::move(reply.error());
    auto listing = parse_service_listing(*reply);
    if (!listing.ok()) return std::move(listing.error());
    found.push_back(*reply);
    if (pretty) summaries += (summaries.empty() ? "" : "\n") + render_service_pretty(*listing);
    return minirun::sys::ok();
  });
  if (pretty) {
    out << summaries;
  } else if (!found.empty() || done.ok()) {
    out << found.dump(4) << "\n";
  }
  return done;
}

Result<void> service_scale(const ManagerClient& client, const std::vector<std::string>& targets,
                           std::ostream& out, std::vector<ServiceRef>& scaled) {
  std::vector<std::pair<std::string, uint64_t>> parsed;
  for (const auto& target : targets) {
    auto one = parse_scale_target(target);
    if (!one.ok()) return std::move(one.error());
    parsed.push_back(std::move(*one));
  }
  std::string failures;
  for (const auto& [name, replicas] : parsed) {
    auto reply = client.try_post(service_path(name) + "/update", {{"replicas", replicas}});
    auto ref = reply.ok() ? ref_of(*reply, "POST " + service_path(name) + "/update")
                          : Result<ServiceRef>(reply.error());
    if (!ref.ok()) {
      failures += (failures.empty() ? "" : "; ") + ref.error().what();
      continue;
    }
    out << name << " scaled to " << replicas << "\n";
    scaled.push_back(*ref);
  }
  if (!failures.empty()) return Error(failures);
  return minirun::sys::ok();
}

Result<ServiceRef> service_update(const ManagerClient& client, const std::string& name,
                                  const ServiceUpdateFlags& flags, std::ostream& out) {
  auto current_reply = client.try_get(service_path(name));
  if (!current_reply.ok()) return std::move(current_reply.error());
  auto current = decode<Service>(*current_reply, "GET " + service_path(name));
  if (!current.ok()) return std::move(current.error());
  auto body = build_service_update(current->spec, flags);
  if (!body.ok()) return std::move(body.error());
  // Post to the id read above: a name could be taken by another service meanwhile.
  auto reply = client.try_post(service_path(current->id) + "/update", *body);
  if (!reply.ok()) return std::move(reply.error());
  out << name << "\n";
  return ServiceRef{current->id, current->spec.name};
}

Result<void> service_rm(const ManagerClient& client, const std::vector<std::string>& services,
                        std::ostream& out) {
  return for_each_name(services, [&](const std::string& name) -> Result<void> {
    auto reply = client.try_del(service_path(name));
    if (!reply.ok()) return std::move(reply.error());
    out << name << "\n";
    return minirun::sys::ok();
  });
}

}  // namespace miniswarm::cli
