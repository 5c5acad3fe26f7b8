#include "common/documents/pdf_layout.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <functional>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"

namespace ent::documents {
namespace {

// A4 in points; 2 cm margins, more at the bottom for the footer.
constexpr double kPageWidth = 595.276;
constexpr double kPageHeight = 841.890;
constexpr double kMargin = 56.69;
constexpr double kTop = 50;
constexpr double kBottom = kPageHeight - 64;
constexpr double kTextWidth = kPageWidth - 2 * kMargin;
constexpr double kCellPadding = 3.5;
constexpr char kFamily[] = "DejaVu Sans";

absl::Mutex render_mutex(absl::kConstInit);

// The one font map of the process (guarded by render_mutex).
PangoFontMap* FontMap() {
  static PangoFontMap* map = pango_cairo_font_map_new();
  return map;
}

struct GObjectDeleter {
  void operator()(void* p) const { g_object_unref(p); }
};
using LayoutPtr = std::shared_ptr<PangoLayout>;

struct StyleSpec {
  double size;
  bool bold;
  double grey;          // 0 = black
  double space_before;  // points
  bool keep_with_next;
};

StyleSpec SpecOf(TextStyle style) {
  switch (style) {
    case TextStyle::kBody: return {9.5, false, 0, 3, false};
    case TextStyle::kBold: return {9.5, true, 0, 3, false};
    case TextStyle::kSmall: return {8, false, 0.35, 2, false};
    case TextStyle::kTitle: return {15, true, 0, 4, true};
    case TextStyle::kHeading: return {11, true, 0, 12, true};
    case TextStyle::kSubheading: return {9.5, true, 0, 8, true};
  }
  return {9.5, false, 0, 3, false};
}

// One unit of pagination: a line of a paragraph, a row of a table.
struct Slice {
  double height = 0;
  double space_before = 0;
  bool keep_with_next = false;
  bool page_break = false;
  // Drawn before this slice when it starts a page (a table's header).
  const Slice* header = nullptr;
  std::function<void(cairo_t*, double y)> draw;
};

class Renderer {
 public:
  explicit Renderer(cairo_t* cr) : cr_(cr), context_(pango_font_map_create_context(FontMap())) {
    cairo_font_options_t* options = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(context_.get(), options);
    // Cairo's PDF units are points: sizes in points are then exact (Pango
    // assumes 96 dpi otherwise, a third larger).
    pango_cairo_context_set_resolution(context_.get(), 72);
    cairo_font_options_destroy(options);
    pango_cairo_update_context(cr_, context_.get());
  }

