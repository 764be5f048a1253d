//! A native chart part (`c:chartSpace`) and the workbook embedded beside it. The chart draws
//! from the caches in its XML; the workbook is what "Edit Data" opens, laid out exactly as the
//! `c:f` formulas say: categories in column A from row 2, a series per column from B, its name in
//! row 1.

use rust_xlsxwriter::{Format, Workbook};

use crate::xml::escape;
use crate::{Brand, ChartKind, ChartSpec, DeckError};

/// The chart's XML; `workbook_rel` is the relationship id of its embedded workbook.
pub(crate) fn chart_xml(chart: &ChartSpec, brand: &Brand, workbook_rel: &str) -> String {
    let n = chart.categories.len();
    let last_row = n + 1;
    let format_code = escape(&chart.format.excel_code());
    let accents = brand.accents();
    let categories: String = chart
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| format!("<c:pt idx=\"{i}\"><c:v>{}</c:v></c:pt>", escape(c)))
        .collect();
    let line = chart.kind == ChartKind::Line;
    let mut series_xml = String::new();
    for (s, series) in chart.series.iter().enumerate() {
        let column = column_letter(s + 1);
        let color = accents[s % accents.len()].hex();
        let points: String = series
            .values
            .iter()
            .enumerate()
            // A value not measured is left out of the cache: a gap, not a zero.
            .filter_map(|(i, v)| v.map(|v| format!("<c:pt idx=\"{i}\"><c:v>{v}</c:v></c:pt>")))
            .collect();
        let look = if line {
            format!(
                "<c:spPr><a:ln w=\"28575\" cap=\"rnd\"><a:solidFill><a:srgbClr val=\"{color}\"/></a:solidFill><a:round/></a:ln></c:spPr>\
                 <c:marker><c:symbol val=\"none\"/></c:marker>"
            )
        } else {
            format!(
                "<c:spPr><a:solidFill><a:srgbClr val=\"{color}\"/></a:solidFill></c:spPr><c:invertIfNegative val=\"0\"/>"
            )
        };
        let tail = if line { "<c:smooth val=\"0\"/>" } else { "" };
        series_xml.push_str(&format!(
            "<c:ser><c:idx val=\"{s}\"/><c:order val=\"{s}\"/>\
             <c:tx><c:strRef><c:f>Sheet1!${column}$1</c:f><c:strCache><c:ptCount val=\"1\"/><c:pt idx=\"0\"><c:v>{}</c:v></c:pt></c:strCache></c:strRef></c:tx>\
             {look}\
             <c:cat><c:strRef><c:f>Sheet1!$A$2:$A${last_row}</c:f><c:strCache><c:ptCount val=\"{n}\"/>{categories}</c:strCache></c:strRef></c:cat>\
             <c:val><c:numRef><c:f>Sheet1!${column}$2:${column}${last_row}</c:f><c:numCache><c:formatCode>{format_code}</c:formatCode><c:ptCount val=\"{n}\"/>{points}</c:numCache></c:numRef></c:val>\
             {tail}</c:ser>",
            escape(&series.name)
        ));
    }
    let (category_axis, value_axis) = (500_001, 500_002);
    let axes_ids = format!("<c:axId val=\"{category_axis}\"/><c:axId val=\"{value_axis}\"/>");
    let plot = match chart.kind {
        ChartKind::Line => format!(
            "<c:lineChart><c:grouping val=\"standard\"/><c:varyColors val=\"0\"/>{series_xml}<c:marker val=\"1\"/>{axes_ids}</c:lineChart>"
        ),
        ChartKind::Column | ChartKind::Bar | ChartKind::StackedColumn => {
            let direction = if chart.kind == ChartKind::Bar {
                "bar"
            } else {
                "col"
            };
            let (grouping, overlap) = if chart.kind == ChartKind::StackedColumn {
                ("stacked", "<c:overlap val=\"100\"/>")
            } else {
                ("clustered", "")
            };
            format!(
                "<c:barChart><c:barDir val=\"{direction}\"/><c:grouping val=\"{grouping}\"/><c:varyColors val=\"0\"/>{series_xml}\
                 <c:gapWidth val=\"80\"/>{overlap}{axes_ids}</c:barChart>"
            )
        }
    };
    // Horizontal bars list their categories top-down in the data's order.
    // The value axis then crosses at the last category, which a reversed axis draws at the
    // bottom, so its labels stay under the bars.
    let (category_position, value_position, orientation, value_crosses) =
        if chart.kind == ChartKind::Bar {
            ("l", "b", "maxMin", "max")
        } else {
            ("b", "l", "minMax", "autoZero")
        };
    let text = format!(
        "<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz=\"1200\"><a:solidFill><a:srgbClr val=\"{}\"/></a:solidFill><a:latin typeface=\"{}\"/></a:defRPr></a:pPr><a:endParaRPr lang=\"en-US\"/></a:p></c:txPr>",
        brand.text.hex(),
        escape(&brand.body_font)
    );
    let legend = if chart.series.len() > 1 {
        "<c:legend><c:legendPos val=\"b\"/><c:overlay val=\"0\"/></c:legend>"
    } else {
        ""
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <c:chartSpace xmlns:c=\"http://schemas.openxmlformats.org/drawingml/2006/chart\" xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">\
         <c:date1904 val=\"0\"/><c:roundedCorners val=\"0\"/>\
         <c:chart><c:autoTitleDeleted val=\"1\"/><c:plotArea><c:layout/>{plot}\
         <c:catAx><c:axId val=\"{category_axis}\"/><c:scaling><c:orientation val=\"{orientation}\"/></c:scaling><c:delete val=\"0\"/><c:axPos val=\"{category_position}\"/>\
         <c:numFmt formatCode=\"General\" sourceLinked=\"1\"/><c:majorTickMark val=\"none\"/><c:minorTickMark val=\"none\"/><c:tickLblPos val=\"nextTo\"/>\
         <c:crossAx val=\"{value_axis}\"/><c:crosses val=\"autoZero\"/><c:auto val=\"1\"/><c:lblAlgn val=\"ctr\"/><c:lblOffset val=\"100\"/><c:noMultiLvlLbl val=\"0\"/></c:catAx>\
         <c:valAx><c:axId val=\"{value_axis}\"/><c:scaling><c:orientation val=\"minMax\"/></c:scaling><c:delete val=\"0\"/><c:axPos val=\"{value_position}\"/>\
         <c:majorGridlines><c:spPr><a:ln w=\"6350\"><a:solidFill><a:srgbClr val=\"D9D9D9\"/></a:solidFill></a:ln></c:spPr></c:majorGridlines>\
         <c:numFmt formatCode=\"{format_code}\" sourceLinked=\"0\"/><c:majorTickMark val=\"none\"/><c:minorTickMark val=\"none\"/><c:tickLblPos val=\"nextTo\"/>\
         <c:crossAx val=\"{category_axis}\"/><c:crosses val=\"{value_crosses}\"/><c:crossBetween val=\"between\"/></c:valAx>\
         </c:plotArea>{legend}<c:plotVisOnly val=\"1\"/><c:dispBlanksAs val=\"gap\"/></c:chart>\
         {text}\
         <c:externalData r:id=\"{workbook_rel}\"><c:autoUpdate val=\"0\"/></c:externalData></c:chartSpace>"
    )
}

/// The workbook behind the chart, matching the formulas in [`chart_xml`].
pub(crate) fn chart_workbook(chart: &ChartSpec) -> Result<Vec<u8>, DeckError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Sheet1")?;
    let number = Format::new().set_num_format(chart.format.excel_code());
    for (i, category) in chart.categories.iter().enumerate() {
        sheet.write_string(i as u32 + 1, 0, category)?;
    }
    for (s, series) in chart.series.iter().enumerate() {
        let column = s as u16 + 1;
        sheet.write_string(0, column, &series.name)?;
        for (i, value) in series.values.iter().enumerate() {
            if let Some(value) = value {
                sheet.write_number_with_format(i as u32 + 1, column, *value, &number)?;
            }
        }
    }
    Ok(workbook.save_to_buffer()?)
}

/// Spreadsheet column letters: 0 → A, 25 → Z, 26 → AA.
pub(crate) fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.iter().rev().map(|&b| b as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_roll_over_like_a_spreadsheet() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(1), "B");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }
}
