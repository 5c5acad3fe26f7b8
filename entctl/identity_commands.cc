// entctl login / logout / whoami: signing in as oneself through the
// académie's identity provider (device authorization grant) instead of a
// shared token, and asking a service who it takes the caller for.
#include <cstdio>

#include "absl/strings/str_join.h"
#include "entctl/commands.h"
#include "entctl/output.h"
#include "entctl/session.h"

namespace ent::entctl {
namespace {

namespace av1 = ::ent::admin::v1;

int Login(Client& client, Args& args) {
  if (auto st = args.CheckAllUsed(); !st.ok()) return internal::UsageError(st);
  const Settings& s = client.settings();
  if (s.issuer.empty()) {
    return internal::UsageError(absl::InvalidArgumentError(
        "login needs the identity provider: --issuer URL (or ENT_ISSUER, or 'issuer = URL' in "
        "the config file)"));
  }
  LoginRequest request;
  request.issuer = s.issuer;
  request.client_id = s.client_id;
  request.scope = s.scope;
  request.audience = s.audience;
  request.ca_file = s.idp_ca_file;
  auto session = DeviceLogin(request, [](const std::string& text) {
    std::fputs(text.c_str(), stderr);
    std::fflush(stderr);
  });
  if (!session.ok()) return PrintError(std::string(session.status().message()));
  const std::string path = SessionPath();
  if (auto st = SaveSession(path, *session); !st.ok()) return PrintError(std::string(st.message()));
  std::printf("Signed in; the session is kept in %s (until %s, renewed as you work).\n",
              path.c_str(), ParisTime(session->expires).c_str());
  return 0;
}

int LogoutCommand(Client&, Args& args) {
  if (auto st = args.CheckAllUsed(); !st.ok()) return internal::UsageError(st);
  const std::string path = SessionPath();
  if (auto st = Logout(path); !st.ok()) return PrintError(std::string(st.message()));
  std::printf("Signed out (%s deleted).\n", path.c_str());
  return 0;
}

int WhoAmI(Client& client, Args& args) {
  const bool billing = args.Has("billing");
  if (auto st = args.CheckAllUsed(); !st.ok()) return internal::UsageError(st);
  av1::Caller caller;
  const grpc::Status status =
      client.admin(billing).GetCaller(client.Context().get(), av1::GetCallerRequest(), &caller);
  return internal::Done(client, status, caller, [&] {
    auto line = [](const char* key, const std::string& value) {
      std::printf("  %-15s %s\n", key, value.c_str());
    };
    std::printf("%s\n", caller.actor().c_str());
    line("principal", caller.principal());
    line("role", EnumName(ent::auth::v1::Role_Name(caller.role()), "ROLE_"));
    line("communes", caller.insee_codes().empty() ? "-" : absl::StrJoin(caller.insee_codes(), ", "));
    if (!caller.provider().empty()) line("signed in with", caller.provider() + " (" + caller.subject() + ")");
    if (!caller.via().empty()) line("via", caller.via());
    line("until", caller.has_expire_time() ? Time(caller.expire_time()) : "-");
    line("credentials", client.settings().signed_in ? "entctl login session" : "token or certificate");
  });
}

}  // namespace

void AddIdentityCommands(Commands& c) {
  c["login"] = {Login,
                "login [--issuer URL] [--client-id ID]   sign in as yourself (device code): "
                "prints where to sign in",
      R"(Signs you in as yourself (OAuth device code): prints where to sign in, then keeps the session.
  --issuer URL      the identity provider (default: the config file's issuer)
  --client-id ID    the client registered for entctl (default entctl)
Example: entctl --config data/entctl.conf login)"};
  c["logout"] = {LogoutCommand, "logout                            forget the session and revoke it",
      R"(Forgets the session and revokes its refresh token.
Example: entctl logout)"};
  c["whoami"] = {WhoAmI, "whoami [--billing]                who the service takes you for, until when",
      R"(Who the service takes you for (name, role, communes) and until when.
  --billing   ask billing-service instead of convention-service
Example: entctl whoami)"};
}

}  // namespace ent::entctl
