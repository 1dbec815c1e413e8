/**
 * @file image_config.cpp
 * @brief Writing an image config as canonical JSON; see image_config.hpp (parse() is in
 * image_config_parse.cpp).
 */
#include "imagebuilder/store/image_config.hpp"

namespace imagebuilder::store {

std::string ImageConfig::host_architecture() {
  // GOARCH names, as the OCI spec uses them.
#if defined(__x86_64__)
  return "amd64";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__arm__)
  return "arm";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64";
#elif defined(__s390x__)
  return "s390x";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return "ppc64le";
#else
  return "unknown";
#endif
}

namespace {

/// Docker writes sets (ports, volumes) as objects whose values are empty objects.
nlohmann::json as_empty_object_map(const std::set<std::string>& keys) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& k : keys) j[k] = nlohmann::json::object();
  return j;
}

nlohmann::json container_config_json(const ContainerConfig& c) {
  // Only the fields that are set: the canonical form of "no Cmd" is no `Cmd` key,
  // so that two ways of saying "nothing" cannot give two image ids.
  nlohmann::json j = nlohmann::json::object();
  if (!c.user.empty()) j["User"] = c.user;
  if (!c.exposed_ports.empty()) j["ExposedPorts"] = as_empty_object_map(c.exposed_ports);
  if (!c.env.empty()) j["Env"] = c.env;
  if (!c.entrypoint.empty()) j["Entrypoint"] = c.entrypoint;
  if (!c.cmd.empty()) j["Cmd"] = c.cmd;
  if (!c.volumes.empty()) j["Volumes"] = as_empty_object_map(c.volumes);
  if (!c.working_dir.empty()) j["WorkingDir"] = c.working_dir;
  if (!c.labels.empty()) j["Labels"] = c.labels;
  if (!c.stop_signal.empty()) j["StopSignal"] = c.stop_signal;
  if (c.healthcheck) {
    const auto& h = *c.healthcheck;
    nlohmann::json hj = {{"Test", h.test}};
    if (h.interval != 0) hj["Interval"] = h.interval;
    if (h.timeout != 0) hj["Timeout"] = h.timeout;
    if (h.start_period != 0) hj["StartPeriod"] = h.start_period;
    if (h.start_interval != 0) hj["StartInterval"] = h.start_interval;
    if (h.retries != 0) hj["Retries"] = h.retries;
    j["Healthcheck"] = hj;
  }
  if (!c.on_build.empty()) j["OnBuild"] = c.on_build;
  if (!c.shell.empty()) j["Shell"] = c.shell;
  return j;
}

}  // namespace

nlohmann::json ImageConfig::to_json() const {
  nlohmann::json j = {{"architecture", architecture}, {"os", os}};
  if (!created.empty()) j["created"] = created;
  if (!author.empty()) j["author"] = author;
  j["config"] = container_config_json(config);
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& d : diff_ids) ids.push_back(d.str());
  j["rootfs"] = {{"type", "layers"}, {"diff_ids", ids}};
  if (!history.empty()) {
    nlohmann::json hist = nlohmann::json::array();
    for (const auto& h : history) {
      nlohmann::json e = nlohmann::json::object();
      if (!h.created.empty()) e["created"] = h.created;
      if (!h.created_by.empty()) e["created_by"] = h.created_by;
      if (!h.author.empty()) e["author"] = h.author;
      if (!h.comment.empty()) e["comment"] = h.comment;
      if (h.empty_layer) e["empty_layer"] = true;
      hist.push_back(e);
    }
    j["history"] = hist;
  }
  return j;
}

// nlohmann::json keeps object keys in a std::map, so dump() writes them sorted.
std::string ImageConfig::to_canonical_json() const { return to_json().dump(); }

}  // namespace imagebuilder::store
