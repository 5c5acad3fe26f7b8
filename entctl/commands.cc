#include "entctl/commands.h"

#include <fstream>

#include <cstdio>
#include <cstdlib>

#include <google/protobuf/descriptor.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/grpc/server_runner.h"
#include "common/identifiers.h"
#include "common/registry/academie.h"
#include "common/registry/commune_registry.h"
#include "entctl/output.h"

namespace ent::entctl::internal {

int Done(const Client& client, const grpc::Status& status, const google::protobuf::Message& resp,
         const std::function<void()>& text) {
  if (!status.ok()) return PrintError(status);
  if (client.settings().json) {
    PrintJson(resp);
  } else {
    text();
  }
  return 0;
}

int ParseEnum(const google::protobuf::EnumDescriptor* type, const std::string& prefix,
              const std::string& value) {
  std::string name = prefix + absl::AsciiStrToUpper(value);
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  const auto* v = type->FindValueByName(name);
  return v == nullptr || v->number() == 0 ? -1 : v->number();
}

std::string EnumChoices(const google::protobuf::EnumDescriptor* type, const std::string& prefix) {
  std::vector<std::string> values;
  for (int i = 0; i < type->value_count(); ++i) {
    if (type->value(i)->number() == 0) continue;
    std::string name = absl::AsciiStrToLower(type->value(i)->name().substr(prefix.size()));
    for (char& c : name) {
      if (c == '_') c = '-';
    }
    values.push_back(std::move(name));
  }
  if (values.size() < 2) return absl::StrJoin(values, "");
  const std::string last = values.back();
  values.pop_back();
  return absl::StrCat(absl::StrJoin(values, ", "), " or ", last);
}

int UsageError(const absl::Status& status) {
  std::fprintf(stderr, "entctl: %s\n", std::string(status.message()).c_str());
  return 2;
}

int SaveDocument(const Client& client, const grpc::Status& status,
                 const ent::document::v1::Document& document, const std::string& out) {
  if (!status.ok()) return PrintError(status);
  const std::string path = out.empty() ? document.filename() : out;
  if (path == "-") {
    std::fwrite(document.content().data(), 1, document.content().size(), stdout);
    return 0;
  }
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(document.content().data(), static_cast<std::streamsize>(document.content().size()));
  file.close();
  if (!file) return PrintError(absl::StrCat("cannot write ", path));
  ent::document::v1::Document summary = document;
  summary.clear_content();
  summary.set_filename(path);
  return Done(client, grpc::Status::OK, summary, [&] {
    std::printf("wrote %s: %s (%s, %zu bytes)\n", path.c_str(), document.title().c_str(),
                document.media_type().c_str(), document.content().size());
  });
}

void AnnounceRequestId(const std::string& request_id) {
  std::fprintf(stderr, "request id %s (a retry with --request-id %s cannot act twice)\n",
               request_id.c_str(), request_id.c_str());
}

std::string ConventionName(const std::string& text) {
  return absl::StartsWith(text, "conventions/") ? text : "conventions/" + text;
}

std::string DisputeName(const std::string& text) {
  std::string name = ConventionName(text);
  const size_t slash = name.find('/', std::string("conventions/").size());
  if (slash != std::string::npos && name.find("/disputes/") == std::string::npos) {
    name.insert(slash, "/disputes");  // conventions/X/1 → conventions/X/disputes/1
  }
  return name;
}

std::string TitreName(const std::string& text) {
  return absl::StartsWith(text, "titres/") ? text : "titres/" + text;
}

std::string TimerName(const std::string& text) {
  return absl::StartsWith(text, "timers/") ? text : "timers/" + text;
}

absl::StatusOr<std::string> ResolveCommune(const std::string& text) {
  if (text.empty()) return text;
  if (auto insee = NormalizeInseeCode(text); insee.ok()) return *insee;
  const char* file = std::getenv("ENT_COMMUNES_FILE");
  static const auto* const registry = new absl::StatusOr<std::unique_ptr<CommuneRegistry>>(
      CommuneRegistry::Load(file != nullptr ? file : InstalledDataPath("communes.csv")));
  if (!registry->ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--commune: '", text, "' is not an INSEE code, and the commune list to look it up is "
        "unavailable (", registry->status().message(), "); give the INSEE code"));
  }
  const std::vector<const CommuneEntry*> found = (**registry)->FindByName(text);
  if (found.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--commune: no commune named '", text, "' in the INSEE list; give its name as INSEE "
        "writes it or its INSEE code"));
  }
  if (found.size() > 1) {
    std::vector<std::string> choices;
    for (const CommuneEntry* e : found) {
      choices.push_back(absl::StrCat(e->insee_code, " (", e->name, ", ",
                                     DepartementName(e->departement), ", ", e->departement, ")"));
    }
    return absl::InvalidArgumentError(absl::StrCat("--commune: '", text, "' names ", found.size(),
                                                   " communes: ", absl::StrJoin(choices, "; "),
                                                   "; give the INSEE code"));
  }
  return found[0]->insee_code;
}

google::type::Date ToDate(CivilDate d) {
  google::type::Date out;
  out.set_year(static_cast<int32_t>(d.year()));
  out.set_month(d.month());
  out.set_day(d.day());
  return out;
}

}  // namespace ent::entctl::internal
