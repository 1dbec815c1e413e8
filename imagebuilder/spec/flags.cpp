/**
 * @file flags.cpp
 * @brief Checking an instruction's `--flags` (see flags.hpp).
 */
#include "imagebuilder/spec/flags.hpp"

namespace imagebuilder::spec {

FlagSet& FlagSet::declare(std::string name, bool boolean) {
  declared_.emplace_back(std::move(name), boolean);
  return *this;
}

std::string FlagSet::parse(const std::vector<std::string>& raw_flags) {
  for (const std::string& raw : raw_flags) {
    if (raw.rfind("--", 0) != 0) return "flag should start with --: " + raw;
    std::string_view body = std::string_view(raw).substr(2);
    std::size_t equals = body.find('=');
    std::string name(body.substr(0, equals));
    std::optional<std::string> value;
    if (equals != std::string_view::npos) value = std::string(body.substr(equals + 1));

    const std::pair<std::string, bool>* declared = nullptr;
    for (const auto& d : declared_) {
      if (d.first == name) declared = &d;
    }
    if (declared == nullptr) {
      std::string message = "unknown flag: --" + name;
      if (declared_.empty()) return message + " (" + keyword_ + " takes no flags)";
      message += " (" + keyword_ + " accepts";
      for (std::size_t i = 0; i < declared_.size(); ++i) message += (i == 0 ? " --" : ", --") + declared_[i].first;
      return message + ")";
    }
    if (values_.count(name) != 0) return "duplicate flag specified: --" + name;
    if (declared->second) {  // boolean
      if (value && *value != "true" && *value != "false") {
        return "expecting boolean value for flag --" + name + ", not: " + *value;
      }
      values_[name] = value.value_or("true");
    } else {
      if (!value) return "missing a value on flag: --" + name;
      values_[name] = *value;
    }
  }
  return "";
}

std::optional<std::string> FlagSet::string_value(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

bool FlagSet::bool_value(const std::string& name) const {
  auto it = values_.find(name);
  return it != values_.end() && it->second == "true";
}

}  // namespace imagebuilder::spec
