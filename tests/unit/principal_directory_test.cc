#include "common/auth/principal_directory.h"

#include <gtest/gtest.h>

#include "absl/synchronization/notification.h"
#include "common/grpc/request_fingerprint.h"
#include "common/grpc/stream_guard.h"

namespace ent {
namespace {

std::string Entry(const std::string& name, const std::string& role, const std::string& token,
                  const std::string& extra = "") {
  return "principals { name: \"" + name + "\" role: " + role + " token_sha256: \"" +
         Sha256Hex(token) + "\" " + extra + " }\n";
}

TEST(PrincipalDirectoryTest, AuthenticatesBearerTokensByTheirHash) {
  auto registry = PrincipalDirectory::FromText(
      Entry("rectorat", "ROLE_RECTORAT_SERVICE", "secret-1") +
      Entry("portal", "ROLE_COMMUNE_PORTAL", "secret-2", "insee_codes: \"30227\" insee_codes: \"2a004\""));
  ASSERT_TRUE(registry.ok()) << registry.status();
  auto rectorat = (*registry)->Authenticate("Bearer secret-1");
  ASSERT_TRUE(rectorat.ok());
  EXPECT_EQ(rectorat->name, "rectorat");
  EXPECT_EQ(rectorat->role, Role::kRectoratService);
  auto portal = (*registry)->Authenticate("Bearer secret-2");
  ASSERT_TRUE(portal.ok());
  EXPECT_TRUE(portal->ActsFor("30227"));
  EXPECT_TRUE(portal->ActsFor("2A004"));
  EXPECT_FALSE(portal->ActsFor("34172"));
}

TEST(PrincipalDirectoryTest, RefusesMissingMalformedAndUnknownTokens) {
  auto registry = PrincipalDirectory::FromText(Entry("r", "ROLE_RECTORAT_SERVICE", "secret"));
  ASSERT_TRUE(registry.ok());
  for (const char* value : {"", "secret", "Basic c2VjcmV0", "Bearer ", "bearer secret",
                            "Bearer secret2", "Bearer secre"}) {
    auto p = (*registry)->Authenticate(value);
    EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated) << value;
    EXPECT_EQ(p.status().message().find("secret"), absl::string_view::npos)
        << "the token must not be echoed: " << p.status();
  }
}

TEST(PrincipalDirectoryTest, RejectsInvalidFilesNamingTheEntry) {
  const std::pair<std::string, std::string> cases[] = {
      {"principals { name: \"x\" role: ROLE_FINANCE token_sha256: \"abc\" }", "64 hex"},
      {Entry("x", "ROLE_UNSPECIFIED", "t"), "role is required"},
      {Entry("x", "ROLE_FINANCE", "t") + Entry("x", "ROLE_FINANCE", "u"), "name is used twice"},
      {Entry("x", "ROLE_FINANCE", "t") + Entry("y", "ROLE_FINANCE", "t"), "token_sha256 is used twice"},
      {Entry("p", "ROLE_COMMUNE_PORTAL", "t"), "at least one insee_codes"},
      {Entry("p", "ROLE_FINANCE", "t", "insee_codes: \"30227\""), "only for ROLE_COMMUNE_PORTAL"},
      {Entry("p", "ROLE_COMMUNE_PORTAL", "t", "insee_codes: \"3022\""), "insee_codes '3022'"},
      {"principals { nom: \"x\" }", "line 1"},
  };
  for (const auto& [text, expected] : cases) {
    auto registry = PrincipalDirectory::FromText(text);
    ASSERT_FALSE(registry.ok()) << text;
    EXPECT_NE(registry.status().message().find(expected), absl::string_view::npos)
        << registry.status() << " for " << text;
  }
}

}  // namespace
}  // namespace ent

namespace ent {
namespace {

class RecordingStream final : public GuardedStream {
 public:
  void End(const grpc::Status& status) override {
    if (ended.HasBeenNotified()) return;
    last = status;
    ended.Notify();
  }
  absl::Notification ended;
  grpc::Status last;
};

TEST(StreamGuardTest, AStreamEndsWhenItsAccessTokenExpires) {
  auto registry = PrincipalDirectory::FromText("");
  ASSERT_TRUE(registry.ok());
  StreamGuard guard(**registry, absl::Hours(1));
  RecordingStream person, service;
  Principal signed_in;
  signed_in.name = "academie:agent-1";
  signed_in.expires = absl::Now() + absl::Milliseconds(300);
  Principal static_token;
  static_token.name = "support-dsii";
  guard.Add(&person, CallCredentials{}, signed_in);
  guard.Add(&service, CallCredentials{}, static_token);
  ASSERT_TRUE(person.ended.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_EQ(person.last.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(person.last.error_message().find("expired"), std::string::npos);
  EXPECT_FALSE(service.ended.HasBeenNotified()) << "a static credential does not expire";
  guard.Remove(&service);
}

}  // namespace
}  // namespace ent
