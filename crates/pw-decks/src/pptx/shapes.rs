//! DrawingML shapes on a slide: text boxes, filled rectangles, pictures, chart frames and
//! tables, each with a shape id unique on its slide and children in the schema's order (an
//! element out of order is one of the things PowerPoint "repairs").

use crate::xml::escape;
use crate::{Brand, Rgb};

/// English Metric Units: 914,400 to the inch, 12,700 to the point.
pub(crate) type Emu = i64;

/// A table row's height: one line of 12 pt text with its margins.
pub(crate) const TABLE_ROW_HEIGHT: Emu = 370_840;
/// Each further line of 12 pt text a wrapped cell takes (1.2 × 12 pt).
const TABLE_LINE_HEIGHT: Emu = 182_880;
/// A 12 pt character's width, taken wide (0.55 em) so a wrapped cell is never under-counted
/// against the sans faces decks use.
const TABLE_CHAR_WIDTH: Emu = 83_820;
/// A cell's left and right margins together.
const TABLE_CELL_MARGINS: Emu = 137_160;

/// A table's rows as they read, each cell with its alignment.
pub(crate) type Cells = Vec<Vec<(String, Align)>>;

/// The footnote, with "Showing the first 11 of 30 rows." added when a table was cut.
pub(crate) fn note_cut(footnote: &str, shown: usize, total: usize) -> String {
    if shown >= total {
        return footnote.to_owned();
    }
    let cut = format!("Showing the first {shown} of {total} rows.");
    if footnote.is_empty() {
        cut
    } else {
        format!("{footnote} · {cut}")
    }
}

/// Where a table's columns and rows go: each column as wide as its longest text needs when the
/// table is wide enough (the spare width shared in proportion); otherwise the narrow columns
/// (numbers, short labels) keep their one line and the wide ones share the rest and wrap. Each
/// row is as tall as its most wrapped cell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TableLayout {
    pub widths: Vec<Emu>,
    pub header_height: Emu,
    pub row_heights: Vec<Emu>,
}

impl TableLayout {
    /// A table's header, its first rows as they read (text left, numbers right) and their
    /// layout in a box: of the rows that could fit at one line each, as many as fit once
    /// wrapped (`row_heights.len()` of them).
    pub fn of(table: &crate::Table, width: Emu, height: Emu) -> (Vec<String>, Cells, Self) {
        let header: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
        let candidates = table
            .rows
            .len()
            .min((height / TABLE_ROW_HEIGHT).max(1) as usize);
        let rows: Cells = (0..candidates)
            .map(|r| {
                (0..table.columns.len())
                    .map(|c| {
                        let align = if matches!(table.rows[r][c], crate::Value::Text(_)) {
                            Align::Left
                        } else {
                            Align::Right
                        };
                        (table.display(r, c), align)
                    })
                    .collect()
            })
            .collect();
        let layout = Self::fit(width, height, &header, &rows);
        (header, rows, layout)
    }

