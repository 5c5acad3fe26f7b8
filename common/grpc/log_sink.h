// Buffered writer of log lines to stderr: callers append under a short lock,
// a background thread writes the buffer every 100 ms (or sooner when it
// grows), so a busy server does not make one write(2) per call.
// Thread-safe. Flush() writes whatever is pending, e.g. before exit.
#ifndef ENT_COMMON_GRPC_LOG_SINK_H_
#define ENT_COMMON_GRPC_LOG_SINK_H_

#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

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

}  // namespace ent

#endif  // ENT_COMMON_GRPC_LOG_SINK_H_
