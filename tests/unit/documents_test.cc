// The shared document pieces: French amounts and dates, the iCalendar writer,
// and the PDF layout read back with poppler-utils.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/documents/french_text.h"
#include "common/documents/icalendar.h"
#include "common/documents/pdf_layout.h"
#include "tests/support/pdf_tools.h"

namespace ent::documents {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(FrenchText, EurosUseACommaAndGroupThousands) {
  EXPECT_EQ(FrenchEuros(10000), "100,00 €");
  EXPECT_EQ(FrenchEuros(123456), "1 234,56 €");
  EXPECT_EQ(FrenchEuros(5), "0,05 €");
  EXPECT_EQ(FrenchEuros(-250), "-2,50 €");
  EXPECT_EQ(FrenchEuros(123456789012), "1 234 567 890,12 €");
}

TEST(FrenchText, NumbersInWordsFollowTheTraditionalRules) {
  EXPECT_EQ(NumberInWords(0), "zéro");
  EXPECT_EQ(NumberInWords(1), "un");
  EXPECT_EQ(NumberInWords(17), "dix-sept");
  EXPECT_EQ(NumberInWords(21), "vingt et un");
  EXPECT_EQ(NumberInWords(22), "vingt-deux");
  EXPECT_EQ(NumberInWords(71), "soixante et onze");
  EXPECT_EQ(NumberInWords(77), "soixante-dix-sept");
  EXPECT_EQ(NumberInWords(80), "quatre-vingts");
  EXPECT_EQ(NumberInWords(81), "quatre-vingt-un");
  EXPECT_EQ(NumberInWords(91), "quatre-vingt-onze");
  EXPECT_EQ(NumberInWords(99), "quatre-vingt-dix-neuf");
  EXPECT_EQ(NumberInWords(100), "cent");
  EXPECT_EQ(NumberInWords(101), "cent un");
  EXPECT_EQ(NumberInWords(200), "deux cents");
  EXPECT_EQ(NumberInWords(250), "deux cent cinquante");
  EXPECT_EQ(NumberInWords(1000), "mille");
  EXPECT_EQ(NumberInWords(1001), "mille un");
  EXPECT_EQ(NumberInWords(2000), "deux mille");
  EXPECT_EQ(NumberInWords(80000), "quatre-vingt mille");
  EXPECT_EQ(NumberInWords(200000), "deux cent mille");
  EXPECT_EQ(NumberInWords(1234), "mille deux cent trente-quatre");
  EXPECT_EQ(NumberInWords(1000000), "un million");
  EXPECT_EQ(NumberInWords(200000000), "deux cents millions");
  EXPECT_EQ(NumberInWords(80000000), "quatre-vingts millions");
  EXPECT_EQ(NumberInWords(2000001000), "deux milliards mille");
}

TEST(FrenchText, AmountsInWordsNameEurosAndCentimes) {
  EXPECT_EQ(EurosInWords(10000), "cent euros");
  EXPECT_EQ(EurosInWords(100), "un euro");
  EXPECT_EQ(EurosInWords(0), "zéro euro");
  EXPECT_EQ(EurosInWords(5), "cinq centimes");
  EXPECT_EQ(EurosInWords(101), "un euro et un centime");
  EXPECT_EQ(EurosInWords(123456), "mille deux cent trente-quatre euros et cinquante-six centimes");
  EXPECT_EQ(EurosInWords(100000000), "un million d'euros");
  EXPECT_EQ(EurosInWords(100000200), "un million deux euros");
  EXPECT_EQ(EurosInWords(-5000), "moins cinquante euros");
}

TEST(FrenchText, DatesAreWrittenInFull) {
  EXPECT_EQ(FrenchDate(CivilDate(2021, 11, 3)), "3 novembre 2021");
  EXPECT_EQ(FrenchDate(CivilDate(2022, 5, 1)), "1er mai 2022");
  EXPECT_EQ(FrenchDate(CivilDate(2022, 8, 15)), "15 août 2022");
  EXPECT_EQ(FrenchDateWithWeekday(CivilDate(2022, 5, 2)), "lundi 2 mai 2022");
  EXPECT_EQ(FrenchDateWithWeekday(CivilDate(2022, 5, 27)), "vendredi 27 mai 2022");
}

TEST(FrenchText, APartyInASentenceTakesItsArticle) {
  EXPECT_EQ(PartyInSentence("Commune de Saint-Ambroix"), "la commune de Saint-Ambroix");
  EXPECT_EQ(PartyInSentence("Académie de Montpellier"), "l'académie de Montpellier");
  EXPECT_EQ(PartyInSentence("Rectorat de l'académie de Montpellier"),
            "le rectorat de l'académie de Montpellier");
  EXPECT_EQ(PartyInSentence("Ville de Montpellier", /*sentence_start=*/true), "La ville de Montpellier");
  EXPECT_EQ(PartyInSentence("Académie de Montpellier", /*sentence_start=*/true),
            "L'académie de Montpellier");
  EXPECT_EQ(PartyInSentence("Saint-Ambroix"), "Saint-Ambroix");  // no noun: as written
  EXPECT_EQ(PartyInSentence("Commune "), "Commune ");            // nothing after the noun
}

TEST(ICalendar, TextIsEscaped) {
  EXPECT_EQ(EscapeICalendarText("a;b,c\\d\ne"), "a\\;b\\,c\\\\d\\ne");
}

TEST(ICalendar, LongLinesAreFoldedWithoutSplittingACharacter) {
  std::string text = "DESCRIPTION:";
  for (int i = 0; i < 70; ++i) text += "é";
  const std::string folded = FoldICalendarLine(text);
  std::vector<std::string> lines = absl::StrSplit(folded, "\r\n", absl::SkipEmpty());
  ASSERT_GE(lines.size(), 2u);
  std::string unfolded;
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_LE(lines[i].size(), 75u) << i;
    if (i > 0) {
      ASSERT_EQ(lines[i][0], ' ');
      // A continuation never starts inside a character (no continuation byte).
      EXPECT_NE(static_cast<unsigned char>(lines[i][1]) & 0xC0, 0x80) << i;
    }
    unfolded += i == 0 ? lines[i] : lines[i].substr(1);
  }
  EXPECT_EQ(unfolded, text);
}

