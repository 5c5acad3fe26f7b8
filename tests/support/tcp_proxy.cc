#include "tests/support/tcp_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace ent::testing {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// One proxied connection: bytes read from one side wait in `pending` until
// written to the other.
struct Side {
  int fd = -1;
  std::string pending;       // read from the other side, to write here
  bool read_done = false;    // this side closed its sending half
  bool peer_closed = false;  // the other side did: shut this one's once `pending` is written
  bool shut = false;
};
struct Pair {
  Side client, server;
  bool marked = false;        // the client sent the hold marker
  bool hold_answers = false;  // ... then a COMMIT: server -> client is held
};

}  // namespace

absl::StatusOr<std::unique_ptr<TcpProxy>> TcpProxy::Start(int target_port) {
  std::unique_ptr<TcpProxy> p(new TcpProxy());
  p->target_port_ = target_port;
  p->listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = Loopback(0);
  socklen_t len = sizeof(addr);
  if (p->listen_fd_ < 0 || bind(p->listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(p->listen_fd_, 64) != 0 ||
      getsockname(p->listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 || pipe(p->wake_) != 0) {
    return absl::InternalError(absl::StrCat("tcp proxy: ", strerror(errno)));
  }
  p->port_ = ntohs(addr.sin_port);
  p->thread_ = std::thread([raw = p.get()] { raw->Loop(); });
  return p;
}

void TcpProxy::Heal() {
  {
    absl::MutexLock lock(&mu_);
    hold_marker_.clear();
  }
  holding_ = false;
  partitioned_ = false;
}

void TcpProxy::HoldAnswersAfterCommit(const std::string& marker) {
  absl::MutexLock lock(&mu_);
  hold_marker_ = marker;
}

TcpProxy::~TcpProxy() {
  stopping_ = true;
  if (wake_[1] >= 0) (void)!write(wake_[1], "x", 1);
  if (thread_.joinable()) thread_.join();
  for (int fd : {listen_fd_, wake_[0], wake_[1]}) {
    if (fd >= 0) close(fd);
  }
}

void TcpProxy::Loop() {
  std::vector<std::unique_ptr<Pair>> pairs;
  char buffer[65536];
  while (!stopping_) {
    // While partitioned nothing is accepted, read or written (the kernel
    // still completes handshakes into the backlog); look again soon for Heal().
    const bool forwarding = !partitioned_;
    std::vector<pollfd> fds = {{wake_[0], POLLIN, 0}, {listen_fd_, static_cast<short>(forwarding ? POLLIN : 0), 0}};
    std::vector<Side*> sides;
    for (auto& pair : pairs) {
      for (Side* s : {&pair->client, &pair->server}) {
        if (!forwarding || s->fd < 0 || (s->shut && s->read_done)) continue;
        short events = 0;
        if (!s->read_done) events |= POLLIN;
        const bool held = pair->hold_answers && holding_ && s == &pair->client;
        if (!s->pending.empty() && !held) events |= POLLOUT;
        if (events == 0) continue;  // (a hung-up socket would wake poll for nothing)
        fds.push_back({s->fd, events, 0});
        sides.push_back(s);
      }
    }
    if (!forwarding) fds.resize(1);
    if (poll(fds.data(), fds.size(), 50) < 0 && errno != EINTR) return;
    if (!forwarding) continue;
    if (fds[1].revents & POLLIN) {
      const int client = accept(listen_fd_, nullptr, nullptr);
      if (client >= 0) {
        ++accepted_;
        auto pair = std::make_unique<Pair>();
        pair->client.fd = client;
        pair->server.fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in target = Loopback(target_port_);
        if (connect(pair->server.fd, reinterpret_cast<sockaddr*>(&target), sizeof(target)) != 0) {
          close(pair->server.fd);
          close(client);
        } else {
          pairs.push_back(std::move(pair));
        }
      }
    }
    for (size_t i = 0; i < sides.size(); ++i) {
      Side* s = sides[i];
      const short revents = fds[i + 2].revents;
      if ((revents & POLLERR) && !(revents & POLLIN)) {  // reset: nothing more either way
        Pair* broken = nullptr;
        for (auto& p : pairs) {
          if (&p->client == s || &p->server == s) broken = p.get();
        }
        for (Side* b : {&broken->client, &broken->server}) {
          b->read_done = b->peer_closed = b->shut = true;
          b->pending.clear();
        }
        continue;
      }
      if (revents == 0) continue;
      Pair* pair = nullptr;
      for (auto& p : pairs) {
        if (&p->client == s || &p->server == s) pair = p.get();
      }
      Side* other = s == &pair->client ? &pair->server : &pair->client;
      if (!s->read_done && (revents & (POLLIN | POLLHUP | POLLERR))) {
        const ssize_t n = read(s->fd, buffer, sizeof(buffer));
        if (n > 0) {
          other->pending.append(buffer, static_cast<size_t>(n));
          if (s == &pair->client && !holding_) {
            absl::MutexLock lock(&mu_);
            const std::string chunk(buffer, static_cast<size_t>(n));
            if (!hold_marker_.empty() && chunk.find(hold_marker_) != std::string::npos) pair->marked = true;
            if (pair->marked && chunk.find("COMMIT") != std::string::npos) {
              pair->hold_answers = true;
              holding_ = true;
              hold_marker_.clear();
            }
          }
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
          s->read_done = true;
          other->peer_closed = true;  // forwarded once what was read is written
        }
      }
      if ((revents & POLLOUT) && !s->pending.empty()) {
        const ssize_t n = send(s->fd, s->pending.data(), s->pending.size(), MSG_NOSIGNAL);
        if (n > 0) s->pending.erase(0, static_cast<size_t>(n));
      }
    }
    // Closes forwarded; pairs closed on both sides go.
    for (auto& pair : pairs) {
      for (Side* s : {&pair->client, &pair->server}) {
        if (s->fd >= 0 && s->peer_closed && s->pending.empty() && !s->shut &&
            !(pair->hold_answers && holding_ && s == &pair->client)) {
          shutdown(s->fd, SHUT_WR);
          s->shut = true;
        }
      }
      if (pair->client.shut && pair->server.shut && pair->client.read_done && pair->server.read_done &&
          !(pair->hold_answers && holding_)) {
        close(pair->client.fd);
        close(pair->server.fd);
        pair->client.fd = pair->server.fd = -1;
      }
    }
    pairs.erase(std::remove_if(pairs.begin(), pairs.end(),
                               [](const std::unique_ptr<Pair>& p) { return p->client.fd < 0; }),
                pairs.end());
  }
  for (auto& pair : pairs) {
    for (Side* s : {&pair->client, &pair->server}) {
      if (s->fd >= 0) close(s->fd);
    }
  }
}

}  // namespace ent::testing
