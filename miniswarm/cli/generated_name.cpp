/**
 * @file generated_name.cpp
 * @brief The word lists of generated_name.hpp.
 */
#include "miniswarm/cli/generated_name.hpp"

#include <array>
#include <random>
#include <string_view>

namespace miniswarm::cli {

namespace {

constexpr std::array<std::string_view, 20> kAdjectives = {
    "bold",  "brave",  "calm",  "eager",  "fervent", "gentle", "happy",  "jolly", "keen", "kind",
    "lucid", "modest", "nifty", "quirky", "serene",  "sharp",  "tender", "vivid", "wise", "zen"};

constexpr std::array<std::string_view, 24> kSurnames = {
    "agnesi",   "babbage", "bell",    "curie",    "dijkstra", "euler",    "franklin", "goldberg",
    "hamilton", "hopper",  "hypatia", "kare",     "knuth",    "lamport",  "liskov",   "lovelace",
    "noether",  "ritchie", "shannon", "sinoussi", "thompson", "torvalds", "turing",   "wozniak"};

}  // namespace

std::string generated_service_name() {
  std::random_device random;
  std::uniform_int_distribution<size_t> adjective(0, kAdjectives.size() - 1);
  std::uniform_int_distribution<size_t> surname(0, kSurnames.size() - 1);
  return std::string(kAdjectives[adjective(random)]) + "_" +
         std::string(kSurnames[surname(random)]);
}

}  // namespace miniswarm::cli
