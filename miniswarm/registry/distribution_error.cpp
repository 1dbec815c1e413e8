/**
 * @file distribution_error.cpp
 * @brief Error bodies and statuses of the distribution API (distribution_error.hpp).
 */
#include "miniswarm/registry/distribution_error.hpp"

#include <nlohmann/json.hpp>

namespace miniswarm::registry {

std::string_view code_name(DistributionCode code) {
  switch (code) {
    case DistributionCode::kNameInvalid: return "NAME_INVALID";
    case DistributionCode::kTagInvalid: return "TAG_INVALID";
    case DistributionCode::kDigestInvalid: return "DIGEST_INVALID";
    case DistributionCode::kNameUnknown: return "NAME_UNKNOWN";
    case DistributionCode::kManifestUnknown: return "MANIFEST_UNKNOWN";
    case DistributionCode::kBlobUnknown: return "BLOB_UNKNOWN";
    case DistributionCode::kUnsupported: return "UNSUPPORTED";
    case DistributionCode::kUnknown: return "UNKNOWN";
  }
  return "UNKNOWN";
}

int http_status(DistributionCode code) {
  switch (code) {
    case DistributionCode::kNameInvalid:
    case DistributionCode::kTagInvalid:
    case DistributionCode::kDigestInvalid: return 400;
    case DistributionCode::kNameUnknown:
    case DistributionCode::kManifestUnknown:
    case DistributionCode::kBlobUnknown: return 404;
    case DistributionCode::kUnsupported: return 405;
    case DistributionCode::kUnknown: return 500;
  }
  return 500;
}

std::string_view default_message(DistributionCode code) {
  switch (code) {
    case DistributionCode::kNameInvalid: return "invalid repository name";
    case DistributionCode::kTagInvalid: return "manifest tag did not match URI";
    case DistributionCode::kDigestInvalid: return "provided digest did not match uploaded content";
    case DistributionCode::kNameUnknown: return "repository name not known to registry";
    case DistributionCode::kManifestUnknown: return "manifest unknown";
    case DistributionCode::kBlobUnknown: return "blob unknown to registry";
    case DistributionCode::kUnsupported: return "The operation is unsupported.";
    case DistributionCode::kUnknown: return "unknown error";
  }
  return "";
}

std::string error_body(DistributionCode code, std::string_view detail) {
  nlohmann::json error = {{"code", code_name(code)}, {"message", default_message(code)}, {"detail", detail}};
  return nlohmann::json{{"errors", nlohmann::json::array({error})}}.dump();
}

namespace {

std::string trimmed(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return "";
  auto last = text.find_last_not_of(kSpace);
  // A stray HTML page or a huge body must not swamp a task's error line.
  return std::string(text.substr(first, std::min<size_t>(last - first + 1, 300)));
}

}  // namespace

DistributionError parse_distribution_error(std::string_view body) {
  DistributionError out;
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object()) {
    auto errors = j.find("errors");
    if (errors != j.end() && errors->is_array() && !errors->empty() && (*errors)[0].is_object()) {
      const auto& first = (*errors)[0];
      if (auto c = first.find("code"); c != first.end() && c->is_string()) out.code = c->get<std::string>();
      if (auto m = first.find("message"); m != first.end() && m->is_string()) out.message = m->get<std::string>();
      if (auto d = first.find("detail"); d != first.end() && d->is_string()) out.detail = d->get<std::string>();
      return out;
    }
    if (auto m = j.find("message"); m != j.end() && m->is_string()) {
      out.message = m->get<std::string>();
      return out;
    }
  }
  out.message = trimmed(body);
  return out;
}

}  // namespace miniswarm::registry
