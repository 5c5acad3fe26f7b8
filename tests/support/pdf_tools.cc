#include "tests/support/pdf_tools.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ent::testing {
namespace {

// A file holding `bytes`, removed when it goes out of scope.
class TempPdf {
 public:
  explicit TempPdf(const std::string& bytes) {
    char name[] = "/tmp/ent-pdf-XXXXXX";
    const int fd = mkstemp(name);
    if (fd >= 0) {
      path_ = name;
      ok_ = write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
      close(fd);
    }
  }
  ~TempPdf() {
    if (!path_.empty()) unlink(path_.c_str());
  }
  bool ok() const { return ok_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool ok_ = false;
};

absl::StatusOr<std::string> Run(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return absl::InternalError(absl::StrCat("cannot run: ", command));
  std::string out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int rc = pclose(pipe);
  if (rc != 0) return absl::InternalError(absl::StrCat("'", command, "' exited with ", rc));
  return out;
}

}  // namespace

absl::StatusOr<std::string> PdfText(const std::string& bytes) {
  TempPdf pdf(bytes);
  if (!pdf.ok()) return absl::InternalError("cannot write the PDF to /tmp");
  auto text = Run(absl::StrCat("pdftotext -enc UTF-8 -raw ", pdf.path(), " - 2>&1"));
  if (!text.ok()) return text.status();
  std::string collapsed;
  for (absl::string_view word : absl::StrSplit(*text, absl::ByAnyChar(" \n\f\t"), absl::SkipEmpty())) {
    if (!collapsed.empty()) collapsed += ' ';
    collapsed.append(word.data(), word.size());
  }
  return collapsed;
}

absl::StatusOr<int> PdfPageCount(const std::string& bytes) {
  TempPdf pdf(bytes);
  if (!pdf.ok()) return absl::InternalError("cannot write the PDF to /tmp");
  auto info = Run(absl::StrCat("pdfinfo ", pdf.path(), " 2>&1"));
  if (!info.ok()) return info.status();
  std::istringstream lines(*info);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("Pages:", 0) == 0) return std::stoi(line.substr(6));
  }
  return absl::InternalError(absl::StrCat("pdfinfo printed no page count: ", *info));
}

absl::StatusOr<std::string> PdfPagesToPng(const std::string& bytes, const std::string& subdir,
                                          const std::string& stem) {
  const std::string dir = absl::StrCat(ENT_BUILD_DIR, "/test-output/", subdir);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
  TempPdf pdf(bytes);
  if (!pdf.ok()) return absl::InternalError("cannot write the PDF to /tmp");
  auto done = Run(absl::StrCat("pdftoppm -r 80 -png ", pdf.path(), " ", dir, "/", stem, " 2>&1"));
  if (!done.ok()) return done.status();
  return dir;
}

}  // namespace ent::testing
