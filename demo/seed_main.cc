// ent-demo-seed: loads the Saint-Ambroix 2021-2022 convention of the seed into
// a running convention-service, as the principal whose bearer token is in
// $ENT_TOKEN (a rectorat service). Safe to run again: the requests carry fixed
// request ids, so a second run returns the first answers and changes nothing.
#include <cstdio>
#include <cstdlib>
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

static std::string g_token;

// A context carrying the bearer token.
static std::unique_ptr<grpc::ClientContext> Context() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("authorization", "Bearer " + g_token);
  return ctx;
}

int main(int argc, char** argv) {
  const char* token = std::getenv("ENT_TOKEN");
  if (argc != 2 || token == nullptr || *token == '\0') {
    std::fprintf(stderr, "usage: ENT_TOKEN=<rectorat service token> ent-demo-seed HOST:PORT\n");
    return 2;
  }
  g_token = token;
  auto stub = v1::ConventionService::NewStub(
      grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials()));
  v1::Convention convention;
  {
    if (!Check("CreateConvention", stub->CreateConvention(Context().get(), ent::demo::SaintAmbroixCreate(), &convention))) return 1;
  }
  {
    if (!Check("RecordDeliberation", stub->RecordDeliberation(Context().get(), ent::demo::SaintAmbroixDeliberation(), &convention))) return 1;
  }
  {
    if (!Check("SignConvention (académie)", stub->SignConvention(Context().get(), ent::demo::SaintAmbroixAcademieSignature(), &convention))) return 1;
  }
  {
    if (!Check("SignConvention (commune)", stub->SignConvention(Context().get(), ent::demo::SaintAmbroixCommuneSignature(), &convention))) return 1;
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
  if (!Check("ListConventionEvents", stub->ListConventionEvents(Context().get(), history, &events))) {
    return 1;
  }
  std::printf("history:\n");
  for (const auto& e : events.events()) {
    std::printf("  #%-4lld %-26s %s\n", static_cast<long long>(e.sequence()),
                v1::ConventionEvent::Type_Name(e.type()).c_str(), e.description().c_str());
  }
  return 0;
}
