// convention_bench: convention-service on the product path, as ratios against
// ceilings measured in the same run on the same machine (bench/README.md):
//  - reads: authenticated GetConvention (one key, then the national set's
//    34,969 distinct keys) vs ent-echo-server, linked like the services;
//    server CPU per call from /proc;
//  - tail: open loop at 80 % of the echo's measured capacity, latency from
//    each call's intended send time;
//  - cold: the service restarted (start-up time), every key read once;
//  - list: ListConventions paging through the nation;
//  - writes: durable CreateConvention vs raw SQLite transactions writing the
//    same rows, one create per transaction and batched at the service's own
//    mean group size;
//  - slow disk: the same with every fsync 1 ms slower (test VFS), both sides;
//  - watch: 100 and 1,000 WatchConventionEvents streams under write load.
// Each measure is taken over --rounds interleaved rounds: median, min, max.
// Any failed RPC makes the run invalid (exit 1).
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "bench/echo_reply.h"
#include "bench/load.h"
#include "bench/machine.h"
#include "bench/national.h"
#include "bench/proc_stats.h"
#include "bench/raw_postgres.h"
#include "common/postgres/connection.h"
#include "bench/raw_writes.h"
#include "bench/report.h"
#include "bench/rpc.h"
#include "ent/convention/v1/convention_service.grpc.pb.h"
#include "tests/support/http_get.h"
#include "tests/support/service_process.h"
#include "tests/support/test_principals.h"

namespace v1 = ::ent::convention::v1;
using ent::bench::CallAsync;
using ent::bench::Done;
using ent::bench::LoadResult;
using ent::bench::Report;
using ent::testing::ServiceProcess;
using ent::testing::TestPrincipals;

namespace {

struct Options {
  int rounds = 5;
  double seconds = 3;
  int concurrency = 32;
  bool pin = false;
  int conventions = 0;  // 0: the whole national list
  std::string json;
  bool allow_tmpfs = false;
  std::set<std::string> phases = {"reads", "tail", "cold", "list", "writes", "slowdisk", "watch",
                                  "scale"};
  int scale_years = 10;
  int slow_fsync_us = 1000;
  int slow_concurrency = 256;
  std::vector<int> watchers = {100, 1000};
  double open_loop_rate = 0;  // 0: found by probing the echo server
};

constexpr char kUsage[] =
    "usage: convention_bench [--rounds=N] [--seconds=S] [--concurrency=N] [--pin]\n"
    "         [--conventions=N] [--phases=reads,tail,cold,list,writes,slowdisk,watch,scale]\n"
    "         [--scale-years=N]\n"
    "         [--slow-fsync-us=N] [--slow-concurrency=N] [--watchers=100,1000]\n"
    "         [--json=FILE] [--allow-tmpfs]\n";

// The bytes of convention-service's PostgreSQL schema (tables, indexes,
// TOAST), or 0.
uintmax_t PostgresSchemaBytes(const std::string& uri) {
  auto conn = ent::postgres::Connection::Open(uri);
  if (!conn.ok()) return 0;
  auto r = (*conn)->Query(
      "SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n "
      "ON n.oid = c.relnamespace WHERE n.nspname = 'convention' AND c.relkind = 'r'");
  return r.ok() && r->rows() == 1 ? static_cast<uintmax_t>(r->Int(0, 0)) : 0;
}

std::string SelfPath() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

// The sum and count of a histogram's samples in a /metrics page, for the
// series whose labels contain `label`.
std::pair<double, double> HistogramSumCount(const std::string& page, const std::string& name,
                                            const std::string& label) {
  double sum = 0, count = 0;
  for (absl::string_view line : absl::StrSplit(page, '\n')) {
    if (line.empty() || line[0] == '#' || !absl::StrContains(line, label)) continue;
    const size_t space = line.rfind(' ');
    if (space == absl::string_view::npos) continue;
    double value = 0;
    if (!absl::SimpleAtod(line.substr(space + 1), &value)) continue;
    if (absl::StartsWith(line, name + "_sum")) sum = value;
    if (absl::StartsWith(line, name + "_count")) count = value;
  }
  return {sum, count};
}

// A WatchConventionEvents stream that records, for each event recorded by
// the service since `*since_us` (0: none yet), how long after its recording it
// arrived (the history replayed when the stream opens is not counted).
class Watcher : public grpc::ClientReadReactor<v1::ConventionEvent> {
 public:
  Watcher(v1::ConventionService::Stub& stub, const std::string& token, const std::string& convention,
          int64_t after, std::atomic<int64_t>* since_us)
      : since_us_(since_us) {
    ctx_.AddMetadata("authorization", token);
    req_.set_convention(convention);
    req_.set_after_sequence(after);
    stub.async()->WatchConventionEvents(&ctx_, &req_, this);
    StartRead(&event_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    last_read_us.store(absl::ToUnixMicros(absl::Now()));
    const absl::Time recorded =
        absl::FromUnixSeconds(event_.time().seconds()) + absl::Nanoseconds(event_.time().nanos());
    const int64_t since = since_us_->load();
    if (since > 0 && absl::ToUnixMicros(recorded) >= since) {
      absl::MutexLock lock(&mu_);
      latencies_ms_.push_back(absl::ToDoubleMilliseconds(absl::Now() - recorded));
    }
    StartRead(&event_);
  }
  void OnDone(const grpc::Status& status) override {
    status_ = status;
    done_.Notify();
  }
  void Stop() {
    ctx_.TryCancel();
    done_.WaitForNotification();
  }
  std::vector<double> TakeLatencies() {
    absl::MutexLock lock(&mu_);
    return std::move(latencies_ms_);
  }
  bool failed() const { return done_.HasBeenNotified() && status_.error_code() != grpc::StatusCode::CANCELLED; }
  // When any watcher last received an event (µs since the epoch).
  static inline std::atomic<int64_t> last_read_us{0};

 private:
  std::atomic<int64_t>* since_us_;
  grpc::ClientContext ctx_;
  v1::WatchConventionEventsRequest req_;
  v1::ConventionEvent event_;
  absl::Mutex mu_;
  std::vector<double> latencies_ms_ ABSL_GUARDED_BY(mu_);
  grpc::Status status_;
  absl::Notification done_;
};

class Bench {
 public:
  explicit Bench(Options opt)
      : opt_(std::move(opt)), principals_(dir_.path()), report_("convention_bench") {
    token_ = "Bearer " + principals_.Token(TestPrincipals::kRectorat);
  }