  LayoutPtr MakeLayout(const std::string& text, TextStyle style, Align align, double width) {
    const StyleSpec spec = SpecOf(style);
    LayoutPtr layout(pango_layout_new(context_.get()), GObjectDeleter());
    PangoFontDescription* font = pango_font_description_new();
    pango_font_description_set_family(font, kFamily);
    pango_font_description_set_size(font, static_cast<int>(spec.size * PANGO_SCALE));
    pango_font_description_set_weight(font, spec.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(layout.get(), font);
    pango_font_description_free(font);
    pango_layout_set_width(layout.get(), static_cast<int>(width * PANGO_SCALE));
    pango_layout_set_wrap(layout.get(), PANGO_WRAP_WORD_CHAR);
    switch (align) {
      case Align::kLeft: pango_layout_set_alignment(layout.get(), PANGO_ALIGN_LEFT); break;
      case Align::kCenter: pango_layout_set_alignment(layout.get(), PANGO_ALIGN_CENTER); break;
      case Align::kRight: pango_layout_set_alignment(layout.get(), PANGO_ALIGN_RIGHT); break;
      case Align::kJustify:
        pango_layout_set_alignment(layout.get(), PANGO_ALIGN_LEFT);
        pango_layout_set_justify(layout.get(), TRUE);
        break;
    }
    pango_layout_set_text(layout.get(), text.data(), static_cast<int>(text.size()));
    return layout;
  }

  // Each line of a paragraph is a slice, so that long texts flow onto the
  // next page.
  // A block kept with what precedes it: the slices back to the last one
  // with a height (spaces between included) go with the block's first line.
  void KeepWithPrevious() {
    for (auto it = slices_.rbegin(); it != slices_.rend(); ++it) {
      it->keep_with_next = true;
      if (it->height > 0) break;
    }
  }

  void AddText(const PdfLayout::Block& b) {
    const StyleSpec spec = SpecOf(b.style);
    if (b.keep_with_previous) KeepWithPrevious();
    LayoutPtr layout = MakeLayout(b.text, b.style, b.align, kTextWidth);
    PangoLayoutIter* it = pango_layout_get_iter(layout.get());
    bool first = true;
    do {
      PangoRectangle logical;
      pango_layout_iter_get_line_extents(it, nullptr, &logical);
      const double baseline = pango_layout_iter_get_baseline(it) - logical.y;
      PangoLayoutLine* line = pango_layout_iter_get_line_readonly(it);
      Slice s;
      s.height = static_cast<double>(logical.height) / PANGO_SCALE;
      s.space_before = first ? spec.space_before : 0;
      // A block kept with the previous one is kept whole, too.
      s.keep_with_next = spec.keep_with_next || b.keep_with_previous;
      const double x = kMargin + static_cast<double>(logical.x) / PANGO_SCALE;
      const double grey = spec.grey;
      s.draw = [layout, line, x, baseline, grey](cairo_t* cr, double y) {
        cairo_set_source_rgb(cr, grey, grey, grey);
        cairo_move_to(cr, x, y + baseline / PANGO_SCALE);
        pango_cairo_show_layout_line(cr, line);
      };
      slices_.push_back(std::move(s));
      first = false;
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
    if (!slices_.empty()) slices_.back().keep_with_next = spec.keep_with_next;
  }

  // A table row of cells laid out at the columns' widths.
  Slice Row(const std::vector<std::string>& cells, const std::vector<Column>& columns,
            const std::vector<double>& widths, bool bold, bool bold_first, bool shaded,
            bool grid) {
    std::vector<LayoutPtr> layouts;
    double height = 0;
    for (size_t i = 0; i < columns.size(); ++i) {
      const std::string& text = i < cells.size() ? cells[i] : std::string();
      const bool b = bold || (bold_first && i == 0);
      layouts.push_back(MakeLayout(text, b ? TextStyle::kBold : TextStyle::kBody, columns[i].align,
                                   widths[i] - 2 * kCellPadding));
      int w = 0, h = 0;
      pango_layout_get_size(layouts.back().get(), &w, &h);
      height = std::max(height, static_cast<double>(h) / PANGO_SCALE);
    }
    Slice s;
    s.height = height + 2 * kCellPadding;
    s.draw = [layouts, widths, shaded, grid, row_height = s.height](cairo_t* cr, double y) {
      if (shaded) {
        cairo_set_source_rgb(cr, 0.90, 0.91, 0.93);
        cairo_rectangle(cr, kMargin, y, kTextWidth, row_height);
        cairo_fill(cr);
      }
      double x = kMargin;
      cairo_set_source_rgb(cr, 0, 0, 0);
      for (size_t i = 0; i < layouts.size(); ++i) {
        cairo_move_to(cr, x + kCellPadding, y + kCellPadding);
        pango_cairo_show_layout(cr, layouts[i].get());
        x += widths[i];
      }
      if (grid) {
        cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
        cairo_set_line_width(cr, 0.5);
        cairo_move_to(cr, kMargin, y + row_height);
        cairo_line_to(cr, kMargin + kTextWidth, y + row_height);
        cairo_stroke(cr);
      }
    };
    return s;
  }

  void AddTable(const PdfLayout::Block& b) {
    double total = 0;
    for (const Column& c : b.columns) total += c.share;
    std::vector<double> widths;
    for (const Column& c : b.columns) widths.push_back(kTextWidth * c.share / total);
    const Slice* header = nullptr;
    if (b.table.header) {
      std::vector<std::string> titles;
      for (const Column& c : b.columns) titles.push_back(c.header);
      headers_.push_back(std::make_unique<Slice>(
          Row(titles, b.columns, widths, true, false, true, b.table.grid)));
      header = headers_.back().get();
    }
    bool first = true;
    for (size_t r = 0; r < b.rows.size(); ++r) {
      const bool last = r + 1 == b.rows.size();
      Slice s = Row(b.rows[r], b.columns, widths, b.table.bold_last_row && last,
                    b.table.bold_first_column, false, b.table.grid);
      s.header = header;
      if (first) {
        s.space_before = 4;
        // The header goes with the first row.
        if (header != nullptr) {
          Slice h = *header;
          h.space_before = 4;
          h.keep_with_next = true;
          slices_.push_back(std::move(h));
          s.space_before = 0;
        }
      }
      slices_.push_back(std::move(s));
      first = false;
    }
  }

  void AddSpace(double points) {
    Slice s;
    s.space_before = points;
    s.draw = [](cairo_t*, double) {};
    slices_.push_back(std::move(s));
  }

  void AddRule() {
    Slice s;
    s.space_before = 4;
    s.height = 4;
    s.draw = [](cairo_t* cr, double y) {
      cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
      cairo_set_line_width(cr, 0.6);
      cairo_move_to(cr, kMargin, y + 2);
      cairo_line_to(cr, kMargin + kTextWidth, y + 2);
      cairo_stroke(cr);
    };
    slices_.push_back(std::move(s));
  }

  void AddPageBreak() {
    Slice s;
    s.page_break = true;
    s.draw = [](cairo_t*, double) {};
    slices_.push_back(std::move(s));
  }

  // Places every slice on a page, then draws page by page with the footer.
  void Draw(const std::string& footer) {
    struct Placed {
      const Slice* slice;
      int page;
      double y;
    };
    std::vector<Placed> placed;
    int page = 0;
    double y = kTop;
    bool page_empty = true;
    auto new_page = [&] {
      ++page;
      y = kTop;
      page_empty = true;
    };
    for (size_t i = 0; i < slices_.size(); ++i) {
      const Slice& s = slices_[i];
      if (s.page_break) {
        if (!page_empty) new_page();
        continue;
      }
      double needed = (page_empty ? 0 : s.space_before) + s.height;
      // A heading (or a table's header) goes with the slice after it, and a
      // chain of slices kept with the next goes whole (a chain taller than a
      // page starts a page and flows on).
      for (size_t j = i; j + 1 < slices_.size() && slices_[j].keep_with_next; ++j) {
        needed += slices_[j + 1].space_before + slices_[j + 1].height;
      }
      if (!page_empty && y + needed > kBottom) {
        new_page();
        if (s.header != nullptr) {
          placed.push_back({s.header, page, y});
          y += s.header->height;
          page_empty = false;
        }
      }
      if (!page_empty) y += s.space_before;
      placed.push_back({&s, page, y});
      y += s.height;
      if (s.height > 0) page_empty = false;
    }
    const int pages = page + 1;
    size_t next = 0;
    for (int p = 0; p < pages; ++p) {
      for (; next < placed.size() && placed[next].page == p; ++next) {
        placed[next].slice->draw(cr_, placed[next].y);
      }
      DrawFooter(footer, p + 1, pages);
      cairo_show_page(cr_);
    }
  }

 private:
  void DrawFooter(const std::string& footer, int page, int pages) {
    LayoutPtr left = MakeLayout(footer, TextStyle::kSmall, Align::kLeft, kTextWidth * 0.8);
    LayoutPtr right = MakeLayout(absl::StrFormat("page %d / %d", page, pages), TextStyle::kSmall,
                                 Align::kRight, kTextWidth * 0.2);
    cairo_set_source_rgb(cr_, 0.35, 0.35, 0.35);
    cairo_set_line_width(cr_, 0.4);
    cairo_move_to(cr_, kMargin, kBottom + 14);
    cairo_line_to(cr_, kMargin + kTextWidth, kBottom + 14);
    cairo_stroke(cr_);
    cairo_move_to(cr_, kMargin, kBottom + 18);
    pango_cairo_show_layout(cr_, left.get());
    cairo_move_to(cr_, kMargin + kTextWidth * 0.8, kBottom + 18);
    pango_cairo_show_layout(cr_, right.get());
  }

  cairo_t* cr_;
  std::unique_ptr<PangoContext, GObjectDeleter> context_;
  std::vector<Slice> slices_;
  std::vector<std::unique_ptr<Slice>> headers_;
};

cairo_status_t AppendToString(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

PdfLayout& PdfLayout::KeepWithPrevious() {
  if (!blocks_.empty()) blocks_.back().keep_with_previous = true;
  return *this;
}

PdfLayout& PdfLayout::Text(std::string text, TextStyle style, Align align) {
  Block b(Block::Kind::kText);
  b.text = std::move(text);
  b.style = style;
  b.align = align;
  blocks_.push_back(std::move(b));
  return *this;
}

PdfLayout& PdfLayout::Fields(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& [label, value] : fields) rows.push_back({label, value});
  TableOptions options;
  options.header = false;
  options.grid = false;
  options.bold_first_column = true;
  return Table({{"", 1}, {"", 2.6}}, std::move(rows), options);
}

PdfLayout& PdfLayout::SideBySide(std::vector<std::string> blocks, std::vector<Align> aligns) {
  std::vector<Column> columns;
  for (size_t i = 0; i < blocks.size(); ++i) {
    columns.push_back({"", 1, i < aligns.size() ? aligns[i] : Align::kLeft});
  }
  TableOptions options;
  options.header = false;
  options.grid = false;
  return Table(std::move(columns), {std::move(blocks)}, options);
}

PdfLayout& PdfLayout::Table(std::vector<Column> columns, std::vector<std::vector<std::string>> rows,
                            TableOptions options) {
  Block b(Block::Kind::kTable);
  b.columns = std::move(columns);
  b.rows = std::move(rows);
  b.table = options;
  blocks_.push_back(std::move(b));
  return *this;
}

PdfLayout& PdfLayout::Space(double points) {
  Block b(Block::Kind::kSpace);
  b.points = points;
  blocks_.push_back(std::move(b));
  return *this;
}

PdfLayout& PdfLayout::Rule() {
  blocks_.push_back(Block(Block::Kind::kRule));
  return *this;
}

PdfLayout& PdfLayout::PageBreak() {
  blocks_.push_back(Block(Block::Kind::kPageBreak));
  return *this;
}

absl::StatusOr<std::string> PdfLayout::Render() const {
  absl::MutexLock lock(&render_mutex);
  std::string out;
  cairo_surface_t* surface =
      cairo_pdf_surface_create_for_stream(AppendToString, &out, kPageWidth, kPageHeight);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, metadata_.title.c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR, metadata_.author.c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_SUBJECT, metadata_.subject.c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR,
                                 "ENT-école back office (Académie de Montpellier)");
  const std::string created = absl::FormatCivilTime(metadata_.created);  // 2021-11-03T00:00:00
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, created.c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_MOD_DATE, created.c_str());
  cairo_t* cr = cairo_create(surface);
  {
    Renderer r(cr);
    for (const Block& b : blocks_) {
      switch (b.kind) {
        case Block::Kind::kText: r.AddText(b); break;
        case Block::Kind::kTable: r.AddTable(b); break;
        case Block::Kind::kSpace: r.AddSpace(b.points); break;
        case Block::Kind::kRule: r.AddRule(); break;
        case Block::Kind::kPageBreak: r.AddPageBreak(); break;
      }
    }
    r.Draw(metadata_.footer);
  }
  const cairo_status_t drawn = cairo_status(cr);
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  const cairo_status_t finished = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (drawn != CAIRO_STATUS_SUCCESS || finished != CAIRO_STATUS_SUCCESS) {
    return absl::InternalError(absl::StrCat(
        "rendering the PDF failed: ",
        cairo_status_to_string(drawn != CAIRO_STATUS_SUCCESS ? drawn : finished)));
  }
  return out;
}

}  // namespace ent::documents
