/**
 * @file routes_common.cpp
 * @brief JSON replies, error statuses and docker-style id lookup for the routes
 *        (routes.hpp).
 */
#include <nlohmann/json.hpp>

#include "miniswarm/manager/routes.hpp"

namespace miniswarm::manager {

using minirun::sys::Error;

namespace {
constexpr std::string_view kNotFoundMark = "not found: ";
}

Error not_found_error(const std::string& message) { return Error(std::string(kNotFoundMark) + message); }

void reply_json(httplib::Response& response, const nlohmann::json& value, int status) {
  response.status = status;
  response.set_content(value.dump(), "application/json");
}

void reply_error(httplib::Response& response, const Error& error, int fallback) {
  std::string message = error.what();
  int status = fallback;
  // The mark may sit behind context a caller added ("service update: not found: ...").
  if (auto mark = message.find(kNotFoundMark); mark != std::string::npos) {
    status = 404;
    message.erase(mark, kNotFoundMark.size());
  } else if (is_version_conflict(error)) {
    status = 409;
  } else if (is_not_found(error)) {
    status = 404;
  }
  api::set_error_reply(response, status, message);
}

bool parse_body(const httplib::Request& request, httplib::Response& response, nlohmann::json& out) {
  try {
    out = nlohmann::json::parse(request.body.empty() ? "{}" : request.body);
  } catch (const nlohmann::json::exception& e) {
    api::set_error_reply(response, 400, std::string("the request body is not JSON: ") + e.what());
    return false;
  }
  if (!out.is_object()) {
    api::set_error_reply(response, 400, "the request body must be a JSON object");
    return false;
  }
  return true;
}

namespace {

// Docker's lookup order: exact id, exact name, then a unique id prefix.
template <class T, class NameOf>
Result<T> find_object(const std::vector<T>& objects, const std::string& key, const char* kind,
                      NameOf name_of) {
  if (key.empty()) return Error(std::string(kind) + ": an id or name is needed");
  for (const auto& o : objects) {
    if (o.id == key) return o;
  }
  for (const auto& o : objects) {
    if (name_of(o) == key) return o;
  }
  const T* match = nullptr;
  int count = 0;
  for (const auto& o : objects) {
    if (o.id.rfind(key, 0) == 0) {
      match = &o;
      ++count;
    }
  }
  if (count == 1) return *match;
  if (count > 1) {
    return Error(std::string(kind) + " `" + key + "` is ambiguous (" + std::to_string(count) +
                 " ids start with it): give more of the id");
  }
  return not_found_error(std::string(kind) + " `" + key + "` not found");
}

}  // namespace

Result<Service> find_service(const std::vector<Service>& services, const std::string& key) {
  return find_object(services, key, "service", [](const Service& s) { return s.spec.name; });
}

Result<Node> find_node(const std::vector<Node>& nodes, const std::string& key) {
  return find_object(nodes, key, "node", [](const Node& n) { return n.hostname; });
}

std::vector<Route> manager_routes(ManagerContext& context) {
  std::vector<Route> routes;
  add_join_routes(routes, context);
  add_dispatcher_routes(routes, context);
  add_node_routes(routes, context);
  add_service_routes(routes, context);
  return routes;
}

}  // namespace miniswarm::manager
