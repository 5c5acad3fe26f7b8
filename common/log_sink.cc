#include "common/log_sink.h"

#include <nlohmann/json.hpp>

#include "absl/time/clock.h"

#include <cstdio>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace ent {
namespace {
constexpr size_t kFlushBytes = 64 * 1024;
}  // namespace

LogSink& LogSink::Instance() {
  static LogSink* const sink = new LogSink();
  return *sink;
}

LogSink::LogSink() {
  thread_ = std::thread([this] { Loop(); });
  thread_.detach();
}

void LogSink::Append(absl::string_view line) {
  absl::MutexLock lock(&mu_);
  buffer_.append(line.data(), line.size());
}

void LogSink::WriteOut(std::string& pending) {
  if (pending.empty()) return;
  absl::MutexLock lock(&write_mu_);
  std::fwrite(pending.data(), 1, pending.size(), stderr);
  std::fflush(stderr);
  pending.clear();
}

void LogSink::Flush() {
  std::string pending;
  {
    absl::MutexLock lock(&mu_);
    pending.swap(buffer_);
  }
  WriteOut(pending);
}

void LogSink::Loop() {
  std::string pending;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(
                               +[](std::string* b) { return b->size() >= kFlushBytes; }, &buffer_),
                           absl::Milliseconds(100));
      pending.swap(buffer_);
    }
    WriteOut(pending);
  }
}

std::string FormatLogTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

bool LogRateLimiter::Allow(int64_t* suppressed) {
  // Log lines are about the real passing of time, not a simulated clock.
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  if (now - window_start_ >= window_) {
    window_start_ = now;
    used_ = 0;
  }
  if (used_ >= burst_) {
    ++suppressed_;
    return false;
  }
  ++used_;
  *suppressed = suppressed_;
  suppressed_ = 0;
  return true;
}

struct LogLine::Fields {
  nlohmann::ordered_json object;
};

LogLine::LogLine(absl::string_view level, absl::string_view event) : fields_(new Fields) {
  fields_->object["time"] = FormatLogTime(absl::Now());
  fields_->object["level"] = std::string(level);
  fields_->object["event"] = std::string(event);
}

LogLine::~LogLine() { delete fields_; }

LogLine& LogLine::Add(absl::string_view key, absl::string_view value) {
  fields_->object[std::string(key)] = std::string(value);
  return *this;
}

LogLine& LogLine::Add(absl::string_view key, int64_t value) {
  fields_->object[std::string(key)] = value;
  return *this;
}

LogLine& LogLine::Add(absl::string_view key, double value) {
  fields_->object[std::string(key)] = value;
  return *this;
}

std::string LogLine::Json() const {
  return fields_->object.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

void LogLine::Write() const { LogSink::Instance().Append(Json()); }

}  // namespace ent
