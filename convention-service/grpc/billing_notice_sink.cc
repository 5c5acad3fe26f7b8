#include "convention-service/grpc/billing_notice_sink.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "common/grpc/status_conversion.h"
#include "convention-service/store/convention_records.h"

namespace ent::convention {

absl::StatusOr<ent::billing::v1::NotifyConventionChangeRequest> BillingNoticeSink::RequestOf(
    const workflow::OutboxMessage& message) const {
  ent::billing::v1::NotifyConventionChangeRequest req;
  req.set_idempotency_key(message.idempotency_key);
  if (message.payload_type.empty()) {
    // Queued by release fbf17cd: its JSON goes as it is, with its topic.
    req.set_topic(message.topic);
    req.set_payload(message.payload);
    return req;
  }
  if (message.payload_type != kConventionNoticeType) {
    return absl::InternalError(absl::StrCat("outbox message ", message.id, ": a payload of type ",
                                            message.payload_type, " is not a billing notice"));
  }
  if (!req.mutable_notice()->ParseFromString(message.payload)) {
    return absl::InternalError(
        absl::StrCat("outbox message ", message.id, ": its ", kConventionNoticeType, " does not parse"));
  }
  return req;
}

absl::Status BillingNoticeSink::Deliver(const workflow::OutboxMessage& message) {
  ent::billing::v1::NotifyConventionChangeResponse resp;
  grpc::ClientContext ctx;
  if (!token_.empty()) ctx.AddMetadata("authorization", "Bearer " + token_);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  absl::StatusOr<ent::billing::v1::NotifyConventionChangeRequest> req = RequestOf(message);
  if (!req.ok()) return req.status();
  return FromGrpcStatus(stub_->NotifyConventionChange(&ctx, *req, &resp));
}

std::vector<absl::Status> BillingNoticeSink::DeliverBatch(
    const std::vector<workflow::OutboxMessage>& messages) {
  if (batch_unimplemented_.load() || messages.size() == 1) {
    return workflow::OutboxSink::DeliverBatch(messages);
  }
  // A message that cannot be sent fails alone; the others go in one call.
  std::vector<absl::Status> out(messages.size());
  std::vector<size_t> sent;  // index in `messages` of each request
  ent::billing::v1::NotifyConventionChangesRequest req;
  for (size_t i = 0; i < messages.size(); ++i) {
    absl::StatusOr<ent::billing::v1::NotifyConventionChangeRequest> one = RequestOf(messages[i]);
    if (!one.ok()) {
      out[i] = one.status();
      continue;
    }
    *req.add_notices() = std::move(*one);
    sent.push_back(i);
  }
  if (sent.empty()) return out;
  ent::billing::v1::NotifyConventionChangesResponse resp;
  grpc::ClientContext ctx;
  if (!token_.empty()) ctx.AddMetadata("authorization", "Bearer " + token_);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  const grpc::Status st = stub_->NotifyConventionChanges(&ctx, req, &resp);
  if (st.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
    batch_unimplemented_ = true;  // an earlier billing-service: one at a time from now on
    return workflow::OutboxSink::DeliverBatch(messages);
  }
  for (size_t k = 0; k < sent.size(); ++k) {
    const size_t i = sent[k];
    if (!st.ok()) {
      out[i] = FromGrpcStatus(st);
    } else if (static_cast<int>(k) >= resp.results_size()) {
      out[i] = absl::InternalError("billing-service gave no result for this notice");
    } else {
      const auto& r = resp.results(static_cast<int>(k));
      out[i] = FromGrpcStatus(grpc::Status(static_cast<grpc::StatusCode>(r.status().code()),
                                           r.status().message()));
    }
  }
  return out;
}

}  // namespace ent::convention
