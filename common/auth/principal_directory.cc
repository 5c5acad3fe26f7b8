#include "common/auth/principal_directory.h"

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
#include "common/registry/commune_registry.h"
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

std::string Principal::Actor() const {
  if (!person) return name;
  std::string who = person->display_name;
  if (!person->email.empty()) {
    who = who.empty() ? person->email : absl::StrCat(who, " <", person->email, ">");
  }
  if (who.empty()) who = person->subject;
  std::string actor =
      absl::StrCat(who, " (", RoleName(role), ", ", person->provider, ":", person->subject, ")");
  if (!via.empty()) absl::StrAppend(&actor, " via ", via);
  return actor;
}

Author Principal::AsAuthor() const {
  Author a{Actor(), "", ""};
  if (person) {
    a.display_name = person->display_name;
    a.email = person->email;
  }
  return a;
}

bool SamePrincipal(const Principal& a, const Principal& b) {
  return a.name == b.name && a.role == b.role && a.communes == b.communes && a.via == b.via;
}

absl::StatusOr<std::shared_ptr<const PrincipalDirectory::Snapshot>> PrincipalDirectory::Parse(
    absl::string_view text, absl::string_view origin) const {
  ent::auth::v1::PrincipalsFile file;
  google::protobuf::TextFormat::Parser parser;
  ErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), &file)) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": ", errors.first));
  }
  auto snapshot = std::make_shared<Snapshot>();
  std::set<std::string> names, hashes, certificates;
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
    Entry entry;
    entry.principal.name = p.name();
    entry.principal.role = static_cast<Role>(p.role());
    if (!p.token_sha256().empty() || p.certificates_size() == 0) {
      const std::string hex = absl::AsciiStrToLower(p.token_sha256());
      if (hex.size() != 64 || hex.find_first_not_of("0123456789abcdef") != std::string::npos) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": token_sha256 must be 64 hex characters (sha256sum of the token)",
            p.certificates_size() == 0 ? ", unless certificates are given" : ""));
      }
      entry.token_hash = absl::HexStringToBytes(hex);
      if (!hashes.insert(entry.token_hash).second) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": token_sha256 is used twice"));
      }
    }
    for (const std::string& c : p.certificates()) {
      if (!(absl::StartsWith(c, "subject:") || absl::StartsWith(c, "DNS:") ||
            absl::StartsWith(c, "URI:") || absl::StartsWith(c, "email:") ||
            absl::StartsWith(c, "IP:")) ||
          c.size() > 500) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": certificates '", c,
            "' must start with subject:, DNS:, URI:, email: or IP: (at most 500 characters)"));
      }
      if (!certificates.insert(c).second) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": certificates '", c, "' names two principals"));
      }
      entry.certificates.push_back(c);
    }
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
    snapshot->entries.push_back(std::move(entry));
  }
  std::set<std::string> provider_names, issuers;
  for (int i = 0; i < file.identity_providers_size(); ++i) {
    const auto& config = file.identity_providers(i);
    const std::string where =
        absl::StrCat(origin, ": identity_providers[", i, "] ('", config.name(), "')");
    if (!provider_names.insert(config.name()).second || !issuers.insert(config.issuer()).second) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": name or issuer is used twice"));
    }
    if (!config.siret_claim().empty() && options_.communes == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": siret_claim needs the communes list, which this tool lacks"));
    }
    // A provider the services trust must say who gets which role.
    if (config.roles_size() == 0) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": roles needs at least one rule"));
    }
    auto provider = OidcProvider::Create(config, where, options_.oidc);
    if (!provider.ok()) return provider.status();
    snapshot->providers.push_back(std::move(*provider));
  }
  return std::shared_ptr<const Snapshot>(std::move(snapshot));
}

absl::StatusOr<std::unique_ptr<PrincipalDirectory>> PrincipalDirectory::FromText(
    absl::string_view text, Options options) {
  std::unique_ptr<PrincipalDirectory> registry(new PrincipalDirectory(std::move(options)));
  auto snapshot = registry->Parse(text, "principals");
  if (!snapshot.ok()) return snapshot.status();
  absl::MutexLock lock(&registry->mu_);
  registry->snapshot_ = std::move(*snapshot);
  return registry;
}

