// The contract of convention_store.h, checked against every implementation
// (SQLite, and PostgreSQL on a throw-away server these tests start):
// conditional writes on versions, the constraints that
// back rules across aggregates, the queries those rules use, commit-ordered
// event sequences, all-or-nothing transactions, durable timers and the outbox.
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "common/postgres/connection.h"
#include "convention-service/store/postgres/postgres_convention_store.h"
#include "convention-service/store/sqlite/sqlite_convention_store.h"
#include "convention-service/store/store_metrics.h"
#include "prometheus/metric_family.h"
#include "tests/support/postgres_server.h"
#include "tests/support/service_process.h"

namespace ent::convention {
namespace {

struct Backend {
  std::string name;
  std::function<absl::StatusOr<std::unique_ptr<ConventionStore>>(const std::string& dir)> open;
};

void PrintTo(const Backend& backend, std::ostream* os) { *os << backend.name; }

std::vector<Backend> Backends() {
  return {{"sqlite", [](const std::string& dir) -> absl::StatusOr<std::unique_ptr<ConventionStore>> {
             auto store = SqliteConventionStore::Open(dir + "/convention.db");
             if (!store.ok()) return store.status();
             return std::unique_ptr<ConventionStore>(std::move(*store));
           }},
          {"postgresql", [](const std::string& dir) -> absl::StatusOr<std::unique_ptr<ConventionStore>> {
             // One database per directory: opened again, the same one (a
             // second instance).
             static absl::Mutex mu(absl::kConstInit);
             static auto* databases = new std::map<std::string, std::string>();
             absl::MutexLock lock(&mu);
             auto& uri = (*databases)[dir];
             if (uri.empty()) {
               auto server = testing::SharedPostgres();
               if (!server.ok()) return server.status();
               auto created = (*server)->CreateDatabase();
               if (!created.ok()) return created.status();
               uri = *created;
             }
             auto store = PostgresConventionStore::Open(uri);
             if (!store.ok()) return store.status();
             return std::unique_ptr<ConventionStore>(std::move(*store));
           }}};
}

CivilDate D(int y, int m, int d) { return CivilDate(y, m, d); }

Convention MakeConvention(const std::string& id, const std::string& commune, int version) {
  Convention c;
  c.id = id;
  c.commune.insee_code = commune;
  c.commune.siren = "213002272";
  c.school_year = SchoolYear(2021);
  c.end_date = D(2022, 8, 31);
  c.version = version;
  return c;
}

Convention InForce(Convention c, CivilDate from, CivilDate to) {
  c.state = State::kActive;
  c.effective_date = from;
  c.end_date = to;
  return c;
}

Dispute MakeDispute(const std::string& convention, int64_t number, DisputeState state, int version) {
  Dispute d;
  d.convention_id = convention;
  d.number = number;
  d.commune_insee = "30227";
  d.notice_sent_date = D(2022, 3, 31);
  d.conciliation_deadline.act_date = D(2022, 3, 31);
  d.conciliation_deadline.nominal_last_day = D(2022, 4, 30);
  d.conciliation_deadline.last_day = D(2022, 5, 2);
  d.state = state;
  d.version = version;
  return d;
}

class ConventionStoreConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    auto store = GetParam().open(dir_.path());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  absl::Status Write(std::function<absl::Status(ConventionWriter&)> work) {
    return store_->WriteValueSync<bool>([&](ConventionWriter& w) -> absl::StatusOr<bool> {
      absl::Status st = work(w);
      if (!st.ok()) return st;
      return true;
    }).status();
  }
  absl::Status Put(const Convention& c) {
    return Write([&](ConventionWriter& w) { return w.Put(c); });
  }
  absl::Status PutDispute(const Dispute& d) {
    return Write([&](ConventionWriter& w) { return w.PutDispute(d); });
  }
  std::optional<Convention> Get(const std::string& id) {
    return *store_->ReadValue<std::optional<Convention>>([&](ConventionReader& r) { return r.Get(id); });
  }

