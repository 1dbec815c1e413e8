/**
 * @file store_change.cpp
 * @brief Names of change kinds and actions, as the changes table stores them
 *        (see store_change.hpp). Text rather than numbers, so that
 *        `sqlite3 state.db 'select * from changes'` reads as a sentence in a lab.
 */
#include "miniswarm/store/store_change.hpp"

namespace miniswarm {

std::string_view to_string(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::kCluster: return "cluster";
    case ObjectKind::kNode: return "node";
    case ObjectKind::kService: return "service";
    case ObjectKind::kTask: return "task";
  }
  return "unknown";
}

std::string_view to_string(ChangeAction action) {
  switch (action) {
    case ChangeAction::kCreate: return "create";
    case ChangeAction::kUpdate: return "update";
    case ChangeAction::kDelete: return "delete";
  }
  return "unknown";
}

bool parse(std::string_view s, ObjectKind& out) {
  for (auto kind : {ObjectKind::kCluster, ObjectKind::kNode, ObjectKind::kService,
                    ObjectKind::kTask}) {
    if (to_string(kind) == s) {
      out = kind;
      return true;
    }
  }
  return false;
}

bool parse(std::string_view s, ChangeAction& out) {
  for (auto action : {ChangeAction::kCreate, ChangeAction::kUpdate, ChangeAction::kDelete}) {
    if (to_string(action) == s) {
      out = action;
      return true;
    }
  }
  return false;
}

}  // namespace miniswarm
