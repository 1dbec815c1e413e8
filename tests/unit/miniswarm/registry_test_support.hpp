// What the registry's server and pull tests share: a cluster CA with a manager's and a
// worker's credentials, the manager's TLS server on 127.0.0.1 serving the registry
// routes over a temp image store, and a second, empty store for a node. No root.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <memory>
#include <string>
#include <vector>

#include "imagebuilder/store/image_store.hpp"
#include "minirun/sys/file.hpp"
#include "miniswarm/api/tls_server.hpp"
#include "miniswarm/ca/node_certificate.hpp"
#include "miniswarm/ca/root_ca.hpp"
#include "miniswarm/registry/registry_server.hpp"

namespace miniswarm::registry::testing {

using imagebuilder::store::Descriptor;
using imagebuilder::store::Image;
using imagebuilder::store::ImageConfig;
using imagebuilder::store::ImageStore;
using imagebuilder::store::Reference;
using minirun::sys::Error;
using minirun::sys::Result;

/// mkdtemp under /tmp, removed at the end.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/registry-test-XXXXXX";
    if (::mkdtemp(pattern) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    if (!path_.empty()) (void)minirun::sys::remove_tree(path_);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline ca::NodeCredentials node_of(const ca::RootCa& ca, NodeRole role) {
  auto request = ca::make_key_and_csr();
  auto cert = ca::sign_node_csr(ca, request->csr_pem, {new_object_id(), role, "cluster-one"});
  EXPECT_TRUE(cert.ok()) << cert.error().what();
  return {ca.cert_pem, *cert, request->key_pem};
}

/// An image of fake, uncompressed layers (the store never looks inside a layer).
inline Result<Image> make_image(ImageStore& store, const std::vector<std::string>& layer_contents,
                                const std::string& tag) {
  std::vector<Descriptor> layers;
  ImageConfig config;
  config.architecture = "amd64";
  config.os = "linux";
  config.created = "2024-01-01T00:00:00Z";
  config.config.cmd = {"/bin/sh"};
  for (const auto& content : layer_contents) {
    auto d = store.put_blob(content, std::string(imagebuilder::store::media_type::kOciLayer));
    if (!d) return std::move(d.error());
    layers.push_back(*d);
    config.diff_ids.push_back(d->digest);
    config.history.push_back({config.created, "ADD layer", "", "", false});
  }
  return store.commit(config, layers, {Reference::parse(tag).value()});
}

/// A manager's registry on 127.0.0.1 over a store holding `web:1` (two layers, one of
/// them 300 kB so that it streams in several pieces) and `team/app:v1`.
class RegistryFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ca = ca::create_root_ca("cluster-one");
    ASSERT_TRUE(ca.ok()) << ca.error().what();
    ca_ = *ca;
    manager_ = node_of(ca_, NodeRole::kManager);
    worker_ = node_of(ca_, NodeRole::kWorker);

    auto source = ImageStore::open(manager_dir_.path() + "/images");
    ASSERT_TRUE(source.ok()) << source.error().what();
    auto web = make_image(*source, {std::string(300000, 'w') + "web", "config files"}, "web:1");
    ASSERT_TRUE(web.ok()) << web.error().what();
    web_ = *web;
    auto app = make_image(*source, {"app layer"}, "team/app:v1");
    ASSERT_TRUE(app.ok()) << app.error().what();

    auto node = ImageStore::open(node_dir_.path() + "/images");
    ASSERT_TRUE(node.ok()) << node.error().what();
    node_store_ = std::make_unique<ImageStore>(std::move(*node));

    auto server = api::TlsServer::create(manager_);
    ASSERT_TRUE(server.ok()) << server.error().what();
    server_ = std::move(*server);
    registry_ = std::make_shared<RegistryServer>(std::move(*source));
    for (auto& route : registry_routes(registry_)) {
      if (route.method == "GET") server_->get(route.pattern, kRegistryAccess, route.handler);
      if (route.method == "POST") server_->post(route.pattern, kRegistryAccess, route.handler);
      if (route.method == "PUT") server_->put(route.pattern, kRegistryAccess, route.handler);
      if (route.method == "DELETE") server_->del(route.pattern, kRegistryAccess, route.handler);
    }
    auto port = server_->start("127.0.0.1", 0);
    ASSERT_TRUE(port.ok()) << port.error().what();
    port_ = *port;
  }

  void TearDown() override { server_->stop(); }

  const ImageStore& manager_store() const { return registry_->store(); }

  TempDir manager_dir_;
  TempDir node_dir_;
  ca::RootCa ca_;
  ca::NodeCredentials manager_;
  ca::NodeCredentials worker_;
  Image web_;
  std::unique_ptr<ImageStore> node_store_;
  std::unique_ptr<api::TlsServer> server_;
  std::shared_ptr<RegistryServer> registry_;
  int port_ = 0;
};

}  // namespace miniswarm::registry::testing
