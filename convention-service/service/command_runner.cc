#include "convention-service/service/command_runner.h"

#include "common/field_violations.h"
#include "common/idempotency.h"
#include "common/status_macros.h"
#include "convention-service/domain/validation.h"

namespace ent::convention {

Mutation Mutation::Of(Convention c, std::vector<Event> events) {
  Mutation m;
  m.conventions.push_back(std::move(c));
  m.events = std::move(events);
  return m;
}

void Mutation::Add(std::vector<Event> more) {
  for (Event& e : more) events.push_back(std::move(e));
}

void Mutation::Add(DisputeEffects effects) {
  Add(std::move(effects.events));
  for (auto& t : effects.schedule) schedule.push_back(std::move(t));
  for (auto& c : effects.cancel) cancel.push_back(std::move(c));
}

namespace {

// The versions and times `m`'s records carry once stored at `now`.
void Stamp(Mutation& m, absl::Time now) {
  for (Convention& c : m.conventions) {
    if (c.version == 0) c.create_time = now;
    ++c.version;
    c.update_time = now;
  }
  for (Dispute& d : m.disputes) {
    if (d.version == 0) d.create_time = now;
    ++d.version;
    d.update_time = now;
  }
}

// The record a mutation answers with.
absl::StatusOr<Response> AnswerOf(Mutation& m) {
  if (m.answers_dispute ? m.disputes.empty() : m.conventions.empty()) {
    return absl::InternalError("the command has nothing to answer");
  }
  return m.answers_dispute ? Response(std::move(m.disputes[0]))
                           : Response(std::move(m.conventions[0]));
}

}  // namespace

absl::Status CommandRunner::Persist(ConventionWriter& w, Mutation& m, absl::Time now,
                                    const std::string& actor, const std::string& request_id) {
  Stamp(m, now);
  for (const Convention& c : m.conventions) ENT_RETURN_IF_ERROR(w.Put(c));
  for (const Dispute& d : m.disputes) ENT_RETURN_IF_ERROR(w.PutDispute(d));
  for (Event& e : m.events) {
    EventRecord record{0, std::move(e), now, actor, request_id};
    ENT_RETURN_IF_ERROR(w.AppendEvent(record));
  }
  for (const auto& [subject, kind] : m.cancel) {
    ENT_RETURN_IF_ERROR(w.timers().Cancel(subject, kind));
  }
  for (const auto& spec : m.schedule) {
    ENT_RETURN_IF_ERROR(w.timers().Schedule(spec));
  }
  for (const auto& n : m.notices) {
    ENT_RETURN_IF_ERROR(w.outbox().Enqueue(n.topic, n.key, n.idempotency_key, n.payload_type, n.payload, now));
  }
  return absl::OkStatus();
}

void CommandRunner::Committed(bool timers_changed, bool notices_queued) {
  if (timers_changed && timers_changed_) timers_changed_();
  if (notices_queued && notices_queued_) notices_queued_();
}

void CommandRunner::Run(RequestContext ctx, Authorize authorize, Fn fn, Done done) {
  if (!(ctx.validate_only && ctx.request_id.empty())) {
    if (auto st = ValidateRequestId(ctx.request_id); !st.ok()) {
      done(st);
      return;
    }
  }
  struct Effects {
    bool timers_changed = false;
    bool notices_queued = false;
  };
  auto effects = std::make_shared<Effects>();
  const absl::Time deadline = ctx.deadline;
  store_.WriteValue<Response>(
      [this, ctx, authorize = std::move(authorize), fn = std::move(fn),
       effects](ConventionWriter& w) -> absl::StatusOr<Response> {
        // Authorisation first, replays included; then the request log.
        if (authorize) ENT_RETURN_IF_ERROR(authorize(w));
        if (ctx.validate_only) {  // the answer as it would be; nothing written
          const absl::Time now = clock_.Now();
          ENT_ASSIGN_OR_RETURN(Mutation m, fn(w, now));
          Stamp(m, now);
          return AnswerOf(m);
        }
        ENT_ASSIGN_OR_RETURN(auto prior, FindPriorRequest<StoredResponse>(
                                             [&w](const std::string& key) { return w.FindResponse(key); },
                                             ctx.caller.name, ctx.request_id, ctx.fingerprint));
        if (prior) return std::move(prior->response);
        const absl::Time now = clock_.Now();
        ENT_ASSIGN_OR_RETURN(Mutation m, fn(w, now));
        effects->timers_changed = !m.schedule.empty() || !m.cancel.empty();
        effects->notices_queued = !m.notices.empty();
        ENT_RETURN_IF_ERROR(Persist(w, m, now, ctx.caller.Actor(), ctx.request_id));
        ENT_ASSIGN_OR_RETURN(Response response, AnswerOf(m));
        ENT_RETURN_IF_ERROR(w.SaveResponse(
            {ScopedRequestKey(ctx.caller.name, ctx.request_id), ctx.fingerprint, response}, now));
        return response;
      },
      [this, done = std::move(done), effects](absl::StatusOr<Response> result) {
        if (result.ok()) {
          Committed(effects->timers_changed, effects->notices_queued);
        }
        done(std::move(result));
      },
      deadline);
}

}  // namespace ent::convention
