// entctl against the real services (simulated clocks): each command family,
// human and JSON output, error messages and exit codes.
#include <cstdio>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "demo/saint_ambroix.h"
#include "ent/convention/v1/convention_service.grpc.pb.h"
#include "tests/support/pdf_tools.h"
#include "tests/support/service_pair.h"
#include "tests/support/service_process.h"
#include "tests/support/test_principals.h"

namespace ent::entctl {
namespace {

using testing::TestPrincipals;
using ::testing::HasSubstr;
using ::testing::Not;

struct Outcome {
  int exit_code = -1;
  std::string out;  // stdout and stderr
};

class EntctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::ServicePair pair;
    ASSERT_TRUE(testing::StartServicePair(principals_, billing_dir_.path(), conventions_dir_.path(),
                                          "2021-11-20T10:00:00+01:00", "2021-11-03T15:00:00+01:00",
                                          &pair)
                    .ok());
    billing_ = std::move(pair.billing);
    conventions_ = std::move(pair.conventions);
    // Token files per principal, as support staff would keep them.
    for (const char* who : {TestPrincipals::kRectorat, TestPrincipals::kSupport,
                            TestPrincipals::kFinance, TestPrincipals::kPortal34172}) {
      std::ofstream(conventions_dir_.path() + "/" + who + ".token") << principals_.Token(who);
    }
  }

  // Runs entctl as `who` with `command`.
  Outcome Entctl(const std::string& who, const std::string& command) {
    return EntctlWith(absl::StrCat("--token-file ", conventions_dir_.path(), "/", who, ".token ",
                                   command));
  }
  // Runs entctl against both services with `arguments` as they are.
  Outcome EntctlWith(const std::string& arguments) {
    return Shell(absl::StrCat(testing::BinaryPath("entctl/entctl"), " --convention-endpoint ",
                              conventions_->address(), " --billing-endpoint ", billing_->address(),
                              " ", arguments));
  }
  // Runs a shell command line; its stdout and stderr, and its exit code.
  static Outcome Shell(const std::string& line) {
    Outcome r;
    FILE* p = popen((line + " 2>&1").c_str(), "r");
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0) r.out.append(buf, n);
    const int status = pclose(p);
    r.exit_code = WEXITSTATUS(status);
    return r;
  }

  void LoadSaintAmbroix() {
    auto stub = ent::convention::v1::ConventionService::NewStub(conventions_->Channel());
    ent::convention::v1::Convention c;
    auto call = [&](auto method, const auto& req) {
      grpc::ClientContext ctx;
      principals_.Authorize(ctx, TestPrincipals::kRectorat);
      ASSERT_TRUE(((*stub).*method)(&ctx, req, &c).ok());
    };
    call(&ent::convention::v1::ConventionService::Stub::CreateConvention, demo::SaintAmbroixCreate());
    call(&ent::convention::v1::ConventionService::Stub::RecordDeliberation, demo::SaintAmbroixDeliberation());
    call(&ent::convention::v1::ConventionService::Stub::SignConvention, demo::SaintAmbroixAcademieSignature());
    call(&ent::convention::v1::ConventionService::Stub::SignConvention, demo::SaintAmbroixCommuneSignature());
  }

  testing::TempDir billing_dir_;
  testing::TempDir conventions_dir_;
  TestPrincipals principals_{billing_dir_.path()};
  std::unique_ptr<testing::ServiceProcess> billing_;
  std::unique_ptr<testing::ServiceProcess> conventions_;
};

