/**
 * @file image_config_parse.cpp
 * @brief Reading an image config from untrusted bytes, field by field; see image_config.hpp.
 *
 * Each reader below takes the JSON path of its field so that an error says exactly
 * what is wrong where: ``config `x.json`: field `config.Volumes`: entry `data` is not
 * an absolute path``. JSON `null` is accepted wherever Docker writes it for "unset"
 * (`"Cmd": null`, `"Volumes": null`, ...).
 */
#include <algorithm>

#include "imagebuilder/store/image_config.hpp"
#include "imagebuilder/store/json_limits.hpp"

namespace imagebuilder::store {

namespace {

constexpr std::size_t kMaxUserLength = 256;

/// Field readers. `j` is the object that holds `key`; `path` is the JSON path of `j`.
class Fields {
 public:
  Fields(const nlohmann::json& j, std::string path) : j_(j), path_(std::move(path)) {}

  std::string where(std::string_view key) const {
    return "field `" + (path_.empty() ? std::string(key) : path_ + "." + std::string(key)) + "`";
  }
  const nlohmann::json* find(std::string_view key) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return nullptr;
    return &*it;
  }

  Result<std::string> string(std::string_view key, bool required = false) const {
    auto v = find(key);
    if (v == nullptr) {
      if (required) return Error(where(key) + ": missing (a string is required)");
      return std::string();
    }
    if (!v->is_string()) return Error(where(key) + ": must be a string, not " + v->type_name());
    return v->get<std::string>();
  }

  Result<std::vector<std::string>> strings(std::string_view key) const {
    std::vector<std::string> out;
    auto v = find(key);
    if (v == nullptr) return out;
    if (!v->is_array()) return Error(where(key) + ": must be an array of strings, not " + v->type_name());
    for (std::size_t i = 0; i < v->size(); ++i) {
      if (!(*v)[i].is_string()) return Error(where(std::string(key) + "[" + std::to_string(i) + "]") + ": must be a string");
      out.push_back((*v)[i].get<std::string>());
    }
    return out;
  }

  /// Docker's sets: an object whose keys matter and whose values are `{}`.
  Result<std::set<std::string>> key_set(std::string_view key) const {
    std::set<std::string> out;
    auto v = find(key);
    if (v == nullptr) return out;
    if (!v->is_object()) return Error(where(key) + ": must be an object, not " + v->type_name());
    for (const auto& [k, unused] : v->items()) out.insert(k);
    return out;
  }

  Result<std::map<std::string, std::string>> string_map(std::string_view key) const {
    std::map<std::string, std::string> out;
    auto v = find(key);
    if (v == nullptr) return out;
    if (!v->is_object()) return Error(where(key) + ": must be an object of strings, not " + v->type_name());
    for (const auto& [k, value] : v->items()) {
      if (!value.is_string()) return Error(where(key) + ": value of `" + k + "` must be a string");
      out[k] = value.get<std::string>();
    }
    return out;
  }

  Result<std::int64_t> duration(std::string_view key) const {
    auto v = find(key);
    if (v == nullptr) return std::int64_t{0};
    if (!v->is_number_integer() || v->get<std::int64_t>() < 0) {
      return Error(where(key) + ": must be a non-negative integer (nanoseconds)");
    }
    return v->get<std::int64_t>();
  }

  Result<bool> boolean(std::string_view key) const {
    auto v = find(key);
    if (v == nullptr) return false;
    if (!v->is_boolean()) return Error(where(key) + ": must be true or false");
    return v->get<bool>();
  }

