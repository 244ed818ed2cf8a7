"""Charts: Vega-Lite specs rendered to inline, accessible SVG with vl-convert (no JavaScript).

Each chart is a ``<figure>`` holding an ``<svg role="img">`` whose ``<title>`` and ``<desc>``
(referenced by ``aria-labelledby``) give a screen reader the chart's title and a sentence that
states what it shows, and a visible caption naming the source. Colours come from
``transforms.site.palette``. Data values reach the SVG only as Vega text, which vl-convert
escapes; title, description and caption are escaped here.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import polars as pl
import vl_convert

from transforms.render import escape_html
from transforms.site import palette
from transforms.site.text import Markup

# Drawn at about 440 px so that on a 390 px phone (about 360 px of column) the SVG is scaled by
# no less than 0.8 and 13 px text stays above 10 px; a chart drawn wider still keeps its text at
# 10 px or more by a minimum width (``render``), its figure then scrolling sideways.
WIDTH = 440
MIN_TEXT_PX = 10
FONT_PX = 13
# vl-convert measures text with its own sans-serif; a browser's may be wider, so the charts get a
# generous padding rather than a font stack the converter cannot measure.
FONT = "sans-serif"
# A line chart of more series than this is drawn as small multiples, one panel per series.
MAX_LINES = 4
# Every share (0-1 in the data) is drawn on one 0-100 % scale and labelled as the text writes it.
SHARE_FORMAT = ".0%"

_CONFIG = {
    "font": FONT,
    "background": "white",
    "padding": {"left": 24, "right": 16, "top": 8, "bottom": 8},
    "view": {"stroke": None},
    "title": {"anchor": "start", "fontSize": 15, "fontWeight": 600, "offset": 10, "limit": WIDTH},
    "axis": {
        "labelFontSize": FONT_PX,
        "titleFontSize": FONT_PX,
        "titleFontWeight": 500,
        "gridColor": "#e6e6e6",
    },
    "legend": {"labelFontSize": FONT_PX, "titleFontSize": FONT_PX, "orient": "bottom"},
    "header": {"labelFontSize": FONT_PX, "titleFontSize": FONT_PX},
    "text": {"fontSize": FONT_PX},
}
_VL_CONVERT_VERSION = version("vl-convert-python")
_SVG_OPEN = re.compile(r"^<svg\b([^>]*)>")
_FONT_SIZE = re.compile(r'font-size="([0-9.]+)(?:px)?"')
_ID_SAFE = re.compile(r"[^a-z0-9-]+")


@dataclass(frozen=True)
class Chart:
    """A chart to render: its Vega-Lite spec and the words that go with it.

    The chart builders below take the words (``title``, ``description``, ``source``) as keyword
    arguments, pass them through here and return the chart rendered (``render``): every page
    shows a chart as the figure it renders to, so no caller renders one itself.
    """

    chart_id: str
    title: str
    description: str
    source: str
    spec: dict[str, Any]


def _records(df: pl.DataFrame) -> list[dict[str, Any]]:
    return df.to_dicts()


# Rendering a spec takes vl-convert ~60 ms, most of a site build. The SVG depends only on the
# spec and the vl-convert version, so it is cached under that content hash: a rebuild whose
# figures did not move renders no chart twice. BRIEFING_CHART_CACHE moves the folder; an
# empty value turns the cache off.
_CHART_CACHE = os.environ.get(
    "BRIEFING_CHART_CACHE", str(Path(__file__).resolve().parents[2] / "build" / "chart-cache")
)


def _to_svg(spec: dict[str, Any]) -> str:
    if not _CHART_CACHE:
        return vl_convert.vegalite_to_svg(spec)
    payload = json.dumps(spec, sort_keys=True, default=str, ensure_ascii=False)
    digest = hashlib.sha256(f"{_VL_CONVERT_VERSION}\n{payload}".encode()).hexdigest()
    path = Path(_CHART_CACHE) / digest[:2] / f"{digest}.svg"
    if path.exists():
        return path.read_text(encoding="utf-8")
    svg = vl_convert.vegalite_to_svg(spec)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(svg, encoding="utf-8")
    os.replace(tmp, path)
    return svg


def render(chart: Chart) -> Markup:
    """The chart as one line of HTML: a figure with an accessible inline SVG and a caption."""
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", **chart.spec}
    spec.setdefault("title", chart.title)
    spec["config"] = {**_CONFIG, **spec.get("config", {})}
    svg = _to_svg(spec).replace("\n", " ")
    base = _ID_SAFE.sub("-", chart.chart_id.lower()).strip("-") or "chart"
    title_id, desc_id = f"{base}-title", f"{base}-desc"
    match = _SVG_OPEN.match(svg)
    if match is None:  # vl-convert always starts with <svg ...>; anything else is a bug upstream
        raise ValueError(f"vl-convert returned no <svg> element for chart {chart.chart_id!r}")
    attrs = re.sub(r'\s(width|height)="([0-9.]+)"', r' data-\1="\2"', match.group(1))
    width = re.search(r'data-width="([0-9.]+)"', attrs)
    style = (
        f"width:100%;{_min_width(svg, float(width.group(1)))}max-width:{width.group(1)}px;height:auto"
        if width
        else "width:100%;height:auto"
    )
    opening = (
        # The SVG's axis labels and numbers stay out of the search index (the caption is in it).
        f'<svg{attrs} role="img" aria-labelledby="{title_id} {desc_id}" focusable="false" data-search-exclude style="{style}">'
        f'<title id="{title_id}">{escape_html(chart.title)}</title>'
        f'<desc id="{desc_id}">{escape_html(chart.description)}</desc>'
    )
    body = opening + svg[match.end() :]
    caption = f'<figcaption>{escape_html(chart.description)} <span class="chart-source">Source: {escape_html(chart.source)}.</span></figcaption>'
    return Markup(f'<figure class="briefing-chart" id="{base}" data-search-exclude>{body}{caption}</figure>')


def _min_width(svg: str, width: float) -> str:
    """The CSS min-width that keeps the SVG's smallest text at MIN_TEXT_PX or more however narrow
    the column: the browser scales the SVG by (shown width / drawn width)."""
    sizes = [float(v) for v in _FONT_SIZE.findall(svg)]
    if not sizes or min(sizes) >= MIN_TEXT_PX * 2:
        return ""
    return f"min-width:{math.ceil(width * MIN_TEXT_PX / min(sizes))}px;"


def _pct_axis(title: str) -> dict:
    return {"title": title, "format": SHARE_FORMAT, "grid": True}


def _group_colour(groups: list[str] | None = None) -> dict:
    """Colour by country group (China, alliance, rest) in the palette's colours; the legend lists
    only ``groups`` (the groups the chart draws), in the palette's order."""
    drawn = [g for g in palette.GROUPS if groups is None or g in groups]
    scale = {"domain": drawn, "range": [palette.GROUP_COLOURS[g] for g in drawn]}
    return {"field": "group", "type": "nominal", "scale": scale, "title": None}


