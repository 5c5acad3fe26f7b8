// gRPC adapter for ent.admin.v1.AdminService, served by both services:
// online backups of the service's database for support staff (other roles
// get PERMISSION_DENIED); the caller as authenticated, for anyone. The copy
// is taken by the database's handle (on SQLite, on a store reader thread from
// one read snapshot, while the service goes on serving and writing; on
// PostgreSQL, FAILED_PRECONDITION naming PostgreSQL's tools).
// Thread-safe.
#ifndef ENT_COMMON_GRPC_ADMIN_SERVICE_H_
#define ENT_COMMON_GRPC_ADMIN_SERVICE_H_

#include <string>

#include "common/auth/principal_directory.h"
#include "common/grpc/parse_checked.h"
#include "common/storage/database_handle.h"
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
  // `database` outlives the handler.
  AdminServiceHandler(storage::DatabaseHandle& database, Options options,
                      const PrincipalDirectory& principals);

  grpc::ServerUnaryReactor* CreateBackup(grpc::CallbackServerContext* ctx,
                                         const ent::admin::v1::CreateBackupRequest* req,
                                         ent::admin::v1::Backup* resp) override;
  grpc::ServerUnaryReactor* GetCaller(grpc::CallbackServerContext* ctx,
                                      const ent::admin::v1::GetCallerRequest* req,
                                      ent::admin::v1::Caller* resp) override;

 private:
  storage::DatabaseHandle& database_;
  const Options options_;
  const PrincipalDirectory& principals_;
};

}  // namespace ent

#endif  // ENT_COMMON_GRPC_ADMIN_SERVICE_H_