  // The ent_conventions gauge, "state=n" per state, as a scrape reads it.
  std::vector<std::string> ConventionGauges() {
    std::shared_ptr<prometheus::Collectable> collector = ConventionStateCollector(*store_);
    std::vector<std::string> out;
    for (const prometheus::MetricFamily& family : collector->Collect()) {
      if (family.name != "ent_conventions") continue;
      for (const prometheus::ClientMetric& m : family.metric) {
        out.push_back(absl::StrCat(m.label[0].value, "=", m.gauge.value));
      }
    }
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<ConventionStore> store_;
};

// The conventions counted by state (metrics) follow every change of state,
// and read the same after retention has run (on PostgreSQL it folds the
// changes each write appends).
TEST_P(ConventionStoreConformance, StateCountsFollowChangesAcrossRetention) {
  ASSERT_TRUE(Put(MakeConvention("30227-2021", "30227", 1)).ok());
  ASSERT_TRUE(Put(MakeConvention("30228-2021", "30228", 1)).ok());
  ASSERT_TRUE(Put(InForce(MakeConvention("30228-2021", "30228", 2), D(2021, 9, 1), D(2022, 8, 31))).ok());
  EXPECT_THAT(ConventionGauges(), ::testing::UnorderedElementsAre("active=1", "draft=1"));
  ASSERT_TRUE(store_->WriteValueSync<int64_t>([](ConventionWriter& w) {
                      return w.PruneBefore(absl::FromUnixSeconds(1000), 100);
                    }).ok());
  EXPECT_THAT(ConventionGauges(), ::testing::UnorderedElementsAre("active=1", "draft=1")) << "after retention";
  Convention ended = InForce(MakeConvention("30228-2021", "30228", 3), D(2021, 9, 1), D(2022, 8, 31));
  ended.state = State::kExpired;
  ASSERT_TRUE(Put(ended).ok());
  EXPECT_THAT(ConventionGauges(), ::testing::UnorderedElementsAre("active=0", "draft=1", "expired=1"));
}

TEST_P(ConventionStoreConformance, PutIsConditionalOnTheStoredVersion) {
  ASSERT_TRUE(Put(MakeConvention("30227-2021", "30227", 1)).ok());
  EXPECT_EQ(Put(MakeConvention("30227-2021", "30227", 1)).code(), absl::StatusCode::kAborted)
      << "a second creation of the same id";
  ASSERT_TRUE(Put(MakeConvention("30227-2021", "30227", 2)).ok());
  EXPECT_EQ(Put(MakeConvention("30227-2021", "30227", 2)).code(), absl::StatusCode::kAborted)
      << "a write based on version 1, which is no longer the stored one";
  EXPECT_EQ(Put(MakeConvention("30227-2021", "30227", 4)).code(), absl::StatusCode::kAborted)
      << "a version skipped";
  EXPECT_EQ(Put(MakeConvention("30227-2022", "30227", 2)).code(), absl::StatusCode::kAborted)
      << "an update of a convention that does not exist";
  ASSERT_TRUE(Get("30227-2021").has_value());
  EXPECT_EQ(Get("30227-2021")->version, 2);
  EXPECT_FALSE(Get("30227-2022").has_value());
}

TEST_P(ConventionStoreConformance, PutDisputeIsConditionalAndNumbersAreUnique) {
  ASSERT_TRUE(PutDispute(MakeDispute("30227-2021", 1, DisputeState::kResolved, 1)).ok());
  EXPECT_EQ(PutDispute(MakeDispute("30227-2021", 1, DisputeState::kResolved, 1)).code(),
            absl::StatusCode::kAborted) << "number 1 taken";
  ASSERT_TRUE(PutDispute(MakeDispute("30227-2021", 1, DisputeState::kWithdrawn, 2)).ok());
  EXPECT_EQ(PutDispute(MakeDispute("30227-2021", 1, DisputeState::kWithdrawn, 2)).code(),
            absl::StatusCode::kAborted) << "stale version";
}

TEST_P(ConventionStoreConformance, OneOpenDisputePerConventionIsKeptByTheStore) {
  ASSERT_TRUE(PutDispute(MakeDispute("30227-2021", 1, DisputeState::kAwaitingConciliation, 1)).ok());
  // Two writers that each saw no open dispute and took different numbers.
  EXPECT_EQ(PutDispute(MakeDispute("30227-2021", 2, DisputeState::kAwaitingConciliation, 1)).code(),
            absl::StatusCode::kAborted);
  ASSERT_TRUE(PutDispute(MakeDispute("30227-2022", 1, DisputeState::kTerminating, 1)).ok())
      << "another convention's dispute is unaffected";
  ASSERT_TRUE(PutDispute(MakeDispute("30227-2021", 1, DisputeState::kResolved, 2)).ok());
  EXPECT_TRUE(PutDispute(MakeDispute("30227-2021", 2, DisputeState::kAwaitingConciliation, 1)).ok())
      << "once the first is closed";
  auto [open, last] = *store_->ReadValue<std::pair<std::optional<Dispute>, int64_t>>(
      [](ConventionReader& r) -> absl::StatusOr<std::pair<std::optional<Dispute>, int64_t>> {
        auto open = r.OpenDisputeOf("30227-2021");
        auto last = r.LastDisputeNumber("30227-2021");
        if (!open.ok()) return open.status();
        if (!last.ok()) return last.status();
        return std::make_pair(*open, *last);
      });
  ASSERT_TRUE(open.has_value());
  EXPECT_EQ(open->number, 2);
  EXPECT_EQ(last, 2);
  EXPECT_EQ(*store_->ReadValue<int64_t>([](ConventionReader& r) { return r.LastDisputeNumber("none"); }), 0);
}

TEST_P(ConventionStoreConformance, OneLiveRenewalPerConventionIsKeptByTheStore) {
  Convention a = MakeConvention("30227-2022", "30227", 1);
  a.renews = "30227-2021";
  Convention b = MakeConvention("30227-2022-2", "30227", 1);
  b.renews = "30227-2021";
  ASSERT_TRUE(Put(a).ok());
  EXPECT_EQ(Put(b).code(), absl::StatusCode::kAborted);
  auto renewal = *store_->ReadValue<std::optional<Convention>>(
      [](ConventionReader& r) { return r.RenewalOf("30227-2021"); });
  ASSERT_TRUE(renewal.has_value());
  EXPECT_EQ(renewal->id, "30227-2022");
  a.version = 2;
  a.state = State::kCancelled;
  ASSERT_TRUE(Put(a).ok());
  EXPECT_FALSE(store_->ReadValue<std::optional<Convention>>([](ConventionReader& r) {
                       return r.RenewalOf("30227-2021");
                     })->has_value());
  EXPECT_TRUE(Put(b).ok()) << "a cancelled renewal no longer counts";
}

TEST_P(ConventionStoreConformance, InForceDuringFindsThePeriodsThatMeet) {
  ASSERT_TRUE(Put(InForce(MakeConvention("30227-2020", "30227", 1), D(2020, 9, 1), D(2021, 8, 31))).ok());
  ASSERT_TRUE(Put(InForce(MakeConvention("30227-2021", "30227", 1), D(2021, 9, 1), D(2022, 8, 31))).ok());
  ASSERT_TRUE(Put(MakeConvention("30227-2022", "30227", 1)).ok());  // a draft: never in force
  ASSERT_TRUE(Put(InForce(MakeConvention("30228-2021", "30228", 1), D(2021, 9, 1), D(2022, 8, 31))).ok());
  Convention ended = InForce(MakeConvention("30227-2019", "30227", 1), D(2019, 9, 1), D(2020, 8, 31));
  ended.state = State::kTerminated;
  ended.last_day_in_force = D(2020, 3, 1);  // ended early: its period stops there
  ASSERT_TRUE(Put(ended).ok());
  auto ids = [&](CivilDate from, CivilDate to, const std::string& except) {
    absl::StatusOr<std::vector<Convention>> found = store_->ReadValue<std::vector<Convention>>(
        [&](ConventionReader& r) { return r.InForceDuring("30227", from, to, except); });
    std::vector<std::string> out;
    for (const Convention& c : found.value()) out.push_back(c.id);
    return out;
  };
  EXPECT_THAT(ids(D(2021, 8, 31), D(2021, 9, 1), ""), ::testing::ElementsAre("30227-2020", "30227-2021"));
  EXPECT_THAT(ids(D(2021, 9, 1), D(2023, 8, 31), "30227-2021"), ::testing::IsEmpty());
  EXPECT_THAT(ids(D(2020, 3, 2), D(2020, 8, 31), ""), ::testing::IsEmpty());
  EXPECT_THAT(ids(D(2020, 3, 1), D(2020, 3, 1), ""), ::testing::ElementsAre("30227-2019"));
}

TEST_P(ConventionStoreConformance, EventSequencesFollowCommitOrder) {
  std::vector<int64_t> sequences;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Write([&](ConventionWriter& w) {
                  EventRecord r{0, Event{"30227-2021", "30227", EventType::kUpdated, "e", {}, State::kDraft},
                                absl::FromUnixSeconds(i), "actor", "req"};
                  if (auto st = w.AppendEvent(r); !st.ok()) return st;
                  return w.AppendEvent(r);
                }).ok());
  }
  auto all = store_->ReadValue<std::vector<EventRecord>>(
      [&](ConventionReader& r) { return r.ListEvents(EventFilter{}, 0, 100); });
  ASSERT_TRUE(all.ok()) << all.status();
  for (const EventRecord& e : *all) sequences.push_back(e.sequence);
  ASSERT_EQ(sequences.size(), 6u);
  for (size_t i = 1; i < sequences.size(); ++i) EXPECT_GT(sequences[i], sequences[i - 1]);
  auto after = *store_->ReadValue<std::vector<EventRecord>>([&](ConventionReader& r) {
    return r.ListEvents(EventFilter{}, sequences[1], 100);
  });
  ASSERT_EQ(after.size(), 4u) << "resuming after the first transaction's events";
  EXPECT_EQ(after[0].sequence, sequences[2]);
}

