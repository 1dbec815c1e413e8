/**
 * @file monitor_start.cpp
 * @brief The monitor starts its container: the runtime's create and start, with the
 *        output pipes (or a pty) set up for the clone, the container plugged into its
 *        networks and given its DNS server before its program runs; and the ports taken
 *        down at the end. See supervisor.hpp.
 *
 * Man pages: pipe(2), dup2(2), pty(7), network_namespaces(7). Lab: labs/08-networks.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "minirun/engine/container_network.hpp"
#include "minirun/engine/embedded_dns.hpp"
#include "minirun/engine/supervisor.hpp"
#include "minirun/network/netns.hpp"
#include "minirun/runtime/console.hpp"

namespace minirun::engine {

using sys::UniqueFd;

Result<void> Supervisor::start_container() {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) < 0 || ::pipe2(err, O_CLOEXEC) < 0) return Error::from_errno("pipe2");
  UniqueFd out_write(out[1]), err_write(err[1]);
  out_.reset(out[0]);
  err_.reset(err[0]);
  UniqueFd console_ours, console_theirs;
  runtime::CreateOptions options;
  options.id = config_.id;
  options.bundle = store_.bundle_dir(config_.id);
  options.start_through_pipe = true;
  options.config = &bundle_;  // what bundle/config.json will say (save_bundle_config)
  // On a bridge network the container's veth must be in place before the program runs,
  // so create and start are two steps; otherwise the start byte goes out at once (with
  // --network none, the runtime itself sets the namespace's `lo` up, as runc does).
  const bool own_network = network_kind(config_.network_mode) == NetworkKind::bridge;
  options.start_immediately = !own_network;
  if (config_.tty) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) return Error::from_errno("socketpair");
    console_ours.reset(fds[0]);
    console_theirs.reset(fds[1]);
    options.console_fd = console_theirs.get();
  }
  // The container's init inherits our fds 0, 1 and 2: point 1 and 2 at the pipes for
  // the clone, then back where they were (/dev/null before the first start, then
  // monitor.log).
  UniqueFd saved_out(::fcntl(1, F_DUPFD_CLOEXEC, 10)), saved_err(::fcntl(2, F_DUPFD_CLOEXEC, 10));
  ::dup2(out_write.get(), 1);
  ::dup2(err_write.get(), 2);
  // The built-in seccomp profile goes over already parsed (the runtime then skips the
  // JSON of it that bundle_ keeps for config.json and the healthcheck's exec).
  if (seccomp_) options.seccomp = &*seccomp_;
  auto created = runtime_.create(options);
  ::dup2(saved_out.get(), 1);
  ::dup2(saved_err.get(), 2);
  if (!created) return std::move(created.error());
  console_theirs.reset();
  if (own_network) {
    if (auto r = connect_container(created->init.pid()); !r) {
      (void)runtime_.remove(config_.id, true);
      return std::move(r.error());
    }
  }
  if (auto r = runtime_.start(*created); !r) {
    (void)runtime_.remove(config_.id, true);
    return std::move(r.error());
  }
  if (created->terminal) {
    auto master = runtime::receive_fd(console_ours.get());
    if (!master) {
      (void)runtime_.remove(config_.id, true);
      return std::move(master.error());
    }
    master_ = std::move(*master);
    // Size the pty like the attached terminal, so full-screen programs draw right.
    winsize size{};
    if (stdout_fd_ >= 0 && ::ioctl(stdout_fd_, TIOCGWINSZ, &size) == 0) ::ioctl(master_.get(), TIOCSWINSZ, &size);
  }
  created_.emplace(std::move(*created));
  started_ns_ = monotonic_ns();
  return sys::ok();
}

Result<void> Supervisor::connect_container(pid_t pid) {
  auto netns = network::open_network_namespace(pid);
  if (!netns) return std::move(netns.error());
  MINIRUN_TRY(attach_networks(config_, netns->get()), "start");
  if (auto dns = start_dns(netns->get()); !dns) {
    detach_networks(config_);
    return std::move(dns.error()).context("embedded DNS server");
  }
  publish_container_names(network::NetworkStore(args_.data_root, network::NetPlugin(args_.net_plugin_path)), config_);
  return sys::ok();
}

Result<void> Supervisor::start_dns(int netns_fd) {
  auto plan = plan_embedded_dns(config_, args_.data_root);
  if (plan.networks.empty()) return sys::ok();  // no user-defined network: no discovery
  return network::in_network_namespace(netns_fd, [&]() -> Result<void> {
    auto server = network::DnsServer::bind(network::kEmbeddedDnsAddress, 53, network::DnsResolver(plan.networks),
                                           plan.upstreams);
    if (!server) return std::move(server.error());
    dns_.emplace(std::move(*server));
    return sys::ok();
  });
}

void Supervisor::unpublish() {
  auto state = store_.load_state(config_.id);
  if (!state || state->published_ports.empty()) return;
  if (auto r = unpublish_ports(network::NetPlugin(args_.net_plugin_path), state->published_ports); !r) {
    std::fprintf(stderr, "minirun-monitor: unpublish: %s\n", r.error().what().c_str());
    return;  // left in state.json: `minirun rm` tries again
  }
  (void)store_.update_state(config_.id, [](ContainerState& s) { s.published_ports.clear(); });
}

}  // namespace minirun::engine
