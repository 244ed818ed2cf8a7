"""Charts a person can read: shares on one 0-100 % scale, legends that list only what is drawn,
small multiples instead of a tangle of lines, and text of at least 10 px on a 390 px phone."""

from __future__ import annotations

import re

import polars as pl
import pytest

from transforms.site import charts
from transforms.site.palette import ALLIANCE, CHINA, REST

WORDS = {"title": "A chart", "description": "What it shows.", "source": "A source"}
PHONE_COLUMN_PX = 358  # a 390 px viewport less the theme's side margins


def _texts(html: str) -> list[str]:
    return [t for t in re.findall(r"<text[^>]*>([^<]*)</text>", html) if t.strip()]


def _smallest_text_on_phone(html: str) -> float:
    """The smallest font size, in CSS px, once the SVG is scaled into a phone's column (or kept
    at its minimum width, the figure then scrolling)."""
    style = re.search(r'style="([^"]*)"', html[html.index("<svg") :]).group(1)
    drawn = float(re.search(r"max-width:([0-9.]+)px", style).group(1))
    minimum = re.search(r"min-width:([0-9.]+)px", style)
    shown = max(min(PHONE_COLUMN_PX, drawn), float(minimum.group(1)) if minimum else 0)
    sizes = [float(s) for s in re.findall(r'font-size="([0-9.]+)px"', html)]
    return min(sizes) * shown / drawn


def test_share_bars_use_a_percent_scale_and_list_only_drawn_groups():
    rows = pl.DataFrame(
        {"label": ["Japan", "Korea", "India"], "group": [CHINA] * 3, "value": [0.004, 0.002, 0.001]}
    )
    html = str(
        charts.ranked_bars("allies", rows, value_title="China's share", value_format=".0%", **WORDS)
    )
    texts = _texts(html)
    assert CHINA in texts and ALLIANCE not in texts and REST not in texts
    ticks = [t for t in texts if t.endswith("%")]
    # One 0-100 % scale: the ticks are distinct and reach 100 %, never "0% 0% ... 0%".
    assert len(ticks) == len(set(ticks)) and "100%" in ticks and "0%" in ticks


def test_many_price_series_are_small_multiples_without_undrawn_series():
    years = list(range(2019, 2024))
    rows = pl.DataFrame(
        {
            "year": years * 9,
            "series": [f"Oxide {i}" for i in range(9) for _ in years],
            "value": [float(100 + i * 10 + y - 2019) for i in range(9) for y in years],
        }
    ).vstack(
        pl.DataFrame(
            {"year": [2020], "series": ["Never published"], "value": [None]},
            schema_overrides={"value": pl.Float64},
        )
    )
    html = str(charts.series_lines("prices", rows, value_title="USD per kg", **WORDS))
    texts = _texts(html)
    assert all(f"Oxide {i}" in texts for i in range(9))  # one panel header per series
    assert "Never published" not in texts
    assert _smallest_text_on_phone(html) >= 10


@pytest.mark.parametrize("n_x", [5, 30])
def test_chart_text_is_at_least_10_px_on_a_phone(n_x):
    heat = pl.DataFrame(
        {
            "x": [f"Economy {i}" for i in range(n_x) for _ in range(3)],
            "y": ["Gallium", "Germanium", "Graphite"] * n_x,
            "share": [0.5] * (3 * n_x),
        }
    )
    html = str(charts.share_heatmap("heat", heat, x_title=None, **WORDS))
    assert _smallest_text_on_phone(html) >= 10
    stacked = pl.DataFrame(
        {
            "label": ["Mine", "Mine", "Refinery"],
            "group": [CHINA, REST, CHINA],
            "share": [0.6, 0.4, 0.9],
        }
    )
    html = str(charts.group_share_bars("stages", stacked, **WORDS))
    assert _smallest_text_on_phone(html) >= 10
    assert ALLIANCE not in _texts(html)  # no alliance bar drawn, so none in the legend