TEST_F(EntctlTest, ConventionsTimelineAndHistory) {
  LoadSaintAmbroix();
  Outcome r = Entctl(TestPrincipals::kSupport, "conventions list --commune 30227");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("conventions/30227-2021"));
  EXPECT_THAT(r.out, HasSubstr("ACTIVE"));
  r = Entctl(TestPrincipals::kSupport, "convention show conventions/30227-2021");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("2021-10-29  deliberation enforceable"));
  EXPECT_THAT(r.out, HasSubstr("2021-12-30  last day to challenge it"));
  EXPECT_THAT(r.out, HasSubstr("2021-11-03  in force"));
  // Acts in date order: the académie signed (11 October) before the council
  // met (27 October); the deliberation became enforceable, then the commune
  // signed and it took effect.
  const size_t signed_academie = r.out.find("2021-10-11  signed by the ACADEMIE");
  const size_t deliberation = r.out.find("2021-10-27  deliberation n°");
  const size_t enforceable = r.out.find("2021-10-29  deliberation enforceable");
  const size_t in_force = r.out.find("2021-11-03  in force");
  ASSERT_NE(signed_academie, std::string::npos) << r.out;
  EXPECT_LT(signed_academie, deliberation);
  EXPECT_LT(deliberation, enforceable);
  EXPECT_LT(enforceable, in_force);
  EXPECT_THAT(r.out, HasSubstr("0300673U"));
  EXPECT_THAT(r.out, HasSubstr("warning: end date 2022-09-01 is outside the school year"));
  EXPECT_THAT(r.out, HasSubstr("checked against the INSEE list: @etalab/decoupage-administratif"));
  // Communes by name, from the INSEE list shipped beside entctl.
  r = Entctl(TestPrincipals::kSupport, "conventions list --commune 'Saint-Ambroix'");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("18198 (Saint-Ambroix, Cher, 18); 30227 (Saint-Ambroix, Gard, 30)"));
  r = Entctl(TestPrincipals::kSupport, "conventions list --commune 'nimes'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("no conventions"));
  r = Entctl(TestPrincipals::kSupport, "statement 'Saint-Ambroix'");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  r = Entctl(TestPrincipals::kSupport, "conventions list --with-warnings");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("conventions/30227-2021: warning: end date 2022-09-01"));
  r = Entctl(TestPrincipals::kSupport, "convention events conventions/30227-2021");
  EXPECT_THAT(r.out, HasSubstr("ACTIVATED"));
  r = Entctl(TestPrincipals::kSupport, "--output json convention show conventions/30227-2021");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("\"state\": \"STATE_ACTIVE\""));
}

// The clock takes a date or a Paris date and time; on the real clock the
// clock commands explain where the clock moves.
TEST_F(EntctlTest, ClockTakesDatesAndExplainsTheRealClock) {
  Outcome r = Entctl(TestPrincipals::kRectorat, "clock set 2022-06-01");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("now 2022-06-01 00:00:00 +02:00"));
  r = Entctl(TestPrincipals::kRectorat, "clock set 2022-06-02T10:30");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("now 2022-06-02 10:30:00 +02:00"));
  r = Entctl(TestPrincipals::kRectorat, "clock set 'le 3 juin'");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("is not a date (2022-05-03, midnight in Paris)"));

  // A restart resumes where the clock stopped: it never goes backwards.
  conventions_->Stop();
  ASSERT_TRUE(conventions_->Start().ok());
  r = Entctl(TestPrincipals::kSupport, "clock get");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("2022-06-02 10:30:00 +02:00"));

  testing::TempDir real_dir;
  testing::ServiceProcess real(testing::BinaryPath("convention-service/ent-convention-service"),
                               real_dir.path(), {"--principals=" + principals_.path()});
  ASSERT_TRUE(real.Start().ok());
  r = EntctlWith(absl::StrCat("--convention-endpoint ", real.address(), " --token-file ",
                              conventions_dir_.path(), "/", TestPrincipals::kSupport,
                              ".token clock get"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("runs on the real clock, which no command moves"));
}

// Completion and the manual come from the command definitions: every command
// is in both, and bash completes nouns, verbs and a command's flags.
TEST_F(EntctlTest, CompletionAndManualCoverEveryCommand) {
  const std::string entctl = testing::BinaryPath("entctl/entctl");
  Outcome r = Shell(absl::StrCat(
      "bash -c 'source <(", entctl, " completion bash) && "
      "COMP_WORDS=(entctl disp); COMP_CWORD=1; _entctl; echo \"nouns: ${COMPREPLY[*]}\"; "
      "COMP_WORDS=(entctl dispute te); COMP_CWORD=2; _entctl; echo \"verbs: ${COMPREPLY[*]}\"; "
      "COMP_WORDS=(entctl dispute terminate x --le); COMP_CWORD=4; _entctl; "
      "echo \"flags: ${COMPREPLY[*]}\"'"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("nouns: dispute disputes"));
  EXPECT_THAT(r.out, HasSubstr("verbs: terminate"));
  EXPECT_THAT(r.out, HasSubstr("flags: --letter-ref"));
  r = Shell(entctl + " man");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, ::testing::StartsWith(".TH ENTCTL 1"));
  for (const char* command : {"conventions list", "dispute terminate", "titre issue", "timer retry",
                              "outbox retry", "payment record", "clock set"}) {
    EXPECT_THAT(r.out, HasSubstr(absl::StrCat(".B ", command))) << command;
  }
  r = Shell(entctl + " help");
  EXPECT_THAT(r.out, HasSubstr("completion bash"));
}

