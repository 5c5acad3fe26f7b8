#include "convention-service/grpc/billing_notice_sink.h"

#include <chrono>

#include "common/grpc/status_conversion.h"

namespace ent::convention {

absl::Status BillingNoticeSink::Deliver(const workflow::OutboxMessage& message) {
  ent::billing::v1::NotifyConventionChangeRequest req;
  req.set_topic(message.topic);
  req.set_idempotency_key(message.idempotency_key);
  req.set_payload(message.payload);
  ent::billing::v1::NotifyConventionChangeResponse resp;
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + token_);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return FromGrpcStatus(stub_->NotifyConventionChange(&ctx, req, &resp));
}

}  // namespace ent::convention
