/**
 * @file dns_bench.cpp
 * @brief How fast does the embedded DNS server answer? Throughput and latency on
 * loopback, against the targets >= 20,000 queries/s and p99 < 1 ms.
 *
 * A container resolves names all the time (every HTTP client call, every connection
 * pool refill), and the server runs inside the container's monitor, whose main job is
 * elsewhere; so it must be cheap per query. The setup is what a container sees: a
 * DnsServer on 127.0.0.1 (port 0) whose resolver reads an endpoints directory of 50
 * containers, each with an alias, served from a poll(2) loop in a thread of its own,
 * exactly as the monitor would (one stat of the directory per burst included).
 *  1. throughput: one client socket keeps 64 queries in flight for about 2 s (a new
 *     query for each reply; a lost reply refills the window after 100 ms); queries/s.
 *  2. latency: one query at a time, 20,000 queries; p50, p99 and max in microseconds,
 *     client send to client receive.
 * Traffic goes to 127.0.0.1 only. Both sides share the machine's cores, so the figures
 * include the client's own cost; build with -O2 for meaningful figures.
 *
 * A benchmark, not a test: it prints figures and asserts nothing; its temporary
 * directory is removed at the end.
 * Lab: labs/09-discovery
 */
#include <arpa/inet.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "minirun/network/dns_server.hpp"
#include "minirun/sys/file.hpp"

namespace {

using namespace minirun;
using Clock = std::chrono::steady_clock;

constexpr int kContainers = 50;
constexpr int kWindow = 64;
constexpr auto kThroughputDuration = std::chrono::seconds(2);
constexpr int kLatencyQueries = 20'000;
constexpr uint32_t kLoopback = 0x7F000001;

std::string hex_id(int i) {
  char buffer[65];
  for (int k = 0; k < 64; ++k) buffer[k] = "0123456789abcdef"[(i * 7 + k * 13) % 16];
  buffer[64] = '\0';
  std::snprintf(buffer, 9, "%08x", static_cast<unsigned>(i));  // distinct first 12 digits
  buffer[8] = 'a';
  return buffer;
}

bool write_endpoints(const std::string& dir) {
  for (int i = 0; i < kContainers; ++i) {
    const std::string id = hex_id(i);
    const std::string json = R"({"ContainerID":")" + id + R"(","Name":"app)" + std::to_string(i) +
                             R"(","Aliases":["svc)" + std::to_string(i % 5) + R"("],"IPv4Address":"172.18.0.)" +
                             std::to_string(i + 2) + R"(","MacAddress":"02:42:ac:12:00:02","HostInterface":"mrvbench"})";
    auto written = sys::write_file_atomic(dir + "/" + id + ".json", json);
    if (!written) {
      std::fprintf(stderr, "dns_bench: %s\n", written.error().what().c_str());
      return false;
    }
  }
  return true;
}

/// The monitor's loop, reduced to the DNS server: poll the socket and a stop eventfd.
void serve(network::DnsServer& server, int stop_fd) {
  for (;;) {
    pollfd fds[2] = {{server.fd(), POLLIN, 0}, {stop_fd, POLLIN, 0}};
    if (::poll(fds, 2, server.next_timeout_ms()) < 0 && errno != EINTR) return;
    if (fds[1].revents & POLLIN) return;
    if (fds[0].revents & POLLIN) server.on_readable();
    server.expire_pending();
  }
}

/// Queries for app0..app49 and svc0..svc4, built once.
std::vector<std::vector<uint8_t>> build_queries() {
  std::vector<std::vector<uint8_t>> queries;
  for (int i = 0; i < kContainers; ++i) {
    const std::string name = (i % 10 == 9) ? "svc" + std::to_string(i % 5) : "app" + std::to_string(i);
    auto q = network::build_dns_query(static_cast<uint16_t>(i), name, network::kDnsTypeA);
    if (q) queries.push_back(std::move(*q));
  }
  return queries;
}

int connect_client(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(kLoopback);
  a.sin_port = htons(port);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) {
    std::perror("dns_bench: client socket");
    if (fd >= 0) ::close(fd);
    return -1;
  }
  return fd;
}