TEST(ICalendar, EventsAreInParisTimeWithTheirZone) {
  CalendarEvent e;
  e.uid = "conciliation.x@ent";
  e.sequence = 3;
  e.start = absl::FromCivil(absl::CivilSecond(2022, 5, 1, 22, 0, 0), absl::UTCTimeZone());
  e.end = absl::FromCivil(absl::CivilSecond(2022, 5, 2, 22, 0, 0), absl::UTCTimeZone());
  e.summary = "Conciliation, Saint-Ambroix";
  e.description = "1 month";
  const std::string ics = WriteICalendar("Échéances", {e}, absl::FromUnixSeconds(0));
  EXPECT_THAT(ics, HasSubstr("BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\n"));
  EXPECT_THAT(ics, HasSubstr("DTSTART;TZID=Europe/Paris:20220502T000000\r\n"));
  EXPECT_THAT(ics, HasSubstr("DTEND;TZID=Europe/Paris:20220503T000000\r\n"));
  EXPECT_THAT(ics, HasSubstr("DTSTAMP:19700101T000000Z\r\n"));
  EXPECT_THAT(ics, HasSubstr("SUMMARY:Conciliation\\, Saint-Ambroix\r\n"));
  EXPECT_THAT(ics, HasSubstr("UID:conciliation.x@ent\r\nSEQUENCE:3\r\n"));
  EXPECT_EQ(ics.substr(ics.size() - 15), "END:VCALENDAR\r\n");
}

PdfMetadata Metadata() {
  PdfMetadata m;
  m.title = "Essai";
  m.author = "Académie de Montpellier";
  m.created = absl::CivilSecond(2021, 11, 3, 0, 0, 0);
  m.footer = "Essai de mise en page";
  return m;
}

TEST(PdfLayout, TextReadsBackWithItsAccents) {
  PdfLayout doc(Metadata());
  doc.Title("Titre de perception n° 2021-000001")
      .Text("Arrêté le présent titre à la somme de cent euros (100,00 €).")
      .Fields({{"Débiteur", "Commune de Saint-Ambroix"}, {"SIREN", "213002272"}});
  auto pdf = doc.Render();
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  EXPECT_EQ(pdf->rfind("%PDF-", 0), 0u);
  auto text = testing::PdfText(*pdf);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_THAT(*text, HasSubstr("Titre de perception n° 2021-000001"));
  EXPECT_THAT(*text, HasSubstr("Arrêté le présent titre à la somme de cent euros (100,00 €)."));
  EXPECT_THAT(*text, HasSubstr("Débiteur Commune de Saint-Ambroix"));
  EXPECT_THAT(*text, HasSubstr("page 1 / 1"));
}

