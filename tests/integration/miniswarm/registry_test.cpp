// The manager as a registry, for real: a Manager serving its image store (with the
// built-in busybox tagged `web:1`) on a loopback port; skopeo pulling it with a node's
// certificate; the kit's own puller filling an empty node store; an agent's check()
// pulling an image its node lacks. Root: the busybox image is made with real file
// ownership, as the engine tests make it.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <memory>
#include <mutex>

#include "imagebuilder/build/base_images.hpp"
#include "minirun/sys/file.hpp"
#include "miniswarm/agent/engine_backend.hpp"
#include "miniswarm/ca/node_certificate.hpp"
#include "miniswarm/manager/manager.hpp"
#include "miniswarm/registry/image_puller.hpp"
#include "tests/support/test_env.hpp"

namespace miniswarm::registry {
namespace {

using imagebuilder::store::Image;
using imagebuilder::store::ImageStore;
using imagebuilder::store::Reference;
using minirun::testing::CommandResult;
using minirun::testing::run_command;
using minirun::testing::ScratchDir;

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

class ManagerRegistry : public ::testing::Test {
 protected:
  void SetUp() override {
    MINIRUN_REQUIRE_ROOT();
    images_root_ = scratch_.path() + "/manager-images";
    auto store = ImageStore::open(images_root_);
    ASSERT_TRUE(store.ok()) << store.error().what();
    auto busybox = imagebuilder::build::ensure_busybox_image(*store);
    ASSERT_TRUE(busybox.ok()) << busybox.error().what();
    ASSERT_TRUE(store->tag(Reference::parse("web:1").value(), busybox->manifest_digest).ok());
    web_ = store->resolve("web:1").value();

    manager::ManagerOptions options;
    options.state_dir = scratch_.path() + "/manager";
    options.listen_host = "127.0.0.1";
    options.listen_port = minirun::testing::free_loopback_port();
    options.advertise_addr = "127.0.0.1";
    options.hostname = "registry-test";
    options.image_root = images_root_;
    options.log = [](const std::string&) {};
    auto m = manager::Manager::init(options);
    ASSERT_TRUE(m.ok()) << m.error().what();
    manager_ = std::move(*m);
    auto served = manager_->serve();
    ASSERT_TRUE(served.ok()) << served.error().what();
    port_ = manager_->port();
    worker_ = worker_credentials();
  }

  void TearDown() override {
    if (manager_) manager_->stop();
  }

  /// A worker's certificate signed by the swarm's CA, as `miniswarm join` would get one.
  ca::NodeCredentials worker_credentials() {
    auto cluster = manager_->store().cluster();
    EXPECT_TRUE(cluster.ok() && cluster->has_value());
    ca::RootCa root{(*cluster)->ca_cert_pem, (*cluster)->ca_key_pem};
    auto request = ca::make_key_and_csr();
    auto cert = ca::sign_node_csr(root, request->csr_pem, {new_object_id(), NodeRole::kWorker, (*cluster)->id});
    EXPECT_TRUE(cert.ok()) << cert.error().what();
    return {root.cert_pem, *cert, request->key_pem};
  }

  /// The directory skopeo's --src-cert-dir reads: ca.crt, client.cert, client.key.
  std::string cert_dir() {
    std::string dir = scratch_.path() + "/certs";
    EXPECT_TRUE(minirun::sys::make_directories(dir, 0700).ok());
    EXPECT_TRUE(minirun::sys::write_file(dir + "/ca.crt", worker_.ca_cert_pem).ok());
    EXPECT_TRUE(minirun::sys::write_file(dir + "/client.cert", worker_.cert_pem).ok());
    EXPECT_TRUE(minirun::sys::write_file(dir + "/client.key", worker_.key_pem, O_WRONLY | O_CREAT | O_TRUNC, 0600).ok());
    return dir;
  }

  /// `skopeo copy docker://127.0.0.1:PORT/IMAGE oci:DIR:IMAGE`. The manager's certificate
  /// names `swarm-manager`, not 127.0.0.1, so skopeo's own server check is off (as the
  /// kit's TlsClient, which pins the CA instead); the node certificate is still sent and
  /// checked by the manager. skopeo gzips uncompressed layers for an `oci:` destination
  /// by default, which changes their digests and so the manifest's: the last two flags
  /// keep the bytes as served (and fail if they cannot).
  CommandResult skopeo_copy(const std::string& image, const std::string& out, bool with_cert) {
    std::vector<std::string> argv{"skopeo", "--insecure-policy", "copy", "--src-tls-verify=false",
                                  "--dest-oci-accept-uncompressed-layers", "--preserve-digests"};
    if (with_cert) {
      argv.push_back("--src-cert-dir");
      argv.push_back(cert_dir());
    }
    argv.push_back("docker://127.0.0.1:" + std::to_string(port_) + "/" + image);
    argv.push_back("oci:" + out + ":" + image);
    return run_command(argv, {}, 60);
  }

  std::unique_ptr<ImageStore> empty_store(const std::string& name) {
    auto store = ImageStore::open(scratch_.path() + "/" + name);
    EXPECT_TRUE(store.ok()) << store.error().what();
    return store.ok() ? std::make_unique<ImageStore>(std::move(*store)) : nullptr;
  }

