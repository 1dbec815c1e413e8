/**
 * @file engine_backend.cpp
 * @brief Task containers through minirun::engine::Engine (engine_backend.hpp).
 */
#include "miniswarm/agent/engine_backend.hpp"

#include <signal.h>

#include "imagebuilder/build/base_images.hpp"
#include "imagebuilder/store/image_store.hpp"
#include "minirun/engine/flag_values.hpp"
#include "miniswarm/agent/task_container.hpp"

namespace miniswarm::agent {

namespace {

using minirun::engine::ContainerStatus;

bool is_up(ContainerStatus status) {
  return status == ContainerStatus::running || status == ContainerStatus::paused ||
         status == ContainerStatus::restarting;
}

}  // namespace

ObservedContainer observed_container(const minirun::engine::ContainerView& view) {
  ObservedContainer c;
  c.container_id = view.config.id;
  auto label = view.config.labels.find(kTaskIdLabel);
  if (label != view.config.labels.end()) c.task_id = label->second;
  const auto& s = view.state;
  c.exit_code = s.exit_code;
  c.oom_killed = s.oom_killed;
  c.stop_requested = s.stop_requested;
  if (is_up(s.status)) {
    c.state = ContainerRunState::kRunning;
  } else if (s.status == ContainerStatus::created) {
    c.state = ContainerRunState::kCreated;
  } else {
    c.state = ContainerRunState::kExited;
    // dead: the monitor died with the exit status (observe() says so); an exit code
    // of -1 must not pass for a real one.
    if (s.status == ContainerStatus::dead) c.error = s.error.empty() ? "the container's exit status is lost" : s.error;
  }
  return c;
}

Result<void> EngineBackend::check(const Task& task) {
  MINIRUN_TRY(check_task_spec(task.spec, minirun::engine::online_cpu_count()), "task " + task.name());
  const std::string& image = task.spec.container.image;
  if (imagebuilder::build::is_builtin_busybox(image)) return minirun::sys::ok();  // made on first use
  auto images = imagebuilder::store::ImageStore::open(options_.engine.image_root);
  if (!images) return std::move(images.error()).context("the node's image store");
  if (images->resolve(image)) return minirun::sys::ok();
  if (!options_.puller) {
    return Error("image `" + image + "` not found in the node's image store (" + options_.engine.image_root +
                 "): build it there (`imagebuilder build -t " + image + " DIR`) or load it (`imagebuilder load`)");
  }
  auto pulled = options_.puller->pull(image, *images);
  if (!pulled) return std::move(pulled.error());
  if (options_.log) options_.log("task " + task.name() + ": " + registry::describe_pull(*pulled, options_.puller->address()));
  return minirun::sys::ok();
}

Result<std::string> EngineBackend::start(const Task& task) {
  auto e = engine();
  auto created = e.create(container_request(task, options_.network_mode));
  if (!created) return std::move(created.error()).context("create container " + task.name());
  if (auto started = e.start(created->id); !started) {
    // The name must be free for the next task of the slot; the error is the start's.
    (void)e.remove(created->id, true, true);
    return std::move(started.error()).context("start container " + task.name());
  }
  return created->id;
}

Result<void> EngineBackend::signal_if_running(const std::string& container_id, int signal) {
  auto e = engine();
  auto view = e.inspect(container_id);
  if (!view) return std::move(view.error());
  if (!is_up(view->state.status)) return minirun::sys::ok();
  auto sent = e.kill(container_id, signal);
  if (!sent) {
    // It may have exited between inspect and kill: that is what was wanted.
    auto again = e.inspect(container_id);
    if (again && !is_up(again->state.status)) return minirun::sys::ok();
    return std::move(sent.error());
  }
  return minirun::sys::ok();
}

Result<void> EngineBackend::request_stop(const std::string& container_id) {
  auto view = engine().inspect(container_id);
  if (!view) return std::move(view.error()).context("stop");
  auto signal = minirun::runtime::parse_signal(view->config.stop_signal);
  if (!signal) return std::move(signal.error()).context("stop: StopSignal of " + view->config.name);
  // Engine::kill marks the exit as asked for only for the usual stop signals; an image
  // with another StopSignal is stopped all the same, the agent remembers it asked.
  MINIRUN_TRY(signal_if_running(container_id, *signal), "stop " + view->config.name);
  return minirun::sys::ok();
}

Result<void> EngineBackend::kill(const std::string& container_id) {
  MINIRUN_TRY(signal_if_running(container_id, SIGKILL), "kill");
  return minirun::sys::ok();
}

Result<void> EngineBackend::remove(const std::string& container_id) {
  MINIRUN_TRY(engine().remove(container_id, true, true), "remove");
  return minirun::sys::ok();
}

Result<std::vector<ObservedContainer>> EngineBackend::list() {
  std::vector<ObservedContainer> out;
  for (const auto& view : engine().list(true)) {
    const auto& labels = view.config.labels;
    if (labels.count(kTaskIdLabel) == 0) continue;  // not a task's: `minirun run` by hand
    if (!options_.node_id.empty()) {
      auto node = labels.find(kNodeIdLabel);
      if (node == labels.end() || node->second != options_.node_id) continue;  // another node's agent
    }
    out.push_back(observed_container(view));
  }
  return out;
}

Result<ObservedContainer> EngineBackend::observe(const std::string& container_id) {
  auto listed = list();
  if (!listed) return std::move(listed.error());
  for (auto& c : *listed)
    if (c.container_id == container_id) return c;
  ObservedContainer missing;
  missing.container_id = container_id;
  missing.state = ContainerRunState::kMissing;
  return missing;
}

}  // namespace miniswarm::agent
