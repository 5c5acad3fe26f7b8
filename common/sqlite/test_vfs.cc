#include "common/sqlite/test_vfs.h"

#include <sqlite3.h>

#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace ent::sqlite {
namespace {

long g_delay_us = 0;
std::string* g_fault_file = new std::string();
sqlite3_vfs* g_unix = nullptr;
sqlite3_vfs g_test_vfs;

// The fault switched on now ("sync", "full"), or "".
std::string Fault() {
  struct stat st;
  if (g_fault_file->empty() || stat(g_fault_file->c_str(), &st) != 0) return "";
  std::ifstream in(*g_fault_file);
  std::string word;
  in >> word;
  return word;
}

// The unix VFS gives its files one of a few method tables (the database file
// with locks, journals and WAL without); each gets a copy whose xSync and
// xWrite may sleep or fail first. Tables are never freed: the files may
// outlive any scope.
struct Methods {
  const sqlite3_io_methods* original;
  sqlite3_io_methods wrapped;
};
std::mutex g_mu;
std::vector<std::unique_ptr<Methods>>* g_tables = new std::vector<std::unique_ptr<Methods>>();

const sqlite3_io_methods* OriginalOf(const sqlite3_io_methods* wrapped) {
  std::lock_guard<std::mutex> lock(g_mu);
  for (const auto& m : *g_tables) {
    if (&m->wrapped == wrapped) return m->original;
  }
  return nullptr;
}

int TestSync(sqlite3_file* file, int flags) {
  const sqlite3_io_methods* original = OriginalOf(file->pMethods);
  if (g_delay_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(g_delay_us));
  if (Fault() == "sync") return SQLITE_IOERR_FSYNC;
  return original->xSync(file, flags);
}

int TestWrite(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  const sqlite3_io_methods* original = OriginalOf(file->pMethods);
  if (Fault() == "full") return SQLITE_FULL;
  return original->xWrite(file, data, amount, offset);
}

const sqlite3_io_methods* WrappedCopyOf(const sqlite3_io_methods* original) {
  std::lock_guard<std::mutex> lock(g_mu);
  for (const auto& m : *g_tables) {
    if (m->original == original) return &m->wrapped;
  }
  auto m = std::make_unique<Methods>();
  m->original = original;
  m->wrapped = *original;
  m->wrapped.xSync = TestSync;
  m->wrapped.xWrite = TestWrite;
  g_tables->push_back(std::move(m));
  return &g_tables->back()->wrapped;
}

int TestOpen(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  const int rc = g_unix->xOpen(g_unix, name, file, flags, out_flags);
  if (rc == SQLITE_OK && file->pMethods != nullptr) file->pMethods = WrappedCopyOf(file->pMethods);
  return rc;
}

}  // namespace

void MaybeInstallTestVfs() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* delay = std::getenv("ENT_SQLITE_SYNC_DELAY_US");
    const char* fault = std::getenv("ENT_SQLITE_FAULT_FILE");
    g_delay_us = delay != nullptr ? std::atol(delay) : 0;
    if (fault != nullptr) *g_fault_file = fault;
    if (g_delay_us <= 0 && g_fault_file->empty()) return;
    g_unix = sqlite3_vfs_find("unix");
    if (g_unix == nullptr) return;
    g_test_vfs = *g_unix;
    g_test_vfs.zName = "ent-test";
    g_test_vfs.pNext = nullptr;
    g_test_vfs.xOpen = TestOpen;
    sqlite3_vfs_register(&g_test_vfs, /*makeDflt=*/1);
  });
}

}  // namespace ent::sqlite