// Commit order, stepped (as PostgreSQL's isolation tests step sessions): T1
// takes a sequence and stays open; T2 appends and tries to commit. A reader
// meanwhile must see nothing that a later commit could slip under: every
// event finally visible with a sequence at or below what the reader saw was
// already visible to it (a `bigserial` would let T2 commit sequence 2 while
// T1's 1 is invisible, and a reader resuming after 2 would miss 1).
TEST_P(ConventionStoreConformance, ASequenceTakenByAnOpenTransactionIsNeverOvertaken) {
  auto event = [](const char* description) {
    return EventRecord{0, Event{"30227-2021", "30227", EventType::kUpdated, description, {}, State::kDraft},
                       absl::FromUnixSeconds(1), "actor", "req"};
  };
  absl::Notification t1_took, t1_go;
  absl::Status t1, t2;
  std::atomic<bool> t2_done{false};
  std::thread first([&] {
    t1 = Write([&](ConventionWriter& w) {
      if (auto st = w.AppendEvent(event("t1")); !st.ok()) return st;
      if (auto st = w.Get("flush").status(); !st.ok()) return st;  // sends the append
      t1_took.Notify();
      t1_go.WaitForNotification();
      return absl::OkStatus();
    });
  });
  t1_took.WaitForNotification();
  std::thread second([&] {
    t2 = Write([&](ConventionWriter& w) { return w.AppendEvent(event("t2")); });
    t2_done = true;
  });
  if (GetParam().name == "postgresql") {
    // T2 waits for T1 (or, were the rule broken, commits): either is seen.
    testing::AwaitLockWaiters(**testing::SharedPostgres(), 1, [&] { return t2_done.load(); });
  }  // SQLite: one writer, T2 is queued behind T1.
  auto seen = store_->ReadValue<std::vector<EventRecord>>(
      [&](ConventionReader& r) { return r.ListEvents(EventFilter{}, 0, 100); });
  ASSERT_TRUE(seen.ok()) << seen.status();
  t1_go.Notify();
  first.join();
  second.join();
  ASSERT_TRUE(t1.ok()) << t1;
  ASSERT_TRUE(t2.ok()) << t2;
  auto all = store_->ReadValue<std::vector<EventRecord>>(
      [&](ConventionReader& r) { return r.ListEvents(EventFilter{}, 0, 100); });
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  int64_t cursor = 0;
  std::set<int64_t> seen_sequences;
  for (const EventRecord& e : *seen) {
    cursor = std::max(cursor, e.sequence);
    seen_sequences.insert(e.sequence);
  }
  for (const EventRecord& e : *all) {
    if (e.sequence <= cursor) {
      EXPECT_TRUE(seen_sequences.count(e.sequence))
          << "event " << e.sequence << " (" << e.event.description << ") committed below the cursor "
          << cursor << " a reader had already passed";
    }
  }
  EXPECT_EQ((*all)[0].event.description, "t1") << "the first to take a sequence commits first";
}

