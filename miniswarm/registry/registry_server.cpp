/**
 * @file registry_server.cpp
 * @brief The read-only distribution API over an image store (registry_server.hpp).
 */
#include "miniswarm/registry/registry_server.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <variant>
#include <vector>

#include "minirun/sys/unique_fd.hpp"
#include "miniswarm/registry/distribution_error.hpp"
#include "miniswarm/registry/registry_listing.hpp"
#include "miniswarm/registry/registry_path.hpp"

namespace miniswarm::registry {

namespace {

using imagebuilder::store::Digest;
using imagebuilder::store::ImageSummary;
using imagebuilder::store::Manifest;
using imagebuilder::store::Reference;

/// Bytes a blob is sent in: large enough for few syscalls, small enough per thread.
constexpr std::size_t kBlobPiece = 64 * 1024;
/// The catalog's page size cap (the spec lets a registry choose one).
constexpr std::size_t kMaxCatalogPage = 1000;

void reply(httplib::Response& response, DistributionCode code, const std::string& detail, int status = 0) {
  response.status = status != 0 ? status : http_status(code);
  response.set_content(error_body(code, detail), "application/json");
}

void reply(httplib::Response& response, const RequestError& error) {
  reply(response, error.code, error.detail, error.status);
}

/// True when some tag or untagged image of the store belongs to `repository`.
bool has_repository(const std::vector<ImageSummary>& rows, const std::string& repository) {
  return std::any_of(rows.begin(), rows.end(), [&](const ImageSummary& r) { return r.repository == repository; });
}

std::optional<std::size_t> page_size(const httplib::Request& request) {
  if (!request.has_param("n")) return std::nullopt;
  const std::string text = request.get_param_value("n");
  if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos) {
    return kMaxCatalogPage;
  }
  return std::min<std::size_t>(std::stoul(text), kMaxCatalogPage);
}

}  // namespace

void RegistryServer::serve_read(const httplib::Request& request, httplib::Response& response) const {
  response.set_header(kApiVersionHeader, kApiVersion);
  auto parsed = parse_registry_path(request.path);
  if (auto* error = std::get_if<RequestError>(&parsed)) return reply(response, *error);
  const auto& r = std::get<RegistryRequest>(parsed);
  switch (r.endpoint) {
    case Endpoint::kBase:
      response.set_content("{}", "application/json");
      return;
    case Endpoint::kCatalog:
      return serve_catalog(request, response);
    case Endpoint::kTagsList:
      return serve_tags(r.name, response);
    case Endpoint::kManifest:
      return serve_manifest(r.name, r.reference, response);
    case Endpoint::kBlob:
      return serve_blob(r.name, r.reference, response);
  }
}

void RegistryServer::refuse_write(const httplib::Request& request, httplib::Response& response) const {
  response.set_header(kApiVersionHeader, kApiVersion);
  reply(response, DistributionCode::kUnsupported,
        request.method + " " + request.path + ": this registry is read-only; build or load images on the manager " +
            "node (`imagebuilder build`, `imagebuilder load`) and the nodes pull them");
}

void RegistryServer::serve_catalog(const httplib::Request& request, httplib::Response& response) const {
  auto rows = store_.list();
  if (!rows) return reply(response, DistributionCode::kUnknown, rows.error().what());
  auto n = page_size(request);
  std::string last = request.has_param("last") ? request.get_param_value("last") : "";
  Page page = page_of(repositories(*rows), n, last);
  if (page.more && !page.entries.empty()) {
    response.set_header("Link", "</v2/_catalog?n=" + std::to_string(*n) + "&last=" + page.entries.back() +
                                    ">; rel=\"next\"");
  }
  response.set_content(catalog_body(page.entries), "application/json");
}

void RegistryServer::serve_tags(const std::string& name, httplib::Response& response) const {
  auto repository = store_repository(name);
  if (auto* error = std::get_if<RequestError>(&repository)) return reply(response, *error);
  auto rows = store_.list();
  if (!rows) return reply(response, DistributionCode::kUnknown, rows.error().what());
  const auto& repo = std::get<std::string>(repository);
  if (!has_repository(*rows, repo)) {
    return reply(response, DistributionCode::kNameUnknown, "no image of repository `" + repo + "` on this manager");
  }
  response.set_content(tags_list_body(name, tags_of(*rows, repo)), "application/json");
}