TEST_F(EntctlTest, DisputeDeadlinesAndClock) {
  LoadSaintAmbroix();
  Outcome r = Entctl(TestPrincipals::kRectorat, "clock set 2022-03-31T10:00:00+02:00");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  r = Entctl(TestPrincipals::kSupport,
             "dispute open conventions/30227-2021 --party commune --grievances 'comptes non activés' "
             "--notice-ref 'LRAR 1A' --sent 2022-03-31");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("conciliation due by 2022-05-02"));
  r = Entctl(TestPrincipals::kSupport, "deadlines");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("2022-05-02  32"));  // days left from 31 March
  EXPECT_THAT(r.out, HasSubstr("CONCILIATION"));
  r = Entctl(TestPrincipals::kRectorat, "clock advance 33d");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("1 timer(s) fired"));
  EXPECT_THAT(r.out, HasSubstr("now 2022-05-03 10:00:00 +02:00"));  // Paris, with the offset
  r = Entctl(TestPrincipals::kSupport, "dispute show conventions/30227-2021/disputes/1");
  EXPECT_THAT(r.out, HasSubstr("CONCILIATION_LAPSED"));
  // The names people write: "30227-2021/1" for the dispute, "30227-2021" for the convention.
  r = Entctl(TestPrincipals::kSupport, "dispute show 30227-2021/1");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("CONCILIATION_LAPSED"));
  EXPECT_THAT(r.out, HasSubstr("lapsed: no conciliation was recorded by 2022-05-02; next: either "
                               "party may send its termination letter (entctl dispute terminate "
                               "30227-2021/disputes/1"));
  r = Entctl(TestPrincipals::kSupport, "disputes list --convention 30227-2021");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("conventions/30227-2021/disputes/1"));
  // The conciliation lapsed: the commune sends its termination letter; 15 days
  // later the convention ends, and its timeline says the end date was superseded.
  r = Entctl(TestPrincipals::kSupport,
             "dispute terminate 30227-2021/1 --party commune --reasons 'service non rendu' "
             "--letter-ref 'LRAR 2B' --sent 2022-05-03");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  r = Entctl(TestPrincipals::kRectorat, "clock advance 20d");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  r = Entctl(TestPrincipals::kSupport, "convention show 30227-2021");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("TERMINATED"));
  EXPECT_THAT(r.out, HasSubstr("end date (Article 3), superseded: it ended on 2022-05-"));
  EXPECT_THAT(r.out, HasSubstr("dispute 1: termination effective"));
  r = Entctl(TestPrincipals::kSupport, "dispute show 30227-2021/1");
  EXPECT_THAT(r.out, HasSubstr("terminated: the convention ended on 2022-05-"));
  r = Entctl(TestPrincipals::kSupport, "outbox list --state dead");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("no outbox messages in that state"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("ATTEMPTS")));
  // Errors: the service's (exit 1, with the rule) and the command line's (exit 2).
  r = Entctl(TestPrincipals::kSupport,
             "dispute conciliation conventions/30227-2021/disputes/1 --date 2022-04-20 --outcome failed");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("not allowed now (FAILED_PRECONDITION)"));
  // For scripts, the same refusal as JSON: the code's name, the message, each violation.
  r = Entctl(TestPrincipals::kSupport,
             "--output json dispute conciliation conventions/30227-2021/disputes/1 --date 2022-04-20 "
             "--outcome failed");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("\"code\": \"FAILED_PRECONDITION\""));
  EXPECT_THAT(r.out, HasSubstr("\"message\": "));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("entctl: not allowed now")));
  r = Entctl(TestPrincipals::kSupport, "--output json timer retry timers/+1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("\"field_violations\": ["));
  EXPECT_THAT(r.out, HasSubstr("\"field\": \"name\""));
  r = Entctl(TestPrincipals::kSupport, "dispute conciliation conventions/30227-2021/disputes/1 --date 2022-04-31 --outcome failed");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.out, HasSubstr("--date"));
  r = Entctl(TestPrincipals::kSupport, "dispute show conventions/x/disputes/zero");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("name: must be conventions/{convention}/disputes/{number}"));
  r = Entctl(TestPrincipals::kPortal34172, "convention show conventions/30227-2021");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("permission denied"));
}

