// The manager's registry over a temp store, asked over mutual TLS on 127.0.0.1
// (registry/registry_server.hpp). No root.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "minirun/sys/file.hpp"
#include "miniswarm/api/tls_client.hpp"
#include "tests/unit/miniswarm/registry_test_support.hpp"

namespace miniswarm::registry {
namespace {

using nlohmann::json;
using testing::RegistryFixture;

struct Answer {
  int status = 0;
  httplib::Headers headers;
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  std::string code() const {
    auto j = json::parse(body, nullptr, false);
    return j.is_object() && j.contains("errors") ? j["errors"][0].value("code", "") : "(no error body)";
  }
};

class RegistryServerTest : public RegistryFixture {
 protected:
  Answer get(const std::string& path) {
    auto client = api::TlsClient::create("127.0.0.1", port_, worker_);
    EXPECT_TRUE(client.ok());
    Answer a;
    auto reply = (*client)->get_streamed(path, [&](const char* data, size_t size) {
      a.body.append(data, size);
      return true;
    });
    EXPECT_TRUE(reply.ok()) << reply.error().what();
    if (!reply.ok()) return a;
    a.status = reply->status;
    a.headers = reply->headers;
    if (a.status != 200) a.body = reply->error_body;
    return a;
  }

  /// A plain httplib client with the worker's certificate in files, for the methods
  /// TlsClient does not have (HEAD).
  std::unique_ptr<httplib::SSLClient> raw_client() {
    std::string cert = node_dir_.path() + "/client.cert", key = node_dir_.path() + "/client.key";
    EXPECT_TRUE(minirun::sys::write_file(cert, worker_.cert_pem).ok());
    EXPECT_TRUE(minirun::sys::write_file(key, worker_.key_pem).ok());
    auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", port_, cert, key);
    c->enable_server_certificate_verification(false);
    return c;
  }
};

TEST_F(RegistryServerTest, BaseAnswersWithTheApiVersionHeader) {
  Answer a = get("/v2/");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.header("Docker-Distribution-API-Version"), "registry/2.0");
}

TEST_F(RegistryServerTest, ManifestByTagIsTheStoredBytesWithTypeDigestAndLength) {
  Answer a = get("/v2/web/manifests/1");
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.body, manager_store().read_blob(web_.manifest_digest).value());
  EXPECT_EQ(a.header("Content-Type"), "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(a.header("Docker-Content-Digest"), web_.manifest_digest.str());
  EXPECT_EQ(a.header("Content-Length"), std::to_string(a.body.size()));
}

TEST_F(RegistryServerTest, ManifestByDigestIsTheSameManifest) {
  Answer a = get("/v2/web/manifests/" + web_.manifest_digest.str());
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(imagebuilder::store::digest_of(a.body), web_.manifest_digest);
}

TEST_F(RegistryServerTest, UnknownTagIsManifestUnknown) {
  Answer a = get("/v2/web/manifests/2");
  EXPECT_EQ(a.status, 404);
  EXPECT_EQ(a.code(), "MANIFEST_UNKNOWN");
}

TEST_F(RegistryServerTest, UnknownRepositoryIsNameUnknown) {
  Answer a = get("/v2/nope/manifests/1");
  EXPECT_EQ(a.status, 404);
  EXPECT_EQ(a.code(), "NAME_UNKNOWN");
}

TEST_F(RegistryServerTest, BlobStreamsWholeWithItsDigest) {
  const auto& layer = web_.manifest.layers[0];  // 300 kB: several 64 KiB pieces
  Answer a = get("/v2/web/blobs/" + layer.digest.str());
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.body.size(), layer.size);
  EXPECT_EQ(imagebuilder::store::digest_of(a.body), layer.digest);
  EXPECT_EQ(a.header("Docker-Content-Digest"), layer.digest.str());
}

TEST_F(RegistryServerTest, UnknownBlobIsBlobUnknown) {
  Answer a = get("/v2/web/blobs/sha256:" + std::string(64, '0'));
  EXPECT_EQ(a.status, 404);
  EXPECT_EQ(a.code(), "BLOB_UNKNOWN");
}

TEST_F(RegistryServerTest, MalformedBlobDigestIsDigestInvalid) {
  Answer a = get("/v2/web/blobs/sha256:xyz");
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.code(), "DIGEST_INVALID");
}

TEST_F(RegistryServerTest, HeadOfABlobGivesItsLengthAndNoBody) {
  auto client = raw_client();
  const auto& layer = web_.manifest.layers[0];
  auto r = client->Head(("/v2/web/blobs/" + layer.digest.str()).c_str());
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Length"), std::to_string(layer.size));
  EXPECT_EQ(r->get_header_value("Docker-Content-Digest"), layer.digest.str());
  EXPECT_TRUE(r->body.empty());
}

TEST_F(RegistryServerTest, HeadOfAManifestGivesItsDigest) {
  auto client = raw_client();
  auto r = client->Head("/v2/web/manifests/1");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Docker-Content-Digest"), web_.manifest_digest.str());
  EXPECT_TRUE(r->body.empty());
}

TEST_F(RegistryServerTest, TagsListNamesTheRepositorysTags) {
  Answer a = get("/v2/team/app/tags/list");
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(json::parse(a.body), (json{{"name", "team/app"}, {"tags", {"v1"}}}));
}

TEST_F(RegistryServerTest, CatalogListsRepositoriesAndPages) {
  Answer all = get("/v2/_catalog");
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(json::parse(all.body)["repositories"], json::array({"team/app", "web"}));
  Answer first = get("/v2/_catalog?n=1");
  EXPECT_EQ(json::parse(first.body)["repositories"], json::array({"team/app"}));
  EXPECT_EQ(first.header("Link"), "</v2/_catalog?n=1&last=team/app>; rel=\"next\"");
}

TEST_F(RegistryServerTest, WritesAreUnsupported) {
  auto client = api::TlsClient::create("127.0.0.1", port_, worker_);
  ASSERT_TRUE(client.ok());
  for (auto reply : {(*client)->post("/v2/web/blobs/uploads/", ""), (*client)->put("/v2/web/manifests/2", "{}"),
                     (*client)->del("/v2/web/manifests/1")}) {
    ASSERT_TRUE(reply.ok());
    EXPECT_EQ(reply->status, 405);
    EXPECT_NE(reply->body.find("UNSUPPORTED"), std::string::npos) << reply->body;
  }
  EXPECT_TRUE(manager_store().resolve("web:1").ok()) << "the DELETE removed nothing";
}

TEST_F(RegistryServerTest, ClientWithoutACertificateIsRefused) {
  auto client = api::TlsClient::create("127.0.0.1", port_, {ca_.cert_pem, "", ""});
  ASSERT_TRUE(client.ok());
  auto reply = client->get()->get("/v2/web/manifests/1");
  ASSERT_TRUE(reply.ok()) << reply.error().what();
  EXPECT_EQ(reply->status, 401);
  EXPECT_EQ(reply->body.find(web_.manifest_digest.str()), std::string::npos);
}

}  // namespace
}  // namespace miniswarm::registry