// What watchers are handed: each committed transaction's events, in commit
// order, with their sequences; nothing rolled back.
TEST_P(ConventionStoreConformance, CommittedEventsAreObservedInCommitOrderAndNeverWhenRolledBack) {
  absl::Mutex mu;
  std::vector<std::vector<EventRecord>> observed;
  store_->SetCommittedEventsObserver([&](const std::vector<EventRecord>& events) {
    absl::MutexLock lock(&mu);
    observed.push_back(events);
  });
  auto event = [](const std::string& description) {
    return EventRecord{0, Event{"30227-2021", "30227", EventType::kUpdated, description, {}, State::kDraft},
                       absl::FromUnixSeconds(1), "actor", "req"};
  };
  auto append = [&](ConventionWriter& w, const std::string& description) {
    return w.AppendEvent(event(description));
  };
  ASSERT_TRUE(Write([&](ConventionWriter& w) {
                if (auto st = append(w, "a1"); !st.ok()) return st;
                return append(w, "a2");
              }).ok());
  EXPECT_FALSE(Write([&](ConventionWriter& w) {
                 if (auto st = append(w, "refused"); !st.ok()) return st;
                 return absl::FailedPreconditionError("the command refuses");
               }).ok());
  ASSERT_TRUE(Write([&](ConventionWriter& w) {
                if (auto st = append(w, "b1"); !st.ok()) return st;
                EXPECT_FALSE(w.Isolated([&] {
                                if (auto st = append(w, "undone"); !st.ok()) return st;
                                return absl::InternalError("this part fails");
                              }).ok());
                return append(w, "b2");
              }).ok());
  ASSERT_TRUE(Write([&](ConventionWriter&) { return absl::OkStatus(); }).ok());  // no events
  // Concurrent writers: still in commit order.
  constexpr int kConcurrent = 50;
  absl::BlockingCounter pending(kConcurrent);
  for (int i = 0; i < kConcurrent; ++i) {
    store_->Write([&, i](ConventionWriter& w) { return append(w, absl::StrCat("c", i)); },
                  [&](absl::Status st) {
                    EXPECT_TRUE(st.ok()) << st;
                    pending.DecrementCount();
                  });
  }
  pending.Wait();

  auto stored = *store_->ReadValue<std::vector<EventRecord>>(
      [&](ConventionReader& r) { return r.ListEvents(EventFilter{}, 0, 1000); });
  // Observed soon after commit (at once on SQLite, from a tailer on
  // PostgreSQL): wait until every stored event was, or give up after 30 s.
  auto observed_count = [&] {
    absl::MutexLock lock(&mu);
    size_t n = 0;
    for (const auto& call : observed) n += call.size();
    return n;
  };
  for (int i = 0; i < 300 && observed_count() < stored.size(); ++i) absl::SleepFor(absl::Milliseconds(100));
  absl::MutexLock lock(&mu);
  std::vector<int64_t> seen;
  std::vector<std::string> descriptions;
  for (const auto& call : observed) {
    ASSERT_FALSE(call.empty());
    for (const EventRecord& e : call) {
      seen.push_back(e.sequence);
      descriptions.push_back(e.event.description);
    }
  }
  ASSERT_GE(descriptions.size(), 4u);
  EXPECT_THAT(std::vector<std::string>(descriptions.begin(), descriptions.begin() + 4),
              ::testing::ElementsAre("a1", "a2", "b1", "b2"))
      << "nothing rolled back, nothing undone by Isolated";
  std::vector<int64_t> expected;
  for (const EventRecord& e : stored) expected.push_back(e.sequence);
  EXPECT_EQ(seen, expected) << "every committed event, once, in sequence (commit) order";
  EXPECT_EQ(stored.size(), 4u + kConcurrent);
}