def _drawn_groups(rows: pl.DataFrame, value: str) -> list[str]:
    """The groups with a non-zero value in ``rows``: the ones a chart draws."""
    drawn = rows.filter(pl.col(value).is_not_null() & (pl.col(value) != 0))
    return drawn["group"].unique().to_list()


def _stacked_by_group(spec: dict, groups: list[str]) -> dict:
    """``spec`` with its bars coloured by ``groups`` and stacked in the palette's group order."""
    spec["encoding"]["color"] = _group_colour(groups)
    spec["encoding"]["order"] = {"field": "group_order", "type": "quantitative"}
    spec["transform"] = [
        {"calculate": f"indexof({list(palette.GROUPS)!r}, datum.group)", "as": "group_order"}
    ]
    return spec


def _value_axis(title: str, value_format: str) -> dict:
    """The value axis; a share (a "%" format) on the one 0-100 % scale."""
    axis = {"field": "value", "type": "quantitative", "title": title}
    if value_format.endswith("%"):
        return {**axis, "axis": {"format": SHARE_FORMAT}, "scale": {"domain": [0, 1]}}
    return {**axis, "axis": {"format": value_format}}


def _by_year(rows: pl.DataFrame, by: str) -> dict:
    """The frame of a chart over years: size and data (year, ``by``, value)."""
    return {
        "width": WIDTH - 90,
        "height": 220,
        "data": {"values": _records(rows.select(pl.col("year").cast(pl.Int32), by, "value"))},
    }


def _label_bars(rows: pl.DataFrame, value: str, width: int, step: int, order: Any) -> dict:
    """Horizontal bars, one per ``label`` in ``order``, of ``value``; the caller adds x and colour."""
    return {
        "width": width,
        "height": {"step": step},
        "data": {"values": _records(rows.select("label", "group", value))},
        "mark": {"type": "bar"},
        "encoding": {"y": {"field": "label", "type": "nominal", "sort": order, "title": None}},
    }


