// Delivers outbox notices to billing-service (NotifyConventionChange) as the
// internal-service principal: by the channel's client certificate (mutual
// TLS), by the bearer token given, or both; an empty token sends none.
// Thread-safe.
#ifndef ENT_CONVENTION_GRPC_BILLING_NOTICE_SINK_H_
#define ENT_CONVENTION_GRPC_BILLING_NOTICE_SINK_H_

#include <atomic>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "ent/billing/v1/billing_service.grpc.pb.h"
#include "workflow/outbox/outbox.h"

namespace ent::convention {

class BillingNoticeSink final : public workflow::OutboxSink {
 public:
  BillingNoticeSink(std::shared_ptr<grpc::Channel> channel, std::string token)
      : stub_(ent::billing::v1::BillingService::NewStub(std::move(channel))),
        token_(std::move(token)) {}

  absl::Status Deliver(const workflow::OutboxMessage& message) override;
  // One NotifyConventionChanges call; against a billing-service that does
  // not have it yet (UNIMPLEMENTED), one NotifyConventionChange per message.
  std::vector<absl::Status> DeliverBatch(const std::vector<workflow::OutboxMessage>& messages) override;

 private:
  // The request carrying `message`: its typed notice, or a row of release
  // fbf17cd as its topic and JSON; INTERNAL for a payload that is not a
  // notice or does not parse (that message fails alone, and is retried,
  // then parked).
  absl::StatusOr<ent::billing::v1::NotifyConventionChangeRequest> RequestOf(
      const workflow::OutboxMessage& message) const;
  std::atomic<bool> batch_unimplemented_{false};
  std::unique_ptr<ent::billing::v1::BillingService::Stub> stub_;
  const std::string token_;
};

}  // namespace ent::convention

#endif  // ENT_CONVENTION_GRPC_BILLING_NOTICE_SINK_H_
