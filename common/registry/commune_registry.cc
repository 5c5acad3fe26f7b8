#include "common/registry/commune_registry.h"

#include <openssl/evp.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace ent {
namespace {

std::string Sha256Prefix(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < 6 && i < size; ++i) absl::StrAppendFormat(&hex, "%02x", digest[i]);
  return hex;
}

// The ASCII letter of a Latin-1 accented letter in UTF-8 (second byte after
// 0xC3), or 0.
char Unaccented(unsigned char second) {
  static const char* const kFolds[] = {
      "\x80\x81\x82\x83\x84\x85\xa0\xa1\xa2\xa3\xa4\xa5", "a",  // À-Å à-å
      "\x87\xa7", "c",                                          // Ç ç
      "\x88\x89\x8a\x8b\xa8\xa9\xaa\xab", "e",                  // È-Ë è-ë
      "\x8c\x8d\x8e\x8f\xac\xad\xae\xaf", "i",                  // Ì-Ï ì-ï
      "\x91\xb1", "n",                                          // Ñ ñ
      "\x92\x93\x94\x95\x96\xb2\xb3\xb4\xb5\xb6", "o",          // Ò-Ö ò-ö
      "\x99\x9a\x9b\x9c\xb9\xba\xbb\xbc", "u",                  // Ù-Ü ù-ü
      "\x9d\xbd\xbf", "y",                                      // Ý ý ÿ
  };
  for (size_t i = 0; i + 1 < sizeof(kFolds) / sizeof(kFolds[0]); i += 2) {
    for (const char* c = kFolds[i]; *c != '\0'; ++c) {
      if (static_cast<unsigned char>(*c) == second) return kFolds[i + 1][0];
    }
  }
  return 0;
}

}  // namespace

std::string FoldCommuneName(absl::string_view name) {
  std::string out;
  bool space = true;  // drops leading separators
  auto put = [&](char c) {
    if (c == ' ') {
      if (!space) out.push_back(' ');
      space = true;
    } else {
      out.push_back(c);
      space = false;
    }
  };
  for (size_t i = 0; i < name.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    if (c == 0xC3 && i + 1 < name.size()) {
      const char folded = Unaccented(static_cast<unsigned char>(name[i + 1]));
      if (folded != 0) {
        put(folded);
        ++i;
        continue;
      }
    }
    if (c == 0xC5 && i + 1 < name.size() &&
        (static_cast<unsigned char>(name[i + 1]) == 0x92 || static_cast<unsigned char>(name[i + 1]) == 0x93)) {
      put('o');  // Œ œ
      put('e');
      ++i;
      continue;
    }
    if (c == 0xE2 && i + 2 < name.size() && static_cast<unsigned char>(name[i + 1]) == 0x80 &&
        static_cast<unsigned char>(name[i + 2]) == 0x99) {
      put(' ');  // ’
      i += 2;
      continue;
    }
    if (c == '-' || c == '\'' || c == ' ' || c == '_') {
      put(' ');
    } else {
      put(absl::ascii_tolower(static_cast<char>(c)));
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string DepartementOfUai(absl::string_view uai) {
  if (uai.size() < 3) return "";
  const absl::string_view prefix = uai.substr(0, 3);
  if (prefix == "620") return "2A";
  if (prefix == "720") return "2B";
  if (absl::StartsWith(prefix, "97") || absl::StartsWith(prefix, "98")) return std::string(prefix);
  if (prefix[0] == '0' && absl::ascii_isdigit(prefix[1]) && absl::ascii_isdigit(prefix[2])) {
    return std::string(prefix.substr(1));
  }
  return "";
}

absl::StatusOr<std::unique_ptr<CommuneRegistry>> CommuneRegistry::Load(const std::string& csv_path) {
  std::ifstream in(csv_path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read the commune list ", csv_path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  std::unique_ptr<CommuneRegistry> r(new CommuneRegistry());
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripTrailingAsciiWhitespace(line);
    if (line.empty()) continue;
    std::vector<absl::string_view> f = absl::StrSplit(line, ',');
    if (line_number == 1) {
      if (f.size() < 6 || f[0] != "insee_code" || f[1] != "name" || f[2] != "departement" ||
          f[4] != "siren" || f[5] != "population") {
        return absl::InvalidArgumentError(absl::StrCat(
            csv_path, ": the header must start insee_code,name,departement,region,siren,population"));
      }
      continue;
    }
    CommuneEntry e;
    if (f.size() < 6 || f[0].size() != 5 || f[1].empty() || f[2].empty() ||
        (!f[4].empty() && f[4].size() != 9) ||
        (!f[5].empty() && !absl::SimpleAtoi(f[5], &e.population))) {
      return absl::InvalidArgumentError(
          absl::StrCat(csv_path, ":", line_number, ": not a commune line: ", line.substr(0, 120)));
    }
    e.insee_code = std::string(f[0]);
    e.name = std::string(f[1]);
    e.departement = std::string(f[2]);
    e.siren = std::string(f[4]);
    r->entries_.push_back(std::move(e));
  }
  if (r->entries_.empty()) return absl::InvalidArgumentError(absl::StrCat(csv_path, ": no commune"));
  std::string source = "source unknown";
  std::ifstream source_file(csv_path + ".source");
  if (source_file && std::getline(source_file, source)) {
    source = std::string(absl::StripAsciiWhitespace(source));
  }
  r->version_ = absl::StrCat(source, "; ", r->entries_.size(), " communes; sha256 ", Sha256Prefix(text));
  r->Index();
  if (r->by_insee_.size() != r->entries_.size()) {
    return absl::InvalidArgumentError(absl::StrCat(csv_path, ": an INSEE code is listed twice"));
  }
  return r;
}

std::unique_ptr<CommuneRegistry> CommuneRegistry::Of(std::vector<CommuneEntry> entries,
                                                     std::string source) {
  std::unique_ptr<CommuneRegistry> r(new CommuneRegistry());
  r->entries_ = std::move(entries);
  r->version_ = absl::StrCat(source, "; ", r->entries_.size(), " communes");
  r->Index();
  return r;
}

void CommuneRegistry::Index() {
  for (size_t i = 0; i < entries_.size(); ++i) {
    by_insee_.emplace(entries_[i].insee_code, i);
    by_name_.emplace(FoldCommuneName(entries_[i].name), i);
    if (!entries_[i].siren.empty()) by_siren_.emplace(entries_[i].siren, i);
  }
}

const CommuneEntry* CommuneRegistry::FindBySiren(absl::string_view siren) const {
  auto it = by_siren_.find(siren);
  return it == by_siren_.end() ? nullptr : &entries_[it->second];
}

const CommuneEntry* CommuneRegistry::Find(absl::string_view insee_code) const {
  auto it = by_insee_.find(insee_code);
  return it == by_insee_.end() ? nullptr : &entries_[it->second];
}

std::vector<const CommuneEntry*> CommuneRegistry::FindByName(absl::string_view name) const {
  std::vector<const CommuneEntry*> out;
  auto [first, last] = by_name_.equal_range(FoldCommuneName(name));
  for (auto it = first; it != last; ++it) out.push_back(&entries_[it->second]);
  std::sort(out.begin(), out.end(),
            [](const CommuneEntry* a, const CommuneEntry* b) { return a->insee_code < b->insee_code; });
  return out;
}

}  // namespace ent