TEST_P(ConventionStoreConformance, AFailedTransactionKeepsNothingAndIsolatedUndoesItsPartOnly) {
  EXPECT_FALSE(Write([&](ConventionWriter& w) {
                 if (auto st = w.Put(MakeConvention("30227-2021", "30227", 1)); !st.ok()) return st;
                 return absl::FailedPreconditionError("the command refuses");
               }).ok());
  EXPECT_FALSE(Get("30227-2021").has_value());
  ASSERT_TRUE(Write([&](ConventionWriter& w) {
                if (auto st = w.Put(MakeConvention("30227-2021", "30227", 1)); !st.ok()) return st;
                absl::Status inner = w.Isolated([&] {
                  if (auto st = w.Put(MakeConvention("30228-2021", "30228", 1)); !st.ok()) return st;
                  return absl::InternalError("this part fails");
                });
                EXPECT_EQ(inner.code(), absl::StatusCode::kInternal);
                return absl::OkStatus();
              }).ok());
  EXPECT_TRUE(Get("30227-2021").has_value());
  EXPECT_FALSE(Get("30228-2021").has_value());
}

// Preload (a hint for a batch of timers) changes no answer: reads of
// preloaded conventions and disputes give what the store holds, then what
// the transaction wrote, and not what a failed Isolated undid; a write based
// on a preloaded row that another transaction changed meanwhile is refused.
TEST_P(ConventionStoreConformance, PreloadedReadsAnswerAsTheStoreWould) {
  ASSERT_TRUE(Put(MakeConvention("30227-2021", "30227", 1)).ok());
  ASSERT_TRUE(Put(MakeConvention("30228-2021", "30228", 1)).ok());
  ASSERT_TRUE(PutDispute(MakeDispute("30227-2021", 1, DisputeState::kAwaitingConciliation, 1)).ok());
  ASSERT_TRUE(Write([&](ConventionWriter& w) -> absl::Status {
                if (auto st = w.Preload({"30227-2021", "30228-2021", "30229-2021"}); !st.ok()) return st;
                auto a = w.Get("30227-2021");
                EXPECT_TRUE(a.ok() && a->has_value() && (*a)->version == 1);
                auto missing = w.Get("30229-2021");
                EXPECT_TRUE(missing.ok() && !missing->has_value());
                auto d = w.GetDispute("30227-2021", 1);
                EXPECT_TRUE(d.ok() && d->has_value() && (*d)->state == DisputeState::kAwaitingConciliation);
                auto no_dispute = w.GetDispute("30227-2021", 2);
                EXPECT_TRUE(no_dispute.ok() && !no_dispute->has_value());
                // Written: read back as written.
                if (auto st = w.Put(MakeConvention("30227-2021", "30227", 2)); !st.ok()) return st;
                a = w.Get("30227-2021");
                EXPECT_TRUE(a.ok() && a->has_value() && (*a)->version == 2);
                if (auto st = w.PutDispute(MakeDispute("30227-2021", 1, DisputeState::kResolved, 2)); !st.ok()) {
                  return st;
                }
                d = w.GetDispute("30227-2021", 1);
                EXPECT_TRUE(d.ok() && d->has_value() && (*d)->state == DisputeState::kResolved);
                // Undone by a failed Isolated: not read back.
                absl::Status undone = w.Isolated([&]() -> absl::Status {
                  if (auto st = w.Put(MakeConvention("30228-2021", "30228", 2)); !st.ok()) return st;
                  auto b = w.Get("30228-2021");
                  if (!b.ok() || !b->has_value() || (*b)->version != 2) return absl::InternalError("not as written");
                  return absl::AbortedError("this part fails");
                });
                EXPECT_EQ(undone.code(), absl::StatusCode::kAborted) << undone;
                auto b = w.Get("30228-2021");
                EXPECT_TRUE(b.ok() && b->has_value() && (*b)->version == 1) << "the undone write is not read back";
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(Get("30227-2021")->version, 2);
  EXPECT_EQ(Get("30228-2021")->version, 1);
}

// Commands on one convention from concurrent writers run one after the
// other: the second's read waits for the first to commit, then reads its
// write, and both succeed (none fails ABORTED on the version check).
TEST_P(ConventionStoreConformance, ConcurrentCommandsOnOneConventionWaitRatherThanFail) {
  ASSERT_TRUE(Put(MakeConvention("30227-2021", "30227", 1)).ok());
  constexpr int kWriters = 6;
  std::atomic<int> locked{0};  // writers that have read the convention (and hold it until commit)
  std::vector<absl::Status> results(kWriters);
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i) {
    writers.emplace_back([&, i] {
      bool counted = false;  // a retried transaction reads again
      results[i] = Write([&](ConventionWriter& w) -> absl::Status {
        auto c = w.Get("30227-2021");
        if (!c.ok()) return c.status();
        // The holder of the convention lets every other writer still running
        // reach it (PostgreSQL: seen waiting for its lock) before it writes;
        // SQLite's one writer runs them one after the other anyway.
        if (!counted) {
          counted = true;
          ++locked;
        }
        const int others = kWriters - locked.load();  // not yet past their read: waiting, or to come
        if (GetParam().name == "postgresql" && others > 0) {
          EXPECT_TRUE(testing::AwaitLockWaiters(**testing::SharedPostgres(), others, [] { return false; }))
              << "the other writers did not wait for the convention";
        }
        Convention next = **c;
        ++next.version;
        return w.Put(next);
      });
    });
  }
  for (auto& t : writers) t.join();
  for (const absl::Status& st : results) EXPECT_TRUE(st.ok()) << st;
  EXPECT_EQ(Get("30227-2021")->version, 1 + kWriters);
}

// Preloaded conventions are locked like read ones: a writer of one waits
// until the batch that preloaded it ends, then reads its writes.
TEST_P(ConventionStoreConformance, PreloadedConventionsAreLockedUntilTheBatchEnds) {
  ASSERT_TRUE(Put(MakeConvention("30228-2021", "30228", 1)).ok());
  std::thread other;
  std::atomic<bool> other_done{false};
  absl::Status other_status;
  ASSERT_TRUE(Write([&](ConventionWriter& w) -> absl::Status {
                if (auto st = w.Preload({"30228-2021"}); !st.ok()) return st;
                other = std::thread([&] {
                  other_status = Write([&](ConventionWriter& o) -> absl::Status {
                    auto c = o.Get("30228-2021");
                    if (!c.ok()) return c.status();
                    Convention next = **c;
                    ++next.version;
                    return o.Put(next);
                  });
                  other_done = true;
                });
                if (GetParam().name == "postgresql") {
                  // Seen waiting for the lock the preload took, not merely slow.
                  EXPECT_TRUE(testing::AwaitLockWaiters(**testing::SharedPostgres(), 1,
                                                        [&] { return other_done.load(); }))
                      << "the other writer did not wait for the batch";
                }  // SQLite: its one writer runs the other after this batch.
                auto c = w.Get("30228-2021");
                if (!c.ok()) return c.status();
                Convention next = **c;
                ++next.version;
                return w.Put(next);
              }).ok());
  other.join();
  EXPECT_TRUE(other_status.ok()) << other_status;
  EXPECT_EQ(Get("30228-2021")->version, 3);
}

// Durable timers, in the host's transactions: due in order, fired once, a
// failure counted then parked, a parked timer retried by an operator.
TEST_P(ConventionStoreConformance, TimersFireOnceAndFailuresAreParkedUntilRetried) {
  const absl::Time t0 = absl::FromUnixSeconds(1650000000);
  auto spec = [&](const std::string& subject, absl::Duration after) {
    return workflow::TimerSpec{"convention.expiry", subject, "30227", t0 + after,
                               D(2022, 4, 15), "rule", "why", std::nullopt};
  };
  std::vector<int64_t> ids(3);
  ASSERT_TRUE(Write([&](ConventionWriter& w) -> absl::Status {
                for (int i = 0; i < 3; ++i) {
                  auto st = w.timers().Schedule(spec("conventions/c" + std::to_string(i), absl::Minutes(2 - i)));
                  if (!st.ok()) return st;
                }
                return absl::OkStatus();
              }).ok());
  // The store's ids, by subject.
  auto scheduled = store_->ReadValue<std::vector<workflow::TimerRecord>>(
      [&](ConventionReader& r) { return r.timers().Due(t0 + absl::Minutes(5), 10); });
  ASSERT_TRUE(scheduled.ok() && scheduled->size() == 3u) << scheduled.status();
  for (const workflow::TimerRecord& t : *scheduled) ids[t.spec.subject.back() - '0'] = t.id;
  ASSERT_TRUE(Write([&](ConventionWriter& w) { return w.timers().Cancel("conventions/c2", ""); }).ok());
  auto due = [&](absl::Time now) {
    return store_->ReadValue<std::vector<workflow::TimerRecord>>(
                     [&](ConventionReader& r) { return r.timers().Due(now, 10); })
        .value();
  };
  ASSERT_EQ(due(t0 + absl::Minutes(5)).size(), 2u) << "the cancelled one is not due";
  EXPECT_EQ(due(t0 + absl::Minutes(5))[0].id, ids[1]) << "earliest first";
  EXPECT_TRUE(due(t0).empty());
  ASSERT_TRUE(Write([&](ConventionWriter& w) { return w.timers().MarkFired(ids[1], t0 + absl::Minutes(1)); }).ok());
  EXPECT_EQ(Write([&](ConventionWriter& w) { return w.timers().MarkFired(ids[1], t0 + absl::Minutes(1)); }).code(),
            absl::StatusCode::kFailedPrecondition) << "fired once";
  ASSERT_TRUE(Write([&](ConventionWriter& w) {
                return w.timers().RecordFailure(ids[0], "boom", t0 + absl::Minutes(10), false);
              }).ok());
  EXPECT_TRUE(due(t0 + absl::Minutes(5)).empty()) << "retried on its own backoff";
  ASSERT_EQ(due(t0 + absl::Minutes(10)).size(), 1u);
  EXPECT_EQ(due(t0 + absl::Minutes(10))[0].attempts, 1);
  ASSERT_TRUE(Write([&](ConventionWriter& w) {
                return w.timers().RecordFailure(ids[0], "boom again", t0, true);
              }).ok());
  EXPECT_TRUE(due(absl::InfiniteFuture()).empty()) << "parked";
  auto failed = store_->ReadValue<std::vector<workflow::TimerRecord>>(
                          [](ConventionReader& r) { return r.timers().Failed(0, 10); })
                    .value();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].last_error, "boom again");
  EXPECT_EQ(failed[0].attempts, 2);
  ASSERT_TRUE(Write([&](ConventionWriter& w) {
                return w.timers().RetryFailed(ids[0], t0 + absl::Minutes(20)).status();
              }).ok());
  ASSERT_EQ(due(t0 + absl::Minutes(20)).size(), 1u);
  EXPECT_EQ(due(t0 + absl::Minutes(20))[0].attempts, 0);
}