 private:
  const nlohmann::json& j_;
  std::string path_;
};

bool has_control_char(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

/// `user`, `uid`, `user:group` or `uid:gid`: a name, not a program.
Result<void> check_user(const std::string& user, const std::string& where) {
  if (user.size() > kMaxUserLength) return Error(where + ": longer than 256 characters");
  if (has_control_char(user)) return Error(where + ": contains control characters");
  if (std::count(user.begin(), user.end(), ':') > 1) {
    return Error(where + ": `" + user + "` has more than one ':' (expected user[:group])");
  }
  return minirun::sys::ok();
}

/// A volume is a mount point in the container: absolute, and never climbing out with `..`.
Result<void> check_volume(const std::string& path, const std::string& where) {
  if (path.empty() || path.front() != '/') return Error(where + ": entry `" + path + "` is not an absolute path");
  if (has_control_char(path)) return Error(where + ": entry contains control characters");
  for (std::size_t start = 0; start <= path.size();) {
    auto slash = path.find('/', start);
    auto part = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part == "..") return Error(where + ": entry `" + path + "` contains `..`");
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return minirun::sys::ok();
}

Result<ContainerConfig> parse_container_config(const nlohmann::json& j) {
  ContainerConfig c;
  if (!j.is_object()) return Error(std::string("field `config`: must be an object, not ") + j.type_name());
  Fields f(j, "config");
#define FIELD(target, expr)                          \
  do {                                               \
    auto field_ = (expr);                            \
    if (!field_) return std::move(field_.error());   \
    target = std::move(*field_);                     \
  } while (0)
  FIELD(c.user, f.string("User"));
  if (auto v = check_user(c.user, f.where("User")); !v) return std::move(v.error());
  FIELD(c.exposed_ports, f.key_set("ExposedPorts"));
  FIELD(c.env, f.strings("Env"));
  for (std::size_t i = 0; i < c.env.size(); ++i) {
    if (c.env[i].find('=') == std::string::npos || c.env[i].front() == '=') {
      return Error(f.where("Env[" + std::to_string(i) + "]") + ": `" + c.env[i] + "` is not NAME=value");
    }
  }
  FIELD(c.entrypoint, f.strings("Entrypoint"));
  FIELD(c.cmd, f.strings("Cmd"));
  FIELD(c.volumes, f.key_set("Volumes"));
  for (const auto& v : c.volumes) {
    if (auto ok = check_volume(v, f.where("Volumes")); !ok) return std::move(ok.error());
  }
  FIELD(c.working_dir, f.string("WorkingDir"));
  FIELD(c.labels, f.string_map("Labels"));
  FIELD(c.stop_signal, f.string("StopSignal"));
  if (auto h = f.find("Healthcheck")) {
    if (!h->is_object()) return Error(f.where("Healthcheck") + ": must be an object");
    Fields hf(*h, "config.Healthcheck");
    Healthcheck hc;
    FIELD(hc.test, hf.strings("Test"));
    FIELD(hc.interval, hf.duration("Interval"));
    FIELD(hc.timeout, hf.duration("Timeout"));
    FIELD(hc.start_period, hf.duration("StartPeriod"));
    FIELD(hc.start_interval, hf.duration("StartInterval"));
    if (auto r = hf.find("Retries")) {
      if (!r->is_number_integer() || r->get<std::int64_t>() < 0 || r->get<std::int64_t>() > 1000000) {
        return Error(hf.where("Retries") + ": must be a non-negative integer");
      }
      hc.retries = r->get<int>();
    }
    c.healthcheck = std::move(hc);
  }
  FIELD(c.on_build, f.strings("OnBuild"));
  FIELD(c.shell, f.strings("Shell"));
  return c;
}

Result<HistoryEntry> parse_history_entry(const nlohmann::json& j, const std::string& path) {
  if (!j.is_object()) return Error("field `" + path + "`: must be an object");
  Fields f(j, path);
  HistoryEntry h;
  FIELD(h.created, f.string("created"));
  FIELD(h.created_by, f.string("created_by"));
  FIELD(h.author, f.string("author"));
  FIELD(h.comment, f.string("comment"));
  FIELD(h.empty_layer, f.boolean("empty_layer"));
  return h;
}

Result<ImageConfig> parse_config(const nlohmann::json& j) {
  if (!j.is_object()) return Error("the document must be a JSON object");
  Fields top(j, "");
  ImageConfig config;
  FIELD(config.architecture, top.string("architecture", true));
  FIELD(config.os, top.string("os", true));
  FIELD(config.created, top.string("created"));
  FIELD(config.author, top.string("author"));
  if (auto c = top.find("config")) FIELD(config.config, parse_container_config(*c));

  auto rootfs = top.find("rootfs");
  if (rootfs == nullptr || !rootfs->is_object()) return Error("field `rootfs`: missing or not an object");
  Fields rf(*rootfs, "rootfs");
  std::string type;
  FIELD(type, rf.string("type", true));
  if (type != "layers") return Error("field `rootfs.type`: `" + type + "`, expected `layers`");
  std::vector<std::string> ids;
  FIELD(ids, rf.strings("diff_ids"));
  for (std::size_t i = 0; i < ids.size(); ++i) {
    auto d = Digest::parse(ids[i]);
    if (!d) return Error("field `rootfs.diff_ids[" + std::to_string(i) + "]`: " + d.error().message());
    config.diff_ids.push_back(*d);
  }

  if (auto hist = top.find("history")) {
    if (!hist->is_array()) return Error("field `history`: must be an array");
    for (std::size_t i = 0; i < hist->size(); ++i) {
      HistoryEntry h;
      FIELD(h, parse_history_entry((*hist)[i], "history[" + std::to_string(i) + "]"));
      config.history.push_back(std::move(h));
    }
  }
#undef FIELD
  // Each history entry that is not `empty_layer` made one layer. Docker refuses a
  // config where the counts disagree (its `history` output would pair steps with the
  // wrong layers); a config without history is allowed.
  if (!config.history.empty()) {
    auto with_layer = std::count_if(config.history.begin(), config.history.end(),
                                    [](const HistoryEntry& h) { return !h.empty_layer; });
    if (static_cast<std::size_t>(with_layer) != config.diff_ids.size()) {
      return Error("field `history`: " + std::to_string(with_layer) + " entries make a layer but `rootfs.diff_ids` has " +
                   std::to_string(config.diff_ids.size()));
    }
  }
  return config;
}

}  // namespace

Result<ImageConfig> ImageConfig::parse(std::string_view bytes, std::string_view where) {
  auto j = parse_json_limited(bytes, where);
  if (!j) return std::move(j.error());
  auto config = parse_config(*j);
  if (!config) return std::move(config.error()).context(where);
  return config;
}

}  // namespace imagebuilder::store
