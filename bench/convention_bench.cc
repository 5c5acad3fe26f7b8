// convention_bench: throughput and latency of convention-service, as ratios
// against baselines measured in the same run on the same machine:
//  - reads: authenticated GetConvention on the real service vs a bare gRPC echo server
//    (this binary re-run with --serve-echo, a separate process like the
//    service) returning a message of the same size (DESIGN §7: ≥ 75 %, p99 < 5 ms
//    at 32 concurrent calls);
//  - writes: durable CreateConvention vs raw one-row SQLite transactions with
//    the same durability (WAL, synchronous=FULL) (DESIGN §7: ratio ≥ 1).
// Usage: convention_bench [--seconds=N] [--concurrency=N]
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <filesystem>
#include <memory>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/load.h"
#include "common/sqlite/connection.h"
#include "demo/saint_ambroix.h"
#include "ent/convention/v1/convention_service.grpc.pb.h"
#include "tests/support/service_process.h"
#include "tests/support/test_principals.h"

namespace v1 = ::ent::convention::v1;
using ent::bench::Describe;
using ent::bench::LoadResult;
using ent::bench::RunClosedLoop;

namespace {

// The baseline: answers GetConvention with a fixed message, nothing else.
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

// The message the echo server returns: the Saint-Ambroix convention as the
// service returns it after creation.
v1::Convention EchoReply() {
  v1::Convention reply = ent::demo::SaintAmbroixCreate().convention();
  reply.set_name(std::string("conventions/") + ent::demo::kSaintAmbroixId);
  reply.set_state(v1::Convention::STATE_DRAFT);
  reply.set_etag("1");
  reply.add_warnings("end date 2022-09-01 is outside the school year 2021-2022 (2021-09-01 to 2022-08-31)");
  reply.mutable_create_time()->set_seconds(1764000000);
  reply.mutable_update_time()->set_seconds(1764000000);
  return reply;
}

// --serve-echo mode: serve the echo baseline until SIGTERM, with the same
// --listen/--port-file flags as the services.
int ServeEcho(int argc, char** argv) {
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
  EchoService echo(EchoReply());
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&echo);
  auto server = builder.BuildAndStart();
  if (server == nullptr) return 1;
  {
    std::ofstream out(port_file + ".tmp");
    out << port << "\n";
  }
  std::rename((port_file + ".tmp").c_str(), port_file.c_str());
  int sig = 0;
  sigwait(&set, &sig);
  server->Shutdown();
  return 0;
}

LoadResult LoadGets(v1::ConventionService::Stub& api, const std::string& token, int concurrency,
                    absl::Duration d) {
  return RunClosedLoop(concurrency, d, [&api, &token](int64_t, std::function<void(bool)> done) {
    struct Call {
      grpc::ClientContext ctx;
      v1::GetConventionRequest req;
      v1::Convention resp;
    };
    auto call = std::make_shared<Call>();
    call->req.set_name(std::string("conventions/") + ent::demo::kSaintAmbroixId);
    call->ctx.AddMetadata("authorization", token);
    api.async()->GetConvention(&call->ctx, &call->req, &call->resp,
                                [call, done](grpc::Status st) { done(st.ok()); });
  });
}

LoadResult LoadCreates(v1::ConventionService::Stub& api, const std::string& token,
                       int concurrency, absl::Duration d, const std::string& prefix) {
  return RunClosedLoop(concurrency, d, [&api, &token, prefix](int64_t i,
                                                               std::function<void(bool)> done) {
    struct Call {
      grpc::ClientContext ctx;
      v1::CreateConventionRequest req;
      v1::Convention resp;
    };
    auto call = std::make_shared<Call>();
    call->req = ent::demo::SaintAmbroixCreate();
    call->req.set_convention_id(absl::StrCat(prefix, i));
    call->req.set_request_id(absl::StrCat(prefix, "req-", i));
    call->ctx.AddMetadata("authorization", token);
    api.async()->CreateConvention(&call->ctx, &call->req, &call->resp,
                                   [call, done](grpc::Status st) { done(st.ok()); });
  });
}

