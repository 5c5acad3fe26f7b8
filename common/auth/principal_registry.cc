#include "common/auth/principal_registry.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <fstream>
#include <set>
#include <sstream>

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "common/identifiers.h"
#include "ent/auth/v1/principals.pb.h"

namespace ent {

const char* RoleName(Role role) {
  switch (role) {
    case Role::kRectoratService: return "rectorat service";
    case Role::kSupportStaff: return "support staff";
    case Role::kCommunePortal: return "commune portal";
    case Role::kFinance: return "finance";
    case Role::kInternalService: return "internal service";
  }
  return "unknown role";
}

namespace {

class ErrorCollector final : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (first.empty()) first = absl::StrCat("line ", line + 1, ", column ", column + 1, ": ", message);
  }
  std::string first;
};

std::string Sha256(absl::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

}  // namespace

absl::StatusOr<std::shared_ptr<const PrincipalRegistry::Snapshot>> PrincipalRegistry::Parse(
    absl::string_view text, absl::string_view origin) {
  ent::auth::v1::PrincipalsFile file;
  google::protobuf::TextFormat::Parser parser;
  ErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), &file)) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": ", errors.first));
  }
  auto snapshot = std::make_shared<Snapshot>();
  std::set<std::string> names, hashes;
  for (int i = 0; i < file.principals_size(); ++i) {
    const auto& p = file.principals(i);
    const std::string where = absl::StrCat(origin, ": principals[", i, "] ('", p.name(), "')");
    if (p.name().empty() || p.name().size() > 100) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": name must be 1-100 characters"));
    }
    if (!names.insert(p.name()).second) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": name is used twice"));
    }
    if (p.role() == ent::auth::v1::ROLE_UNSPECIFIED || !ent::auth::v1::Role_IsValid(p.role())) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": role is required"));
    }
    std::string hash;
    const std::string hex = absl::AsciiStrToLower(p.token_sha256());
    if (hex.size() != 64 || hex.find_first_not_of("0123456789abcdef") != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": token_sha256 must be 64 hex characters (sha256sum of the token)"));
    }
    hash = absl::HexStringToBytes(hex);
    if (!hashes.insert(hash).second) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": token_sha256 is used twice"));
    }
    Entry entry{hash, Principal{p.name(), static_cast<Role>(p.role()), {}}};
    const bool portal = entry.principal.role == Role::kCommunePortal;
    if (portal && p.insee_codes_size() == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": a commune portal needs at least one insee_codes entry"));
    }
    if (!portal && p.insee_codes_size() > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": insee_codes is only for ROLE_COMMUNE_PORTAL"));
    }
    for (const auto& code : p.insee_codes()) {
      auto insee = NormalizeInseeCode(code);
      if (!insee.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": insee_codes '", code, "' ", insee.status().message()));
      }
      entry.principal.communes.insert(*insee);
    }
    snapshot->push_back(std::move(entry));
  }
  return std::shared_ptr<const Snapshot>(std::move(snapshot));
}

absl::StatusOr<std::unique_ptr<PrincipalRegistry>> PrincipalRegistry::FromText(
    absl::string_view text) {
  auto snapshot = Parse(text, "principals");
  if (!snapshot.ok()) return snapshot.status();
  std::unique_ptr<PrincipalRegistry> registry(new PrincipalRegistry());
  absl::MutexLock lock(&registry->mu_);
  registry->snapshot_ = std::move(*snapshot);
  return registry;
}

absl::StatusOr<std::unique_ptr<PrincipalRegistry>> PrincipalRegistry::Load(std::string path) {
  std::unique_ptr<PrincipalRegistry> registry(new PrincipalRegistry());
  registry->path_ = std::move(path);
  if (auto st = registry->Reload(); !st.ok()) return st;
  return registry;
}

absl::Status PrincipalRegistry::Reload() {
  std::ifstream in(path_);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read principals file ", path_));
  std::stringstream text;
  text << in.rdbuf();
  auto snapshot = Parse(text.str(), path_);
  if (!snapshot.ok()) return snapshot.status();
  absl::MutexLock lock(&mu_);
  snapshot_ = std::move(*snapshot);
  return absl::OkStatus();
}

size_t PrincipalRegistry::size() const {
  absl::MutexLock lock(&mu_);
  return snapshot_->size();
}

absl::StatusOr<Principal> PrincipalRegistry::Authenticate(absl::string_view authorization) const {
  if (authorization.empty()) {
    return absl::UnauthenticatedError(
        "missing credentials: send the metadata 'authorization: Bearer <token>'");
  }
  absl::string_view token = authorization;
  if (!absl::ConsumePrefix(&token, "Bearer ") || token.empty() || token.size() > 512) {
    return absl::UnauthenticatedError(
        "malformed authorization metadata: expected 'Bearer <token>'");
  }
  const std::string hash = Sha256(token);
  std::shared_ptr<const Snapshot> snapshot;
  {
    absl::MutexLock lock(&mu_);
    snapshot = snapshot_;
  }
  // Compare with every entry, in constant time, without stopping early.
  const Entry* match = nullptr;
  for (const Entry& e : *snapshot) {
    if (CRYPTO_memcmp(e.token_hash.data(), hash.data(), hash.size()) == 0) match = &e;
  }
  if (match == nullptr) return absl::UnauthenticatedError("unknown or revoked token");
  return match->principal;
}

}  // namespace ent