// The outbox: enqueued in the host's transaction, delivered in order per key,
// once per idempotency key.
// Two instances on one store fire the same due timers at once: each timer
// exactly once (claimed by one transaction, skipped by the other's).
TEST_P(ConventionStoreConformance, ConcurrentInstancesFireEachTimerOnce) {
  auto second = GetParam().open(dir_.path());
  ASSERT_TRUE(second.ok()) << second.status();
  const absl::Time t0 = absl::FromUnixSeconds(1650000000);
  constexpr int kTimers = 400;
  ASSERT_TRUE(Write([&](ConventionWriter& w) -> absl::Status {
                for (int i = 0; i < kTimers; ++i) {
                  auto st = w.timers().Schedule(workflow::TimerSpec{
                      "convention.expiry", absl::StrCat("conventions/t", i), "30227", t0, D(2022, 4, 18),
                      "rule", "explanation", std::nullopt});
                  if (!st.ok()) return st;
                }
                return absl::OkStatus();
              }).ok());
  absl::Mutex mu;
  std::multiset<int64_t> fired;
  auto engine = [&](ConventionStore* store) {
    while (true) {
      auto batch = store->WriteValueSync<std::vector<int64_t>>(
          [&](ConventionWriter& w) -> absl::StatusOr<std::vector<int64_t>> {
            auto due = w.timers().Due(t0 + absl::Minutes(1), 25);
            if (!due.ok()) return due.status();
            std::vector<int64_t> ids;
            for (const auto& t : *due) {
              if (auto st = w.timers().MarkFired(t.id, t0 + absl::Minutes(1)); !st.ok()) return st;
              ids.push_back(t.id);
            }
            return ids;
          });
      ASSERT_TRUE(batch.ok()) << batch.status();
      if (batch->empty()) return;
      absl::MutexLock lock(&mu);
      fired.insert(batch->begin(), batch->end());
    }
  };
  std::thread a(engine, store_.get()), b(engine, second->get());
  a.join();
  b.join();
  EXPECT_EQ(fired.size(), static_cast<size_t>(kTimers));
  EXPECT_EQ(std::set<int64_t>(fired.begin(), fired.end()).size(), static_cast<size_t>(kTimers))
      << "a timer fired twice";
}

