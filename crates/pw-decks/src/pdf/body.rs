//! What goes inside a content page's box: bullets, KPI tiles, quote walls, vector charts and
//! tables, in the PowerPoint's layout.

use krilla::surface::Surface;

use super::PT_PER_EMU;
use super::text::{Faces, line, rect, text_box};
use crate::pptx::shapes::{Align, TableLayout};
use crate::{Brand, ChartKind, ChartSpec, Rgb, Value};

pub(super) fn bullets(
    surface: &mut Surface<'_>,
    brand: &Brand,
    faces: &Faces<'_>,
    (x, y, w, h): (f32, f32, f32, f32),
    items: &[String],
) {
    let mut top = y;
    for item in items {
        if top + 24.0 > y + h {
            break;
        }
        text_box(
            surface,
            &faces.regular,
            "•",
            18.0,
            brand.primary,
            (x, top, 18.0, 24.0),
            Align::Left,
        );
        top += text_box(
            surface,
            &faces.regular,
            item,
            18.0,
            brand.text,
            (x + 24.0, top, w - 24.0, y + h - top),
            Align::Left,
        ) + 8.0;
    }
}

pub(super) fn kpis(
    surface: &mut Surface<'_>,
    brand: &Brand,
    faces: &Faces<'_>,
    (x, y, w, _h): (f32, f32, f32, f32),
    tiles: &[crate::Kpi],
) {
    let per_row = tiles.len().clamp(1, 4) as f32;
    let gap = 14.4;
    let width = (w - gap * (per_row - 1.0)) / per_row;
    let height = 129.6;
    for (i, tile) in tiles.iter().take(8).enumerate() {
        let (row, column) = ((i as f32 / per_row).floor(), i as f32 % per_row);
        let (left, top) = (x + column * (width + gap), y + row * (height + gap));
        rect(surface, left, top, width, height, brand.primary.tint(0.9));
        let inner = width - 20.0;
        text_box(
            surface,
            &faces.regular,
            &tile.label,
            12.0,
            brand.text,
            (left + 10.0, top + 16.0, inner, 16.0),
            Align::Left,
        );
        text_box(
            surface,
            &faces.bold,
            &tile.value,
            26.0,
            brand.primary,
            (left + 10.0, top + 38.0, inner, 34.0),
            Align::Left,
        );
        text_box(
            surface,
            &faces.regular,
            &tile.detail,
            10.0,
            brand.text.tint(0.35),
            (left + 10.0, top + 80.0, inner, 40.0),
            Align::Left,
        );
    }
}

pub(super) fn quote_wall(
    surface: &mut Surface<'_>,
    brand: &Brand,
    faces: &Faces<'_>,
    (x, y, w, h): (f32, f32, f32, f32),
    quotes: &[crate::Quote],
) {
    let quotes = &quotes[..quotes.len().min(6)];
    let columns: f32 = if quotes.len() > 1 { 2.0 } else { 1.0 };
    let rows = (quotes.len() as f32 / columns).ceil().max(1.0);
    let gap = 14.4;
    let width = (w - gap * (columns - 1.0)) / columns;
    let height = (h - gap * (rows - 1.0)) / rows;
    for (i, quote) in quotes.iter().enumerate() {
        let (row, column) = ((i as f32 / columns).floor(), i as f32 % columns);
        let (left, top) = (x + column * (width + gap), y + row * (height + gap));
        rect(surface, left, top, width, height, brand.secondary.tint(0.9));
        let used = text_box(
            surface,
            &faces.regular,
            &format!("“{}”", quote.text),
            14.0,
            brand.text,
            (left + 12.0, top + 10.0, width - 24.0, height - 36.0),
            Align::Left,
        );
        text_box(
            surface,
            &faces.regular,
            &format!("— {}", quote.attribution),
            10.0,
            brand.secondary,
            (left + 12.0, top + 14.0 + used, width - 24.0, 14.0),
            Align::Left,
        );
    }
}

/// "Nice" axis steps: 1, 2 or 5 times a power of ten, about five of them to the top.
pub(super) fn axis_top(max: f64) -> (f64, f64) {
    if max <= 0.0 || !max.is_finite() {
        return (1.0, 0.2);
    }
    let rough = max / 5.0;
    let power = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * power);
    ((max / step).ceil() * step, step)
}

