/**
 * @file removed_service.cpp
 * @brief Stop, then delete, the tasks of a removed service (see removed_service.hpp).
 */
#include "miniswarm/orchestrator/removed_service.hpp"

namespace miniswarm::orchestrator {

void clean_up_removed_service(RunContext& run, const SlotTasks& tasks) {
  for (const Task* t : tasks) {
    std::string reason = "service " + (t->service_name.empty() ? t->service_id : t->service_name) +
                         " was removed";
    if (is_terminal(t->status.state) || never_assigned(*t)) {
      run.remove(*t, reason);
    } else if (is_runnable(*t)) {
      run.stop(*t, reason);
    }
    // Otherwise it is already desired SHUTDOWN and its agent is stopping it.
  }
}

}  // namespace miniswarm::orchestrator