def group_share_bars(chart_id: str, rows: pl.DataFrame, **words: str) -> Markup:
    """Stacked 100% bars, one per ``label`` (a stage, or reserves), split into the three groups.

    ``rows``: label, group, share (fraction of the world).
    """
    order = list(dict.fromkeys(rows["label"].to_list()))
    spec = _label_bars(rows, "share", WIDTH - 170, 34, order)
    spec["encoding"]["x"] = {
        **_pct_axis("Share of world total"),
        "field": "share",
        "type": "quantitative",
        "stack": "zero",
        "scale": {"domain": [0, 1]},
    }
    return render(
        Chart(chart_id, spec=_stacked_by_group(spec, _drawn_groups(rows, "share")), **words)
    )


def ranked_bars(
    chart_id: str,
    rows: pl.DataFrame,
    *,
    value_title: str,
    value_format: str = ",.0f",
    **words: str,
) -> Markup:
    """Horizontal bars, largest first, coloured by group. ``rows``: label, group, value."""
    spec = _label_bars(rows, "value", WIDTH - 190, 20, "-x")
    spec["encoding"] |= {
        "x": _value_axis(value_title, value_format),
        "color": _group_colour(_drawn_groups(rows, "value")),
    }
    return render(Chart(chart_id, spec=spec, **words))


def group_stacked_years(
    chart_id: str,
    rows: pl.DataFrame,
    *,
    value_title: str,
    **words: str,
) -> Markup:
    """Stacked bars per year split by group. ``rows``: year, group, value."""
    spec = {
        **_by_year(rows, "group"),
        "mark": {"type": "bar"},
        "encoding": {
            "x": _year_axis(),
            "y": _value_axis(value_title, "~s"),
        },
    }
    return render(
        Chart(chart_id, spec=_stacked_by_group(spec, _drawn_groups(rows, "value")), **words)
    )


def _series_colour(rows: pl.DataFrame) -> dict:
    """Colour by ``series`` (not a country group): the palette's neutral series colours."""
    names = sorted(set(rows["series"].to_list()))
    colours = [palette.SERIES_COLOURS[i % len(palette.SERIES_COLOURS)] for i in range(len(names))]
    return {
        "field": "series",
        "type": "nominal",
        "title": None,
        "scale": {"domain": names, "range": colours},
    }


def series_lines(
    chart_id: str,
    rows: pl.DataFrame,
    *,
    value_title: str,
    **words: str,
) -> Markup:
    """Lines over years, one per ``series`` (not a country group: neutral colours). ``rows``: year, series, value.

    Only series with a value are drawn and listed; more than ``MAX_LINES`` series are drawn as
    small multiples (one panel per series, each on its own value scale, named above the panel)
    instead of a tangle of lines and a squashed legend.
    """
    rows = rows.filter(pl.col("value").is_not_null())
    names = sorted(set(rows["series"].to_list()))
    if len(names) > MAX_LINES:
        return render(Chart(chart_id, spec=_series_panels(rows, value_title), **words))
    colours = [palette.SERIES_COLOURS[i % len(palette.SERIES_COLOURS)] for i in range(len(names))]
    spec = {
        **_by_year(rows, "series"),
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": _year_axis(),
            "y": _value_axis(value_title, "~s"),
            "color": {
                "field": "series",
                "type": "nominal",
                "title": None,
                "scale": {"domain": names, "range": colours},
                "legend": {"columns": 1, "labelLimit": WIDTH - 40},
            },
        },
    }
    return render(Chart(chart_id, spec=spec, **words))


def _year_axis() -> dict:
    return {
        "field": "year",
        "type": "ordinal",
        "title": "Year",
        "axis": {"labelAngle": 0, "labelOverlap": True},
    }


