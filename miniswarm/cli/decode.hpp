/**
 * @file decode.hpp
 * @brief The manager's JSON replies into objects.hpp's structs, without exceptions.
 *
 * objects_json.cpp's from_json throws on a wrong type (with the field's path in the
 * message); the client is a trust boundary like the API, so it catches here and
 * returns an Error naming the reply, e.g. "GET /v1/nodes: field `status`: unknown
 * value `sleepy` (allowed: unknown, ready, down, disconnected)". That only happens
 * when the CLI and the manager come from different versions, and the message says so.
 */
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "minirun/sys/error.hpp"
#include "miniswarm/store/objects.hpp"

namespace miniswarm::cli {

/// `json` as a T; `what` names the reply in the error.
template <class T>
minirun::sys::Result<T> decode(const nlohmann::json& json, const std::string& what) {
  try {
    return json.get<T>();
  } catch (const nlohmann::json::exception& e) {
    return minirun::sys::Error(what + ": the manager's reply does not read as expected (" +
                               e.what() +
                               "); are the miniswarm command and daemon the same version?");
  }
}

/// A JSON array as a vector of T.
template <class T>
minirun::sys::Result<std::vector<T>> decode_list(const nlohmann::json& json,
                                                 const std::string& what) {
  if (!json.is_array()) return minirun::sys::Error(what + ": the manager's reply is not a list");
  return decode<std::vector<T>>(json, what);
}

}  // namespace miniswarm::cli
