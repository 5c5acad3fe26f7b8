// ent-demo-seed: loads the Saint-Ambroix 2021-2022 convention of the seed into
// a running convention-service. Safe to run again: the requests carry fixed
// request ids, so a second run returns the first answers and changes nothing.
#include <cstdio>
#include <string>

#include <grpcpp/grpcpp.h>

#include "demo/saint_ambroix.h"
#include "ent/convention/v1/convention_service.grpc.pb.h"

namespace v1 = ::ent::convention::v1;

namespace {

bool Check(const char* step, const grpc::Status& status) {
  if (status.ok()) return true;
  std::fprintf(stderr, "ent-demo-seed: %s failed: %s (code %d)\n", step,
               status.error_message().c_str(), static_cast<int>(status.error_code()));
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: ent-demo-seed HOST:PORT\n");
    return 2;
  }
  auto stub = v1::ConventionService::NewStub(
      grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials()));
  v1::Convention convention;
  {
    grpc::ClientContext ctx;
    if (!Check("CreateConvention", stub->CreateConvention(&ctx, ent::demo::SaintAmbroixCreate(), &convention))) return 1;
  }
  {
    grpc::ClientContext ctx;
    if (!Check("RecordDeliberation", stub->RecordDeliberation(&ctx, ent::demo::SaintAmbroixDeliberation(), &convention))) return 1;
  }
  {
    grpc::ClientContext ctx;
    if (!Check("SignConvention (académie)", stub->SignConvention(&ctx, ent::demo::SaintAmbroixAcademieSignature(), &convention))) return 1;
  }
  {
    grpc::ClientContext ctx;
    if (!Check("SignConvention (commune)", stub->SignConvention(&ctx, ent::demo::SaintAmbroixCommuneSignature(), &convention))) return 1;
  }
  std::printf("loaded %s: %s, state %s, in force from %04d-%02d-%02d, %d schools\n",
              convention.name().c_str(), convention.commune().party().name().c_str(),
              v1::Convention::State_Name(convention.state()).c_str(),
              convention.effective_date().year(), convention.effective_date().month(),
              convention.effective_date().day(), convention.schools_size());
  for (const auto& w : convention.warnings()) std::printf("  warning: %s\n", w.c_str());

  v1::ListConventionEventsRequest history;
  history.set_parent(convention.name());
  history.set_page_size(100);
  v1::ListConventionEventsResponse events;
  grpc::ClientContext ctx;
  if (!Check("ListConventionEvents", stub->ListConventionEvents(&ctx, history, &events))) return 1;
  std::printf("history:\n");
  for (const auto& e : events.events()) {
    std::printf("  #%-4lld %-26s %s\n", static_cast<long long>(e.sequence()),
                v1::ConventionEvent::Type_Name(e.type()).c_str(), e.description().c_str());
  }
  return 0;
}
