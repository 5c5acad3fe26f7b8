#include "convention-service/domain/convention.h"

#include "absl/strings/str_cat.h"

namespace ent::convention {

const char* StateName(State s) {
  switch (s) {
    case State::kDraft: return "DRAFT";
    case State::kSigning: return "SIGNING";
    case State::kActive: return "ACTIVE";
    case State::kTerminating: return "TERMINATING";
    case State::kTerminated: return "TERMINATED";
    case State::kExpired: return "EXPIRED";
    case State::kCancelled: return "CANCELLED";
  }
  return "UNKNOWN";
}

const char* PartyRoleName(PartyRole r) {
  return r == PartyRole::kAcademie ? "académie" : "commune";
}

const Signature* Convention::SignatureOf(PartyRole role) const {
  for (const auto& s : signatures) {
    if (s.party == role) return &s;
  }
  return nullptr;
}

const School* Convention::FindSchool(const std::string& uai) const {
  for (const auto& s : schools) {
    if (s.uai == uai) return &s;
  }
  return nullptr;
}

std::string Convention::Etag() const { return absl::StrCat(version); }

}  // namespace ent::convention
