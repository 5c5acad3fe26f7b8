// entctl: the command-line tool of support staff and operators for the
// ENT-école conventions back office. Run "entctl help" for the commands.
#include <cstdio>

#include "entctl/args.h"
#include "entctl/client.h"
#include "entctl/commands.h"

namespace {

void Usage(const ent::entctl::Commands& commands) {
  std::printf(
      "usage: entctl [options] COMMAND [arguments]\n\n"
      "options (also from the environment ENT_CONVENTION_ENDPOINT, ENT_BILLING_ENDPOINT, ENT_TOKEN,\n"
      "ENT_TOKEN_FILE, ENT_CA_FILE, ENT_CERT_FILE, ENT_KEY_FILE, ENT_OUTPUT, or a config file of\n"
      "'key = value' lines, --config or ~/.config/entctl/config):\n"
      "  --convention-endpoint HOST:PORT   default 127.0.0.1:50051\n"
      "  --billing-endpoint HOST:PORT      default 127.0.0.1:50052\n"
      "  --token TOKEN | --token-file PATH bearer token\n"
      "  --ca-file PATH [--cert-file PATH --key-file PATH]   TLS (mutual TLS with a client certificate)\n"
      "  --output text|json                json: protobuf's JSON mapping, for scripts\n\n"
      "commands:\n");
  for (const auto& [name, command] : commands) std::printf("  %s\n", command.usage.c_str());
  std::printf("\nexit codes: 0 success, 1 the service refused or failed, 2 a command-line mistake\n");
}

}  // namespace

int main(int argc, char** argv) {
  ent::entctl::Commands commands;
  ent::entctl::AddConventionCommands(commands);
  ent::entctl::AddDisputeCommands(commands);
  ent::entctl::AddBillingCommands(commands);

  auto args = ent::entctl::Args::Parse(argc, argv, {"franc", "alsace-moselle", "failed"});
  if (!args.ok()) return ent::entctl::internal::UsageError(args.status());
  const auto& words = args->positional();
  if (words.empty() || words[0] == "help" || args->Has("help")) {
    Usage(commands);
    return words.empty() && !args->Has("help") ? 2 : 0;
  }
  // One-word commands ("deadlines", "statement") or "noun verb".
  const ent::entctl::Command* command = nullptr;
  int consumed = 0;
  if (words.size() >= 2 && commands.count(words[0] + " " + words[1])) {
    command = &commands.at(words[0] + " " + words[1]);
    consumed = 2;
  } else if (commands.count(words[0])) {
    command = &commands.at(words[0]);
    consumed = 1;
  }
  if (command == nullptr) {
    std::fprintf(stderr, "entctl: unknown command '%s'; run 'entctl help'\n", words[0].c_str());
    return 2;
  }
  for (int i = 0; i < consumed; ++i) (void)args->Next("command");
  auto settings = ent::entctl::LoadSettings(*args);
  if (!settings.ok()) return ent::entctl::internal::UsageError(settings.status());
  ent::entctl::Client client(*settings);
  return command->run(client, *args);
}
