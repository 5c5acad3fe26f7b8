#include "common/identifiers.h"

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace ent {
namespace {

bool AllDigits(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return !s.empty();
}

}  // namespace

absl::StatusOr<std::string> NormalizeUai(absl::string_view uai) {
  static constexpr char kLetters[] = "ABCDEFGHJKLMNPRSTUVWXYZ";
  if (uai.size() != 8 || !AllDigits(uai.substr(0, 7)) ||
      !absl::ascii_isalpha(static_cast<unsigned char>(uai[7]))) {
    return absl::InvalidArgumentError(
        "must be 7 digits followed by a check letter, e.g. 0300673U");
  }
  std::string out(uai);
  out[7] = absl::ascii_toupper(static_cast<unsigned char>(out[7]));
  int number = 0;
  if (!absl::SimpleAtoi(uai.substr(0, 7), &number)) {  // checked above: 7 digits
    return absl::InternalError("UAI digits did not parse");
  }
  const char expected = kLetters[number % 23];
  if (out[7] != expected) {
    return absl::InvalidArgumentError(absl::StrCat(
        "check letter is wrong: ", out.substr(0, 7), " must end with ",
        std::string(1, expected)));
  }
  return out;
}

absl::StatusOr<std::string> NormalizeInseeCode(absl::string_view code) {
  std::string out = absl::AsciiStrToUpper(code);
  const bool corsica = out.size() == 5 && out[0] == '2' &&
                       (out[1] == 'A' || out[1] == 'B') && AllDigits(absl::string_view(out).substr(2));
  if (!(out.size() == 5 && (AllDigits(out) || corsica))) {
    return absl::InvalidArgumentError(
        "must be a 5-character INSEE commune code: 5 digits, or 2A/2B and 3 "
        "digits, e.g. 30227");
  }
  if (out == "00000") {
    return absl::InvalidArgumentError("00000 is not an INSEE commune code");
  }
  return out;
}

absl::StatusOr<std::string> NormalizeSiren(absl::string_view siren) {
  if (siren.size() != 9 || !AllDigits(siren)) {
    return absl::InvalidArgumentError("must be 9 digits, e.g. 213002272");
  }
  int sum = 0;
  for (int i = 0; i < 9; ++i) {
    int digit = siren[8 - i] - '0';
    if (i % 2 == 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  if (sum % 10 != 0) {
    return absl::InvalidArgumentError("fails the Luhn check (mistyped digit?)");
  }
  return std::string(siren);
}

absl::StatusOr<SchoolYear> SchoolYear::Parse(absl::string_view text) {
  int first = 0, second = 0;
  if (text.size() != 9 || text[4] != '-' || !AllDigits(text.substr(0, 4)) ||
      !AllDigits(text.substr(5, 4)) || !absl::SimpleAtoi(text.substr(0, 4), &first) ||
      !absl::SimpleAtoi(text.substr(5, 4), &second)) {
    return absl::InvalidArgumentError("must be YYYY-YYYY, e.g. 2021-2022");
  }
  if (second != first + 1) {
    return absl::InvalidArgumentError(
        "the second year must follow the first, e.g. 2021-2022");
  }
  if (first < 2000 || first > 2200) {
    return absl::InvalidArgumentError("must start between 2000 and 2200");
  }
  return SchoolYear(first);
}

std::string SchoolYear::ToString() const {
  return absl::StrCat(first_year_, "-", first_year_ + 1);
}

}  // namespace ent