    /// The layout of `header` and as many of `rows` as fit in `height`.
    pub fn fit(width: Emu, height: Emu, header: &[String], rows: &[Vec<(String, Align)>]) -> Self {
        let columns = header.len().max(1);
        let longest: Vec<usize> = (0..columns)
            .map(|c| {
                rows.iter()
                    .filter_map(|row| row.get(c))
                    .map(|(text, _)| text.chars().count())
                    .chain(header.get(c).map(|h| h.chars().count()))
                    .max()
                    .unwrap_or(1)
                    .clamp(1, 60)
            })
            .collect();
        // What each column needs to keep its longest text on one line.
        let need: Vec<Emu> = longest
            .iter()
            .map(|&chars| chars as Emu * TABLE_CHAR_WIDTH + TABLE_CELL_MARGINS)
            .collect();
        let total_need: Emu = need.iter().sum();
        let widths: Vec<Emu> = if total_need <= width {
            // Everything fits: the spare width goes in proportion to the need.
            need.iter().map(|n| n * width / total_need).collect()
        } else {
            // Columns that need less than an equal share of what is left keep what they need
            // (numbers and short labels stay on one line); the wider columns share the rest
            // in proportion to their need, and wrap.
            let mut kept = vec![false; columns];
            loop {
                let free: Emu = width
                    - (0..columns)
                        .filter(|&c| kept[c])
                        .map(|c| need[c])
                        .sum::<Emu>();
                let open = kept.iter().filter(|k| !**k).count().max(1) as Emu;
                let share = free / open;
                let newly: Vec<usize> = (0..columns)
                    .filter(|&c| !kept[c] && need[c] <= share)
                    .collect();
                if newly.is_empty() {
                    break;
                }
                for c in newly {
                    kept[c] = true;
                }
            }
            let free: Emu = width
                - (0..columns)
                    .filter(|&c| kept[c])
                    .map(|c| need[c])
                    .sum::<Emu>();
            let open_need: Emu = (0..columns).filter(|&c| !kept[c]).map(|c| need[c]).sum();
            (0..columns)
                .map(|c| {
                    if kept[c] {
                        need[c]
                    } else {
                        (need[c] * free / open_need.max(1))
                            .max(TABLE_CELL_MARGINS + TABLE_CHAR_WIDTH)
                    }
                })
                .collect()
        };
        let height_of = |cells: &mut dyn Iterator<Item = &str>| {
            let lines = cells
                .zip(&widths)
                .map(|(text, &w)| {
                    let per_line = ((w - TABLE_CELL_MARGINS) / TABLE_CHAR_WIDTH).max(1) as usize;
                    text.chars().count().div_ceil(per_line).max(1)
                })
                .max()
                .unwrap_or(1) as Emu;
            TABLE_ROW_HEIGHT + (lines - 1) * TABLE_LINE_HEIGHT
        };
        let header_height = height_of(&mut header.iter().map(String::as_str));
        let mut row_heights = Vec::new();
        let mut used = header_height;
        for row in rows {
            let h = height_of(&mut row.iter().map(|(text, _)| text.as_str()));
            // At least one row, even when it alone overflows.
            if used + h > height && !row_heights.is_empty() {
                break;
            }
            used += h;
            row_heights.push(h);
        }
        Self {
            widths,
            header_height,
            row_heights,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    pub x: Emu,
    pub y: Emu,
    pub cx: Emu,
    pub cy: Emu,
}

impl Frame {
    pub fn new(x: Emu, y: Emu, cx: Emu, cy: Emu) -> Self {
        // Office refuses negative extents; a frame squeezed to nothing stays a point.
        Self {
            x: x.max(0),
            y: y.max(0),
            cx: cx.max(0),
            cy: cy.max(0),
        }
    }

    fn xfrm(&self, prefix: &str) -> String {
        format!(
            "<{prefix}:xfrm><a:off x=\"{}\" y=\"{}\"/><a:ext cx=\"{}\" cy=\"{}\"/></{prefix}:xfrm>",
            self.x, self.y, self.cx, self.cy
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Face {
    Heading,
    Body,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Right,
    Center,
}

impl Align {
    fn attr(self) -> &'static str {
        match self {
            Self::Left => "l",
            Self::Right => "r",
            Self::Center => "ctr",
        }
    }
}

/// A run of text in one style.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub text: String,
    /// Points.
    pub size: u32,
    pub bold: bool,
    pub italic: bool,
    pub color: Rgb,
    pub face: Face,
}

/// A paragraph: runs, an alignment, and whether it is a bullet point.
#[derive(Debug, Clone)]
pub(crate) struct Para {
    pub runs: Vec<Run>,
    pub align: Align,
    pub bullet: bool,
}

impl Para {
    pub fn one(run: Run, align: Align) -> Self {
        Self {
            runs: vec![run],
            align,
            bullet: false,
        }
    }
}

/// Where text sits in its box.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Anchor {
    Top,
    Middle,
    Bottom,
}

/// A slide's shape tree under construction.
pub(crate) struct ShapeTree<'a> {
    brand: &'a Brand,
    xml: String,
    next_id: u32,
}

impl<'a> ShapeTree<'a> {
    pub fn new(brand: &'a Brand) -> Self {
        Self {
            brand,
            xml: String::new(),
            // Id 1 is the tree's own group.
            next_id: 2,
        }
    }

    fn id(&mut self) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    pub fn run(&self, text: &str, size: u32, color: Rgb) -> Run {
        Run {
            text: text.to_owned(),
            size,
            bold: false,
            italic: false,
            color,
            face: Face::Body,
        }
    }