  ScratchDir scratch_;
  std::string images_root_;
  Image web_;
  std::unique_ptr<manager::Manager> manager_;
  ca::NodeCredentials worker_;
  int port_ = 0;
};

TEST_F(ManagerRegistry, ROOT_SkopeoCopiesAnImageWithTheManagersDigests) {
  const std::string out = scratch_.path() + "/skopeo-out";
  CommandResult r = skopeo_copy("web:1", out, true);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::ifstream index_file(out + "/index.json");
  auto index = nlohmann::json::parse(index_file, nullptr, false);
  ASSERT_TRUE(index.is_object()) << "no index.json in skopeo's layout";
  ASSERT_EQ(index["manifests"].size(), 1u);
  EXPECT_EQ(index["manifests"][0]["digest"], web_.manifest_digest.str()) << "the manifest came byte for byte";
  for (const auto& layer : web_.manifest.layers) {
    EXPECT_TRUE(minirun::sys::path_exists(out + "/blobs/sha256/" + layer.digest.hex())) << layer.digest.str();
  }
  EXPECT_TRUE(minirun::sys::path_exists(out + "/blobs/sha256/" + web_.id.hex())) << "the config is the image id";
}

TEST_F(ManagerRegistry, ROOT_SkopeoWithoutANodeCertificateIsRefused) {
  CommandResult r = skopeo_copy("web:1", scratch_.path() + "/refused", false);
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_TRUE(contains(r.err, "401") || contains(r.err, "nauthorized")) << r.err;
  EXPECT_FALSE(minirun::sys::path_exists(scratch_.path() + "/refused/blobs/sha256/" + web_.id.hex()));
}

TEST_F(ManagerRegistry, ROOT_PullIntoAnEmptyStoreGivesTheSameImageId) {
  auto node = empty_store("node-images");
  ImagePuller puller("127.0.0.1", port_, worker_);
  auto report = puller.pull("web:1", *node);
  ASSERT_TRUE(report.ok()) << report.error().what();
  auto local = node->resolve("web:1");
  ASSERT_TRUE(local.ok()) << local.error().what();
  EXPECT_EQ(local->id, web_.id);
  EXPECT_EQ(local->manifest_digest, web_.manifest_digest);
  EXPECT_GT(report->bytes_fetched, 0u);
}

TEST_F(ManagerRegistry, ROOT_UnknownImageIsAClearError) {
  auto node = empty_store("node-images");
  ImagePuller puller("127.0.0.1", port_, worker_);
  auto report = puller.pull("nope:1", *node);
  ASSERT_FALSE(report.ok());
  EXPECT_TRUE(contains(report.error().what(), "image `nope:1` not found on the manager at 127.0.0.1:" +
                                                  std::to_string(port_) + " (NAME_UNKNOWN): build or load it"))
      << report.error().what();
}

TEST_F(ManagerRegistry, ROOT_CorruptBlobOnTheManagerFailsThePullAndLeavesNoPartialBlob) {
  const auto& layer = web_.manifest.layers.back().digest;
  const std::string path = images_root_ + "/blobs/sha256/" + layer.hex();
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  std::string bytes = minirun::sys::read_file(path).value();
  bytes[bytes.size() / 3] ^= 0x20;
  ASSERT_TRUE(minirun::sys::write_file(path, bytes).ok());

  auto node = empty_store("node-images");
  ImagePuller puller("127.0.0.1", port_, worker_);
  auto report = puller.pull("web:1", *node);
  ASSERT_FALSE(report.ok());
  EXPECT_TRUE(contains(report.error().what(), "DIGEST mismatch")) << report.error().what();
  EXPECT_FALSE(node->has_blob(layer));
  EXPECT_FALSE(node->resolve("web:1").ok());
  auto staging = minirun::sys::open_file(node->blobs().tmp_dir(), O_RDONLY | O_DIRECTORY);
  if (staging) {
    auto left = minirun::sys::list_directory(staging->get(), node->blobs().tmp_dir());
    ASSERT_TRUE(left.ok());
    EXPECT_TRUE(left->empty()) << left->size() << " file(s) left in the staging area";
  }
}

TEST_F(ManagerRegistry, ROOT_AgentCheckPullsAnImageItsNodeLacksAndLogsIt) {
  agent::EngineBackendOptions options;
  options.engine.data_root = scratch_.path() + "/engine";
  options.engine.image_root = scratch_.path() + "/node-images";
  options.node_id = "n1";
  options.puller = std::make_shared<ImagePuller>("127.0.0.1", port_, worker_);
  std::vector<std::string> lines;
  std::mutex mu;
  options.log = [&](std::string line) {
    std::lock_guard lock(mu);
    lines.push_back(std::move(line));
  };
  agent::EngineBackend backend(options);
  Task task;
  task.id = "t1";
  task.service_name = "web";
  task.slot = 1;
  task.spec.container.image = "web:1";
  auto checked = backend.check(task);
  ASSERT_TRUE(checked.ok()) << checked.error().what();
  auto node = ImageStore::open(options.engine.image_root);
  ASSERT_TRUE(node.ok());
  EXPECT_EQ(node->resolve("web:1").value().id, web_.id);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(contains(lines[0], "pulled web:1 (image " + web_.id.short_id() + ") from 127.0.0.1:")) << lines[0];
}

TEST_F(ManagerRegistry, ROOT_AgentCheckRejectsAnImageTheManagerLacksNamingBoth) {
  agent::EngineBackendOptions options;
  options.engine.data_root = scratch_.path() + "/engine";
  options.engine.image_root = scratch_.path() + "/node-images";
  options.puller = std::make_shared<ImagePuller>("127.0.0.1", port_, worker_);
  agent::EngineBackend backend(options);
  Task task;
  task.id = "t1";
  task.spec.container.image = "web:2";
  auto checked = backend.check(task);
  ASSERT_FALSE(checked.ok());
  EXPECT_TRUE(contains(checked.error().what(), "image `web:2` not found on the manager at 127.0.0.1:" +
                                                   std::to_string(port_) + " (MANIFEST_UNKNOWN)"))
      << checked.error().what();
}

}  // namespace
}  // namespace miniswarm::registry