def _series_panels(rows: pl.DataFrame, value_title: str) -> dict:
    """Small multiples: one line panel per series, two panels a row, each with its own y scale."""
    return {
        "data": {"values": _records(rows.select(pl.col("year").cast(pl.Int32), "series", "value"))},
        "facet": {
            "field": "series",
            "type": "nominal",
            "title": None,
            "header": {"labelLimit": WIDTH // 2 - 10},
        },
        "columns": 2,
        "resolve": {"scale": {"y": "independent"}},
        "spec": {
            "width": WIDTH // 2 - 70,
            "height": 110,
            "mark": {"type": "line", "point": True, "color": palette.SERIES_COLOURS[0]},
            "encoding": {
                "x": {
                    "field": "year",
                    "type": "quantitative",
                    "title": None,
                    "axis": {"format": "d", "tickCount": 3},
                    "scale": {"zero": False},
                },
                "y": {
                    "field": "value",
                    "type": "quantitative",
                    "title": value_title,
                    "axis": {"format": "~s", "tickCount": 3, "titleFontWeight": 400},
                },
            },
        },
    }


def share_heatmap(
    chart_id: str,
    rows: pl.DataFrame,
    *,
    x_title: str | None,
    x_sort: list[str] | None = None,
    y_sort: list[str] | None = None,
    **words: str,
) -> Markup:
    """A heat map of a share (0-1) from white to the China colour. ``rows``: x, y, share; a
    null share (a figure that is no finding) is drawn as a hatched grey cell, so it never reads
    as 0 %."""
    n_x = max(rows["x"].n_unique(), 1)
    colour = {
        "field": "share",
        "type": "quantitative",
        "title": "China's share",
        "scale": {"domain": [0, 1], "range": list(palette.HEAT_RANGE), "interpolate": "rgb"},
        "legend": {"format": SHARE_FORMAT, "orient": "right"},
    }
    cell = {"type": "rect", "stroke": "#ffffff", "strokeWidth": 0.5}
    layers: list[dict[str, Any]] = [{"mark": cell, "encoding": {"color": colour}}]
    if rows["share"].null_count():
        layers.insert(
            0,
            {
                "transform": [{"filter": "datum.share === null"}],
                "mark": {**cell, "color": palette.NO_FINDING},
            },
        )
    spec = {
        "width": {"step": 18 if n_x > 12 else 26},
        "height": {"step": 18},
        "data": {"values": _records(rows.select(pl.col("x").cast(pl.Utf8), "y", "share"))},
        "encoding": {
            "x": {
                "field": "x",
                "type": "ordinal",
                "title": x_title,
                "sort": x_sort,
                "axis": {"labelAngle": -90 if n_x > 6 else 0},
            },
            "y": {"field": "y", "type": "nominal", "title": None, "sort": y_sort},
        },
        "layer": layers,
    }
    return render(Chart(chart_id, spec=spec, **words))


def grouped_bars(
    chart_id: str,
    rows: pl.DataFrame,
    *,
    value_title: str,
    value_format: str = "$~s",
    **words: str,
) -> Markup:
    """Horizontal bars, one group per ``label`` (in row order), one bar per ``series`` in it
    (e.g. 30, 60 and 90 days), neutral colours. ``rows``: label, series, value."""
    labels = list(dict.fromkeys(rows["label"].to_list()))
    names = list(dict.fromkeys(rows["series"].to_list()))
    colours = [palette.SERIES_COLOURS[i % len(palette.SERIES_COLOURS)] for i in range(len(names))]
    spec = {
        "width": WIDTH - 200,
        # One bar per label reads better a little thicker than a group's bars.
        "height": {"step": 10 if len(names) > 1 else 18},
        "data": {"values": _records(rows.select("label", "series", "value"))},
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "label", "type": "nominal", "sort": labels, "title": None},
            "yOffset": {"field": "series", "type": "nominal", "sort": names},
            "x": _value_axis(value_title, value_format),
            "color": {
                "field": "series",
                "type": "nominal",
                "title": None,
                "sort": names,
                "scale": {"domain": names, "range": colours},
                "legend": {"labelLimit": WIDTH},
            },
        },
    }
    return render(Chart(chart_id, spec=spec, **words))


def share_lines(
    chart_id: str,
    rows: pl.DataFrame,
    *,
    value_title: str,
    **words: str,
) -> Markup:
    """Shares (0-1) over years on a fixed 0-100 % axis, one line per ``series``; years on a
    continuous axis, so gaps and uneven steps (2023, 2030, 2035, 2040) keep their distances.
    ``rows``: year, series, value."""
    years = sorted(set(rows["year"].to_list()))
    x_axis: dict[str, Any] = {"format": "d", "labelAngle": 0, "labelOverlap": True}
    if len(years) <= 8:  # a few uneven years (the outlook): label exactly those
        x_axis["values"] = years
    spec = {
        **_by_year(rows, "series"),
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {
                "field": "year",
                "type": "quantitative",
                "title": None,
                "scale": {"zero": False, "nice": False},
                "axis": x_axis,
            },
            "y": {
                "field": "value",
                "type": "quantitative",
                "title": value_title,
                "scale": {"domain": [0, 1]},
                "axis": {"format": ".0%", "grid": True},
            },
            "color": _series_colour(rows),
        },
    }
    return render(Chart(chart_id, spec=spec, **words))