TEST_F(EntctlTest, BillingTitresPaymentsAndStatements) {
  LoadSaintAmbroix();
  // The service's message names the entctl command to run, not its RPC.
  Outcome r = Entctl(TestPrincipals::kFinance, "titre issue 30227-2021 --school-year 2021-2022");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("set it first (entctl tariff set)"));
  // An empty list in JSON is [] (every field is printed, one shape for scripts).
  r = Entctl(TestPrincipals::kFinance, "--output json titres list --commune 34172");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("\"titres\": []"));
  r = Entctl(TestPrincipals::kFinance,
             "tariff set 2021-2022 --price-cents 5000 --legal-basis 'Convention ENT-école, art. 5'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("50,00 €"));
  // The activation notice reaches billing through the outbox.
  for (int i = 0; i < 250; ++i) {
    r = Entctl(TestPrincipals::kFinance, "titre issue conventions/30227-2021 --school-year 2021-2022");
    if (r.exit_code == 0) break;
    usleep(20000);
  }
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("titre de perception 2021-000001"));
  EXPECT_THAT(r.out, HasSubstr("total 100,00 € TTC"));
  EXPECT_THAT(r.out, HasSubstr("TVA non applicable"));
  r = Entctl(TestPrincipals::kFinance,
             "payment record 2021-000001 --amount-cents 20000 --date 2021-11-20 --reference VIR1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("overpayment refused"));
  r = Entctl(TestPrincipals::kFinance,
             "payment record 2021-000001 --amount-cents 4000 --date 2021-11-20 --reference VIR1 "
             "--request-id pay-vir1");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("request id pay-vir1 (a retry with --request-id pay-vir1 cannot act twice)"));
  // The retry after a timeout acts once; the same transfer entered anew is refused.
  r = Entctl(TestPrincipals::kFinance,
             "payment record 2021-000001 --amount-cents 4000 --date 2021-11-20 --reference VIR1 "
             "--request-id pay-vir1");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  r = Entctl(TestPrincipals::kFinance,
             "payment record 2021-000001 --amount-cents 4000 --date 2021-11-20 --reference VIR1");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("'VIR1' is already recorded on titres/2021-000001"));
  r = Entctl(TestPrincipals::kSupport, "statement 30227");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("balance 60,00 €"));
  EXPECT_THAT(r.out, HasSubstr("PARTIALLY_PAID"));
  // An online backup of both databases, by support staff only (on
  // PostgreSQL, the services say that PostgreSQL's tools take them).
  r = Entctl(TestPrincipals::kSupport, "admin backup");
  if (testing::TestsOnPostgres()) {
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_THAT(r.out, HasSubstr("convention-service: entctl: not allowed now (FAILED_PRECONDITION): this instance keeps "
                                 "its data in PostgreSQL"));
  } else {
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_THAT(r.out, HasSubstr("convention-service: " + conventions_dir_.path() + "/backups/convention-"));
    EXPECT_THAT(r.out, HasSubstr("billing-service: " + billing_dir_.path() + "/backups/billing-"));
    EXPECT_THAT(r.out, HasSubstr("integrity ok"));
  }
  r = Entctl(TestPrincipals::kFinance, "admin backup");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("may not create backups"));
  r = Entctl(TestPrincipals::kFinance, "numbering check 2021");
  EXPECT_THAT(r.out, HasSubstr("1 titre(s), last number 2021-000001, 0 gap(s), 0 duplicate(s)"));
  r = Entctl(TestPrincipals::kSupport, "campaign run 2021-2022");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("permission denied"));
  r = Entctl(TestPrincipals::kFinance, "titre issue conventions/30227-2021 --school-year 2021-22");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("school_year: must be YYYY-YYYY"));
  r = Entctl(TestPrincipals::kFinance, "titre issue conventions/30227-2021 --schol-year 2021-2022");
  EXPECT_EQ(r.exit_code, 2);
}

