/**
 * @file credential_files.hpp
 * @brief A node's TLS identity on disk: `<state-dir>/certificates/`.
 *
 *     ca.crt     the cluster's root CA (public; what the node trusts)
 *     node.crt   this node's certificate (CN = node id, OU = role, O = cluster id)
 *     node.key   its private key: mode 0600, never leaves the node, never logged
 *     manager    "host:port" of the manager this node joined through
 *
 * Docker keeps the same three files in /var/lib/docker/swarm/certificates/
 * (swarm-root-ca.crt, swarm-node.crt, swarm-node.key). The node id is not stored
 * separately: it is the certificate's CN, so the files cannot disagree about it.
 *
 * Docs: docs/design/swarm.md ("joining").
 */
#pragma once

#include <string>

#include "minirun/sys/error.hpp"
#include "miniswarm/ca/node_identity.hpp"

namespace miniswarm::api {

/// What a node keeps: its credentials and where its manager is.
struct StoredCredentials {
  ca::NodeCredentials credentials;
  std::string manager_addr;  ///< "host:port"
};

/// The certificates directory of a state dir.
std::string certificates_dir(const std::string& state_dir);

/// Writes the files (creating the directories, key 0600). Replaces existing ones.
minirun::sys::Result<void> save_credentials(const std::string& state_dir, const StoredCredentials& stored);

/// Reads them back; the error says when the node never joined ("no credentials in ...").
minirun::sys::Result<StoredCredentials> load_credentials(const std::string& state_dir);

/// Removes the files (leave). Missing files are not an error.
minirun::sys::Result<void> remove_credentials(const std::string& state_dir);

/// Splits "host:port" (IPv4, a name, or "[v6]:port"); `default_port` when none is given.
minirun::sys::Result<std::pair<std::string, int>> split_host_port(const std::string& text, int default_port);

}  // namespace miniswarm::api
