// ent-echo-server: the ceiling of convention_bench's reads. A bare gRPC
// server answering GetConvention with a fixed message (the size of a stored
// convention), nothing else: no authentication, no storage, no call log.
// Built and linked exactly like the services (same flags, same allocator:
// ent_use_fast_allocator, same server builder options) so that the ratio
// measures the service's work, not a difference of toolchain.
// Usage: ent-echo-server --listen=HOST:PORT --port-file=PATH   (until SIGTERM)
#include <signal.h>

#include <cstdio>
#include <fstream>

#include <grpcpp/grpcpp.h>

#include "absl/strings/strip.h"
#include "bench/echo_reply.h"
#include "ent/convention/v1/convention_service.grpc.pb.h"

namespace v1 = ::ent::convention::v1;

namespace {

class EchoService final : public v1::ConventionService::CallbackService {
 public:
  explicit EchoService(v1::Convention reply) : reply_(std::move(reply)) {}
  grpc::ServerUnaryReactor* GetConvention(grpc::CallbackServerContext* ctx,
                                          const v1::GetConventionRequest*,
                                          v1::Convention* resp) override {
    *resp = reply_;
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  const v1::Convention reply_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:0", port_file;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, "--listen=")) listen = std::string(arg);
    if (absl::ConsumePrefix(&arg, "--port-file=")) port_file = std::string(arg);
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  EchoService echo(ent::bench::EchoReply());
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  // The services' options (common/grpc/server_runner.cc).
  builder.SetMaxReceiveMessageSize(1 << 20);
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.RegisterService(&echo);
  auto server = builder.BuildAndStart();
  if (server == nullptr || port == 0) return 1;
  if (!port_file.empty()) {
    {
      std::ofstream out(port_file + ".tmp");
      out << port << "\n";
    }
    std::rename((port_file + ".tmp").c_str(), port_file.c_str());
  }
  int sig = 0;
  sigwait(&set, &sig);
  server->Shutdown();
  return 0;
}
