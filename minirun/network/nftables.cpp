/**
 * @file nftables.cpp
 * @brief libnftables calls and the shape of their errors; see nftables.hpp.
 */
#include "minirun/network/nftables.hpp"

#include <nftables/libnftables.h>

#include <string>

namespace minirun::network {

namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
  return std::string(s);
}

/// nft prints each error as "[where: ]Error: WHAT", the command, then a line of carets;
/// this makes "nft `COMMAND`: WHAT" of each, joined by "; ".
std::string describe_errors(std::string_view buffer, std::string_view commands) {
  std::string out;
  size_t at = 0;
  while (at < buffer.size()) {
    size_t end = buffer.find('\n', at);
    if (end == std::string_view::npos) end = buffer.size();
    std::string_view line = buffer.substr(at, end - at);
    at = end + 1;
    size_t mark = line.find("Error: ");
    if (mark == std::string_view::npos) continue;
    std::string what = trim(line.substr(mark + 7));
    size_t command_end = buffer.find('\n', at);
    std::string command = trim(buffer.substr(at, command_end == std::string_view::npos ? std::string_view::npos
                                                                                        : command_end - at));
    // Errors found before any command is parsed (the cache is read first) show no
    // command; a one-line request still names it.
    if (command.empty() || command.find('^') == 0)
      command = trim(commands).find('\n') == std::string::npos ? trim(commands) : "";
    if (!out.empty()) out += "; ";
    out += command.empty() ? what : "nft `" + command + "`: " + what;
  }
  if (out.empty()) out = "nft `" + trim(commands) + "` failed" + (buffer.empty() ? "" : ": " + trim(buffer));
  return out;
}

}  // namespace

void Nftables::FreeContext::operator()(nft_ctx* ctx) const { nft_ctx_free(ctx); }

sys::Result<Nftables> Nftables::open() {
  nft_ctx* ctx = nft_ctx_new(NFT_CTX_DEFAULT);
  if (ctx == nullptr) return sys::Error("nft_ctx_new: could not make a libnftables context");
  Nftables nft(ctx);
  // Without these the library prints to the process's stdout and stderr.
  if (nft_ctx_buffer_output(ctx) != 0 || nft_ctx_buffer_error(ctx) != 0)
    return sys::Error("libnftables: could not buffer output and errors");
  return nft;
}

sys::Result<std::string> Nftables::run(std::string_view commands) {
  const std::string text(commands);  // the library wants a NUL-terminated buffer
  const int rc = nft_run_cmd_from_buffer(ctx_.get(), text.c_str());
  // Reading a buffer also empties it for the next command.
  std::string output = nft_ctx_get_output_buffer(ctx_.get());
  std::string errors = nft_ctx_get_error_buffer(ctx_.get());
  if (rc != 0) return sys::Error(describe_errors(errors, commands));
  return output;
}

sys::Result<nlohmann::json> Nftables::list_json(std::string_view command) {
  const unsigned flags = nft_ctx_output_get_flags(ctx_.get());
  nft_ctx_output_set_flags(ctx_.get(), flags | NFT_CTX_OUTPUT_JSON);
  auto output = run(command);
  nft_ctx_output_set_flags(ctx_.get(), flags);
  if (!output) return std::move(output.error());
  auto json = nlohmann::json::parse(*output, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded())
    return sys::Error("nft `" + trim(command) + "`: the JSON output did not parse: " + trim(*output).substr(0, 200));
  return json;
}

}  // namespace minirun::network
