#include "convention-service/grpc/billing_notice_sink.h"

#include <chrono>

#include <google/protobuf/util/json_util.h>

#include "common/grpc/status_conversion.h"

namespace ent::convention {

ent::billing::v1::NotifyConventionChangeRequest BillingNoticeSink::RequestOf(
    const workflow::OutboxMessage& message) const {
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
  return req;
}

absl::Status BillingNoticeSink::Deliver(const workflow::OutboxMessage& message) {
  ent::billing::v1::NotifyConventionChangeResponse resp;
  grpc::ClientContext ctx;
  if (!token_.empty()) ctx.AddMetadata("authorization", "Bearer " + token_);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return FromGrpcStatus(stub_->NotifyConventionChange(&ctx, RequestOf(message), &resp));
}

std::vector<absl::Status> BillingNoticeSink::DeliverBatch(
    const std::vector<workflow::OutboxMessage>& messages) {
  if (batch_unimplemented_.load() || messages.size() == 1) {
    return workflow::OutboxSink::DeliverBatch(messages);
  }
  ent::billing::v1::NotifyConventionChangesRequest req;
  for (const workflow::OutboxMessage& m : messages) *req.add_notices() = RequestOf(m);
  ent::billing::v1::NotifyConventionChangesResponse resp;
  grpc::ClientContext ctx;
  if (!token_.empty()) ctx.AddMetadata("authorization", "Bearer " + token_);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  const grpc::Status st = stub_->NotifyConventionChanges(&ctx, req, &resp);
  if (st.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
    batch_unimplemented_ = true;  // an earlier billing-service: one at a time from now on
    return workflow::OutboxSink::DeliverBatch(messages);
  }
  std::vector<absl::Status> out(messages.size(), FromGrpcStatus(st));
  if (!st.ok()) return out;
  for (size_t i = 0; i < messages.size(); ++i) {
    if (static_cast<int>(i) >= resp.results_size()) {
      out[i] = absl::InternalError("billing-service gave no result for this notice");
      continue;
    }
    const auto& r = resp.results(static_cast<int>(i));
    out[i] = FromGrpcStatus(grpc::Status(static_cast<grpc::StatusCode>(r.status().code()),
                                         r.status().message()));
  }
  return out;
}

}  // namespace ent::convention
