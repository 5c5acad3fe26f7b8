#include "common/sqlite/slow_sync_vfs.h"

#include <sqlite3.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace ent::sqlite {
namespace {

long g_delay_us = 0;
sqlite3_vfs* g_unix = nullptr;
sqlite3_vfs g_slow;

// The unix VFS gives its files one of a few method tables (the database file
// with locks, journals and WAL without); each gets a copy whose xSync sleeps
// first. Tables are never freed: the files may outlive any scope.
struct Methods {
  const sqlite3_io_methods* original;
  sqlite3_io_methods slow;
};
std::mutex g_mu;
std::vector<std::unique_ptr<Methods>>* g_tables = new std::vector<std::unique_ptr<Methods>>();

const sqlite3_io_methods* OriginalOf(const sqlite3_io_methods* slow) {
  std::lock_guard<std::mutex> lock(g_mu);
  for (const auto& m : *g_tables) {
    if (&m->slow == slow) return m->original;
  }
  return nullptr;
}

int SlowSync(sqlite3_file* file, int flags) {
  const sqlite3_io_methods* original = OriginalOf(file->pMethods);
  std::this_thread::sleep_for(std::chrono::microseconds(g_delay_us));
  return original->xSync(file, flags);
}

const sqlite3_io_methods* SlowCopyOf(const sqlite3_io_methods* original) {
  std::lock_guard<std::mutex> lock(g_mu);
  for (const auto& m : *g_tables) {
    if (m->original == original) return &m->slow;
  }
  auto m = std::make_unique<Methods>();
  m->original = original;
  m->slow = *original;
  m->slow.xSync = SlowSync;
  g_tables->push_back(std::move(m));
  return &g_tables->back()->slow;
}

int SlowOpen(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  const int rc = g_unix->xOpen(g_unix, name, file, flags, out_flags);
  if (rc == SQLITE_OK && file->pMethods != nullptr) file->pMethods = SlowCopyOf(file->pMethods);
  return rc;
}

}  // namespace

void MaybeInstallSlowSyncVfs() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* value = std::getenv("ENT_SQLITE_SYNC_DELAY_US");
    if (value == nullptr || std::atol(value) <= 0) return;
    g_unix = sqlite3_vfs_find("unix");
    if (g_unix == nullptr) return;
    g_delay_us = std::atol(value);
    g_slow = *g_unix;
    g_slow.zName = "ent-slow-sync";
    g_slow.pNext = nullptr;
    g_slow.xOpen = SlowOpen;
    sqlite3_vfs_register(&g_slow, /*makeDflt=*/1);
  });
}

}  // namespace ent::sqlite