pub(super) fn draw_chart(
    surface: &mut Surface<'_>,
    brand: &Brand,
    faces: &Faces<'_>,
    (x, y, w, h): (f32, f32, f32, f32),
    chart: &ChartSpec,
) {
    let accents = brand.accents();
    let muted = brand.text.tint(0.4);
    let grid = brand.text.tint(0.88);
    let legend_height = 20.0;
    let stacked = chart.kind == ChartKind::StackedColumn;
    let values = |c: usize| chart.series.iter().filter_map(move |s| s.values[c]);
    let max = (0..chart.categories.len())
        .map(|c| {
            if stacked {
                values(c).filter(|v| *v > 0.0).sum::<f64>()
            } else {
                values(c).fold(0.0, f64::max)
            }
        })
        .fold(0.0, f64::max);
    let (top, step) = axis_top(max);
    let label = |v: f64| chart.format.display(&Value::Number(v));

    if chart.kind == ChartKind::Bar {
        // Horizontal bars: categories down the left, values along the bottom.
        let label_width = (w * 0.3).min(
            chart
                .categories
                .iter()
                .map(|c| faces.regular.width(c, 10.0))
                .fold(0.0, f32::max)
                + 8.0,
        );
        let (left, plot_w) = (x + label_width, w - label_width - 10.0);
        let plot_h = h - legend_height - 18.0;
        let scale = |v: f64| (v / top) as f32 * plot_w;
        let mut tick = 0.0;
        while tick <= top + step / 2.0 {
            let tx = left + scale(tick);
            line(surface, &[(tx, y), (tx, y + plot_h)], 0.5, grid);
            text_box(
                surface,
                &faces.regular,
                &label(tick),
                9.0,
                muted,
                (tx - 40.0, y + plot_h + 2.0, 80.0, 12.0),
                Align::Center,
            );
            tick += step;
        }
        let band = plot_h / chart.categories.len() as f32;
        let bar = band * 0.7 / chart.series.len() as f32;
        for (c, category) in chart.categories.iter().enumerate() {
            let band_top = y + c as f32 * band;
            text_box(
                surface,
                &faces.regular,
                category,
                10.0,
                brand.text,
                (x, band_top + band / 2.0 - 7.0, label_width - 6.0, 14.0),
                Align::Right,
            );
            for (s, series) in chart.series.iter().enumerate() {
                if let Some(v) = series.values[c] {
                    rect(
                        surface,
                        left,
                        band_top + band * 0.15 + s as f32 * bar,
                        scale(v.max(0.0)),
                        bar,
                        accents[s % accents.len()],
                    );
                }
            }
        }
        legend(surface, brand, faces, chart, (x, y + h - legend_height, w));
        return;
    }

    let label_width = faces.regular.width(&label(top), 9.0) + 8.0;
    let (left, plot_w) = (x + label_width, w - label_width);
    let plot_h = h - legend_height - 30.0;
    let bottom = y + plot_h;
    let scale = |v: f64| (v / top) as f32 * plot_h;
    let mut tick = 0.0;
    while tick <= top + step / 2.0 {
        let ty = bottom - scale(tick);
        line(surface, &[(left, ty), (left + plot_w, ty)], 0.5, grid);
        text_box(
            surface,
            &faces.regular,
            &label(tick),
            9.0,
            muted,
            (x, ty - 6.0, label_width - 4.0, 12.0),
            Align::Right,
        );
        tick += step;
    }
    let count = chart.categories.len();
    let band = plot_w / count as f32;
    // Category labels: as many as fit side by side, evenly spaced.
    let widest = chart
        .categories
        .iter()
        .map(|c| faces.regular.width(c, 9.0))
        .fold(0.0, f32::max)
        + 6.0;
    let every = ((widest / band).ceil() as usize).max(1);
    for (c, category) in chart.categories.iter().enumerate().step_by(every) {
        let cx = left + (c as f32 + 0.5) * band;
        text_box(
            surface,
            &faces.regular,
            category,
            9.0,
            muted,
            (cx - widest / 2.0, bottom + 4.0, widest, 12.0),
            Align::Center,
        );
    }
    match chart.kind {
        ChartKind::Line => {
            for (s, series) in chart.series.iter().enumerate() {
                // A gap (no value) breaks the line.
                let mut run: Vec<(f32, f32)> = Vec::new();
                for (c, value) in series.values.iter().enumerate() {
                    match value {
                        Some(v) => run.push((left + (c as f32 + 0.5) * band, bottom - scale(*v))),
                        None => {
                            if run.len() > 1 {
                                line(surface, &run, 1.8, accents[s % accents.len()]);
                            }
                            run.clear();
                        }
                    }
                }
                if run.len() > 1 {
                    line(surface, &run, 1.8, accents[s % accents.len()]);
                } else if let Some((px, py)) = run.first() {
                    rect(
                        surface,
                        px - 2.0,
                        py - 2.0,
                        4.0,
                        4.0,
                        accents[s % accents.len()],
                    );
                }
            }
        }
        ChartKind::StackedColumn => {
            for c in 0..count {
                let mut base = 0.0;
                for (s, series) in chart.series.iter().enumerate() {
                    if let Some(v) = series.values[c].filter(|v| *v > 0.0) {
                        let (y0, y1) = (bottom - scale(base + v), bottom - scale(base));
                        rect(
                            surface,
                            left + c as f32 * band + band * 0.2,
                            y0,
                            band * 0.6,
                            y1 - y0,
                            accents[s % accents.len()],
                        );
                        base += v;
                    }
                }
            }
        }
        ChartKind::Column | ChartKind::Bar => {
            let bar = band * 0.7 / chart.series.len() as f32;
            for c in 0..count {
                for (s, series) in chart.series.iter().enumerate() {
                    if let Some(v) = series.values[c] {
                        let height = scale(v.max(0.0));
                        rect(
                            surface,
                            left + c as f32 * band + band * 0.15 + s as f32 * bar,
                            bottom - height,
                            bar,
                            height,
                            accents[s % accents.len()],
                        );
                    }
                }
            }
        }
    }
    line(
        surface,
        &[(left, bottom), (left + plot_w, bottom)],
        0.8,
        muted,
    );
    legend(surface, brand, faces, chart, (x, y + h - legend_height, w));
}