absl::StatusOr<std::unique_ptr<PrincipalDirectory>> PrincipalDirectory::Load(std::string path,
                                                                           Options options) {
  std::unique_ptr<PrincipalDirectory> registry(new PrincipalDirectory(std::move(options)));
  registry->path_ = std::move(path);
  if (auto st = registry->Reload(); !st.ok()) return st;
  return registry;
}

absl::Status PrincipalDirectory::Reload() {
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

std::shared_ptr<const PrincipalDirectory::Snapshot> PrincipalDirectory::Current() const {
  absl::MutexLock lock(&mu_);
  return snapshot_;
}

size_t PrincipalDirectory::size() const { return Current()->entries.size(); }

std::vector<std::shared_ptr<OidcProvider>> PrincipalDirectory::providers() const {
  return Current()->providers;
}

absl::StatusOr<Principal> PrincipalDirectory::Authenticate(absl::string_view authorization) const {
  CallCredentials credentials;
  credentials.authorization = std::string(authorization);
  return Authenticate(credentials);
}

absl::StatusOr<Principal> PrincipalDirectory::FromBearer(const Snapshot& snapshot,
                                                        absl::string_view authorization,
                                                        bool tokens_only,
                                                        std::string* detail) const {
  absl::string_view token = authorization;
  if (!absl::ConsumePrefix(&token, "Bearer ") || token.empty() || token.size() > 16 * 1024) {
    if (detail != nullptr) *detail = "not 'Bearer <token>'";
    return absl::UnauthenticatedError(
        "malformed authorization metadata: expected 'Bearer <token>'");
  }
  const std::string issuer = UnverifiedIssuer(token);
  if (!issuer.empty()) {
    for (const auto& provider : snapshot.providers) {
      if (provider->config().issuer() != issuer) continue;
      std::string why;
      auto claims = provider->Verify(token, &why);
      if (!claims.ok()) {
        if (detail != nullptr) *detail = absl::StrCat(provider->config().name(), ": ", why);
        return claims.status();
      }
      return FromClaims(*provider, *claims, detail);
    }
    if (detail != nullptr) *detail = absl::StrCat("JWT of untrusted issuer '", issuer, "'");
    return absl::UnauthenticatedError("token issuer is not trusted by this service");
  }
  if (tokens_only) {
    if (detail != nullptr) *detail = "forwarded user token is not a JWT";
    return absl::UnauthenticatedError(
        "x-ent-user-authorization must carry the user's access token (a JWT)");
  }
  if (token.size() > 512) {
    if (detail != nullptr) *detail = absl::StrCat("opaque token of ", token.size(), " bytes");
    return absl::UnauthenticatedError("unknown or revoked token");
  }
  const std::string hash = Sha256(token);
  // Compare with every entry, in constant time, without stopping early.
  const Entry* match = nullptr;
  for (const Entry& e : snapshot.entries) {
    if (e.token_hash.size() == hash.size() &&
        CRYPTO_memcmp(e.token_hash.data(), hash.data(), hash.size()) == 0) {
      match = &e;
    }
  }
  if (match == nullptr) {
    if (detail != nullptr) *detail = "no principal has this token";
    return absl::UnauthenticatedError("unknown or revoked token");
  }
  return match->principal;
}

absl::StatusOr<Principal> PrincipalDirectory::FromClaims(const OidcProvider& provider,
                                                        const TokenClaims& claims,
                                                        std::string* detail) const {
  const auth::v1::IdentityProvider& config = provider.config();
  Principal p;
  p.name = absl::StrCat(config.name(), ":", claims.subject);
  p.expires = claims.expires;
  bool matched = false;
  for (const auto& rule : config.roles()) {
    if (claims.Has(rule.claim(), rule.value())) {
      p.role = static_cast<Role>(rule.role());
      matched = true;
      break;
    }
  }
  const std::string name_claim = config.name_claim().empty() ? "name" : config.name_claim();
  const std::string email_claim = config.email_claim().empty() ? "email" : config.email_claim();
  Person person{config.name(), claims.subject, claims.First(name_claim), claims.First(email_claim)};
  if (person.display_name.empty() && config.name_claim().empty()) {
    std::string family = claims.First("usual_name");
    if (family.empty()) family = claims.First("family_name");
    person.display_name = std::string(
        absl::StripAsciiWhitespace(absl::StrCat(claims.First("given_name"), " ", family)));
  }
  // A client's own token (client credentials) names no person.
  if (!person.display_name.empty() || !person.email.empty()) p.person = std::move(person);
  if (!matched) {
    if (detail != nullptr) *detail = absl::StrCat(p.name, ": no role rule matches");
    return absl::PermissionDeniedError(absl::StrCat(
        "signed in as ", p.Actor(), ", who has no role in this service: ask for access"));
  }
  if (p.role == Role::kCommunePortal) {
    if (!config.siret_claim().empty()) {
      const std::string siret = claims.First(config.siret_claim());
      const CommuneEntry* commune =
          siret.size() == 14 ? options_.communes->FindBySiren(siret.substr(0, 9)) : nullptr;
      if (commune != nullptr) p.communes.insert(commune->insee_code);
    }
    if (!config.insee_claim().empty()) {
      auto it = claims.values.find(config.insee_claim());
      if (it != claims.values.end()) {
        for (const std::string& code : it->second) {
          if (auto insee = NormalizeInseeCode(code); insee.ok()) p.communes.insert(*insee);
        }
      }
    }
    if (p.communes.empty()) {
      if (detail != nullptr) *detail = absl::StrCat(p.name, ": no commune from its claims");
      return absl::PermissionDeniedError(absl::StrCat(
          "signed in as ", p.Actor(), ", whose organisation is not a commune this service knows",
          config.siret_claim().empty() ? "" : absl::StrCat(" (SIRET '", claims.First(config.siret_claim()), "')")));
    }
  }
  return p;
}

absl::StatusOr<Principal> PrincipalDirectory::Authenticate(const CallCredentials& credentials,
                                                          std::string* detail) const {
  std::shared_ptr<const Snapshot> snapshot = Current();
  absl::StatusOr<Principal> caller;
  if (!credentials.authorization.empty()) {
    caller = FromBearer(*snapshot, credentials.authorization, false, detail);
  } else if (!credentials.certificate_names.empty()) {
    const Entry* match = nullptr;
    for (const Entry& e : snapshot->entries) {
      for (const std::string& c : e.certificates) {
        for (const std::string& n : credentials.certificate_names) {
          if (c == n && match == nullptr) match = &e;
        }
      }
    }
    if (match == nullptr) {
      if (detail != nullptr) {
        *detail = absl::StrCat("unknown certificate ", credentials.certificate_names.front());
      }
      return absl::UnauthenticatedError(absl::StrCat(
          "client certificate ", credentials.certificate_names.front(),
          " is not known to this service: add it to a principal's certificates, or send a token"));
    }
    caller = match->principal;
  } else {
    if (detail != nullptr) *detail = "no credentials";
    return absl::UnauthenticatedError(
        "missing credentials: send the metadata 'authorization: Bearer <token>'");
  }
  if (!caller.ok() || credentials.user_authorization.empty()) return caller;

  // A portal acting for its signed-in user.
  if (caller->role != Role::kCommunePortal) {
    if (detail != nullptr) *detail = absl::StrCat(caller->name, " forwarded a user token");
    return absl::PermissionDeniedError(absl::StrCat(
        "principal '", caller->name, "' (", RoleName(caller->role),
        ") may not act for another user: only a commune portal forwards its user's token"));
  }
  std::string why;
  auto user = FromBearer(*snapshot, credentials.user_authorization, true, &why);
  if (!user.ok()) {
    if (detail != nullptr) *detail = absl::StrCat("forwarded by ", caller->name, ": ", why);
    return absl::Status(user.status().code(),
                        absl::StrCat("the forwarded user token: ", user.status().message()));
  }
  if (user->role != Role::kCommunePortal) {
    if (detail != nullptr) *detail = absl::StrCat(user->name, " is not a commune's agent");
    return absl::PermissionDeniedError(absl::StrCat(
        "principal '", caller->name, "' may act only for agents of its communes, and ",
        user->Actor(), " is not one"));
  }
  std::set<std::string> both;
  for (const std::string& c : user->communes) {
    if (caller->ActsFor(c)) both.insert(c);
  }
  if (both.empty()) {
    if (detail != nullptr) *detail = absl::StrCat(user->name, ": no commune of ", caller->name);
    return absl::PermissionDeniedError(absl::StrCat(
        user->Actor(), " acts for no commune of principal '", caller->name, "'"));
  }
  user->communes = std::move(both);
  user->via = caller->name;
  return user;
}

}  // namespace ent
