// A test-only SQLite VFS: the default "unix" VFS with every xSync (fsync)
// delayed by ENT_SQLITE_SYNC_DELAY_US microseconds, to simulate a slow disk
// (benchmarks) or to widen the window in which a crash test's kill lands
// mid-work. Installed as the default VFS by Connection::Open when that
// environment variable is set to a positive number; otherwise nothing changes.
#ifndef ENT_COMMON_SQLITE_SLOW_SYNC_VFS_H_
#define ENT_COMMON_SQLITE_SLOW_SYNC_VFS_H_

namespace ent::sqlite {

// Registers the VFS once (thread-safe); a no-op without the variable.
void MaybeInstallSlowSyncVfs();

}  // namespace ent::sqlite

#endif  // ENT_COMMON_SQLITE_SLOW_SYNC_VFS_H_