pub(super) fn legend(
    surface: &mut Surface<'_>,
    brand: &Brand,
    faces: &Faces<'_>,
    chart: &ChartSpec,
    (x, y, w): (f32, f32, f32),
) {
    let accents = brand.accents();
    let entries: Vec<(f32, &str)> = chart
        .series
        .iter()
        .map(|s| (faces.regular.width(&s.name, 10.0) + 24.0, s.name.as_str()))
        .collect();
    let total: f32 = entries.iter().map(|(width, _)| width).sum();
    let mut left = x + ((w - total) / 2.0).max(0.0);
    for (s, (width, name)) in entries.iter().enumerate() {
        rect(
            surface,
            left,
            y + 5.0,
            10.0,
            10.0,
            accents[s % accents.len()],
        );
        text_box(
            surface,
            &faces.regular,
            name,
            10.0,
            brand.text,
            (left + 14.0, y + 2.0, *width, 14.0),
            Align::Left,
        );
        left += width;
    }
}

/// Draws the rows that fit, laid out as the PowerPoint's table; returns how many.
pub(super) fn draw_table(
    surface: &mut Surface<'_>,
    brand: &Brand,
    faces: &Faces<'_>,
    (x, y, w, h): (f32, f32, f32, f32),
    table: &crate::Table,
) -> usize {
    let emu = |pt: f32| (pt / PT_PER_EMU) as i64;
    let (header, rows, layout) = TableLayout::of(table, emu(w), emu(h));
    let widths: Vec<f32> = layout
        .widths
        .iter()
        .map(|w| *w as f32 * PT_PER_EMU)
        .collect();
    let pad = 5.4;
    let mut top = y;
    let header_h = layout.header_height as f32 * PT_PER_EMU;
    let mut left = x;
    for (c, name) in header.iter().enumerate() {
        rect(surface, left, top, widths[c], header_h, brand.primary);
        text_box(
            surface,
            &faces.bold,
            name,
            10.0,
            Rgb(255, 255, 255),
            (left + pad, top + 4.0, widths[c] - 2.0 * pad, header_h - 4.0),
            Align::Left,
        );
        left += widths[c];
    }
    top += header_h;
    for (r, row) in rows.iter().take(layout.row_heights.len()).enumerate() {
        let row_h = layout.row_heights[r] as f32 * PT_PER_EMU;
        let band = if r % 2 == 0 {
            brand.primary.tint(0.9)
        } else {
            Rgb(255, 255, 255)
        };
        let mut left = x;
        for (c, (text, align)) in row.iter().enumerate() {
            rect(surface, left, top, widths[c], row_h, band);
            text_box(
                surface,
                &faces.regular,
                text,
                10.0,
                brand.text,
                (left + pad, top + 4.0, widths[c] - 2.0 * pad, row_h - 4.0),
                *align,
            );
            left += widths[c];
        }
        top += row_h;
    }
    layout.row_heights.len()
}
