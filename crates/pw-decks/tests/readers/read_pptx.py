"""Reads a PPTX with python-pptx, a parser that is not ours, and prints what it found as JSON:
per slide, its texts, tables, charts (type, categories, series values from the chart part's
caches) and speaker notes. The deck tests compare this with the deck they wrote."""

import json
import sys

from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE


def chart_of(chart):
    plot = chart.plots[0]
    return {
        "type": chart.chart_type.name if chart.chart_type is not None else None,
        "categories": [str(c) for c in plot.categories],
        "series": [
            {"name": s.name, "values": list(s.values)}
            for p in chart.plots
            for s in p.series
        ],
        # The workbook "Edit Data" opens, as python-pptx finds it through the chart part's rels.
        "workbook_bytes": len(chart.part.chart_workbook.xlsx_part.blob)
        if chart.part.chart_workbook.xlsx_part is not None
        else 0,
    }


def shapes_in(shapes):
    """Every shape, those inside groups too."""
    for shape in shapes:
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            yield from shapes_in(shape.shapes)
        else:
            yield shape


def slide_of(slide):
    texts, tables, charts = [], [], []
    for shape in shapes_in(slide.shapes):
        if shape.has_text_frame:
            texts.append(shape.text_frame.text)
        if getattr(shape, "has_table", False) and shape.has_table:
            tables.append([[cell.text for cell in row.cells] for row in shape.table.rows])
        if getattr(shape, "has_chart", False) and shape.has_chart:
            charts.append(chart_of(shape.chart))
    notes = ""
    if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
        notes = slide.notes_slide.notes_text_frame.text
    return {"texts": texts, "tables": tables, "charts": charts, "notes": notes}


presentation = Presentation(sys.argv[1])
json.dump(
    {
        "slide_width": presentation.slide_width,
        "slide_height": presentation.slide_height,
        "title": presentation.core_properties.title,
        "slides": [slide_of(s) for s in presentation.slides],
    },
    sys.stdout,
    ensure_ascii=False,
)