    /// A text box, optionally on a filled background.
    pub fn text(&mut self, frame: Frame, paras: &[Para], fill: Option<Rgb>, anchor: Anchor) {
        let id = self.id();
        let fill = fill.map_or("<a:noFill/>".to_owned(), solid_fill);
        let anchor = match anchor {
            Anchor::Top => "t",
            Anchor::Middle => "ctr",
            Anchor::Bottom => "b",
        };
        let body = self.paragraphs(paras);
        self.xml.push_str(&format!(
            "<p:sp><p:nvSpPr><p:cNvPr id=\"{id}\" name=\"Text {id}\"/><p:cNvSpPr txBox=\"1\"/><p:nvPr/></p:nvSpPr>\
             <p:spPr>{}<a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom>{fill}</p:spPr>\
             <p:txBody><a:bodyPr wrap=\"square\" lIns=\"91440\" tIns=\"45720\" rIns=\"91440\" bIns=\"45720\" anchor=\"{anchor}\"><a:normAutofit/></a:bodyPr><a:lstStyle/>{body}</p:txBody></p:sp>",
            frame.xfrm("a")
        ));
    }

    /// A filled rectangle with no text (brand bars, tile backgrounds).
    pub fn rect(&mut self, frame: Frame, fill: Rgb) {
        let id = self.id();
        // Every p:sp carries a txBody, even an empty one: PowerPoint repairs shapes without.
        self.xml.push_str(&format!(
            "<p:sp><p:nvSpPr><p:cNvPr id=\"{id}\" name=\"Shape {id}\"/><p:cNvSpPr/><p:nvPr/></p:nvSpPr>\
             <p:spPr>{}<a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom>{}<a:ln><a:noFill/></a:ln></p:spPr>\
             <p:txBody><a:bodyPr/><a:lstStyle/><a:p><a:endParaRPr lang=\"en-US\"/></a:p></p:txBody></p:sp>",
            frame.xfrm("a"),
            solid_fill(fill)
        ));
    }

    /// A picture from the slide's relationship `rel`.
    pub fn picture(&mut self, frame: Frame, rel: &str, name: &str) {
        let id = self.id();
        self.xml.push_str(&format!(
            "<p:pic><p:nvPicPr><p:cNvPr id=\"{id}\" name=\"{}\"/><p:cNvPicPr><a:picLocks noChangeAspect=\"1\"/></p:cNvPicPr><p:nvPr/></p:nvPicPr>\
             <p:blipFill><a:blip r:embed=\"{rel}\"/><a:stretch><a:fillRect/></a:stretch></p:blipFill>\
             <p:spPr>{}<a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom></p:spPr></p:pic>",
            escape(name),
            frame.xfrm("a")
        ));
    }

    /// The frame a native chart sits in; the chart itself is its own part.
    pub fn chart(&mut self, frame: Frame, rel: &str) {
        let id = self.id();
        self.xml.push_str(&format!(
            "<p:graphicFrame><p:nvGraphicFramePr><p:cNvPr id=\"{id}\" name=\"Chart {id}\"/><p:cNvGraphicFramePr/><p:nvPr/></p:nvGraphicFramePr>\
             {}<a:graphic><a:graphicData uri=\"http://schemas.openxmlformats.org/drawingml/2006/chart\">\
             <c:chart xmlns:c=\"http://schemas.openxmlformats.org/drawingml/2006/chart\" r:id=\"{rel}\"/></a:graphicData></a:graphic></p:graphicFrame>",
            frame.xfrm("p")
        ));
    }

