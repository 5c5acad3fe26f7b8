// entctl: the command-line tool of support staff and operators for the
// ENT-école conventions back office. Run "entctl help" for the commands.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "entctl/args.h"
#include "entctl/client.h"
#include "entctl/commands.h"
#include "entctl/docs.h"
#include "entctl/output.h"

namespace {

// The global options, as Usage and the manual page print them.
const char kOptions[] =
    "options (also from the environment ENT_CONVENTION_ENDPOINT, ENT_BILLING_ENDPOINT, ENT_TOKEN,\n"
    "ENT_TOKEN_FILE, ENT_CA_FILE, ENT_CERT_FILE, ENT_KEY_FILE, ENT_OUTPUT, ENT_TIMEOUT, ENT_ISSUER,\n"
    "ENT_CLIENT_ID, ENT_SCOPE, ENT_AUDIENCE, ENT_IDP_CA_FILE, or a config file of\n"
    "'key = value' lines, --config or ~/.config/entctl/config):\n"
    "  --convention-endpoint HOST:PORT   default 127.0.0.1:50051\n"
    "  --billing-endpoint HOST:PORT      default 127.0.0.1:50052\n"
    "  --token TOKEN | --token-file PATH bearer token (default: the session of 'entctl login')\n"
    "  --issuer URL [--client-id ID] [--scope S] [--audience A] [--idp-ca-file PATH]\n"
    "                                    the identity provider 'entctl login' signs in with\n"
    "  --ca-file PATH [--cert-file PATH --key-file PATH]   TLS (mutual TLS with a client certificate)\n"
    "  --output text|json                json: protobuf's JSON mapping, for scripts\n"
    "  --timeout SECONDS                 how long to wait for each call, default 30\n"
    "  --request-id ID                   (mutating commands) retry a command safely with its id\n"
    "  -o FILE | --out FILE              (pdf, letter, deadlines --ics) where the document is written;\n"
    "                                    default: its own file name here; - for stdout\n"
    "names may be short: 30227-2021, 30227-2021/1 (a dispute), 2021-000001 (a titre), 12 (a timer);\n"
    "--commune takes an INSEE code or a name (Saint-Ambroix: the choices when ambiguous)\n";

void Usage(const ent::entctl::Commands& commands) {
  std::printf("usage: entctl [options] COMMAND [arguments]\n\n%s\ncommands:\n", kOptions);
  for (const auto& [name, command] : commands) std::printf("  %s\n", command.usage.c_str());
  std::printf("  completion bash                   bash completion: source <(entctl completion bash)\n"
              "  man                               the manual page: entctl man > entctl.1\n");
  std::printf("\nexit codes: 0 success, 1 the service refused or failed, 2 a command-line mistake\n");
}

// Edit distance between two command words, for "did you mean".
size_t Distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The commands whose name starts with `noun` and a space ("dispute open", ...).
std::vector<const ent::entctl::Command*> VerbsOf(const ent::entctl::Commands& commands,
                                                 const std::string& noun) {
  std::vector<const ent::entctl::Command*> out;
  for (const auto& [name, command] : commands) {
    if (name.rfind(noun + " ", 0) == 0) out.push_back(&command);
  }
  return out;
}

// "did you mean ..." for a mistyped command, or "".
std::string Suggestion(const ent::entctl::Commands& commands, const std::string& typed) {
  std::string best;
  size_t best_distance = 3;  // at most two edits away
  for (const auto& [name, command] : commands) {
    for (const std::string& candidate : {name, name.substr(0, name.find(' '))}) {
      const size_t d = Distance(typed, candidate);
      if (d < best_distance) {
        best_distance = d;
        best = candidate;
      }
    }
  }
  return best.empty() ? "" : "; did you mean '" + best + "'?";
}

}  // namespace

int main(int argc, char** argv) {
  ent::entctl::Commands commands;
  ent::entctl::AddConventionCommands(commands);
  ent::entctl::AddDisputeCommands(commands);
  ent::entctl::AddBillingCommands(commands);
  ent::entctl::AddIdentityCommands(commands);

  auto args = ent::entctl::Args::Parse(argc, argv, {"franc", "alsace-moselle", "failed", "help", "with-warnings", "ics", "billing"});
  if (!args.ok()) return ent::entctl::internal::UsageError(args.status());
  std::vector<std::string> words = args->positional();
  bool help = args->Has("help") || std::find(words.begin(), words.end(), "-h") != words.end();
  words.erase(std::remove(words.begin(), words.end(), "-h"), words.end());
  if (!words.empty() && words[0] == "help") {  // "entctl help [NOUN [VERB]]"
    help = true;
    words.erase(words.begin());
    if (words.empty()) {
      Usage(commands);
      return 0;
    }
  }
  if (words.empty()) {
    Usage(commands);
    return help ? 0 : 2;
  }
  // Generated from the same definitions as the help.
  if (words.size() == 2 && words[0] == "completion" && words[1] == "bash") {
    std::printf("%s", ent::entctl::BashCompletion(commands).c_str());
    return 0;
  }
  if (words.size() == 1 && words[0] == "man") {
    std::printf("%s", ent::entctl::ManPage(commands, kOptions).c_str());
    return 0;
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
  if (command == nullptr || (help && consumed < 2 && !VerbsOf(commands, words[0]).empty())) {
    // A noun alone, a noun with an unknown verb, or help on a noun: its verbs.
    const auto verbs = VerbsOf(commands, words[0]);
    if (!verbs.empty()) {
      std::FILE* out = help ? stdout : stderr;
      if (!help && words.size() >= 2) {
        std::fprintf(out, "entctl: '%s' has no verb '%s'%s; its verbs:\n", words[0].c_str(),
                     words[1].c_str(), Suggestion(commands, words[0] + " " + words[1]).c_str());
      } else if (!help) {
        std::fprintf(out, "entctl: '%s' needs a verb:\n", words[0].c_str());
      }
      for (const auto* verb : verbs) std::fprintf(out, "  %s\n", verb->usage.c_str());
      return help ? 0 : 2;
    }
    std::fprintf(stderr, "entctl: unknown command '%s'%s; run 'entctl help'\n", words[0].c_str(),
                 Suggestion(commands, words[0]).c_str());
    return 2;
  }
  if (help) {
    std::printf("usage: entctl %s\n\n%s\n\nOptions of every command: entctl --help\n",
                command->usage.c_str(), command->help.c_str());
    return 0;
  }
  for (int i = 0; i < consumed; ++i) (void)args->Next("command");
  // Signing in and out never needs (nor refreshes) the session in hand.
  const bool use_session = words[0] != "login" && words[0] != "logout";
  auto settings = ent::entctl::LoadSettings(*args, use_session);
  if (!settings.ok()) return ent::entctl::internal::UsageError(settings.status());
  ent::entctl::SetJsonErrors(settings->json);
  ent::entctl::Client client(*settings);
  return command->run(client, *args);
}
