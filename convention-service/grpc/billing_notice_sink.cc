#include "convention-service/grpc/billing_notice_sink.h"

#include <chrono>

#include <google/protobuf/util/json_util.h>

#include "common/grpc/status_conversion.h"

namespace ent::convention {

absl::Status BillingNoticeSink::Deliver(const workflow::OutboxMessage& message) {
  ent::billing::v1::NotifyConventionChangeRequest req;
  req.set_idempotency_key(message.idempotency_key);
  // This release writes typed notices (protobuf JSON); rows queued by an
  // earlier release hold its own JSON and go as they are, with their topic.
  google::protobuf::util::JsonParseOptions strict;
  strict.ignore_unknown_fields = false;
  ent::billing::v1::ConventionNotice notice;
  if (google::protobuf::util::JsonStringToMessage(message.payload, &notice, strict).ok() &&
      notice.change_case() != ent::billing::v1::ConventionNotice::CHANGE_NOT_SET) {
    *req.mutable_notice() = std::move(notice);
  } else {
    req.set_topic(message.topic);
    req.set_payload(message.payload);
  }
  ent::billing::v1::NotifyConventionChangeResponse resp;
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + token_);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return FromGrpcStatus(stub_->NotifyConventionChange(&ctx, req, &resp));
}

}  // namespace ent::convention