  int Run() {
    machine_ = ent::bench::ProbeMachine(dir_.path());
    if (ent::bench::FsyncIsFree(machine_) && !opt_.allow_tmpfs) {
      std::fprintf(stderr, "convention_bench: %s is on %s, where fsync costs nothing: durable "
                   "writes would be meaningless (TMPDIR elsewhere, or --allow-tmpfs)\n",
                   dir_.path().c_str(), machine_.fs_type.c_str());
      return 2;
    }
    if (opt_.pin) {
      if (machine_.cores < 2) {
        std::fprintf(stderr, "--pin needs 2 CPUs\n");
        return 2;
      }
      PinOrWarn(0, {1}, "the load generator");
    }
    communes_ = ent::bench::NationalCommunes(opt_.conventions);
    academie_ = ent::bench::WriteNationalAcademie(dir_.path(), communes_);
    if (!StartService(0)) return 1;
    if (!LoadDataset()) return 1;
    echo_ = std::make_unique<ServiceProcess>(ent::testing::BinaryPath("bench/ent-echo-server"),
                                             echo_dir_.path());
    if (auto st = echo_->Start(); !st.ok()) return Fatal(st.ToString());
    if (opt_.pin) PinOrWarn(echo_->pid(), {0}, "the echo server");
    echo_stub_ = v1::ConventionService::NewStub(echo_->Channel());

    if (Has("reads") || Has("tail")) Reads();
    if (Has("tail")) Tail();
    if (Has("list")) List();
    if (Has("writes")) Writes();
    if (Has("watch")) Watch();
    if (Has("cold")) Cold();
    if (Has("slowdisk")) SlowDisk();
    if (Has("scale")) Scale();
    echo_->Stop();
    service_->Stop();

    const std::string settings = absl::StrFormat(
        "%d rounds of %.1f s, %d calls in flight, %zu conventions%s", opt_.rounds, opt_.seconds,
        opt_.concurrency, names_.size(), opt_.pin ? ", server on CPU 0, client on CPU 1" : ", unpinned");
    report_.Print(machine_, settings);
    if (!opt_.json.empty()) {
      if (auto st = report_.WriteJson(opt_.json, machine_, settings); !st.ok()) return Fatal(st.ToString());
    }
    return report_.ok() ? 0 : 1;
  }

 private:
  bool Has(const std::string& phase) const { return opt_.phases.count(phase) > 0; }

  int Fatal(const std::string& why) {
    std::fprintf(stderr, "convention_bench: %s\n", why.c_str());
    return 1;
  }

  void PinOrWarn(pid_t pid, const std::vector<int>& cpus, const char* what) {
    if (auto st = ent::bench::Pin(pid, cpus); !st.ok()) {
      std::fprintf(stderr, "warning: could not pin %s: %s\n", what, st.ToString().c_str());
    }
  }

  // A phase's calls must all succeed: otherwise the run is invalid.
  void CheckErrors(const char* phase, const LoadResult& r) {
    if (r.errors > 0) {
      report_.Fail(absl::StrCat(phase, ": ", r.errors, " failed call(s), the first: ", r.first_error));
    }
  }

  bool StartService(int fsync_delay_us) {
    service_ = std::make_unique<ServiceProcess>(
        ent::testing::BinaryPath("convention-service/ent-convention-service"), dir_.path(),
        std::vector<std::string>{"--principals=" + principals_.path(), "--academie=" + academie_,
                                 "--metrics-listen=127.0.0.1:0"});
    if (fsync_delay_us > 0) service_->SetEnv("ENT_SQLITE_SYNC_DELAY_US", absl::StrCat(fsync_delay_us));
    const absl::Time begin = absl::Now();
    if (auto st = service_->Start(); !st.ok()) {
      Fatal(st.ToString());
      return false;
    }
    last_start_seconds_ = absl::ToDoubleSeconds(absl::Now() - begin);
    if (opt_.pin) PinOrWarn(service_->pid(), {0}, "the service");
    stub_ = v1::ConventionService::NewStub(service_->Channel());
    return true;
  }

  // The national set: one draft convention per commune.
  bool LoadDataset() {
    const int n = static_cast<int>(communes_.size());
    std::atomic<int> started{0};
    const absl::Time begin = absl::Now();
    LoadResult r = ent::bench::RunClosedLoop(
        64, absl::Hours(1),
        [&](int64_t i, Done done) {
          started++;
          if (i >= n) return done(true, "");
          CallAsync<v1::Convention>(
              token_, ent::bench::CreateFor(communes_[i], static_cast<int>(i), "2025-2026"),
              [this](auto* c, auto* q, auto* p, auto cb) {
                stub_->async()->CreateConvention(c, q, p, std::move(cb));
              },
              done);
        },
        [&] { return started.load() >= n; });
    if (r.errors > 0) {
      Fatal(absl::StrCat("loading the national set: ", r.errors, " failed, the first: ", r.first_error));
      return false;
    }
    for (const auto& c : communes_) {
      names_.push_back("conventions/" + ent::bench::ConventionIdOf(c, "2025-2026"));
    }
    std::printf("loaded %d conventions in %.1f s\n", n, absl::ToDoubleSeconds(absl::Now() - begin));
    return true;
  }

