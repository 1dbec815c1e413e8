/**
 * @file manager.cpp
 * @brief Creating, opening and serving a swarm manager (manager.hpp).
 */
#include "miniswarm/manager/manager.hpp"

#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "miniswarm/ca/join_token.hpp"
#include "miniswarm/ca/node_certificate.hpp"
#include "miniswarm/ca/root_ca.hpp"

namespace miniswarm::manager {

using minirun::sys::Error;

namespace {

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

Result<void> make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return Error::from_errno("mkdir", path);
  return minirun::sys::ok();
}

}  // namespace

Manager::~Manager() { stop(); }

Result<void> Manager::open_store() {
  MINIRUN_TRY(make_dir(options_.state_dir), "state dir");
  MINIRUN_TRY(make_dir(options_.state_dir + "/manager"), "state dir");
  auto store = ClusterStore::open(options_.state_dir + "/manager/state.db");
  if (!store.ok()) return std::move(store.error());
  store_ = std::move(*store);
  return minirun::sys::ok();
}

Result<std::unique_ptr<Manager>> Manager::init(ManagerOptions options) {
  if (options.hostname.empty()) options.hostname = host_name();
  if (options.advertise_addr.empty()) {
    return Error("--advertise-addr: needed (the address other nodes reach this manager at)");
  }
  std::unique_ptr<Manager> m(new Manager(options));
  bool dir_existed = ::access(options.state_dir.c_str(), F_OK) == 0;
  MINIRUN_TRY(m->open_store(), "init");
  auto existing = m->store_->cluster();
  if (!existing.ok()) return std::move(existing.error()).context("init");
  if (existing->has_value()) {
    return Error("init: this node is already part of a swarm (state in `" + options.state_dir +
                 "`): run `miniswarm leave --force` first, or start it with `miniswarm manager`");
  }
  // Everything is made in memory first; the store and the files are written last, so a
  // failure before that leaves nothing behind.
  Cluster cluster;
  cluster.id = new_object_id();
  auto root = ca::create_root_ca(cluster.id);
  if (!root.ok()) return std::move(root.error()).context("init: create the cluster CA");
  cluster.ca_cert_pem = root->cert_pem;
  cluster.ca_key_pem = root->key_pem;
  cluster.worker_token_secret = ca::new_token_secret();
  cluster.manager_token_secret = ca::new_token_secret();
  cluster.heartbeat_period_ms = options.heartbeat_period_ms;
  cluster.orphan_after_ms = options.orphan_after_ms;

  Node self;
  self.id = new_object_id();
  self.role = NodeRole::kManager;
  self.hostname = options.hostname;
  self.addr = options.advertise_addr;
  auto key = ca::make_key_and_csr();
  if (!key.ok()) return std::move(key.error()).context("init: the manager's key");
  auto cert = ca::sign_node_csr(*root, key->csr_pem, {self.id, NodeRole::kManager, cluster.id});
  if (!cert.ok()) return std::move(cert.error()).context("init: the manager's certificate");
  if (auto serial = ca::certificate_serial_hex(*cert); serial.ok()) self.cert_serial = *serial;

  api::StoredCredentials stored;
  stored.credentials = {root->cert_pem, *cert, key->key_pem};
  stored.manager_addr = options.advertise_addr + ":" + std::to_string(options.listen_port);
  auto written = m->store_->update([&](StoreTx& tx) -> Result<void> {
    MINIRUN_TRY(tx.put(cluster), "the cluster");
    return tx.create(self);
  });
  auto saved = written.ok() ? api::save_credentials(options.state_dir, stored) : minirun::sys::ok();
  if (!written.ok() || !saved.ok()) {
    Error error = !written.ok() ? written.error() : saved.error();
    // Leave nothing behind: the store file (and the directories, if we made them).
    std::string db = options.state_dir + "/manager/state.db";
    m->store_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((db + suffix).c_str());
    ::rmdir((options.state_dir + "/manager").c_str());
    (void)api::remove_credentials(options.state_dir);
    if (!dir_existed) ::rmdir(options.state_dir.c_str());
    return std::move(error).context("init");
  }
  m->credentials_ = stored;
  m->node_id_ = self.id;
  m->cluster_id_ = cluster.id;
  return m;
}

Result<std::unique_ptr<Manager>> Manager::open(ManagerOptions options) {
  auto stored = api::load_credentials(options.state_dir);
  if (!stored.ok()) return std::move(stored.error()).context("manager");
  std::unique_ptr<Manager> m(new Manager(options));
  if (::access((options.state_dir + "/manager/state.db").c_str(), F_OK) != 0) {
    return Error("manager: `" + options.state_dir + "` holds a worker's state, not a manager's " +
                 "(start it with `miniswarm agent`)");
  }
  MINIRUN_TRY(m->open_store(), "manager");
  auto cluster = m->store_->cluster();
  if (!cluster.ok()) return std::move(cluster.error()).context("manager");
  if (!cluster->has_value()) return Error("manager: the store in `" + options.state_dir + "` has no swarm");
  auto identity = ca::verify_node_cert(stored->credentials.ca_cert_pem, stored->credentials.cert_pem,
                                       ca::wall_clock_ms());
  if (!identity.ok()) return std::move(identity.error()).context("manager: this node's certificate");
  if (identity->role != NodeRole::kManager) {
    return Error("manager: this node is a worker (its certificate says so): start `miniswarm agent`");
  }
  m->credentials_ = *stored;
  m->node_id_ = identity->node_id;
  m->cluster_id_ = identity->cluster_id;
  return m;
}