// The documents: written to -o FILE (or under their own name), read back.
TEST_F(EntctlTest, DocumentsAreWrittenToFiles) {
  LoadSaintAmbroix();
  Outcome r = Entctl(TestPrincipals::kFinance,
                     "tariff set 2021-2022 --price-cents 5000 --legal-basis 'Convention ENT-école, art. 5'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  for (int i = 0; i < 250; ++i) {
    r = Entctl(TestPrincipals::kFinance, "titre issue 30227-2021 --school-year 2021-2022");
    if (r.exit_code == 0) break;
    usleep(20000);
  }
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string dir = conventions_dir_.path();
  r = Entctl(TestPrincipals::kSupport, "titre pdf 2021-000001 -o " + dir + "/titre.pdf");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("wrote " + dir + "/titre.pdf: Titre de perception n° 2021-000001 (application/pdf, "));
  std::ifstream titre(dir + "/titre.pdf", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(titre)), std::istreambuf_iterator<char>());
  auto text = testing::PdfText(bytes);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_THAT(*text, HasSubstr("cent euros (100,00 €)"));

  r = Entctl(TestPrincipals::kRectorat, "clock set 2022-03-31T10:00:00+02:00");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = Entctl(TestPrincipals::kSupport,
             "dispute open 30227-2021 --party commune --grievances 'comptes non activés' "
             "--notice-ref 'LRAR 1A' --sent 2022-03-31");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  // Without -o: the document's own name, in the current directory.
  r = Shell(absl::StrCat("cd ", dir, " && ", testing::BinaryPath("entctl/entctl"),
                         " --convention-endpoint ", conventions_->address(), " --token-file ", dir,
                         "/", TestPrincipals::kSupport, ".token dispute letter 30227-2021/1 --kind notice"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("wrote mise-en-demeure-30227-2021-litige-1.pdf"));
  std::ifstream notice(dir + "/mise-en-demeure-30227-2021-litige-1.pdf", std::ios::binary);
  const std::string notice_bytes((std::istreambuf_iterator<char>(notice)), std::istreambuf_iterator<char>());
  text = testing::PdfText(notice_bytes);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_THAT(*text, HasSubstr("au plus tard le lundi 2 mai 2022"));
  r = Entctl(TestPrincipals::kSupport, "dispute letter 30227-2021/1 --kind termination -o " + dir + "/t.pdf");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("no termination letter"));
  r = Entctl(TestPrincipals::kSupport, "dispute letter 30227-2021/1 --kind avis");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("--kind: 'avis' is not a letter: notice, termination or conciliation"));
  r = Entctl(TestPrincipals::kPortal34172, "convention pdf 30227-2021 -o " + dir + "/c.pdf");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("permission denied"));
  r = Entctl(TestPrincipals::kRectorat, "convention pdf 30227-2021 -o " + dir + "/c.pdf");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  // The deadlines as a calendar: to a file, or to stdout with -o -.
  r = Entctl(TestPrincipals::kSupport, "deadlines --ics --commune Saint-Ambroix -o -");
  EXPECT_EQ(r.exit_code, 2) << r.out;  // two communes are named Saint-Ambroix: which one?
  EXPECT_THAT(r.out, HasSubstr("30227"));
  r = Entctl(TestPrincipals::kSupport, "deadlines --ics --commune 30227 -o -");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("BEGIN:VCALENDAR"));
  EXPECT_THAT(r.out, HasSubstr("DTSTART;TZID=Europe/Paris:20220502T000000"));
  r = Entctl(TestPrincipals::kSupport, "--output json deadlines --ics -o " + dir + "/d.ics");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("\"media_type\": \"text/calendar\""));
  EXPECT_THAT(r.out, HasSubstr("\"filename\": \"" + dir + "/d.ics\""));
}

