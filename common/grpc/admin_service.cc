#include "common/grpc/admin_service.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc/call_auth.h"
#include "common/grpc/handler_support.h"
#include "common/proto_time.h"

namespace ent {
namespace {

namespace av1 = ::ent::admin::v1;

// Deletes the oldest backups of `prefix` in `dir` beyond `keep` (names sort
// by time); returns their paths.
std::vector<std::string> Rotate(const std::string& dir, const std::string& prefix, int keep) {
  std::vector<std::string> backups;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (absl::StartsWith(name, prefix + "-") && absl::EndsWith(name, ".db")) {
      backups.push_back(entry.path().string());
    }
  }
  std::sort(backups.begin(), backups.end());
  std::vector<std::string> deleted;
  while (static_cast<int>(backups.size()) > keep) {
    if (std::filesystem::remove(backups.front(), ec)) deleted.push_back(backups.front());
    backups.erase(backups.begin());
  }
  return deleted;
}

}  // namespace

AdminServiceHandler::AdminServiceHandler(storage::DatabaseHandle& database, Options options,
                                         const PrincipalDirectory& principals)
    : database_(database), options_(std::move(options)), principals_(principals) {
  const std::string kService = av1::AdminService::service_full_name();
  CheckParsing(kService, "CreateBackup", this, &AdminServiceHandler::CreateBackup);
  CheckParsing(kService, "GetCaller", this, &AdminServiceHandler::GetCaller);
  VerifyAllParseChecked(kService);
}

grpc::ServerUnaryReactor* AdminServiceHandler::GetCaller(grpc::CallbackServerContext* ctx,
                                                         const av1::GetCallerRequest*,
                                                         av1::Caller* resp) {
  absl::StatusOr<Principal> caller = AuthenticateCall(*ctx, principals_);
  if (!caller.ok()) return FinishNow(ctx, caller.status());
  resp->set_principal(caller->name);
  resp->set_actor(caller->Actor());
  resp->set_role(static_cast<ent::auth::v1::Role>(caller->role));
  for (const std::string& insee : caller->communes) resp->add_insee_codes(insee);
  if (caller->person) {
    resp->set_provider(caller->person->provider);
    resp->set_subject(caller->person->subject);
    resp->set_display_name(caller->person->display_name);
    resp->set_email(caller->person->email);
  }
  resp->set_via(caller->via);
  if (caller->expires != absl::InfiniteFuture()) {
    resp->mutable_expire_time()->set_seconds(absl::ToUnixSeconds(caller->expires));
  }
  return FinishNow(ctx, absl::OkStatus());
}

grpc::ServerUnaryReactor* AdminServiceHandler::CreateBackup(grpc::CallbackServerContext* ctx,
                                                            const av1::CreateBackupRequest*,
                                                            av1::Backup* resp) {
  absl::StatusOr<Principal> caller = AuthenticateCall(*ctx, principals_);
  if (!caller.ok()) return FinishNow(ctx, caller.status());
  if (caller->role != Role::kSupportStaff) {
    return FinishNow(ctx, absl::PermissionDeniedError(absl::StrCat(
                              "principal '", caller->name, "' (", RoleName(caller->role),
                              ") may not create backups: support staff operate the services")));
  }
  const absl::Time now = absl::Now();  // real time: a backup is an operation, not an act
  const std::string path = std::filesystem::absolute(std::filesystem::path(options_.backup_dir) /
                                                     absl::StrCat(options_.file_prefix, "-",
                                                                  absl::FormatTime("%Y%m%dT%H%M%E6SZ", now,
                                                                                   absl::UTCTimeZone()),
                                                                  ".db"))
                               .string();
  auto* reactor = ctx->DefaultReactor();
  database_.Backup(path, [this, reactor, resp, now](absl::StatusOr<storage::BackupFile> file) {
    if (file.ok()) {
      resp->set_path(file->path);
      resp->set_size_bytes(file->size_bytes);
      TimeToProto(now, resp->mutable_create_time());
      resp->set_schema_version(file->schema_version);
      resp->set_integrity(file->integrity);
      for (std::string& deleted : Rotate(options_.backup_dir, options_.file_prefix, options_.keep)) {
        resp->add_deleted(std::move(deleted));
      }
    }
    reactor->Finish(ToGrpcStatus(file.status()));
  });
  return reactor;
}

}  // namespace ent