Result<std::string> Manager::join_token(NodeRole role) {
  auto cluster = store_->cluster();
  if (!cluster.ok()) return std::move(cluster.error());
  if (!cluster->has_value()) return Error("no swarm");
  return ca::join_token_for(**cluster, role);
}

int Manager::port() const { return tls_ ? tls_->port() : 0; }

Result<void> Manager::serve() {
  auto cluster = store_->cluster();
  if (!cluster.ok()) return std::move(cluster.error()).context("serve");
  int64_t period = (*cluster)->heartbeat_period_ms;
  dispatcher_ = std::make_unique<DispatcherService>(*store_, period, options_.log);
  MINIRUN_TRY(dispatcher_->start(now_ms()), "serve");
  context_ = ManagerContext{store_.get(), dispatcher_.get(), options_.log};
  context_.logs = std::make_shared<LogBroker>();
  schedule_step_ = std::make_unique<ScheduleStep>(static_cast<uint64_t>(now_ms()));

  ClusterStore& store = *store_;
  LogSink log = options_.log;
  loops_.push_back(std::make_unique<ControlLoop>(
      "orchestrator", store, [&store, log](int64_t now) { return orchestrate_step(store, now, log); }, log));
  ScheduleStep* scheduler = schedule_step_.get();
  loops_.push_back(std::make_unique<ControlLoop>(
      "scheduler", store, [&store, scheduler, log](int64_t now) { return scheduler->run(store, now, log); }, log));
  DispatcherService* dispatcher = dispatcher_.get();
  loops_.push_back(std::make_unique<ControlLoop>(
      "liveness", store, [dispatcher](int64_t now) { return dispatcher->liveness_step(now); }, log));
  for (auto& loop : loops_) loop->start();

  auto tls = api::TlsServer::create(credentials_.credentials);
  if (!tls.ok()) return std::move(tls.error()).context("serve");
  tls_ = std::move(*tls);
  std::vector<Route> routes = manager_routes(context_);
  add_log_routes(routes, context_);
  if (!options_.image_root.empty()) {
    // The registry is served on the TLS port only: it is for nodes (and skopeo with a
    // node's certificate), not for the local CLI.
    auto images = imagebuilder::store::ImageStore::open(options_.image_root);
    if (!images.ok()) {
      stop();
      return std::move(images.error()).context("serve: the image store the registry serves");
    }
    registry_ = std::make_shared<registry::RegistryServer>(std::move(*images));
    for (auto& r : registry::registry_routes(registry_)) {
      if (r.method == "GET") tls_->get(r.pattern, registry::kRegistryAccess, r.handler);
      if (r.method == "POST") tls_->post(r.pattern, registry::kRegistryAccess, r.handler);
      if (r.method == "PUT") tls_->put(r.pattern, registry::kRegistryAccess, r.handler);
      if (r.method == "DELETE") tls_->del(r.pattern, registry::kRegistryAccess, r.handler);
    }
  }
  for (const auto& r : routes) {
    if (r.method == "GET") tls_->get(r.pattern, r.access, r.handler);
    if (r.method == "POST") tls_->post(r.pattern, r.access, r.handler);
    if (r.method == "DELETE") tls_->del(r.pattern, r.access, r.handler);
  }
  auto port = tls_->start(options_.listen_host, options_.listen_port);
  if (!port.ok()) {
    stop();
    return std::move(port.error()).context("serve: listen on " + options_.listen_host + ":" +
                                           std::to_string(options_.listen_port));
  }

  // The local socket: the same routes, the caller being this manager (root only: 0600).
  local_ = std::make_unique<httplib::Server>();
  local_->set_address_family(AF_UNIX);
  std::optional<ca::Identity> local_identity = ca::Identity{node_id_, NodeRole::kManager, cluster_id_};
  for (const auto& r : routes) {
    auto handler = [h = r.handler, local_identity](const httplib::Request& req, httplib::Response& res) {
      h(req, res, local_identity);
    };
    if (r.method == "GET") local_->Get(r.pattern, handler);
    if (r.method == "POST") local_->Post(r.pattern, handler);
    if (r.method == "DELETE") local_->Delete(r.pattern, handler);
  }
  std::string path = socket_path();
  ::unlink(path.c_str());  // a socket left by a killed manager
  if (!local_->bind_to_port(path.c_str(), 80)) {
    stop();
    return Error::from_errno("bind", path).context("serve: the local socket");
  }
  ::chmod(path.c_str(), 0600);
  local_thread_ = std::thread([this] { local_->listen_after_bind(); });
  // httplib's stop() does nothing until the accept loop runs (is_running): a stop()
  // right after serve() would then leave the thread in accept(2) forever. So serve()
  // returns only once the loop runs.
  for (int i = 0; i < 5000 && !local_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (options_.log) {
    options_.log("manager " + node_id_ + " serving on " + options_.listen_host + ":" +
                 std::to_string(*port) + " and " + path);
  }
  return minirun::sys::ok();
}

void Manager::stop() {
  // Streams and agents' long polls waiting in the log broker end now, so the servers'
  // threads are free to stop.
  if (context_.logs) context_.logs->close_all("the manager is stopping");
  if (local_) local_->stop();
  if (local_thread_.joinable()) local_thread_.join();
  if (local_) ::unlink(socket_path().c_str());
  local_.reset();
  if (tls_) tls_->stop();
  for (auto& loop : loops_) loop->stop();
  loops_.clear();
}

}  // namespace miniswarm::manager
