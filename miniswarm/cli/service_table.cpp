/**
 * @file service_table.cpp
 * @brief `service ls` rows (service_table.hpp).
 */
#include "miniswarm/cli/service_table.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "miniswarm/cli/table.hpp"

namespace miniswarm::cli {

namespace {

void sort_by_name(std::vector<ServiceListing>& services) {
  std::stable_sort(services.begin(), services.end(),
                   [](const ServiceListing& a, const ServiceListing& b) {
                     if (a.service.spec.name != b.service.spec.name)
                       return natural_less(a.service.spec.name, b.service.spec.name);
                     return a.service.id < b.service.id;
                   });
}

}  // namespace

minirun::sys::Result<ServiceListing> parse_service_listing(const nlohmann::json& j) {
  ServiceListing listing;
  try {
    j.get_to(listing.service);
    listing.running_tasks = j.value("running_tasks", uint64_t{0});
    listing.desired_tasks = j.value("desired_tasks", uint64_t{0});
  } catch (const nlohmann::json::exception& e) {
    return minirun::sys::Error(std::string("the manager's service list: ") + e.what());
  }
  return listing;
}

std::string replicas_cell(const ServiceListing& listing) {
  std::string text =
      std::to_string(listing.running_tasks) + "/" + std::to_string(listing.desired_tasks);
  uint64_t max = listing.service.spec.placement.max_replicas_per_node;
  if (max != 0) text += " (max " + std::to_string(max) + " per node)";
  return text;
}

std::string render_service_table(std::vector<ServiceListing> services) {
  sort_by_name(services);
  std::vector<std::vector<std::string>> rows = {{"ID", "NAME", "MODE", "REPLICAS", "IMAGE"}};
  for (const auto& listing : services) {
    const auto& spec = listing.service.spec;
    rows.push_back({truncate_id(listing.service.id), spec.name, std::string(to_string(spec.mode)),
                    replicas_cell(listing), spec.container.image});
  }
  return render_table(rows);
}

std::string render_service_ids(std::vector<ServiceListing> services) {
  sort_by_name(services);
  std::string out;
  for (const auto& listing : services) out += truncate_id(listing.service.id) + "\n";
  return out;
}

}  // namespace miniswarm::cli
