// Reading back the documents the services produce, with poppler-utils:
// the text of a PDF (pdftotext -raw: in the order it is drawn, a table cell's lines together), its pages as PNG for a person to look
// at (pdftoppm), and its page count (pdfinfo).
#ifndef ENT_TESTS_SUPPORT_PDF_TOOLS_H_
#define ENT_TESTS_SUPPORT_PDF_TOOLS_H_

#include <string>

#include "absl/status/statusor.h"

namespace ent::testing {

// The text of the PDF `bytes`, in drawing order; runs of spaces and line
// breaks collapsed to one space, so a phrase can be searched whatever the
// line breaking.
absl::StatusOr<std::string> PdfText(const std::string& bytes);
// The number of pages.
absl::StatusOr<int> PdfPageCount(const std::string& bytes);
// Writes each page as `<dir>/<stem>-<n>.png` (pdftoppm, 80 dpi) under the
// tests' output directory (build/test-output/<subdir>); returns the directory.
absl::StatusOr<std::string> PdfPagesToPng(const std::string& bytes, const std::string& subdir,
                                          const std::string& stem);

}  // namespace ent::testing

#endif  // ENT_TESTS_SUPPORT_PDF_TOOLS_H_
