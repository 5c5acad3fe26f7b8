// entctl's commands: "noun verb" (or a single word) → what it does.
#ifndef ENT_ENTCTL_COMMANDS_H_
#define ENT_ENTCTL_COMMANDS_H_

#include <functional>
#include <map>
#include <string>

#include "ent/document/v1/document.pb.h"
#include "entctl/args.h"
#include "entctl/client.h"

namespace ent::entctl {

struct Command {
  Command() = default;
  // Every command says what each option takes and shows an example: `help`
  // is required (the help printed by `entctl NOUN VERB --help` and the manual).
  Command(std::function<int(Client&, Args&)> r, std::string u, std::string h)
      : run(std::move(r)), usage(std::move(u)), help(std::move(h)) {}
  std::function<int(Client&, Args&)> run;
  std::string usage;  // one line
  std::string help;   // what it does, each option, an example (lines of text)
};

using Commands = std::map<std::string, Command>;

void AddConventionCommands(Commands& commands);
void AddDisputeCommands(Commands& commands);
void AddBillingCommands(Commands& commands);
void AddIdentityCommands(Commands& commands);

// Shared by the command files.
namespace internal {
// Finishes a call: prints JSON or runs `text`, or prints the error. Returns the exit code.
int Done(const Client& client, const grpc::Status& status, const google::protobuf::Message& resp,
         const std::function<void()>& text);
// Parses a value of an enum given in lower case without prefix (e.g. "commune" for
// PARTY_ROLE_COMMUNE); -1 when unknown.
int ParseEnum(const google::protobuf::EnumDescriptor* type, const std::string& prefix,
              const std::string& value);
// The values of an enum as entctl takes them: "draft, signing, active ... or
// cancelled" (lower case, '-' for '_', without the prefix and the zero value).
std::string EnumChoices(const google::protobuf::EnumDescriptor* type, const std::string& prefix);
google::type::Date ToDate(CivilDate d);
// A command-line mistake: prints it and returns 2.
int UsageError(const absl::Status& status);
// Writes a document the service produced to `-o FILE` (`--out`; "-" is
// stdout), by default to its own file name in the current directory, and
// says what was written (with --output json: its title, media type, file and
// size as JSON, not its bytes).
int SaveDocument(const Client& client, const grpc::Status& status,
                 const ent::document::v1::Document& document, const std::string& out);
// For a mutating request: its request id (--request-id or a fresh one), then
// the check that no flag was left unread.
// Says on stderr which request id a mutating command sends, so that a retry
// after a timeout (--request-id ID) cannot act twice.
void AnnounceRequestId(const std::string& request_id);
template <typename Request>
absl::Status Mutating(const Args& args, Request& req) {
  req.set_request_id(args.Get("request-id", Client::RequestId()));
  absl::Status st = args.CheckAllUsed();
  if (st.ok()) AnnounceRequestId(req.request_id());
  return st;
}

// Resource names as people write them, made whole (the service checks them):
// "30227-2021" → "conventions/30227-2021"; "30227-2021/1" and
// "30227-2021/disputes/1" → "conventions/30227-2021/disputes/1";
// "2021-000001" → "titres/2021-000001"; "12" → "timers/12".
std::string ConventionName(const std::string& text);
std::string DisputeName(const std::string& text);
std::string TitreName(const std::string& text);
std::string TimerName(const std::string& text);

// A commune given by INSEE code ("30227") or by name ("Saint-Ambroix",
// "saint ambroix"), looked up in the INSEE list shipped beside entctl
// (../share/ent/communes.csv, or $ENT_COMMUNES_FILE). An ambiguous name is an
// error listing the choices; empty stays empty.
absl::StatusOr<std::string> ResolveCommune(const std::string& text);
}  // namespace internal

// `auto var = value of expr`, or a usage error (exit code 2).
#define ENTCTL_TRY(var, expr)                                               \
  auto var##_or = (expr);                                                   \
  if (!var##_or.ok()) return ::ent::entctl::internal::UsageError(var##_or.status()); \
  auto var = std::move(*var##_or)

}  // namespace ent::entctl

#endif  // ENT_ENTCTL_COMMANDS_H_