TEST(PdfLayout, SameBlocksGiveTheSameBytes) {
  auto make = [] {
    PdfLayout doc(Metadata());
    doc.Heading("Article 8").Text("Si l'une des parties estime que la présente convention…");
    return doc.Render();
  };
  auto a = make();
  auto b = make();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

TEST(PdfLayout, LongTablesContinueOnNewPagesUnderTheirHeader) {
  PdfLayout doc(Metadata());
  std::vector<std::vector<std::string>> rows;
  for (int i = 1; i <= 120; ++i) rows.push_back({absl::StrCat("030", 1000 + i, "X"), "ÉCOLE", "50,00 €"});
  doc.Heading("Annexe 1").Table({{"UAI", 1}, {"École", 3}, {"Prix", 1, Align::kRight}}, rows);
  auto pdf = doc.Render();
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  auto pages = testing::PdfPageCount(*pdf);
  ASSERT_TRUE(pages.ok()) << pages.status();
  EXPECT_GE(*pages, 3);
  auto text = testing::PdfText(*pdf);
  ASSERT_TRUE(text.ok());
  // The header is repeated on every page, and every row is there once.
  size_t headers = 0;
  for (size_t at = 0; (at = text->find("UAI École Prix", at)) != std::string::npos; ++at) ++headers;
  EXPECT_EQ(headers, static_cast<size_t>(*pages));
  for (int i = 1; i <= 120; ++i) EXPECT_THAT(*text, HasSubstr(absl::StrCat("030", 1000 + i, "X"))) << i;
  EXPECT_THAT(*text, HasSubstr(absl::StrCat("page ", *pages, " / ", *pages)));
}

// Wherever the page ends, a signature block kept with what precedes it is
// printed whole on the page of that text's last line.
TEST(PdfLayout, ASignatureIsNeverAloneOnAPage) {
  // Whether a page ends between the last line and the signature's name.
  auto split = [](int lines, bool keep) {
    PdfLayout doc(Metadata());
    for (int i = 1; i <= lines; ++i) doc.Text(absl::StrCat("Ligne ", i, "."));
    doc.Space(14).Text("Le 20 novembre 2021\nRectrice de l'académie\n\nSophie Béjean",
                       TextStyle::kBody, Align::kRight);
    if (keep) doc.KeepWithPrevious();
    auto pdf = doc.Render();
    EXPECT_TRUE(pdf.ok()) << pdf.status();
    auto text = testing::PdfText(pdf.ok() ? *pdf : "");
    EXPECT_TRUE(text.ok());
    if (!text.ok()) return true;
    const size_t last = text->find(absl::StrCat("Ligne ", lines, "."));
    const size_t name = text->find("Sophie Béjean");
    EXPECT_TRUE(last != std::string::npos && last < name) << lines;
    // The footer ("page n / N") closes each page.
    return text->substr(last, name - last).find(" / ") != std::string::npos;
  };
  int split_without_keep = 0;
  for (int lines = 40; lines <= 80; ++lines) {
    EXPECT_FALSE(split(lines, true)) << lines << " lines: the signature left its text";
    split_without_keep += split(lines, false) ? 1 : 0;
  }
  EXPECT_GT(split_without_keep, 0) << "no length put the page end at the signature: widen the range";
}

TEST(PdfLayout, ALongParagraphFlowsOntoTheNextPage) {
  PdfLayout doc(Metadata());
  std::string grievances;
  for (int i = 0; i < 1000; ++i) absl::StrAppend(&grievances, "grief", i, " ");
  doc.Text(grievances, TextStyle::kBody, Align::kJustify).Text("FIN");
  auto pdf = doc.Render();
  ASSERT_TRUE(pdf.ok());
  auto pages = testing::PdfPageCount(*pdf);
  ASSERT_TRUE(pages.ok());
  EXPECT_GE(*pages, 2);
  auto text = testing::PdfText(*pdf);
  ASSERT_TRUE(text.ok());
  // Every word, in order, the page footer in between.
  size_t at = 0;
  for (int i = 0; i < 1000; ++i) {
    at = text->find(absl::StrCat("grief", i, " "), at);
    ASSERT_NE(at, std::string::npos) << i;
  }
  EXPECT_NE(text->find("FIN", at), std::string::npos);
  EXPECT_THAT(*text, Not(HasSubstr("grief1000")));
}

}  // namespace
}  // namespace ent::documents
