// Buffered writer of log lines to stderr: callers append under a short lock,
// a background thread writes the buffer every 100 ms (or sooner when it
// grows), so a busy server does not make one write(2) per call.
// Thread-safe. Flush() writes whatever is pending, e.g. before exit.
#ifndef ENT_COMMON_LOG_SINK_H_
#define ENT_COMMON_LOG_SINK_H_

#include <cstdint>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace ent {

class LogSink {
 public:
  // The process-wide sink.
  static LogSink& Instance();

  void Append(absl::string_view line);
  void Flush();

 private:
  LogSink();
  ~LogSink() = delete;  // lives until exit
  void Loop();
  void WriteOut(std::string& pending);

  absl::Mutex mu_;
  std::string buffer_ ABSL_GUARDED_BY(mu_);
  absl::Mutex write_mu_;  // orders writes; never held with mu_
  std::thread thread_;
};

// The timestamp of every log line: UTC, milliseconds, RFC 3339.
std::string FormatLogTime(absl::Time t);

// One structured log line: a JSON object on one line (journald, log shippers
// and `jq` read it), {"time": ..., "level": ..., "event": ..., fields...}.
// Strings are escaped as JSON strings as they are added (control characters
// escaped, invalid UTF-8 replaced by U+FFFD; keys are the callers' literals); callers
// bound what they echo (QuoteInput). Write() hands it to the LogSink.
class LogLine {
 public:
  // `level`: "debug", "info", "warn", "error".
  LogLine(absl::string_view level, absl::string_view event);
  ~LogLine();
  LogLine& Add(absl::string_view key, absl::string_view value);
  LogLine& Add(absl::string_view key, const char* value) { return Add(key, absl::string_view(value)); }
  LogLine& Add(absl::string_view key, const std::string& value) { return Add(key, absl::string_view(value)); }
  LogLine& Add(absl::string_view key, int64_t value);
  LogLine& Add(absl::string_view key, int value) { return Add(key, static_cast<int64_t>(value)); }
  LogLine& Add(absl::string_view key, double value);
  // The line, newline included.
  std::string Json() const;
  // Appends it to the process's LogSink (written within 100 ms).
  void Write() const;

 private:
  struct Fields;
  Fields* fields_;
};

// Lets at most `burst` lines through per `window`, so that a flood of bad
// requests or a long outage cannot fill the disk; counts what it held back.
// Thread-safe.
class LogRateLimiter {
 public:
  LogRateLimiter(int burst, absl::Duration window) : burst_(burst), window_(window) {}

  // True when a line may be written now; then `*suppressed` is the number of
  // lines refused since the last one allowed.
  bool Allow(int64_t* suppressed);

 private:
  const int burst_;
  const absl::Duration window_;
  absl::Mutex mu_;
  absl::Time window_start_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int used_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t suppressed_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace ent

#endif  // ENT_COMMON_LOG_SINK_H_