    /// A native table: a header row on the brand colour, then banded rows. Cells are styled
    /// one by one rather than through a built-in table style id, which other apps may not know.
    /// `layout` gives the columns' widths and the rows' heights (see [`TableLayout`]).
    pub fn table(
        &mut self,
        frame: Frame,
        header: &[String],
        rows: &[Vec<(String, Align)>],
        layout: &TableLayout,
    ) {
        let id = self.id();
        let grid: String = layout
            .widths
            .iter()
            .map(|width| format!("<a:gridCol w=\"{width}\"/>"))
            .collect();
        let brand = self.brand;
        let cell = |text: &str, align: Align, bold: bool, color: Rgb, fill: Rgb| {
            format!(
                "<a:tc><a:txBody><a:bodyPr/><a:lstStyle/><a:p><a:pPr algn=\"{}\"/>{}</a:p></a:txBody>\
                 <a:tcPr marL=\"68580\" marR=\"68580\" marT=\"34290\" marB=\"34290\" anchor=\"ctr\">{}</a:tcPr></a:tc>",
                align.attr(),
                run_xml(
                    &Run {
                        text: text.to_owned(),
                        size: 12,
                        bold,
                        italic: false,
                        color,
                        face: Face::Body,
                    },
                    brand
                ),
                solid_fill(fill)
            )
        };
        let mut xml = format!("<a:tr h=\"{}\">", layout.header_height);
        for name in header {
            xml.push_str(&cell(
                name,
                Align::Left,
                true,
                Rgb(255, 255, 255),
                brand.primary,
            ));
        }
        xml.push_str("</a:tr>");
        for (r, row) in rows.iter().enumerate() {
            let fill = if r % 2 == 0 {
                brand.primary.tint(0.9)
            } else {
                Rgb(255, 255, 255)
            };
            xml.push_str(&format!("<a:tr h=\"{}\">", layout.row_heights[r]));
            for (text, align) in row {
                xml.push_str(&cell(text, *align, false, brand.text, fill));
            }
            xml.push_str("</a:tr>");
        }
        let height = layout.header_height + layout.row_heights.iter().sum::<Emu>();
        let frame = Frame::new(
            frame.x,
            frame.y,
            layout.widths.iter().sum(),
            height.min(frame.cy.max(layout.header_height)),
        );
        self.xml.push_str(&format!(
            "<p:graphicFrame><p:nvGraphicFramePr><p:cNvPr id=\"{id}\" name=\"Table {id}\"/><p:cNvGraphicFramePr><a:graphicFrameLocks noGrp=\"1\"/></p:cNvGraphicFramePr><p:nvPr/></p:nvGraphicFramePr>\
             {}<a:graphic><a:graphicData uri=\"http://schemas.openxmlformats.org/drawingml/2006/table\">\
             <a:tbl><a:tblPr firstRow=\"1\" bandRow=\"1\"/><a:tblGrid>{grid}</a:tblGrid>{xml}</a:tbl></a:graphicData></a:graphic></p:graphicFrame>",
            frame.xfrm("p")
        ));
    }

    fn paragraphs(&self, paras: &[Para]) -> String {
        if paras.is_empty() {
            return "<a:p><a:endParaRPr lang=\"en-US\"/></a:p>".into();
        }
        paras
            .iter()
            .map(|para| {
                let bullet = if para.bullet {
                    "marL=\"342900\" indent=\"-342900\""
                } else {
                    "marL=\"0\" indent=\"0\""
                };
                let marker = if para.bullet {
                    "<a:spcBef><a:spcPts val=\"600\"/></a:spcBef><a:buFont typeface=\"Arial\"/><a:buChar char=\"•\"/>"
                } else {
                    "<a:buNone/>"
                };
                let runs: String = para.runs.iter().map(|r| run_xml(r, self.brand)).collect();
                format!(
                    "<a:p><a:pPr {bullet} algn=\"{}\">{marker}</a:pPr>{runs}</a:p>",
                    para.align.attr()
                )
            })
            .collect()
    }

    /// The slide's number as a field, so it stays right when slides are moved in PowerPoint.
    pub fn slide_number(&mut self, frame: Frame, number: usize, color: Rgb) {
        let id = self.id();
        self.xml.push_str(&format!(
            "<p:sp><p:nvSpPr><p:cNvPr id=\"{id}\" name=\"Slide number {id}\"/><p:cNvSpPr txBox=\"1\"/><p:nvPr/></p:nvSpPr>\
             <p:spPr>{}<a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom><a:noFill/></p:spPr>\
             <p:txBody><a:bodyPr wrap=\"square\" anchor=\"ctr\"/><a:lstStyle/><a:p><a:pPr algn=\"r\"/>\
             <a:fld id=\"{{5D3C8F0E-2B7A-4E61-9C44-8A1F2E6B9D70}}\" type=\"slidenum\"><a:rPr lang=\"en-US\" sz=\"1000\">{}<a:latin typeface=\"{}\"/></a:rPr><a:t>{number}</a:t></a:fld></a:p></p:txBody></p:sp>",
            frame.xfrm("a"),
            solid_fill(color),
            escape(&self.brand.body_font)
        ));
    }

