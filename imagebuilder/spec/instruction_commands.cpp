/**
 * @file instruction_commands.cpp
 * @brief One converter per instruction: node words -> typed command, with the
 *        argument and flag checks each instruction needs (see instructions.hpp).
 *
 * The messages follow BuildKit's where it has one ("COPY requires at least two
 * arguments", "Unknown type \"X\" in HEALTHCHECK (try CMD)"), so that a search for
 * the message finds Docker's documentation too.
 */
#include <algorithm>
#include <cctype>

#include "imagebuilder/spec/duration.hpp"
#include "imagebuilder/spec/flags.hpp"
#include "imagebuilder/spec/go_text.hpp"
#include "imagebuilder/spec/instructions.hpp"

namespace imagebuilder::spec {
namespace {

std::string upper(std::string_view keyword) {
  std::string out(keyword);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

/// Converts one node; `fail` builds the located error.
class Converter {
 public:
  Converter(const Node& node, std::string_view file_name) : node_(node), file_name_(file_name) {}

  Result<std::vector<Instruction>> convert() {
    const std::string& k = node_.keyword;
    Result<Command> command = Error("");
    if (k == "arg") return convert_arg();
    if (k == "run") command = convert_run();
    else if (k == "copy") command = convert_copy();
    else if (k == "add") command = convert_add();
    else if (k == "env" || k == "label") command = convert_pairs();
    else if (k == "cmd") command = convert_command_line<Cmd>();
    else if (k == "entrypoint") command = convert_command_line<Entrypoint>();
    else if (k == "workdir") command = convert_single<Workdir>();
    else if (k == "user") command = convert_single<User>();
    else if (k == "stopsignal") command = convert_single<Stopsignal>();
    else if (k == "maintainer") command = convert_single<Maintainer>();
    else if (k == "expose") command = convert_list<Expose>();
    else if (k == "volume") command = convert_list<Volume>();
    else if (k == "healthcheck") command = convert_healthcheck();
    else if (k == "shell") command = convert_shell();
    else if (k == "onbuild") command = convert_onbuild();
    else return fail("unknown instruction: " + upper(k));
    if (!command) return std::move(command).error();
    return std::vector<Instruction>{make(std::move(*command))};
  }

 private:
  Error fail(std::string_view message) const { return error_at(file_name_, node_.where, message); }

  Instruction make(Command command) const {
    return {node_.keyword, std::string(trim_space(node_.original)), node_.where, std::move(command)};
  }

  /// Checks the node's flags against `flags`; "" when fine.
  std::string check_flags(FlagSet& flags) const { return flags.parse(node_.flags); }

  /// For instructions that take no flags at all.
  Result<void> no_flags() const {
    FlagSet none(upper(node_.keyword));
    if (std::string e = check_flags(none); !e.empty()) return fail(e);
    return minirun::sys::ok();
  }

  CommandLine command_line() const { return {node_.args, !node_.json}; }

  Result<Command> convert_run() {
    FlagSet flags("RUN");
    flags.add_string("network").add_string("mount").add_string("security");
    if (std::string e = check_flags(flags); !e.empty()) return fail(e);
    if (flags.given("mount")) return fail("RUN --mount is not supported by imagebuilder (no cache, secret or bind mounts)");
    if (flags.given("security")) return fail("RUN --security is not supported by imagebuilder");
    if (node_.args.empty()) return fail("RUN requires at least one argument");
    Run run{command_line(), flags.string_value("network").value_or("default")};
    if (run.network != "default" && run.network != "none" && run.network != "host") {
      return fail("unsupported network mode --network=" + run.network + " (use default, none or host)");
    }
    return Command(std::move(run));
  }

  Result<std::string> checked_chmod(const FlagSet& flags) const {
    std::string chmod = flags.string_value("chmod").value_or("");
    if (chmod.empty() || chmod.find('$') != std::string::npos) return chmod;  // checked after expansion
    if (!is_octal_mode(chmod)) {
      return fail("invalid --chmod=" + chmod + ": expected an octal mode such as 0755");
    }
    return chmod;
  }

  Result<void> need_sources_and_dest() const {
    if (node_.args.size() < 2) {
      return fail(upper(node_.keyword) + " requires at least two arguments, but only " +
                  (node_.args.empty() ? "none" : "one") + " was provided. Destination could not be determined");
    }
    return minirun::sys::ok();
  }

  Result<Command> convert_copy() {
    FlagSet flags("COPY");
    flags.add_string("from").add_string("chown").add_string("chmod").add_bool("link");
    if (std::string e = check_flags(flags); !e.empty()) return fail(e);
    if (auto checked = need_sources_and_dest(); !checked) return std::move(checked).error();
    auto chmod = checked_chmod(flags);
    if (!chmod) return std::move(chmod).error();
    Copy copy;
    copy.sources.assign(node_.args.begin(), node_.args.end() - 1);
    copy.dest = node_.args.back();
    copy.from = flags.string_value("from").value_or("");
    copy.chown = flags.string_value("chown").value_or("");
    copy.chmod = *chmod;
    copy.link = flags.bool_value("link");
    return Command(std::move(copy));
  }

  Result<Command> convert_add() {
    FlagSet flags("ADD");
    flags.add_string("chown").add_string("chmod").add_string("checksum").add_bool("link").add_bool("keep-git-dir");
    if (std::string e = check_flags(flags); !e.empty()) return fail(e);
    if (auto checked = need_sources_and_dest(); !checked) return std::move(checked).error();
    auto chmod = checked_chmod(flags);
    if (!chmod) return std::move(chmod).error();
    Add add;
    add.sources.assign(node_.args.begin(), node_.args.end() - 1);
    for (const std::string& source : add.sources) {
      if (add_source_kind(source) == AddSourceKind::kRemoteUrl) {
        return fail("ADD " + source + ": remote URLs are not supported (the kit builds offline); " +
                    "download the file into the build context and COPY it");
      }
    }
    add.dest = node_.args.back();
    add.chown = flags.string_value("chown").value_or("");
    add.chmod = *chmod;
    add.checksum = flags.string_value("checksum").value_or("");
    add.link = flags.bool_value("link");
    return Command(std::move(add));
  }

  /// ENV and LABEL: the parser gives key, value, separator triples.
  Result<Command> convert_pairs() {
    if (auto checked = no_flags(); !checked) return std::move(checked).error();
    const std::string name = upper(node_.keyword);
    if (node_.args.empty()) return fail(name + " requires at least one argument");
    std::vector<KeyValue> pairs;
    for (std::size_t i = 0; i + 1 < node_.args.size(); i += 3) {
      if (node_.args[i].empty()) return fail(name + " names can not be blank");
      pairs.push_back({node_.args[i], node_.args[i + 1]});
    }
    if (node_.keyword == "env") return Command(Env{std::move(pairs)});
    return Command(Label{std::move(pairs)});
  }

  Result<std::vector<Instruction>> convert_arg() {
    if (auto checked = no_flags(); !checked) return std::move(checked).error();
    if (node_.args.empty()) return fail("ARG requires at least one argument");
    std::vector<Instruction> out;
    for (const std::string& word : node_.args) {
      std::size_t equals = word.find('=');
      Arg arg{word.substr(0, equals), std::nullopt};
      if (equals != std::string::npos) arg.default_value = word.substr(equals + 1);
      if (arg.name.empty()) return fail("ARG names can not be blank");
      out.push_back(make(std::move(arg)));
    }
    return out;
  }

  template <class T>
  Result<Command> convert_command_line() {
    if (auto checked = no_flags(); !checked) return std::move(checked).error();
    return Command(T{command_line()});
  }

  template <class T>
  Result<Command> convert_single() {
    if (auto checked = no_flags(); !checked) return std::move(checked).error();
    if (node_.args.size() != 1) return fail(upper(node_.keyword) + " requires exactly one argument");
    return Command(T{node_.args[0]});
  }

  template <class T>
  Result<Command> convert_list() {
    if (auto checked = no_flags(); !checked) return std::move(checked).error();
    if (node_.args.empty()) return fail(upper(node_.keyword) + " requires at least one argument");
    for (const std::string& value : node_.args) {
      if (value.empty()) return fail(upper(node_.keyword) + " specified can not be an empty string");
    }
    return Command(T{node_.args});
  }

  Result<Command> convert_shell() {
    if (auto checked = no_flags(); !checked) return std::move(checked).error();
    if (node_.args.empty()) return fail("SHELL requires at least one argument");
    if (!node_.json) return fail("SHELL requires the arguments to be in JSON form, e.g. SHELL [\"/bin/sh\", \"-c\"]");
    return Command(Shell{node_.args});
  }

  Result<std::chrono::nanoseconds> duration_flag(const FlagSet& flags, const std::string& name) const {
    auto text = flags.string_value(name);
    if (!text) return std::chrono::nanoseconds(0);
    auto d = parse_go_duration(*text);
    if (!d) return fail("--" + name + ": " + d.error().what());
    if (d->count() != 0 && *d < std::chrono::milliseconds(1)) {
      return fail("--" + name + "=" + *text + " cannot be less than 1ms (0 means the default)");
    }
    return *d;
  }

  Result<Command> convert_healthcheck() {
    if (node_.args.empty()) return fail("HEALTHCHECK requires at least one argument");
    Healthcheck check;
    const std::string type = upper(node_.args[0]);
    if (type == "NONE") {
      if (node_.args.size() != 1) return fail("HEALTHCHECK NONE takes no arguments");
      if (!node_.flags.empty()) return fail("HEALTHCHECK NONE takes no options");
      check.none = true;
      check.test = {"NONE"};
      return Command(std::move(check));
    }
    if (type != "CMD") return fail("Unknown type " + go_quote(type) + " in HEALTHCHECK (try CMD)");
    if (node_.args.size() < 2) return fail("Missing command after HEALTHCHECK CMD");
    FlagSet flags("HEALTHCHECK");
    flags.add_string("interval").add_string("timeout").add_string("start-period").add_string("start-interval");
    flags.add_string("retries");
    if (std::string e = check_flags(flags); !e.empty()) return fail(e);
    check.test = {node_.json ? "CMD" : "CMD-SHELL"};
    check.test.insert(check.test.end(), node_.args.begin() + 1, node_.args.end());
    std::chrono::nanoseconds* targets[] = {&check.interval, &check.timeout, &check.start_period, &check.start_interval};
    const char* names[] = {"interval", "timeout", "start-period", "start-interval"};
    for (int i = 0; i < 4; ++i) {
      auto d = duration_flag(flags, names[i]);
      if (!d) return std::move(d).error();
      *targets[i] = *d;
    }
    if (auto retries = flags.string_value("retries")) {
      char* end = nullptr;
      long value = std::strtol(retries->c_str(), &end, 10);
      if (retries->empty() || *end != '\0' || value > 1000000000L) return fail("--retries=" + *retries + ": not a number");
      if (value < 0) return fail("--retries cannot be negative (" + *retries + ")");
      check.retries = static_cast<int>(value);
    }
    return Command(std::move(check));
  }

  Result<Command> convert_onbuild() {
    if (auto checked = no_flags(); !checked) return std::move(checked).error();
    if (node_.children.empty()) return fail("ONBUILD requires at least one argument");
    const Node& trigger = node_.children[0];
    if (trigger.keyword == "onbuild") return fail("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    if (trigger.keyword == "from" || trigger.keyword == "maintainer") {
      return fail(upper(trigger.keyword) + " isn't allowed as an ONBUILD trigger");
    }
    // The trigger runs in another build, but its mistakes are reported here.
    auto checked = convert_node(trigger, file_name_);
    if (!checked) return std::move(checked).error();
    std::string_view text = trim_space(node_.original);
    text.remove_prefix(std::min<std::size_t>(text.size(), 7));  // "ONBUILD", any case
    return Command(Onbuild{std::string(trim_space(text))});
  }

  const Node& node_;
  std::string_view file_name_;
};

}  // namespace

Result<std::vector<Instruction>> convert_node(const Node& node, std::string_view file_name) {
  return Converter(node, file_name).convert();
}

bool is_octal_mode(std::string_view text) {
  if (text.empty() || text.size() > 5) return false;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '7'; })) return false;
  return std::stoul(std::string(text), nullptr, 8) <= 07777;
}

AddSourceKind add_source_kind(std::string_view source) {
  if (source.rfind("file://", 0) == 0) return AddSourceKind::kFileUrl;
  std::size_t scheme_end = source.find("://");
  if (scheme_end != std::string_view::npos && scheme_end > 0 &&
      std::all_of(source.begin(), source.begin() + static_cast<std::ptrdiff_t>(scheme_end),
                  [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.'; })) {
    return AddSourceKind::kRemoteUrl;
  }
  if (source.rfind("git@", 0) == 0) return AddSourceKind::kRemoteUrl;
  return AddSourceKind::kLocal;
}

}  // namespace imagebuilder::spec
