// `service ps` / `node ps`: slots grouped, history indented ` \_`, Docker's columns.
#include <gtest/gtest.h>

#include "cli_fake_manager.hpp"
#include "miniswarm/cli/task_table.hpp"

namespace miniswarm::cli {
namespace {

using testing_support::make_service;
using testing_support::make_task;

constexpr int64_t kNow = 1'700'000'000'000;
constexpr int64_t kSecond = 1000;

const std::map<std::string, std::string> kHostnames = {{"n1", "node-1"}, {"n2", "node-2"}};

std::vector<std::string> ids_in_order(const std::vector<Task>& tasks) {
  std::vector<std::string> ids;
  for (const auto& row : order_tasks(tasks))
    ids.push_back(row.task->id + (row.history ? " (history)" : ""));
  return ids;
}

struct ReplicatedHistory : ::testing::Test {
  ReplicatedHistory() {
    Task running =
        make_task("aaaaaaaaaaaa111", web, 1, TaskState::kRunning, kNow - 5 * kSecond, "n1");
    Task failed = make_task("bbbbbbbbbbbb222", web, 1, TaskState::kFailed, kNow - 12 * kSecond,
                            "n2", TaskState::kShutdown);
    failed.created_ms = kNow - 20 * kSecond;
    failed.status.err = "exit code 1";
    Task pending = make_task("cccccccccccc333", web, 2, TaskState::kPending, kNow - 3 * kSecond);
    pending.pending_reason = "no suitable node (2 nodes have not enough memory)";
    tasks = {pending, failed, running};  // the manager's order is not the table's
  }
  Service web = make_service("svc1", "web");
  std::vector<Task> tasks;
};

TEST_F(ReplicatedHistory, TableMatchesDockersLayout) {
  EXPECT_EQ(
      render_task_table(tasks, kHostnames, kNow, false),
      "ID             NAME        IMAGE     NODE      DESIRED STATE   CURRENT STATE           "
      "ERROR\n"
      "aaaaaaaaaaaa   web.1       busybox   node-1    Running         Running 5 seconds ago\n"
      "bbbbbbbbbbbb    \\_ web.1   busybox   node-2    Shutdown        Failed 12 seconds ago   "
      "\"exit code 1\"\n"
      "cccccccccccc   web.2       busybox             Running         Pending 3 seconds ago   "
      "\"no suitable node (2 nodes hav\xE2\x80\xA6\"\n");
}

TEST_F(ReplicatedHistory, NoTruncKeepsIdsAndErrorsWhole) {
  std::string text = render_task_table(tasks, kHostnames, kNow, true);
  EXPECT_NE(text.find("aaaaaaaaaaaa111"), std::string::npos);
  EXPECT_NE(text.find("\"no suitable node (2 nodes have not enough memory)\""), std::string::npos);
}

TEST_F(ReplicatedHistory, QuietPrintsIdsInTableOrder) {
  EXPECT_EQ(render_task_ids(tasks, false), "aaaaaaaaaaaa\nbbbbbbbbbbbb\ncccccccccccc\n");
  EXPECT_EQ(render_task_ids(tasks, true), "aaaaaaaaaaaa111\nbbbbbbbbbbbb222\ncccccccccccc333\n");
}

TEST(OrderTasks, HistoryOfASlotIsNewestFirstUnderTheCurrentTask) {
  Service web = make_service("svc1", "web");
  Task oldest = make_task("t-oldest", web, 1, TaskState::kFailed, 100, "n1", TaskState::kShutdown);
  Task middle = make_task("t-middle", web, 1, TaskState::kFailed, 200, "n1", TaskState::kShutdown);
  Task current = make_task("t-current", web, 1, TaskState::kStarting, 300, "n1");
  EXPECT_EQ(ids_in_order({oldest, current, middle}),
            (std::vector<std::string>{"t-current", "t-middle (history)", "t-oldest (history)"}));
}

TEST(OrderTasks, CurrentTaskLeadsEvenWhenAnOlderRowIsNewer) {
  // A task desired RUNNING leads its slot even if a shut-down task was created later
  // (clock skew between managers and agents must not put the current task in history).
  Service web = make_service("svc1", "web");
  Task current = make_task("t-current", web, 1, TaskState::kRunning, 100, "n1");
  Task stray = make_task("t-stray", web, 1, TaskState::kShutdown, 500, "n1", TaskState::kShutdown);
  EXPECT_EQ(ids_in_order({stray, current}),
            (std::vector<std::string>{"t-current", "t-stray (history)"}));
}

TEST(OrderTasks, SlotsAreNumbersAndServicesAreByName) {
  Service web = make_service("svc1", "web");
  Service api = make_service("svc2", "api");
  std::vector<Task> tasks = {make_task("w10", web, 10, TaskState::kRunning, 1),
                             make_task("w2", web, 2, TaskState::kRunning, 1),
                             make_task("a1", api, 1, TaskState::kRunning, 1)};
  EXPECT_EQ(ids_in_order(tasks), (std::vector<std::string>{"a1", "w2", "w10"}));
}

TEST(OrderTasks, GlobalTasksGroupByNode) {
  Service mon = make_service("svc3", "mon");
  mon.spec.mode = ServiceMode::kGlobal;
  std::vector<Task> tasks = {
      make_task("m-n2", mon, 0, TaskState::kRunning, 1, "n2"),
      make_task("m-n1-old", mon, 0, TaskState::kFailed, 1, "n1", TaskState::kShutdown),
      make_task("m-n1", mon, 0, TaskState::kRunning, 2, "n1")};
  EXPECT_EQ(ids_in_order(tasks), (std::vector<std::string>{"m-n1", "m-n1-old (history)", "m-n2"}));
}

TEST(TaskDisplayName, SlotOrNodeId) {
  Service web = make_service("svc1", "web");
  EXPECT_EQ(task_display_name(make_task("t", web, 3, TaskState::kRunning, 1)), "web.3");
  EXPECT_EQ(task_display_name(make_task("t", web, 0, TaskState::kRunning, 1, "n9node")),
            "web.n9node");
}

TEST(TaskErrorCell, PendingReasonOnlyWhilePending) {
  Service web = make_service("svc1", "web");
  Task task = make_task("t", web, 1, TaskState::kPending, 1);
  task.pending_reason = "no suitable node (no nodes in the cluster)";
  EXPECT_EQ(task_error_cell(task, true), "\"no suitable node (no nodes in the cluster)\"");
  task.status.state = TaskState::kRunning;  // an old reason left on a running task is not an error
  EXPECT_EQ(task_error_cell(task, true), "");
}

TEST(RenderTaskTable, UnknownNodeShowsItsIdAndTimestampFallsBackToCreation) {
  Service web = make_service("svc1", "web");
  Task task = make_task("t1", web, 1, TaskState::kNew, 0, "gone-node");
  task.created_ms = kNow - 2 * kSecond;
  std::string text = render_task_table({task}, kHostnames, kNow, false);
  EXPECT_NE(text.find("gone-node"), std::string::npos);
  EXPECT_NE(text.find("New 2 seconds ago"), std::string::npos);
}

}  // namespace
}  // namespace miniswarm::cli
