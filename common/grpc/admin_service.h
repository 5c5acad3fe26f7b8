// gRPC adapter for ent.admin.v1.AdminService, served by both services:
// online backups of the service's SQLite database for support staff (other
// roles get PERMISSION_DENIED); the caller as authenticated, for anyone. The copy is taken on a store reader thread,
// from one read snapshot, while the service goes on serving and writing.
// Thread-safe.
#ifndef ENT_COMMON_GRPC_ADMIN_SERVICE_H_
#define ENT_COMMON_GRPC_ADMIN_SERVICE_H_

#include <string>

#include "common/auth/principal_registry.h"
#include "common/grpc/parse_checked.h"
#include "common/sqlite/database.h"
#include "ent/admin/v1/admin_service.grpc.pb.h"

namespace ent {

class AdminServiceHandler final
    : public ParseChecked<ent::admin::v1::AdminService::CallbackService> {
 public:
  struct Options {
    std::string backup_dir;   // created if needed
    std::string file_prefix;  // "convention": convention-20261129T023000Z.db
    int keep = 7;             // backups kept; older ones are deleted
  };
  // `db` null: the data is in PostgreSQL, whose own tools back it up
  // (CreateBackup then says so).
  AdminServiceHandler(sqlite::Database* db, Options options, const PrincipalRegistry& principals);

  grpc::ServerUnaryReactor* CreateBackup(grpc::CallbackServerContext* ctx,
                                         const ent::admin::v1::CreateBackupRequest* req,
                                         ent::admin::v1::Backup* resp) override;
  grpc::ServerUnaryReactor* GetCaller(grpc::CallbackServerContext* ctx,
                                      const ent::admin::v1::GetCallerRequest* req,
                                      ent::admin::v1::Caller* resp) override;

 private:
  sqlite::Database* const db_;
  const Options options_;
  const PrincipalRegistry& principals_;
};

}  // namespace ent

#endif  // ENT_COMMON_GRPC_ADMIN_SERVICE_H_
