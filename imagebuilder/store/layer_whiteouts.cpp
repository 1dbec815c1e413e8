/**
 * @file layer_whiteouts.cpp
 * @brief Recognising OCI whiteout names; see layer_whiteouts.hpp.
 */
#include "imagebuilder/store/layer_whiteouts.hpp"

namespace imagebuilder::store {

using minirun::sys::Error;
using minirun::sys::Result;

Result<WhiteoutName> classify_whiteout(std::string_view base_name) {
  WhiteoutName out;
  if (base_name.substr(0, kWhiteoutPrefix.size()) != kWhiteoutPrefix) return out;
  if (base_name == kOpaqueWhiteout) {
    out.kind = WhiteoutKind::opaque;
    return out;
  }
  if (base_name.substr(0, kWhiteoutMetaPrefix.size()) == kWhiteoutMetaPrefix) {
    out.kind = WhiteoutKind::meta;
    return out;
  }
  std::string_view target = base_name.substr(kWhiteoutPrefix.size());
  // `.wh.` would delete "", `.wh..` the directory itself, `.wh...` its parent: the
  // last is a way to reach outside the layer's own directory, the others are nonsense.
  if (target.empty() || target == "." || target == "..") {
    return Error("whiteout `" + std::string(base_name) + "` names no file (or climbs out of its directory)");
  }
  out.kind = WhiteoutKind::file;
  out.target = std::string(target);
  return out;
}

}  // namespace imagebuilder::store
