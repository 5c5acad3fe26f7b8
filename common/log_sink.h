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

// The timestamp that starts every log line: UTC, milliseconds, RFC 3339.
std::string FormatLogTime(absl::Time t);

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