void measure_throughput(int fd, const std::vector<std::vector<uint8_t>>& queries) {
  long answered = 0;
  long lost_windows = 0;
  size_t next = 0;
  auto send_one = [&] {
    const auto& q = queries[next++ % queries.size()];
    (void)::send(fd, q.data(), q.size(), 0);
  };
  for (int i = 0; i < kWindow; ++i) send_one();
  uint8_t buffer[1024];
  const Clock::time_point start = Clock::now();
  while (Clock::now() - start < kThroughputDuration) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) == 0) {  // replies lost: put a full window back in flight
      ++lost_windows;
      for (int i = 0; i < kWindow; ++i) send_one();
      continue;
    }
    while (::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT) > 0) {
      ++answered;
      send_one();
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("throughput: %ld answers in %.2f s = %.0f queries/s (window %d, %ld refills after loss)"
              "   target >= 20000 q/s\n",
              answered, seconds, answered / seconds, kWindow, lost_windows);
  // Drain what is still in flight so the latency run starts clean.
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) break;
    while (::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT) > 0) {
    }
  }
}

void measure_latency(int fd, const std::vector<std::vector<uint8_t>>& queries) {
  std::vector<double> micros;
  micros.reserve(kLatencyQueries);
  int lost = 0;
  int without_records = 0;  // NXDOMAIN or empty: would mean the endpoint files were not read
  uint8_t buffer[1024];
  for (int i = 0; i < kLatencyQueries; ++i) {
    const auto& q = queries[static_cast<size_t>(i) % queries.size()];
    const Clock::time_point sent = Clock::now();
    (void)::send(fd, q.data(), q.size(), 0);
    pollfd p{fd, POLLIN, 0};
    ssize_t n = 0;
    if (::poll(&p, 1, 1000) != 1 || (n = ::recv(fd, buffer, sizeof buffer, 0)) <= 0) {
      ++lost;
      continue;
    }
    micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - sent).count());
    auto response = network::parse_dns_response(std::span<const uint8_t>(buffer, static_cast<size_t>(n)));
    if (!response || response->answers.empty()) ++without_records;
  }
  if (micros.empty()) {
    std::printf("latency: no replies\n");
    return;
  }
  std::sort(micros.begin(), micros.end());
  auto at = [&](double fraction) { return micros[static_cast<size_t>(fraction * (micros.size() - 1))]; };
  std::printf("latency: %zu queries one at a time: p50 %.1f us, p99 %.1f us, max %.1f us (%d lost, %d without records)"
              "   target p99 < 1000 us\n",
              micros.size(), at(0.50), at(0.99), micros.back(), lost, without_records);
}

}  // namespace

int main() {
  char dir_template[] = "/tmp/minirun-dns-bench-XXXXXX";
  if (::mkdtemp(dir_template) == nullptr) {
    std::perror("dns_bench: mkdtemp");
    return 1;
  }
  const std::string dir = dir_template;
  const std::string endpoints = dir + "/endpoints";
  int status = 1;
  if (sys::make_directories(endpoints) && write_endpoints(endpoints)) {
    network::DnsResolver resolver({{"bench", endpoints, 0xAC120000, 16}});
    auto server = network::DnsServer::bind(kLoopback, 0, std::move(resolver));
    if (!server) {
      std::fprintf(stderr, "dns_bench: %s\n", server.error().what().c_str());
    } else {
      sys::UniqueFd stop(::eventfd(0, EFD_CLOEXEC));
      std::thread thread(serve, std::ref(*server), stop.get());
      const int client = connect_client(server->port());
      if (client >= 0) {
        std::printf("embedded DNS server on 127.0.0.1:%u, %d containers (%d names with aliases and ids)\n",
                    server->port(), kContainers, kContainers * 2 + 5);
        const auto queries = build_queries();
        measure_throughput(client, queries);
        measure_latency(client, queries);
        ::close(client);
        status = 0;
      }
      const uint64_t one = 1;
      (void)::write(stop.get(), &one, sizeof one);
      thread.join();
    }
  }
  (void)sys::remove_tree(dir);
  return status;
}
