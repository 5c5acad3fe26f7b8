#include "common/postgres/listener.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/log_sink.h"

namespace ent::postgres {
namespace {

// How long one wait for notifications lasts: the longest Stop() waits.
constexpr absl::Duration kSlice = absl::Milliseconds(200);

}  // namespace

Listener::Listener(const Database& db, std::string channel, std::function<void()> heard)
    : db_(db), channel_(std::move(channel)), on_heard_(std::move(heard)) {}

Listener::~Listener() { Stop(); }

void Listener::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Listener::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void Listener::Loop() {
  absl::Duration backoff = absl::Milliseconds(100);
  std::unique_ptr<Connection> conn;
  auto stopping_within = [this](absl::Duration d) {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&stopping_), d);
  };
  while (!stopping_within(absl::ZeroDuration())) {
    if (conn == nullptr) {
      auto opened = db_.Connect();
      absl::Status st = opened.status();
      if (opened.ok()) st = (*opened)->Exec(absl::StrCat("LISTEN ", QuoteIdentifier(channel_)));
      if (!st.ok()) {
        LogLine("warn", "postgres_listen_failed").Add("channel", channel_)
            .Add("error", st.ToString()).Add("retry_in_ms", absl::ToInt64Milliseconds(backoff)).Write();
        if (stopping_within(backoff)) break;
        backoff = std::min(backoff * 2, absl::Seconds(5));
        continue;
      }
      conn = std::move(*opened);
      listening_ = true;
      backoff = absl::Milliseconds(100);
      on_heard_();  // what was sent before this LISTEN is not heard: look now
    }
    absl::StatusOr<int> n = conn->AwaitNotifications(kSlice);
    if (!n.ok()) {
      listening_ = false;
      conn.reset();
      LogLine("warn", "postgres_listen_lost").Add("channel", channel_).Add("error", n.status().ToString())
          .Write();
      continue;
    }
    if (*n > 0) {
      heard_ += *n;
      on_heard_();
    }
  }
  listening_ = false;
}

}  // namespace ent::postgres
