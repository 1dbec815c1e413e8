/**
 * @file nftables.hpp
 * @brief A handle on libnftables: run nft(8) commands from a program, read the answers.
 *
 * nftables is the kernel's packet filter since Linux 3.13 (iptables' successor). A
 * program talks to it over netlink (NETLINK_NETFILTER) in *batches*: a batch of
 * changes is one transaction, applied whole or not at all. libnftables(3) is the library
 * under the nft command: it takes the same text (`add rule ip minirun ...`), compiles it
 * to netlink messages and sends every command of one buffer as one batch. So a learner
 * can paste any command of nat_rules.cpp into `nft` and see the same result, and this
 * kit needs no netlink code for nftables (writing the expressions by hand with libnftnl
 * is what nft itself does, in a few thousand lines).
 *
 * Errors: the library writes them into an error buffer in nft's own format ("Error:
 * Could not process rule: File exists", then the failing command, then carets under the
 * failing part). run() turns that into one line that names the command. Listings come
 * back as text or, with the JSON output flag, in the schema of libnftables-json(5),
 * which list_json() parses.
 *
 * This is the only file that includes <nftables/libnftables.h>. Debian ships the library
 * only as a shared object, and the engine's programs are linked statically, so only the
 * small `minirun-net` program links it (see net_plugin.hpp: the engine execs it, the
 * way a CNI runtime execs a network plugin). Everything needs CAP_NET_ADMIN.
 *
 * Left out: the library's include paths, variables (`define`), dry-run mode, and the
 * JSON *input* format (commands are always text here; only listings are JSON).
 *
 * Man pages: libnftables(3), libnftables-json(5), nft(8). Lab: labs/08-networks
 */
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "minirun/sys/error.hpp"

struct nft_ctx;  // libnftables' context, opaque outside nftables.cpp

namespace minirun::network {

/// One libnftables context (RAII: freed with the object). Not thread-safe, as the
/// context is not; movable, not copyable.
class Nftables {
 public:
  /// A context with its output and error streams captured into buffers.
  static sys::Result<Nftables> open();

  /// Runs `commands` (one or more lines of nft syntax) as ONE transaction and returns
  /// what nft would print. On failure, the error names the failing command:
  /// "nft `create element ip minirun published { ... }`: Could not process rule: File exists".
  sys::Result<std::string> run(std::string_view commands);

  /// Runs one listing command ("list map ip minirun published") with JSON output and
  /// parses it.
  sys::Result<nlohmann::json> list_json(std::string_view command);

 private:
  struct FreeContext {
    void operator()(nft_ctx* ctx) const;
  };
  explicit Nftables(nft_ctx* ctx) : ctx_(ctx) {}
  std::unique_ptr<nft_ctx, FreeContext> ctx_;
};

}  // namespace minirun::network
