/**
 * @file flags.hpp
 * @brief The `--name=value` options of an instruction (`COPY --from=build`),
 *        checked against the options that instruction accepts.
 *
 * The parser keeps flags as raw strings; this file gives them meaning, as
 * BuildKit's `BFlags` does (frontend/dockerfile/instructions/bflag.go). Each
 * instruction declares its flags, string or boolean; then:
 *  - a flag it does not declare is an error naming the flags it does accept,
 *    so `COPY --frm=x` says "unknown flag: --frm (COPY accepts --from, ...)";
 *  - a string flag needs a value (`--from` alone is an error);
 *  - a boolean flag may be written `--link`, `--link=true` or `--link=false`;
 *  - a flag given twice is an error.
 */
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imagebuilder::spec {

/// The flags one instruction accepts, and after parse() their values.
class FlagSet {
 public:
  explicit FlagSet(std::string keyword_upper) : keyword_(std::move(keyword_upper)) {}

  FlagSet& add_string(std::string name) { return declare(std::move(name), false); }
  FlagSet& add_bool(std::string name) { return declare(std::move(name), true); }

  /// Reads raw flags like "--from=build". Returns an error message, or "".
  std::string parse(const std::vector<std::string>& raw_flags);

  /// The value given for a string flag, if it was given.
  std::optional<std::string> string_value(const std::string& name) const;
  /// Whether a boolean flag was given and true.
  bool bool_value(const std::string& name) const;
  /// Whether the flag appeared at all.
  bool given(const std::string& name) const { return values_.count(name) != 0; }

 private:
  FlagSet& declare(std::string name, bool boolean);

  std::string keyword_;
  std::vector<std::pair<std::string, bool>> declared_;  ///< name, is boolean
  std::map<std::string, std::string> values_;
};

}  // namespace imagebuilder::spec
