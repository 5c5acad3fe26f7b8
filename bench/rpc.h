// Asynchronous unary calls for the load generators: a call's context (with
// its bearer token), request and response live until its completion, which
// reports to the generator's Done.
#ifndef ENT_BENCH_RPC_H_
#define ENT_BENCH_RPC_H_

#include <memory>
#include <string>
#include <utility>

#include <grpcpp/grpcpp.h>

#include "bench/load.h"

namespace ent::bench {

template <typename Request, typename Response>
struct AsyncCall {
  grpc::ClientContext ctx;
  Request req;
  Response resp;
};

// `start(ctx, req, resp, callback)` starts the call, e.g.
//   [&](auto* c, auto* q, auto* r, auto cb) { stub.async()->GetConvention(c, q, r, std::move(cb)); }
template <typename Response, typename Request, typename Start>
void CallAsync(const std::string& authorization, Request req, Start start, Done done) {
  auto call = std::make_shared<AsyncCall<Request, Response>>();
  call->req = std::move(req);
  if (!authorization.empty()) call->ctx.AddMetadata("authorization", authorization);
  call->ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  start(&call->ctx, &call->req, &call->resp, [call, done](grpc::Status st) {
    done(st.ok(), st.ok() ? std::string() : st.error_message());
  });
}

}  // namespace ent::bench

#endif  // ENT_BENCH_RPC_H_
