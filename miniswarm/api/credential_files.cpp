/**
 * @file credential_files.cpp
 * @brief Saving and loading a node's certificates (credential_files.hpp).
 */
#include "miniswarm/api/credential_files.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "miniswarm/ca/pem.hpp"

namespace miniswarm::api {

using minirun::sys::Error;
using minirun::sys::Result;

namespace {

Result<void> make_dir(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) return Error::from_errno("mkdir", path);
  return minirun::sys::ok();
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::from_errno("open", path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

Result<void> write_plain(const std::string& path, const std::string& text, mode_t mode) {
  std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return Error::from_errno("open", temp);
    out << text;
    if (!out.flush()) return Error::from_errno("write", temp);
  }
  if (::chmod(temp.c_str(), mode) != 0) return Error::from_errno("chmod", temp);
  if (::rename(temp.c_str(), path.c_str()) != 0) return Error::from_errno("rename", path);
  return minirun::sys::ok();
}

}  // namespace

std::string certificates_dir(const std::string& state_dir) { return state_dir + "/certificates"; }

Result<void> save_credentials(const std::string& state_dir, const StoredCredentials& stored) {
  MINIRUN_TRY(make_dir(state_dir, 0700), "state dir");
  std::string dir = certificates_dir(state_dir);
  MINIRUN_TRY(make_dir(dir, 0700), "certificates dir");
  MINIRUN_TRY(write_plain(dir + "/ca.crt", stored.credentials.ca_cert_pem, 0644), "save ca.crt");
  MINIRUN_TRY(write_plain(dir + "/node.crt", stored.credentials.cert_pem, 0644), "save node.crt");
  MINIRUN_TRY(ca::write_pem_file(dir + "/node.key", stored.credentials.key_pem), "save node.key");
  MINIRUN_TRY(write_plain(dir + "/manager", stored.manager_addr + "\n", 0644), "save manager address");
  return minirun::sys::ok();
}

Result<StoredCredentials> load_credentials(const std::string& state_dir) {
  std::string dir = certificates_dir(state_dir);
  if (::access((dir + "/node.crt").c_str(), F_OK) != 0) {
    return Error("no swarm credentials in `" + dir + "`: this node has not joined a swarm " +
                 "(run `miniswarm init` or `miniswarm join`)");
  }
  StoredCredentials stored;
  auto ca_pem = read_file(dir + "/ca.crt");
  if (!ca_pem.ok()) return std::move(ca_pem.error()).context("credentials");
  auto cert = read_file(dir + "/node.crt");
  if (!cert.ok()) return std::move(cert.error()).context("credentials");
  auto key = read_file(dir + "/node.key");
  if (!key.ok()) return std::move(key.error()).context("credentials");
  auto manager = read_file(dir + "/manager");
  if (!manager.ok()) return std::move(manager.error()).context("credentials");
  stored.credentials = {*ca_pem, *cert, *key};
  stored.manager_addr = *manager;
  while (!stored.manager_addr.empty() && std::isspace(static_cast<unsigned char>(stored.manager_addr.back()))) {
    stored.manager_addr.pop_back();
  }
  return stored;
}

Result<void> remove_credentials(const std::string& state_dir) {
  std::string dir = certificates_dir(state_dir);
  for (const char* name : {"ca.crt", "node.crt", "node.key", "manager"}) {
    std::string path = dir + "/" + name;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Error::from_errno("unlink", path);
  }
  if (::rmdir(dir.c_str()) != 0 && errno != ENOENT) return Error::from_errno("rmdir", dir);
  return minirun::sys::ok();
}

Result<std::pair<std::string, int>> split_host_port(const std::string& text, int default_port) {
  if (text.empty()) return Error("address: empty (expected HOST or HOST:PORT)");
  std::string host = text;
  std::string port;
  if (text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos) return Error("address `" + text + "`: missing `]`");
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return Error("address `" + text + "`: expected `:PORT` after `]`");
      port = text.substr(close + 2);
    }
  } else if (auto colon = text.rfind(':'); colon != std::string::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.empty()) return Error("address `" + text + "`: no host");
  int p = default_port;
  if (!port.empty()) {
    try {
      size_t used = 0;
      p = std::stoi(port, &used);
      if (used != port.size()) throw std::invalid_argument(port);
    } catch (const std::exception&) {
      return Error("address `" + text + "`: port `" + port + "` is not a number");
    }
    if (p < 1 || p > 65535) return Error("address `" + text + "`: port must be 1-65535");
  }
  return std::make_pair(host, p);
}

}  // namespace miniswarm::api
