#include "common/log_sink.h"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
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

// The line is written as it is built (no intermediate JSON object: a line
// per call is on every request's path). Keys are the callers' literals;
// values are escaped as JSON strings, invalid UTF-8 replaced by U+FFFD.
struct LogLine::Fields {
  std::string json;
};

namespace {

// The length of the valid UTF-8 sequence at the start of `s`, or 0.
size_t Utf8Length(absl::string_view s) {
  const auto b = [&s](size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto cont = [&](size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;  // overlong
    if (c == 0xED && b(1) >= 0xA0) return 0;  // surrogates
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;  // overlong
    if (c == 0xF4 && b(1) >= 0x90) return 0;  // beyond U+10FFFF
    return 4;
  }
  return 0;
}

void AppendJsonString(std::string& out, absl::string_view s) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; ++i; continue;
      case '\\': out += "\\\\"; ++i; continue;
      case '\n': out += "\\n"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      case '\b': out += "\\b"; ++i; continue;
      case '\f': out += "\\f"; ++i; continue;
      default: break;
    }
    if (c < 0x20) {
      absl::StrAppend(&out, absl::StrFormat("\\u%04x", c));
      ++i;
      continue;
    }
    const size_t n = Utf8Length(s.substr(i));
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    } else {
      out.append(s.data() + i, n);
      i += n;
    }
  }
  out += '"';
}

void AppendKey(std::string& out, absl::string_view key) {
  out += ',';
  AppendJsonString(out, key);
  out += ':';
}

}  // namespace

LogLine::LogLine(absl::string_view level, absl::string_view event) : fields_(new Fields) {
  std::string& j = fields_->json;
  j.reserve(256);
  j += "{\"time\":";
  AppendJsonString(j, FormatLogTime(absl::Now()));
  AppendKey(j, "level");
  AppendJsonString(j, level);
  AppendKey(j, "event");
  AppendJsonString(j, event);
}

LogLine::~LogLine() { delete fields_; }

LogLine& LogLine::Add(absl::string_view key, absl::string_view value) {
  AppendKey(fields_->json, key);
  AppendJsonString(fields_->json, value);
  return *this;
}

LogLine& LogLine::Add(absl::string_view key, int64_t value) {
  AppendKey(fields_->json, key);
  absl::StrAppend(&fields_->json, value);
  return *this;
}

LogLine& LogLine::Add(absl::string_view key, double value) {
  AppendKey(fields_->json, key);
  fields_->json += nlohmann::json(value).dump();  // shortest round-trip form; null if not finite
  return *this;
}

std::string LogLine::Json() const { return fields_->json + "}\n"; }

void LogLine::Write() const { LogSink::Instance().Append(Json()); }

}  // namespace ent
