// A test-only SQLite VFS: the default "unix" VFS, with two switches read from
// the environment when the first connection opens (otherwise nothing changes
// and the VFS is not installed):
//  - ENT_SQLITE_SYNC_DELAY_US=N: every xSync (fsync) first sleeps N µs — a
//    slow disk, for benchmarks, or to widen the window in which a crash
//    test's kill lands mid-work;
//  - ENT_SQLITE_FAULT_FILE=PATH: while PATH exists, its first word injects a
//    fault: "sync" makes every xSync fail (SQLITE_IOERR_FSYNC), "full" makes
//    every xWrite fail (SQLITE_FULL, a full disk). A test creates and removes
//    the file to switch faults on and off in a running service.
#ifndef ENT_COMMON_SQLITE_TEST_VFS_H_
#define ENT_COMMON_SQLITE_TEST_VFS_H_

namespace ent::sqlite {

// Registers the VFS as the default once (thread-safe); a no-op without the
// variables.
void MaybeInstallTestVfs();

}  // namespace ent::sqlite

#endif  // ENT_COMMON_SQLITE_TEST_VFS_H_