TEST_P(ConventionStoreConformance, OutboxDeliversInOrderPerKeyOncePerIdempotencyKey) {
  const absl::Time t0 = absl::FromUnixSeconds(1650000000);
  ASSERT_TRUE(Write([&](ConventionWriter& w) -> absl::Status {
                for (const char* key : {"a/1", "a/2", "b/1", "a/1"}) {
                  const std::string k = key;
                  auto st = w.outbox().Enqueue("topic", k.substr(0, 1), k, "test.Notice", "", t0);
                  if (!st.ok()) return st;
                }
                return absl::OkStatus();
              }).ok());
  workflow::OutboxStore& outbox = store_->outbox_store();
  auto deliverable = outbox.Deliverable(t0, 10);
  ASSERT_TRUE(deliverable.ok());
  ASSERT_EQ(deliverable->size(), 2u) << "the head of each key; a/1 once";
  EXPECT_EQ((*deliverable)[0].idempotency_key, "a/1");
  EXPECT_EQ((*deliverable)[1].idempotency_key, "b/1");
  const int64_t epoch = (*deliverable)[0].lease_epoch;  // of the dispatch lease (PostgreSQL)
  ASSERT_TRUE(outbox.Record({{(*deliverable)[0].id, true, t0, "", t0, false, epoch},
                             {(*deliverable)[1].id, false, t0, "down", t0 + absl::Minutes(1), false, epoch}})
                  .ok());
  deliverable = outbox.Deliverable(t0, 10);
  ASSERT_TRUE(deliverable.ok());
  ASSERT_EQ(deliverable->size(), 1u) << "b/1 waits for its next attempt";
  EXPECT_EQ((*deliverable)[0].idempotency_key, "a/2");
  EXPECT_EQ(outbox.Deliverable(t0 + absl::Minutes(1), 10)->size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Backends, ConventionStoreConformance, ::testing::ValuesIn(Backends()),
                         [](const ::testing::TestParamInfo<Backend>& info) { return info.param.name; });

}  // namespace
}  // namespace ent::convention
