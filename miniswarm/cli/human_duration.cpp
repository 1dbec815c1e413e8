/**
 * @file human_duration.cpp
 * @brief go-units HumanDuration, step for step (human_duration.hpp).
 *
 * The thresholds are go-units' own, including its quirks, kept because learners
 * compare against Docker: hours are *rounded* (int(d.Hours() + 0.5)) while seconds
 * and minutes are truncated, and "2 weeks" needs 14 full days.
 */
#include "miniswarm/cli/human_duration.hpp"

#include <cctype>

#include "miniswarm/cli/table.hpp"

namespace miniswarm::cli {

std::string human_duration(int64_t ms) {
  if (ms < 0) ms = 0;
  int64_t seconds = ms / 1000;
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) return std::to_string(seconds) + " seconds";
  int64_t minutes = seconds / 60;
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return std::to_string(minutes) + " minutes";
  int64_t hours = (ms + 1'800'000) / 3'600'000;  // go-units rounds hours to the nearest
  if (hours == 1) return "About an hour";
  if (hours < 48) return std::to_string(hours) + " hours";
  if (hours < 24 * 7 * 2) return std::to_string(hours / 24) + " days";
  if (hours < 24 * 30 * 2) return std::to_string(hours / 24 / 7) + " weeks";
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24 / 30) + " months";
  return std::to_string(ms / 3'600'000 / 24 / 365) + " years";
}

std::string task_state_age(const TaskStatus& status, int64_t now_ms) {
  std::string age = human_duration(now_ms - status.timestamp_ms);
  for (char& c : age) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return capitalize(to_string(status.state)) + " " + age + " ago";
}

}  // namespace miniswarm::cli
