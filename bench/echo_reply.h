// The message ent-echo-server answers: the Saint-Ambroix convention as
// convention-service returns it after creation (name, state, etag, a warning,
// times), about the size of every convention convention_bench creates.
#ifndef ENT_BENCH_ECHO_REPLY_H_
#define ENT_BENCH_ECHO_REPLY_H_

#include "demo/saint_ambroix.h"
#include "ent/convention/v1/convention.pb.h"

namespace ent::bench {

inline ent::convention::v1::Convention EchoReply() {
  ent::convention::v1::Convention reply = ent::demo::SaintAmbroixCreate().convention();
  reply.set_name(std::string("conventions/") + ent::demo::kSaintAmbroixId);
  reply.set_state(ent::convention::v1::Convention::STATE_DRAFT);
  reply.set_etag("1");
  reply.add_warnings("end date 2022-09-01 is outside the school year 2021-2022 (2021-09-01 to 2022-08-31)");
  reply.mutable_create_time()->set_seconds(1764000000);
  reply.mutable_update_time()->set_seconds(1764000000);
  reply.set_registry_version("communes.csv: @etalab/decoupage-administratif 4.0.0, 2024-01-01, 34969 communes, sha256 0123456789abcdef");
  return reply;
}

}  // namespace ent::bench

#endif  // ENT_BENCH_ECHO_REPLY_H_