// Raw SQLite: one-row autocommit INSERTs, WAL + synchronous=FULL, one thread.
double RawSqliteTransactionsPerSecond(const std::string& path, absl::Duration d) {
  auto conn = ent::sqlite::Connection::Open(path, ent::sqlite::Connection::Mode::kReadWrite);
  if (!conn.ok()) return 0;
  (*conn)->Exec("CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)").IgnoreError();
  const std::string payload(600, 'x');  // about the size of a convention body
  int64_t n = 0;
  const absl::Time begin = absl::Now();
  const absl::Time end = begin + d;
  while (absl::Now() < end) {
    auto stmt = (*conn)->Prepare("INSERT INTO t (v) VALUES (?1)");
    if (!stmt.ok()) return 0;
    stmt->Bind(1, payload);
    if (!stmt->Run().ok()) return 0;
    ++n;
  }
  return n / absl::ToDoubleSeconds(absl::Now() - begin);
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (absl::string_view(argv[i]) == "--serve-echo") return ServeEcho(argc, argv);
  }
  int seconds = 3;
  int concurrency = 32;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, "--seconds=") && absl::SimpleAtoi(arg, &seconds)) continue;
    if (absl::ConsumePrefix(&arg, "--concurrency=") && absl::SimpleAtoi(arg, &concurrency)) continue;
    std::fprintf(stderr, "usage: convention_bench [--seconds=N] [--concurrency=N]\n");
    return 2;
  }
  const absl::Duration d = absl::Seconds(seconds);
  ent::testing::TempDir dir;

  ent::testing::TestPrincipals principals(dir.path());
  const std::string token =
      "Bearer " + principals.Token(ent::testing::TestPrincipals::kRectorat);
  ent::testing::ServiceProcess service(
      ent::testing::BinaryPath("convention-service/ent-convention-service"), dir.path(),
      {"--principals=" + principals.path()});
  if (auto st = service.Start(); !st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    return 1;
  }
  auto api = v1::ConventionService::NewStub(service.Channel());
  v1::Convention reply;
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", token);
    if (!api->CreateConvention(&ctx, ent::demo::SaintAmbroixCreate(), &reply).ok()) return 1;
  }

  ent::testing::TempDir echo_dir;
  ent::testing::ServiceProcess echo_server("/proc/self/exe", echo_dir.path(), {"--serve-echo"});
  if (auto st = echo_server.Start(); !st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    return 1;
  }
  auto echo_stub = v1::ConventionService::NewStub(echo_server.Channel());
  std::printf("response sizes: GetConvention %zu bytes, echo %zu bytes\n", reply.ByteSizeLong(),
              EchoReply().ByteSizeLong());

  std::printf("convention_bench: %d s per phase, %d concurrent calls, %u hardware threads\n\n",
              seconds, concurrency, std::thread::hardware_concurrency());

  // Reads: warm up both, then alternate twice and compare the sums.
  LoadGets(*echo_stub, token, concurrency, absl::Milliseconds(500));
  LoadGets(*api, token, concurrency, absl::Milliseconds(500));
  LoadResult echo_total, get_total;
  double worst_get_p99 = 0;
  for (int round = 0; round < 2; ++round) {
    LoadResult e = LoadGets(*echo_stub, token, concurrency, d);
    LoadResult g = LoadGets(*api, token, concurrency, d);
    std::printf("reads  round %d  echo baseline  %s\n", round + 1, Describe(e).c_str());
    std::printf("reads  round %d  GetConvention  %s\n", round + 1, Describe(g).c_str());
    echo_total.calls += e.calls;
    echo_total.seconds += e.seconds;
    get_total.calls += g.calls;
    get_total.seconds += g.seconds;
    worst_get_p99 = std::max(worst_get_p99, g.p99_ms);
  }
  const double read_ratio = get_total.rate() / echo_total.rate();
  std::printf("reads: GetConvention / echo = %.2f (bar: >= 0.75); worst p99 %.3f ms (bar: < 5 ms)\n\n",
              read_ratio, worst_get_p99);

  // Writes.
  const double raw = RawSqliteTransactionsPerSecond(dir.path() + "/raw.db", d);
  LoadResult w = LoadCreates(*api, token, concurrency, d, "bench-");
  std::printf("writes raw SQLite one-row transactions (WAL, synchronous=FULL)  %9.0f tx/s\n", raw);
  std::printf("writes CreateConvention                                           %s\n",
              Describe(w).c_str());
  std::printf("writes: CreateConvention / raw SQLite transactions = %.2f (bar: >= 1.0)\n",
              w.rate() / raw);

  echo_server.Stop();
  service.Stop();
  return 0;
}