  // GetConvention calls, on `stub`, closed loop; `distinct`: uniform random
  // keys over the national set, else the first one.
  LoadResult Gets(v1::ConventionService::Stub& stub, bool distinct, absl::Duration d) {
    auto rng = std::make_shared<std::atomic<uint64_t>>(0x9E3779B97F4A7C15ull);
    return ent::bench::RunClosedLoop(opt_.concurrency, d, [&, rng](int64_t, Done done) {
      v1::GetConventionRequest req;
      req.set_name(distinct ? names_[RandomIndex(*rng)] : names_[0]);
      CallAsync<v1::Convention>(token_, std::move(req),
                                [&stub](auto* c, auto* q, auto* p, auto cb) {
                                  stub.async()->GetConvention(c, q, p, std::move(cb));
                                },
                                done);
    });
  }

  size_t RandomIndex(std::atomic<uint64_t>& state) {
    // splitmix64 over an atomic counter: distinct, uniform, lock-free.
    uint64_t z = state.fetch_add(0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return static_cast<size_t>((z ^ (z >> 31)) % names_.size());
  }

  // A load against `process`, with its CPU time per call.
  struct Measured {
    LoadResult load;
    double cpu_us_per_call = 0;
  };
  Measured WithCpu(const ServiceProcess& process, const std::function<LoadResult()>& run) {
    const int64_t before = ent::bench::CpuMicros(process.pid());
    Measured m{run()};
    const int64_t after = ent::bench::CpuMicros(process.pid());
    if (m.load.calls > 0) m.cpu_us_per_call = static_cast<double>(after - before) / m.load.calls;
    return m;
  }

  void Reads() {
    const absl::Duration d = absl::Seconds(opt_.seconds);
    Gets(*echo_stub_, false, absl::Seconds(1));  // warm-up
    Gets(*stub_, false, absl::Seconds(1));
    Gets(*stub_, true, absl::Seconds(2));
    std::vector<double> hot, distinct, cpu, cpu_distinct, echo_rates, vs_raw, raw_read_rates, distinct_rates;
    double echo_cpu = 0, get_cpu = 0, get_rate = 0, distinct_rate = 0, p99 = 0, raw = 0;
    // On PostgreSQL, the database's own ceiling too: raw reads of the same
    // rows on as many connections as the service lends for reads (16).
    std::vector<std::string> ids;
    if (!service_->database_uri().empty()) {
      for (const std::string& name : names_) ids.push_back(name.substr(std::string("conventions/").size()));
    }
    for (int round = 0; round < opt_.rounds; ++round) {
      Measured e = WithCpu(*echo_, [&] { return Gets(*echo_stub_, false, d); });
      Measured g = WithCpu(*service_, [&] { return Gets(*stub_, false, d); });
      Measured k = WithCpu(*service_, [&] { return Gets(*stub_, true, d); });
      for (auto* m : {&e, &g, &k}) CheckErrors("reads", m->load);
      std::printf("reads round %d: echo %s\n                GetConvention %s\n                distinct keys %s\n",
                  round + 1, Describe(e.load).c_str(), Describe(g.load).c_str(),
                  Describe(k.load).c_str());
      echo_rates.push_back(e.load.rate());
      hot.push_back(g.load.rate() / e.load.rate());
      distinct.push_back(k.load.rate() / e.load.rate());
      if (e.cpu_us_per_call > 0) {
        cpu.push_back(g.cpu_us_per_call / e.cpu_us_per_call);
        cpu_distinct.push_back(k.cpu_us_per_call / e.cpu_us_per_call);
      }
      echo_cpu = e.cpu_us_per_call;
      get_cpu = g.cpu_us_per_call;
      get_rate = g.load.rate();
      distinct_rate = k.load.rate();
      distinct_rates.push_back(distinct_rate);
      p99 = std::max(p99, g.load.p99_ms);
      if (!ids.empty()) {
        absl::StatusOr<double> r = ent::bench::RawPostgresReads(service_->database_uri(), ids, 16, d);
        if (!r.ok()) {
          report_.Fail("raw PostgreSQL reads: " + r.status().ToString());
        } else {
          raw = *r;
          raw_read_rates.push_back(raw);
          vs_raw.push_back(distinct_rate / raw);
          std::printf("                raw PostgreSQL reads (16 connections) %.0f/s\n", raw);
        }
      }
    }
    echo_capacity_ = ent::bench::Summarize(echo_rates).median;
    report_.AtLeast("reads", "GetConvention / echo, one key", hot, "×", 0.80,
                    absl::StrFormat("echo %.0f/s, Get %.0f/s; worst p99 %.2f ms", echo_capacity_,
                                    get_rate, p99));
    report_.AtMost("reads", "server CPU per call, GetConvention / echo", cpu, "×", 1.4,
                   absl::StrFormat("%.1f µs vs %.1f µs", get_cpu, echo_cpu));
    report_.AtLeast("reads", absl::StrFormat("GetConvention / echo, %zu distinct keys", names_.size()),
                    distinct, "×", 0.70, absl::StrFormat("%.0f/s", distinct_rate));
    report_.Info("reads", "server CPU per call, distinct keys / echo", cpu_distinct, "×", "");
    if (!raw_read_rates.empty()) {
      raw_read_capacity_ = ent::bench::Summarize(raw_read_rates).median;
      service_read_capacity_ = ent::bench::Summarize(distinct_rates).median;
    }
    if (!ids.empty()) {
      report_.AtLeast("reads", "GetConvention, distinct keys / raw PostgreSQL reads (16 connections)", vs_raw,
                      "×", 0.5, absl::StrFormat("%.0f/s vs %.0f/s", distinct_rate, raw));
    }
  }

  // Open-loop GetConvention calls at `rate` for `d`, uniform random keys.
  LoadResult OpenGets(v1::ConventionService::Stub& stub, double rate, absl::Duration d, uint64_t seed) {
    auto rng = std::make_shared<std::atomic<uint64_t>>(seed);
    return ent::bench::RunOpenLoop(rate, d, [&, rng](int64_t, Done done) {
      v1::GetConventionRequest req;
      req.set_name(names_[RandomIndex(*rng)]);
      CallAsync<v1::Convention>(token_, std::move(req),
                                [&stub](auto* c, auto* q, auto* p, auto cb) {
                                  stub.async()->GetConvention(c, q, p, std::move(cb));
                                },
                                done);
    });
  }

  // The highest rate at which the echo server keeps up with this load
  // generator in open loop for a round (every call sent and answered, the
  // tail bounded: p99.9 < 20 ms), probed in steps of a tenth of the
  // closed-loop capacity. The open-loop sender is one thread sharing the
  // client's CPU with the completions, so this is what the generator can
  // offer, below the closed-loop figure.
  double OpenLoopCapacity() {
    double capacity = 0;
    const absl::Duration d = absl::Seconds(opt_.seconds);
    for (int tenth = 2; tenth <= 10; ++tenth) {
      const double rate = echo_capacity_ * tenth / 10;
      LoadResult r = OpenGets(*echo_stub_, rate, d, tenth);
      const bool kept_up = r.errors == 0 && r.calls >= 0.99 * rate * opt_.seconds && r.p999_ms < 20;
      std::printf("open-loop capacity probe: echo at %.0f/s: %s%s\n", rate, Describe(r).c_str(),
                  kept_up ? "" : "  (falls behind)");
      if (!kept_up) break;
      capacity = rate;
    }
    return capacity;
  }

  void Tail() {
    if (echo_capacity_ <= 0) return;
    // On PostgreSQL the service's reads top out well below the echo's (each
    // is a round trip to the database, which shares these two cores): an
    // open loop above them only measures a queue. There the rate is 80 % of
    // the service's own closed-loop rate (Reads, distinct keys).
    const bool database_bound = service_read_capacity_ > 0;
    const double open_capacity =
        database_bound ? 0 : opt_.open_loop_rate > 0 ? opt_.open_loop_rate / 0.8 : OpenLoopCapacity();
    if (!database_bound && open_capacity <= 0) {
      report_.Fail("tail: the echo server could not keep up with the lowest open-loop rate");
      return;
    }
    const double rate = 0.8 * (database_bound ? service_read_capacity_ : open_capacity);
    const absl::Duration d = absl::Seconds(opt_.seconds);
    std::vector<double> p99, p999, echo_p99;
    LoadResult last;
    for (int round = 0; round < opt_.rounds; ++round) {
      LoadResult e = OpenGets(*echo_stub_, rate, d, 100 + round);
      LoadResult g = OpenGets(*stub_, rate, d, 200 + round);
      CheckErrors("tail (echo)", e);
      CheckErrors("tail", g);
      std::printf("tail round %d at %.0f/s: echo %s\n                         Get  %s\n", round + 1,
                  rate, Describe(e).c_str(), Describe(g).c_str());
      p99.push_back(g.p99_ms);
      p999.push_back(g.p999_ms);
      echo_p99.push_back(e.p99_ms);
      last = g;
    }
    const std::string at =
        database_bound
            ? absl::StrFormat("open loop at %.0f/s (PostgreSQL: 80 %% of its closed-loop rate, %.0f/s; raw "
                              "reads %.0f/s), distinct keys",
                              rate, service_read_capacity_, raw_read_capacity_)
            : absl::StrFormat("open loop at %.0f/s (80 %% of the echo's open-loop capacity, %.0f/s), distinct keys",
                              rate, open_capacity);
    report_.AtMost("tail", "GetConvention p99, " + at, p99, "ms", 5,
                   absl::StrFormat("p50 %.2f ms, max %.1f ms", last.p50_ms, last.max_ms));
    report_.AtMost("tail", "GetConvention p99.9", p999, "ms", 20, "");
    report_.Info("tail", "echo p99 at the same rate", echo_p99, "ms", "");
  }

  void List() {
    std::vector<double> seconds;
    int64_t listed = 0;
    for (int round = 0; round < opt_.rounds; ++round) {
      const absl::Time begin = absl::Now();
      v1::ListConventionsRequest req;
      req.set_page_size(1000);
      listed = 0;
      int pages = 0;
      do {
        grpc::ClientContext ctx;
        ctx.AddMetadata("authorization", token_);
        v1::ListConventionsResponse page;
        grpc::Status st = stub_->ListConventions(&ctx, req, &page);
        if (!st.ok()) {
          report_.Fail("list: " + st.error_message());
          return;
        }
        listed += page.conventions_size();
        ++pages;
        req.set_page_token(page.next_page_token());
      } while (!req.page_token().empty());
      seconds.push_back(absl::ToDoubleSeconds(absl::Now() - begin));
      std::printf("list round %d: %lld conventions in %d pages, %.2f s\n", round + 1,
                  static_cast<long long>(listed), pages, seconds.back());
    }
    if (listed < static_cast<int64_t>(names_.size())) {
      report_.Fail(absl::StrCat("list: ", listed, " conventions listed of ", names_.size()));
    }
    report_.AtMost("list", "ListConventions through the nation (pages of 1000)", seconds, "s", 2,
                   absl::StrFormat("%lld conventions", static_cast<long long>(listed)));
  }

  // CreateConvention, closed loop at `concurrency`: new drafts of the
  // national communes for a later school year.
  LoadResult Creates(int concurrency, absl::Duration d) {
    const int round = ++create_rounds_;
    return ent::bench::RunClosedLoop(concurrency, d, [&, round](int64_t i, Done done) {
      const size_t k = static_cast<size_t>(i) % communes_.size();
      auto req = ent::bench::CreateFor(communes_[k], static_cast<int>(k), "2026-2027",
                                       absl::StrCat("-w", round, "-", i));
      CallAsync<v1::Convention>(token_, std::move(req),
                                [this](auto* c, auto* q, auto* p, auto cb) {
                                  stub_->async()->CreateConvention(c, q, p, std::move(cb));
                                },
                                done);
    });
  }

  // The service's group commits so far: commands and batches, seconds to a
  // durable COMMIT and commits (from its /metrics).
  struct BatchCounters {
    double jobs = 0, batches = 0, commit_seconds = 0, commits = 0;
  };
  BatchCounters BatchStats() {
    std::ifstream in(dir_.path() + "/port.metrics");
    int port = 0;
    if (!(in >> port)) return {};
    auto page = ent::testing::HttpGet(port, "/metrics");
    if (!page.ok()) return {};
    const auto [jobs, batches] =
        HistogramSumCount(*page, "ent_sqlite_batch_jobs", "database=\"convention\"");
    const auto [seconds, commits] =
        HistogramSumCount(*page, "ent_sqlite_commit_seconds", "database=\"convention\"");
    return {jobs, batches, seconds, commits};
  }

  // Raw SQLite in its own process (pinned like the service), with the
  // service's rows; creates per second.
  double RawWrites(int batch, int fsync_delay_us) {
    const std::string raw_db = absl::StrCat(dir_.path(), "/raw-", ++raw_runs_, ".db");
    std::string command = absl::StrCat(
        fsync_delay_us > 0 ? absl::StrCat("ENT_SQLITE_SYNC_DELAY_US=", fsync_delay_us, " ") : "",
        opt_.pin ? "taskset -c 0 " : "", SelfPath(), " --raw-writes --from=", dir_.path(),
        "/convention.db --to=", raw_db, " --batch=", batch, " --seconds=", opt_.seconds);
    FILE* p = popen(command.c_str(), "r");
    if (p == nullptr) return 0;
    char buf[256] = {0};
    std::string out;
    while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
    const int rc = pclose(p);
    double creates = 0;
    if (rc != 0 || !absl::SimpleAtod(absl::StripAsciiWhitespace(out), &creates)) {
      report_.Fail(absl::StrCat("raw writes: ", command, " failed: ", out));
      return 0;
    }
    std::remove(raw_db.c_str());
    std::remove((raw_db + "-wal").c_str());
    std::remove((raw_db + "-shm").c_str());
    return creates;
  }

  // On PostgreSQL: raw transactions on the service's server, one connection,
  // then as many side by side as the service has writers (8); creates/s.
  double RawPostgres(int connections) {
    absl::StatusOr<double> r =
        ent::bench::RawPostgresCreates(service_->database_uri(), connections, absl::Seconds(opt_.seconds));
    if (!r.ok()) {
      report_.Fail("raw PostgreSQL creates: " + r.status().ToString());
      return 0;
    }
    return *r;
  }

  void Writes() {
    if (!service_->database_uri().empty()) return WritesOnPostgres();
    const absl::Duration d = absl::Seconds(opt_.seconds);
    Creates(opt_.concurrency, absl::Seconds(1));  // warm-up
    std::vector<double> vs_one, vs_batched, groups;
    double create_rate = 0, one = 0, batched = 0, p99 = 0;
    for (int round = 0; round < opt_.rounds; ++round) {
      const BatchCounters before = BatchStats();
      const int64_t client_before = ent::bench::CpuMicros(getpid());
      const int64_t service_before = ent::bench::CpuMicros(service_->pid());
      LoadResult w = Creates(opt_.concurrency, d);
      const double client_cpu = (ent::bench::CpuMicros(getpid()) - client_before) / 1e6 / w.seconds;
      const double service_cpu =
          (ent::bench::CpuMicros(service_->pid()) - service_before) / 1e6 / w.seconds;
      const BatchCounters after = BatchStats();
      CheckErrors("writes", w);
      const double batches = after.batches - before.batches;
      const double group = batches > 0 ? (after.jobs - before.jobs) / batches : 1;
      const double commit_ms = after.commits > before.commits
                                   ? 1000 * (after.commit_seconds - before.commit_seconds) /
                                         (after.commits - before.commits)
                                   : 0;
      std::printf("writes round %d: service CPU %.0f %%, client CPU %.0f %%, mean commit %.2f ms\n",
                  round + 1, 100 * service_cpu, 100 * client_cpu, commit_ms);
      one = RawWrites(1, 0);
      batched = RawWrites(std::max(1, static_cast<int>(group + 0.5)), 0);
      std::printf("writes round %d: CreateConvention %s\n"
                  "                mean group %.1f; raw one-row %.0f/s, raw batched %.0f/s\n",
                  round + 1, Describe(w).c_str(), group, one, batched);
      if (one > 0) vs_one.push_back(w.rate() / one);
      if (batched > 0) vs_batched.push_back(w.rate() / batched);
      groups.push_back(group);
      create_rate = w.rate();
      p99 = std::max(p99, w.p99_ms);
    }
    report_.AtLeast("writes", "CreateConvention / raw one-row transactions", vs_one, "×", 1.5,
                    absl::StrFormat("%.0f/s vs %.0f/s; worst p99 %.1f ms", create_rate, one, p99));
    report_.AtLeast("writes", "CreateConvention / raw batched (the service's group size)", vs_batched,
                    "×", 0.5, absl::StrFormat("raw batched %.0f/s", batched));
    report_.Info("writes", "mean group commit size", groups, "creates", "");
  }

  // The service's writers (8) commit side by side on PostgreSQL: its ceiling
  // is raw transactions on as many connections, one create each.
  void WritesOnPostgres() {
    const absl::Duration d = absl::Seconds(opt_.seconds);
    Creates(opt_.concurrency, absl::Seconds(1));  // warm-up
    std::vector<double> vs_one, vs_parallel;
    double create_rate = 0, one = 0, parallel = 0, p99 = 0;
    for (int round = 0; round < opt_.rounds; ++round) {
      LoadResult w = Creates(opt_.concurrency, d);
      CheckErrors("writes", w);
      one = RawPostgres(1);
      parallel = RawPostgres(8);
      std::printf("writes round %d: CreateConvention %s\n"
                  "                raw PostgreSQL one connection %.0f/s, 8 connections %.0f/s\n",
                  round + 1, Describe(w).c_str(), one, parallel);
      if (one > 0) vs_one.push_back(w.rate() / one);
      if (parallel > 0) vs_parallel.push_back(w.rate() / parallel);
      create_rate = w.rate();
      p99 = std::max(p99, w.p99_ms);
    }
    report_.AtLeast("writes", "CreateConvention / raw PostgreSQL, one connection, one create per transaction",
                    vs_one, "×", 1.5, absl::StrFormat("%.0f/s vs %.0f/s; worst p99 %.1f ms", create_rate, one, p99));
    report_.AtLeast("writes", "CreateConvention / raw PostgreSQL, 8 connections (the service's writers)",
                    vs_parallel, "×", 0.5, absl::StrFormat("raw 8 connections %.0f/s", parallel));
  }

  void SlowDisk() {
    if (!service_->database_uri().empty()) {
      // The slow disk is SQLite's test VFS; PostgreSQL's fsync is its own.
      std::printf("slow disk: SQLite only (its test VFS), skipped on PostgreSQL\n");
      return;
    }
    service_->Stop();
    if (!StartService(opt_.slow_fsync_us)) return;
    const absl::Duration d = absl::Seconds(opt_.seconds);
    Creates(opt_.slow_concurrency, absl::Seconds(1));  // warm-up
    std::vector<double> ratios;
    double create_rate = 0, one = 0;
    for (int round = 0; round < opt_.rounds; ++round) {
      LoadResult w = Creates(opt_.slow_concurrency, d);
      CheckErrors("slow disk", w);
      one = RawWrites(1, opt_.slow_fsync_us);
      std::printf("slow disk round %d (fsync +%d µs): CreateConvention at %d in flight %s\n"
                  "                raw one-row %.0f/s\n",
                  round + 1, opt_.slow_fsync_us, opt_.slow_concurrency, Describe(w).c_str(), one);
      if (one > 0) ratios.push_back(w.rate() / one);
      create_rate = w.rate();
    }
    report_.AtLeast("writes",
                    absl::StrFormat("with fsync +%d µs: CreateConvention (%d in flight) / raw one-row",
                                    opt_.slow_fsync_us, opt_.slow_concurrency),
                    ratios, "×", 10, absl::StrFormat("%.0f/s vs %.0f/s", create_rate, one));
    service_->Stop();
    StartService(0);
  }

  void Cold() {
    service_->Stop();
    if (!StartService(0)) return;
    const double start_seconds = last_start_seconds_;
    const int64_t rss_start = ent::bench::RssKib(service_->pid());
    std::atomic<size_t> next{0};
    const absl::Time begin = absl::Now();
    LoadResult r = ent::bench::RunClosedLoop(
        opt_.concurrency, absl::Hours(1),
        [&](int64_t, Done done) {
          const size_t i = next++;
          if (i >= names_.size()) return done(true, "");
          v1::GetConventionRequest req;
          req.set_name(names_[i]);
          CallAsync<v1::Convention>(token_, std::move(req),
                                    [this](auto* c, auto* q, auto* p, auto cb) {
                                      stub_->async()->GetConvention(c, q, p, std::move(cb));
                                    },
                                    done);
        },
        [&] { return next.load() >= names_.size(); });
    CheckErrors("cold", r);
    const double seconds = absl::ToDoubleSeconds(absl::Now() - begin);
    const int64_t rss_read = ent::bench::RssKib(service_->pid());
    std::printf("cold: started in %.2f s (RSS %lld KiB); every key read once: %.0f/s, RSS %lld KiB\n",
                start_seconds, static_cast<long long>(rss_start), names_.size() / seconds,
                static_cast<long long>(rss_read));
    report_.Info("cold", "start-up, to serving", {start_seconds}, "s",
                 absl::StrFormat("RSS %.0f MiB at start", rss_start / 1024.0));
    report_.Info("cold", "first read of every key after a restart", {names_.size() / seconds}, "reads/s",
                 absl::StrFormat("RSS %.0f MiB after", rss_read / 1024.0));
  }

  // Ten school years of the nation: drafts of every commune for the nine
  // years before 2025-2026, then a restart: time to serving, memory, and a
  // read of the oldest year; bytes per convention on disk.
  void Scale() {
    const int years = opt_.scale_years;
    const absl::Time begin = absl::Now();
    for (int y = 1; y < years; ++y) {
      const std::string year = absl::StrCat(2025 - y, "-", 2026 - y);
      std::atomic<size_t> next{0};
      LoadResult r = ent::bench::RunClosedLoop(
          64, absl::Hours(1),
          [&](int64_t, Done done) {
            const size_t i = next++;
            if (i >= communes_.size()) return done(true, "");
            CallAsync<v1::Convention>(token_,
                                      ent::bench::CreateFor(communes_[i], static_cast<int>(i), year),
                                      [this](auto* c, auto* q, auto* p, auto cb) {
                                        stub_->async()->CreateConvention(c, q, p, std::move(cb));
                                      },
                                      done);
          },
          [&] { return next.load() >= communes_.size(); });
      CheckErrors("scale", r);
    }
    const int64_t total = static_cast<int64_t>(communes_.size()) * years;
    std::printf("scale: %d school years, %lld conventions more in %.0f s\n", years,
                static_cast<long long>(total - names_.size()), absl::ToDoubleSeconds(absl::Now() - begin));
    service_->Stop();
    std::error_code ec;
    auto bytes = std::filesystem::file_size(dir_.path() + "/convention.db", ec);
    if (!service_->database_uri().empty()) bytes = PostgresSchemaBytes(service_->database_uri());
    std::vector<double> starts;
    int64_t rss = 0;
    double first_read_ms = 0;
    for (int round = 0; round < opt_.rounds; ++round) {
      if (!StartService(0)) return;
      starts.push_back(last_start_seconds_);
      rss = ent::bench::RssKib(service_->pid());
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", token_);
      v1::GetConventionRequest req;
      req.set_name("conventions/" + ent::bench::ConventionIdOf(communes_.back(), absl::StrCat(2026 - years, "-", 2027 - years)));
      v1::Convention out;
      const absl::Time read_begin = absl::Now();
      grpc::Status st = stub_->GetConvention(&ctx, req, &out);
      first_read_ms = absl::ToDoubleMilliseconds(absl::Now() - read_begin);
      if (!st.ok()) report_.Fail("scale: " + st.error_message());
      if (round + 1 < opt_.rounds) service_->Stop();
    }
    report_.AtMost("scale", absl::StrFormat("start-up to serving, %lld conventions (%d school years)",
                                            static_cast<long long>(total), years),
                   starts, "s", 2,
                   absl::StrFormat("RSS %.0f MiB at start; first read %.1f ms; database %.0f MiB, %.0f "
                                   "bytes per convention",
                                   rss / 1024.0, first_read_ms, bytes / 1048576.0,
                                   static_cast<double>(bytes) / total));
  }

  // UpdateConvention on the watched drafts, round robin: each write is one
  // event for one watcher.
  LoadResult Updates(int watched, absl::Duration d) {
    auto flip = std::make_shared<std::atomic<int64_t>>(0);
    return ent::bench::RunClosedLoop(opt_.concurrency, d, [&, flip, watched](int64_t i, Done done) {
      v1::UpdateConventionRequest req;
      req.mutable_convention()->set_name(names_[static_cast<size_t>(i) % watched]);
      const int64_t n = flip->fetch_add(1);
      auto* end = req.mutable_convention()->mutable_end_date();
      end->set_year(2026);
      end->set_month(8);
      end->set_day(1 + static_cast<int>(n % 28));
      req.mutable_update_mask()->add_paths("end_date");
      req.set_request_id(absl::StrCat("upd-", update_requests_++));
      CallAsync<v1::Convention>(token_, std::move(req),
                                [this](auto* c, auto* q, auto* p, auto cb) {
                                  stub_->async()->UpdateConvention(c, q, p, std::move(cb));
                                },
                                done);
    });
  }

  void Watch() {
    const absl::Duration d = absl::Seconds(opt_.seconds);
    for (int count : opt_.watchers) {
      const int watched = std::min<int>(count, static_cast<int>(names_.size()));
      Updates(watched, absl::Seconds(1));  // warm-up
      std::atomic<int64_t> since_us{0};
      std::vector<double> ratios, p99s;
      double without_rate = 0, with_rate = 0;
      for (int round = 0; round < opt_.rounds; ++round) {
        LoadResult without = Updates(watched, d);  // no stream open
        CheckErrors("watch (no watchers)", without);
        // Each watcher follows one convention (as a portal would), its history
        // first; the streams are closed again after the round.
        std::vector<std::unique_ptr<Watcher>> watchers;
        for (int w = 0; w < count; ++w) {
          watchers.push_back(std::make_unique<Watcher>(*stub_, token_, names_[w % watched], 0, &since_us));
        }
        // Streams open and their history replayed (the first 100 conventions
        // carry the earlier rounds' updates): wait until none has received
        // anything for half a second, so that replay is not measured.
        const absl::Time replay_deadline = absl::Now() + absl::Seconds(60);
        absl::SleepFor(absl::Seconds(1));
        while (absl::Now() < replay_deadline &&
               absl::Now() - absl::FromUnixMicros(Watcher::last_read_us.load()) < absl::Milliseconds(500)) {
          absl::SleepFor(absl::Milliseconds(100));
        }
        since_us = absl::ToUnixMicros(absl::Now());
        LoadResult with = Updates(watched, d);
        absl::SleepFor(absl::Milliseconds(200));  // the last deliveries
        since_us = 0;
        CheckErrors("watch", with);
        std::vector<double> latencies;
        for (auto& w : watchers) {
          if (w->failed()) report_.Fail(absl::StrCat("watch ", count, ": a stream failed"));
          auto l = w->TakeLatencies();
          latencies.insert(latencies.end(), l.begin(), l.end());
          w->Stop();
        }
        std::sort(latencies.begin(), latencies.end());
        const double p99 = latencies.empty() ? 0 : latencies[latencies.size() * 99 / 100];
        std::printf("watch %d round %d: updates without %s\n                    with %s\n"
                    "                    %zu deliveries, p99 %.1f ms\n",
                    count, round + 1, Describe(without).c_str(), Describe(with).c_str(),
                    latencies.size(), p99);
        if (without.rate() > 0) ratios.push_back(with.rate() / without.rate());
        if (latencies.empty()) report_.Fail(absl::StrCat("watch ", count, ": no event delivered"));
        p99s.push_back(p99);
        without_rate = without.rate();
        with_rate = with.rate();
      }
      report_.AtLeast("watch", absl::StrFormat("writes with %d watchers / without", count), ratios, "×",
                      0.8, absl::StrFormat("%.0f/s vs %.0f/s", with_rate, without_rate));
      report_.AtMost("watch", absl::StrFormat("delivery p99, %d watchers", count), p99s, "ms", 50, "");
    }
  }

  Options opt_;
  ent::testing::TempDir dir_, echo_dir_;
  TestPrincipals principals_;
  std::string token_;
  std::string academie_;
  Report report_;
  ent::bench::Machine machine_;
  std::vector<ent::bench::NationalCommune> communes_;
  std::vector<std::string> names_;
  std::unique_ptr<ServiceProcess> service_, echo_;
  std::unique_ptr<v1::ConventionService::Stub> stub_, echo_stub_;
  double echo_capacity_ = 0;
  double raw_read_capacity_ = 0;      // PostgreSQL: raw reads per second (Reads)
  double service_read_capacity_ = 0;  // PostgreSQL: GetConvention per second, distinct keys (Reads)
  double last_start_seconds_ = 0;
  int create_rounds_ = 0;
  int raw_runs_ = 0;
  std::atomic<int64_t> update_requests_{0};
};

// --raw-writes mode: the raw SQLite ceiling, in its own process.
int RawWritesMain(int argc, char** argv) {
  std::string from, to;
  int batch = 1;
  double seconds = 3;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, "--from=")) from = std::string(arg);
    if (absl::ConsumePrefix(&arg, "--to=")) to = std::string(arg);
    if (absl::ConsumePrefix(&arg, "--batch=") && !absl::SimpleAtoi(arg, &batch)) return 2;
    if (absl::ConsumePrefix(&arg, "--seconds=") && !absl::SimpleAtod(arg, &seconds)) return 2;
  }
  auto r = ent::bench::RunRawWrites(from, to, batch, absl::Seconds(seconds));
  if (!r.ok()) {
    std::printf("%s\n", r.status().ToString().c_str());
    return 1;
  }
  std::printf("%.1f\n", r->creates_per_second);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  for (int i = 1; i < argc; ++i) {
    if (absl::string_view(argv[i]) == "--raw-writes") return RawWritesMain(argc, argv);
  }
  Options opt;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    bool ok = true;
    if (absl::ConsumePrefix(&arg, "--rounds=")) ok = absl::SimpleAtoi(arg, &opt.rounds) && opt.rounds > 0;
    else if (absl::ConsumePrefix(&arg, "--seconds=")) ok = absl::SimpleAtod(arg, &opt.seconds) && opt.seconds > 0;
    else if (absl::ConsumePrefix(&arg, "--concurrency=")) ok = absl::SimpleAtoi(arg, &opt.concurrency) && opt.concurrency > 0;
    else if (absl::ConsumePrefix(&arg, "--conventions=")) ok = absl::SimpleAtoi(arg, &opt.conventions) && opt.conventions > 0;
    else if (absl::ConsumePrefix(&arg, "--slow-fsync-us=")) ok = absl::SimpleAtoi(arg, &opt.slow_fsync_us) && opt.slow_fsync_us > 0;
    else if (absl::ConsumePrefix(&arg, "--slow-concurrency=")) ok = absl::SimpleAtoi(arg, &opt.slow_concurrency) && opt.slow_concurrency > 0;
    else if (absl::ConsumePrefix(&arg, "--json=")) opt.json = std::string(arg);
    else if (absl::ConsumePrefix(&arg, "--scale-years=")) ok = absl::SimpleAtoi(arg, &opt.scale_years) && opt.scale_years > 0 && opt.scale_years <= 20;
    else if (absl::ConsumePrefix(&arg, "--open-loop-rate=")) ok = absl::SimpleAtod(arg, &opt.open_loop_rate) && opt.open_loop_rate > 0;
    else if (absl::ConsumePrefix(&arg, "--phases=")) {
      opt.phases.clear();
      for (absl::string_view p : absl::StrSplit(arg, ',')) opt.phases.emplace(p);
    } else if (absl::ConsumePrefix(&arg, "--watchers=")) {
      opt.watchers.clear();
      for (absl::string_view w : absl::StrSplit(arg, ',')) {
        int n = 0;
        ok = ok && absl::SimpleAtoi(w, &n) && n > 0;
        opt.watchers.push_back(n);
      }
    } else if (arg == "--pin") opt.pin = true;
    else if (arg == "--allow-tmpfs") opt.allow_tmpfs = true;
    else ok = false;
    if (!ok) {
      std::fprintf(stderr, "convention_bench: bad argument '%s'\n%s", argv[i], kUsage);
      return 2;
    }
  }
  return Bench(std::move(opt)).Run();
}
