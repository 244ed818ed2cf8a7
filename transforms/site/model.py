"""Page models: what a page section holds, and what a section builder knows about the page.

Templates render these; the page modules (``transforms.site.pages``) and the sections they
register (``transforms.site.sections``) fill them. Text fields are either ``Markup`` built with
``transforms.site.text.md`` (a trusted pattern with escaped values) or plain strings, which the
templates escape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from transforms.site.citations import cite_words
from transforms.site.text import Markup


@dataclass
class Section:
    """One titled part of a page: sentences, then an optional chart, table and notes."""

    title: str
    anchor: str
    paragraphs: list[Markup | str] = field(default_factory=list)
    chart: Markup | None = None
    table: Markup | None = None
    notes: list[Markup | str] = field(default_factory=list)
    source: str | None = None

    def draw(self, builder: Callable[..., Markup], chart_id: str, rows: pl.DataFrame, **words: Any) -> None:
        """Set the chart, drawn by ``builder`` (a ``transforms.site.charts`` function) from
        ``rows``: its caption cites the section's own source, in words (table titles, not mart
        names)."""
        source = cite_words(self.source) if self.source else self.source
        self.chart = builder(chart_id, rows, source=source, **words)


@dataclass
class Headline:
    """One finding on the home page, with a link to the page that backs it."""

    text: Markup
    link: str | None = None
    key: str = ""
    value: float | None = None


@dataclass
class Page:
    """A rendered page: where it goes in the docs folder and its Markdown."""

    path: str
    title: str
    markdown: str


@dataclass
class PageContext:
    """What a section builder may use: which page it is for, names, and the analysis settings."""

    page: str  # "home" | "mineral" | "country" | "scenarios" | "methodology"
    key: str | None  # mineral slug or importer code; None for one-off pages
    mineral_names: dict[str, str]
    economy_names: dict[str, str]
    alliance: list[str]
    china: list[str]
    eu27: list[str]
    # The page's path relative to the docs root ("minerals/gallium.md"), for relative links.
    path: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def economy(self, code: str | None) -> str:
        if code is None:
            return "n/a"
        return self.economy_names.get(code, code)

    def mineral(self, slug: str) -> str:
        return self.mineral_names.get(slug, slug)

    @property
    def name(self) -> str:
        """What the page is about, by name: its mineral, or its economy on a country page."""
        return self.economy(self.key) if self.page == "country" else self.mineral(self.key)

    def link(self, target: str) -> str:
        """A relative Markdown link target from this page to ``target`` (a docs path)."""
        depth = self.path.count("/")
        return "../" * depth + target


def frame_or_empty(frames: dict[str, pl.DataFrame], name: str) -> pl.DataFrame | None:
    df = frames.get(name)
    return df if df is not None and df.height else None