// Help everywhere: --help, -h and "help" at the top, for a noun and for a
// command; a noun alone lists its verbs; a typo gets a suggestion.
TEST_F(EntctlTest, HelpForEveryLevelAndSuggestionsForTypos) {
  for (const char* help : {"--help", "-h", "help"}) {
    Outcome r = EntctlWith(help);
    EXPECT_EQ(r.exit_code, 0) << help << "\n" << r.out;
    EXPECT_THAT(r.out, HasSubstr("usage: entctl")) << help;
  }
  // An enum value that is not one lists the allowed ones, as entctl takes them.
  Outcome states = Entctl(TestPrincipals::kSupport, "conventions list --state expird");
  EXPECT_EQ(states.exit_code, 2) << states.out;
  EXPECT_THAT(states.out, HasSubstr("'expird' is not a convention state: draft, signing, active, "
                                    "terminating, terminated, expired or cancelled"));
  states = Entctl(TestPrincipals::kSupport, "disputes list --state awaiting-conciliation");
  EXPECT_EQ(states.exit_code, 0) << states.out;
  Outcome r = EntctlWith("help dispute");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("dispute open CONVENTION"));
  EXPECT_THAT(r.out, HasSubstr("dispute withdraw NAME"));
  r = EntctlWith("dispute open --help");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("--grievances"));
  // What each option takes, and an example.
  EXPECT_THAT(r.out, HasSubstr("--acknowledged D   the day the acknowledgement of receipt was signed"));
  EXPECT_THAT(r.out, HasSubstr("--party P          who sends it, the aggrieved party: academie or commune"));
  EXPECT_THAT(r.out, HasSubstr("Example: entctl dispute open 30227-2021 --party commune"));
  // Every command has its example (the manual page holds them all).
  Outcome man = EntctlWith("man");
  size_t commands = 0, examples = 0;
  for (size_t at = 0; (at = man.out.find(".TP\n", at)) != std::string::npos; ++at) ++commands;
  for (size_t at = 0; (at = man.out.find("Example: entctl", at)) != std::string::npos; ++at) ++examples;
  EXPECT_GT(commands, 40u);
  EXPECT_EQ(examples, commands) << man.out;
  r = EntctlWith("dispute");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("'dispute' needs a verb"));
  EXPECT_THAT(r.out, HasSubstr("dispute terminate NAME"));
  r = EntctlWith("convention shw conventions/30227-2021");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("did you mean 'convention show'?"));
  r = EntctlWith("disput open");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("did you mean 'dispute'?"));
}

// Operators see parked timers and retry them; others may not.
TEST_F(EntctlTest, TimersListAndRetry) {
  Outcome r = Entctl(TestPrincipals::kSupport, "timers list --failed");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("no failed timer"));
  r = Entctl(TestPrincipals::kSupport, "--output json timers list --failed");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  r = Entctl(TestPrincipals::kSupport, "timer retry 9999");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("timers/9999 does not exist"));
  r = Entctl(TestPrincipals::kSupport, "timer retry timers/+1");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  // The violation, once, on its own line.
  EXPECT_THAT(r.out, HasSubstr("invalid argument (INVALID_ARGUMENT):\n  name: must be timers/{id}"));
  EXPECT_EQ(r.out.find("must be timers/{id}"), r.out.rfind("must be timers/{id}"));
  r = Entctl(TestPrincipals::kSupport, "outbox retry 999");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("outbox message 999 does not exist"));
  r = Entctl(TestPrincipals::kSupport, "outbox retry x");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  r = Entctl(TestPrincipals::kFinance, "timers list --failed");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("permission denied"));
}

// A token file that is not a token, or TLS files that are not what they
// claim, are refused before any call: a clear message, exit code 2, and the
// secret never printed.
TEST_F(EntctlTest, BadTokensAndTlsFilesAreRefusedWithoutPrintingThem) {
  const std::string dir = conventions_dir_.path();
  std::ofstream(dir + "/accent.token") << "tok-secr\xc3\xa9t-42";
  std::ofstream(dir + "/garbage.pem") << "not a certificate";
  struct Case {
    std::string arguments;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"--token-file " + dir + "/accent.token conventions list", "does not hold a bearer token"},
      {"--token-file " + principals_.path() + " conventions list", "does not hold a bearer token"},
      {"--token 'two words' conventions list", "does not hold a bearer token"},
      {"--token-file " + dir + "/missing.token conventions list", "cannot read"},
      {"--token x --ca-file " + dir + "/missing.pem conventions list", "--ca-file: cannot read"},
      {"--token x --ca-file " + dir + "/garbage.pem conventions list", "is not a PEM file"},
      {"--token x --ca-file " + dir + "/garbage.pem --cert-file " + dir + "/garbage.pem conventions list",
       "go together"},
  };
  for (const Case& c : cases) {
    Outcome r = EntctlWith(c.arguments);
    EXPECT_EQ(r.exit_code, 2) << c.arguments << "\n" << r.out;
    EXPECT_THAT(r.out, HasSubstr(c.says)) << c.arguments;
    EXPECT_THAT(r.out, Not(HasSubstr("secr"))) << c.arguments;
    EXPECT_THAT(r.out, Not(HasSubstr(principals_.Token(TestPrincipals::kRectorat).substr(0, 12))));
    EXPECT_THAT(r.out, Not(HasSubstr("token_sha256")));
  }
}

}  // namespace
}  // namespace ent::entctl