    /// The tree's XML, inside the group every slide's tree starts with.
    pub fn finish(self) -> String {
        format!(
            "<p:spTree><p:nvGrpSpPr><p:cNvPr id=\"1\" name=\"\"/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr>\
             <p:grpSpPr><a:xfrm><a:off x=\"0\" y=\"0\"/><a:ext cx=\"0\" cy=\"0\"/><a:chOff x=\"0\" y=\"0\"/><a:chExt cx=\"0\" cy=\"0\"/></a:xfrm></p:grpSpPr>{}</p:spTree>",
            self.xml
        )
    }
}

/// A run as DrawingML; a line break in the text becomes `a:br` (inside `a:t` it would be
/// dropped by PowerPoint).
fn run_xml(run: &Run, brand: &Brand) -> String {
    let font = match run.face {
        Face::Heading => &brand.heading_font,
        Face::Body => &brand.body_font,
    };
    let properties = format!(
        "<a:rPr lang=\"en-US\" sz=\"{}\" b=\"{}\" i=\"{}\" dirty=\"0\">{}<a:latin typeface=\"{}\"/></a:rPr>",
        run.size * 100,
        u8::from(run.bold),
        u8::from(run.italic),
        solid_fill(run.color),
        escape(font)
    );
    run.text
        .split('\n')
        .map(|line| format!("<a:r>{properties}<a:t>{}</a:t></a:r>", escape(line)))
        .collect::<Vec<_>>()
        .join(&format!("<a:br>{properties}</a:br>"))
}

pub(crate) fn solid_fill(color: Rgb) -> String {
    format!(
        "<a:solidFill><a:srgbClr val=\"{}\"/></a:solidFill>",
        color.hex()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<(String, Align)> {
        cells
            .iter()
            .map(|c| ((*c).to_owned(), Align::Left))
            .collect()
    }

    #[test]
    fn a_long_text_column_takes_room_from_short_number_columns_and_wrapped_rows_are_taller() {
        let header = vec!["Campaign".to_owned(), "Spend".to_owned()];
        let rows = vec![
            row(&["Meta | Prospecting | Advantage+ Shopping", "$20.00"]),
            row(&["Short", "$1.00"]),
        ];
        let width = 10_000_000;
        let layout = TableLayout::fit(width, 4_572_000, &header, &rows);
        assert_eq!(layout.widths.len(), 2);
        assert!(layout.widths[0] > 4 * layout.widths[1], "{layout:?}");
        assert!(layout.widths.iter().sum::<Emu>() <= width);
        // 39 characters fit one line of a ~8.7 million EMU column (about 100 per line).
        assert_eq!(layout.row_heights, vec![TABLE_ROW_HEIGHT, TABLE_ROW_HEIGHT]);

        // In a narrow table the long name wraps: its row grows by whole lines.
        let narrow = TableLayout::fit(2_000_000, 4_572_000, &header, &rows);
        let lines = (narrow.row_heights[0] - TABLE_ROW_HEIGHT) / TABLE_LINE_HEIGHT + 1;
        assert!(lines >= 2, "{narrow:?}");
        assert_eq!(
            narrow.row_heights[0],
            TABLE_ROW_HEIGHT + (lines - 1) * TABLE_LINE_HEIGHT
        );
        // The number column keeps "$20.00" on one line; the name column wraps instead.
        assert_eq!(narrow.row_heights[1], TABLE_ROW_HEIGHT, "{narrow:?}");
        assert!(narrow.widths[1] >= 6 * TABLE_CHAR_WIDTH + TABLE_CELL_MARGINS);
        assert!(narrow.widths.iter().sum::<Emu>() <= 2_000_000);
    }

    #[test]
    fn only_the_rows_that_fit_once_wrapped_are_laid_out_but_always_one() {
        let header = vec!["Name".to_owned(), "N".to_owned()];
        let tall: Vec<_> = (0..10).map(|_| row(&[&"word ".repeat(40), "1"])).collect();
        let layout = TableLayout::fit(3_000_000, 2_000_000, &header, &tall);
        let used = layout.header_height + layout.row_heights.iter().sum::<Emu>();
        assert!(
            used <= 2_000_000 || layout.row_heights.len() == 1,
            "{layout:?}"
        );
        assert!(layout.row_heights.len() < 10);
        let squeezed = TableLayout::fit(3_000_000, 100, &header, &tall);
        assert_eq!(squeezed.row_heights.len(), 1);
    }
}
