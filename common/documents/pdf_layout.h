// Printable documents laid out on A4 pages: paragraphs, headings, tables
// (split across pages with their header repeated), side-by-side blocks,
// numbered pages. Text is shaped and broken into lines by Pango (fontconfig,
// DejaVu Sans) and written as PDF by Cairo: no hand-written PDF syntax.
//
// Build a PdfLayout with its blocks, then Render() it. The same blocks and
// metadata give the same bytes (the creation date is the document's own date,
// never the time of rendering), so a document can be rendered again and
// compared. Text is plain UTF-8 (no markup); "\n" breaks a line.
//
// Thread-safety: a PdfLayout is a value, used by one thread. Render() may be
// called from any thread; renders are serialised process-wide (they share
// one Pango font map; a page takes a few milliseconds).
#ifndef ENT_COMMON_DOCUMENTS_PDF_LAYOUT_H_
#define ENT_COMMON_DOCUMENTS_PDF_LAYOUT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"

namespace ent::documents {

enum class TextStyle {
  kBody,        // 9.5 pt
  kBold,        // 9.5 pt bold
  kSmall,       // 8 pt, grey
  kTitle,       // 15 pt bold
  kHeading,     // 11 pt bold, space above, kept with what follows
  kSubheading,  // 9.5 pt bold, space above, kept with what follows
};

enum class Align { kLeft, kCenter, kRight, kJustify };

// A table column: header, share of the text width (the shares of a table's
// columns are normalised to fill it), alignment of its cells.
struct Column {
  std::string header;
  double share = 1;
  Align align = Align::kLeft;
};

struct TableOptions {
  bool header = true;          // a header row (bold, shaded), repeated after a page break
  bool grid = true;            // lines between rows
  bool bold_last_row = false;  // a total
  bool bold_first_column = false;
};

struct PdfMetadata {
  std::string title;
  std::string author;   // the issuing party
  std::string subject;
  // The document's date (its creation date in the PDF's metadata).
  absl::CivilSecond created;
  // Printed at the bottom of every page, left of "page n / N".
  std::string footer;
};

class PdfLayout {
 public:
  explicit PdfLayout(PdfMetadata metadata) : metadata_(std::move(metadata)) {}

  PdfLayout& Text(std::string text, TextStyle style = TextStyle::kBody, Align align = Align::kLeft);
  PdfLayout& Title(std::string text) { return Text(std::move(text), TextStyle::kTitle, Align::kCenter); }
  PdfLayout& Heading(std::string text) { return Text(std::move(text), TextStyle::kHeading); }
  PdfLayout& Subheading(std::string text) { return Text(std::move(text), TextStyle::kSubheading); }
  // "label: value" rows, labels bold in a narrow first column.
  PdfLayout& Fields(const std::vector<std::pair<std::string, std::string>>& fields);
  // Blocks side by side (e.g. sender and addressee), each of the same width.
  PdfLayout& SideBySide(std::vector<std::string> blocks, std::vector<Align> aligns = {});
  PdfLayout& Table(std::vector<Column> columns, std::vector<std::vector<std::string>> rows,
                   TableOptions options = {});
  // Vertical space, in points (1/72 inch).
  PdfLayout& Space(double points);
  // A horizontal line across the text width.
  PdfLayout& Rule();
  PdfLayout& PageBreak();
  // The text block just added stays on one page with the last line of the
  // block before it (and the space between): a signature is never alone on a
  // page. No effect on other blocks.
  PdfLayout& KeepWithPrevious();

  // The PDF bytes; INTERNAL if Cairo fails (e.g. out of memory).
  absl::StatusOr<std::string> Render() const;

  struct Block {
    enum class Kind { kText, kTable, kSpace, kRule, kPageBreak };
    explicit Block(Kind k) : kind(k) {}
    Kind kind;
    TextStyle style = TextStyle::kBody;
    Align align = Align::kLeft;
    std::string text;
    std::vector<Column> columns;
    std::vector<std::vector<std::string>> rows;
    TableOptions table;
    double points = 0;
    bool keep_with_previous = false;
  };

 private:
  PdfMetadata metadata_;
  std::vector<Block> blocks_;
};

}  // namespace ent::documents

#endif  // ENT_COMMON_DOCUMENTS_PDF_LAYOUT_H_
