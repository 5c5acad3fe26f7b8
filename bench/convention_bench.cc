// convention_bench: throughput and latency of convention-service, as ratios
// against baselines measured in the same run on the same machine:
//  - reads: authenticated-path GetConvention on the real service vs a bare
//    gRPC echo server returning the same message (DESIGN §7: ≥ 75 %, p99 < 5 ms
//    at 32 concurrent calls);
//  - writes: durable CreateConvention vs raw one-row SQLite transactions with
//    the same durability (WAL, synchronous=FULL) (DESIGN §7: ratio ≥ 1).
// Usage: convention_bench [--seconds=N] [--concurrency=N]
#include <cstdio>
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

LoadResult LoadGets(v1::ConventionService::Stub& stub, int concurrency, absl::Duration d) {
  return RunClosedLoop(concurrency, d, [&stub](int64_t, std::function<void(bool)> done) {
    struct Call {
      grpc::ClientContext ctx;
      v1::GetConventionRequest req;
      v1::Convention resp;
    };
    auto call = std::make_shared<Call>();
    call->req.set_name(std::string("conventions/") + ent::demo::kSaintAmbroixId);
    stub.async()->GetConvention(&call->ctx, &call->req, &call->resp,
                                [call, done](grpc::Status st) { done(st.ok()); });
  });
}

LoadResult LoadCreates(v1::ConventionService::Stub& stub, int concurrency, absl::Duration d,
                       const std::string& prefix) {
  return RunClosedLoop(concurrency, d, [&stub, prefix](int64_t i, std::function<void(bool)> done) {
    struct Call {
      grpc::ClientContext ctx;
      v1::CreateConventionRequest req;
      v1::Convention resp;
    };
    auto call = std::make_shared<Call>();
    call->req = ent::demo::SaintAmbroixCreate();
    call->req.set_convention_id(absl::StrCat(prefix, i));
    call->req.set_request_id(absl::StrCat(prefix, "req-", i));
    stub.async()->CreateConvention(&call->ctx, &call->req, &call->resp,
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

  ent::testing::ServiceProcess service(
      ent::testing::BinaryPath("convention-service/ent-convention-service"), dir.path());
  if (auto st = service.Start(); !st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    return 1;
  }
  auto stub = v1::ConventionService::NewStub(service.Channel());
  v1::Convention reply;
  {
    grpc::ClientContext ctx;
    if (!stub->CreateConvention(&ctx, ent::demo::SaintAmbroixCreate(), &reply).ok()) return 1;
  }

  EchoService echo(reply);
  grpc::ServerBuilder builder;
  int echo_port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &echo_port);
  builder.RegisterService(&echo);
  auto echo_server = builder.BuildAndStart();
  auto echo_stub = v1::ConventionService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", echo_port), grpc::InsecureChannelCredentials()));

  std::printf("convention_bench: %d s per phase, %d concurrent calls, %u hardware threads\n\n",
              seconds, concurrency, std::thread::hardware_concurrency());

  // Reads: warm up both, then alternate twice and compare the sums.
  LoadGets(*echo_stub, concurrency, absl::Milliseconds(500));
  LoadGets(*stub, concurrency, absl::Milliseconds(500));
  LoadResult echo_total, get_total;
  double worst_get_p99 = 0;
  for (int round = 0; round < 2; ++round) {
    LoadResult e = LoadGets(*echo_stub, concurrency, d);
    LoadResult g = LoadGets(*stub, concurrency, d);
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
  LoadResult w = LoadCreates(*stub, concurrency, d, "bench-");
  std::printf("writes raw SQLite one-row transactions (WAL, synchronous=FULL)  %9.0f tx/s\n", raw);
  std::printf("writes CreateConvention                                           %s\n",
              Describe(w).c_str());
  std::printf("writes: CreateConvention / raw SQLite transactions = %.2f (bar: >= 1.0)\n",
              w.rate() / raw);

  echo_server->Shutdown();
  service.Stop();
  return 0;
}