void RegistryServer::serve_manifest(const std::string& name, const std::string& reference,
                                    httplib::Response& response) const {
  auto wanted = store_reference(name, reference);
  if (auto* error = std::get_if<RequestError>(&wanted)) return reply(response, *error);
  const Reference& ref = std::get<Reference>(wanted);
  auto rows = store_.list();
  if (!rows) return reply(response, DistributionCode::kUnknown, rows.error().what());
  const std::string repo = ref.repository();
  if (!has_repository(*rows, repo)) {
    return reply(response, DistributionCode::kNameUnknown,
                 "no image of repository `" + repo + "` on this manager (`imagebuilder images` there lists them)");
  }
  const ImageSummary* found = nullptr;
  for (const auto& row : *rows) {
    if (row.repository != repo) continue;
    if (ref.digest ? row.manifest_digest == *ref.digest : row.tag == ref.tag) found = &row;
  }
  if (found == nullptr) {
    return reply(response, DistributionCode::kManifestUnknown,
                 "repository `" + repo + "` has no " + (ref.digest ? "manifest " + ref.digest->str() : "tag `" + ref.tag + "`") +
                     " on this manager");
  }
  // read_blob re-hashes the manifest: a corrupt one is an error here, not a surprise
  // for the client.
  auto bytes = store_.read_blob(found->manifest_digest);
  if (!bytes) return reply(response, DistributionCode::kUnknown, bytes.error().what());
  auto manifest = Manifest::parse(*bytes, "manifest " + found->manifest_digest.str());
  if (!manifest) return reply(response, DistributionCode::kUnknown, manifest.error().what());
  response.set_header(kContentDigestHeader, found->manifest_digest.str());
  response.set_content(std::move(*bytes), manifest->media_type);
}

void RegistryServer::serve_blob(const std::string& name, const std::string& digest_text,
                                httplib::Response& response) const {
  auto repository = store_repository(name);
  if (auto* error = std::get_if<RequestError>(&repository)) return reply(response, *error);
  auto digest = Digest::parse(digest_text);
  if (!digest) return reply(response, DistributionCode::kDigestInvalid, digest.error().message());
  auto rows = store_.list();
  if (!rows) return reply(response, DistributionCode::kUnknown, rows.error().what());
  const auto& repo = std::get<std::string>(repository);
  if (!has_repository(*rows, repo)) {
    return reply(response, DistributionCode::kNameUnknown, "no image of repository `" + repo + "` on this manager");
  }
  const std::string path = store_.blob_path(*digest);
  auto fd = std::make_shared<minirun::sys::UniqueFd>(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (!*fd || ::fstat(fd->get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return reply(response, DistributionCode::kBlobUnknown, "no blob " + digest->str() + " on this manager");
  }
  response.set_header(kContentDigestHeader, digest->str());
  auto buffer = std::make_shared<std::vector<char>>(kBlobPiece);
  // The provider runs after this handler returns, on the same thread, once per piece;
  // the fd and the buffer live as long as the provider does.
  response.set_content_provider(
      static_cast<std::size_t>(st.st_size), "application/octet-stream",
      [fd, buffer](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
        ssize_t n = ::pread(fd->get(), buffer->data(), std::min(length, buffer->size()), static_cast<off_t>(offset));
        // A file that shrank (it cannot: blobs are never rewritten) or a read error ends
        // the connection; the client sees a short blob and refuses it.
        if (n <= 0) return false;
        return sink.write(buffer->data(), static_cast<std::size_t>(n));
      });
}

std::vector<RegistryRoute> registry_routes(std::shared_ptr<const RegistryServer> server) {
  const std::string pattern = R"(/v2(/.*)?)";
  auto read = [server](const httplib::Request& request, httplib::Response& response,
                       const std::optional<ca::Identity>&) { server->serve_read(request, response); };
  auto write = [server](const httplib::Request& request, httplib::Response& response,
                        const std::optional<ca::Identity>&) { server->refuse_write(request, response); };
  return {{"GET", pattern, read}, {"POST", pattern, write}, {"PUT", pattern, write}, {"DELETE", pattern, write}};
}

}  // namespace miniswarm::registry
