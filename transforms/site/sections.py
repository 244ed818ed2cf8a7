"""The section registry: every titled part of every page is registered here, in page order.

A page of a given kind ("home", "mineral", "country", "scenarios", "methodology") is its lead
text plus the sections registered for that kind, sorted by ``order``. Two kinds of builder:

* a **mart section** takes the frame of one mart (or curated reference table) and the page's
  ``PageContext``; it runs only when that table is in the build and has rows::

      @SECTIONS.mart("concentration", page="mineral", title="Concentration", order=45)
      def concentration_mineral(df: pl.DataFrame, ctx: PageContext) -> Section | None: ...

* a **figures section** takes the figures precomputed once from the clean tables
  (``transforms.site.context.SiteFigures``) and the ``PageContext``::

      @SECTIONS.figures("mineral", order=20)
      def reserves(fig: SiteFigures, ctx: PageContext) -> Section | None: ...

A builder returns None when it has nothing for that page; a mart section that shows only the
mart's rows for the page says which with ``page_rows`` and gets those rows, never none::

      @SECTIONS.mart("concentration", page="mineral", title="Concentration", order=45)
      @page_rows(lambda df, ctx: df.filter(pl.col("mineral") == ctx.key))
      def concentration_mineral(rows: pl.DataFrame, ctx: PageContext) -> Section | None: ...
 A mart in the build with no section
registered for a mineral or country page still shows there, as a generic table of its rows for
that mineral or importer (latest year), at ``GENERIC_ORDER``, until someone registers one.
The page-kind modules in ``transforms.site.pages`` register their sections on import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial, wraps
from typing import Any

import polars as pl

from transforms.metadata import column_title
from transforms.render import frame_to_markdown
from transforms.site.model import PageContext, Section
from transforms.site.text import Markup, md

Builder = Callable[[Any, PageContext], Section | None]
GENERIC_ROWS = 40
# Where generic tables of unregistered marts go on mineral and country pages.
GENERIC_ORDER = 80
GENERIC_PAGES = ("mineral", "country")
_IMPORTER_COLUMNS = ("importer", "economy", "country", "country_code", "ally")


@dataclass(frozen=True)
class SectionSpec:
    page: str
    order: int
    build: Builder
    # The mart (or reference table) the builder reads; None for a figures section.
    mart: str | None = None
    title: str | None = None

    @property
    def name(self) -> str:
        return self.mart or self.build.__name__


@dataclass
class SectionRegistry:
    """The registered sections of every page kind."""

    entries: list[SectionSpec] = field(default_factory=list)

    def mart(self, mart: str, *, page: str, title: str, order: int) -> Callable[[Builder], Builder]:
        """Register ``build(df, ctx)`` as the section of ``mart`` on pages of kind ``page``."""
        return self._register(page, order, mart, title)

    def figures(self, page: str, *, order: int) -> Callable[[Builder], Builder]:
        """Register ``build(figures, ctx)`` as a section of pages of kind ``page``."""
        return self._register(page, order, None, None)

    def _register(
        self, page: str, order: int, mart: str | None, title: str | None
    ) -> Callable[[Builder], Builder]:
        def decorate(build: Builder) -> Builder:
            self.entries.append(SectionSpec(page, order, build, mart, title))
            return build

        return decorate

    def title_of(self, mart: str) -> str:
        """A mart's title as its sections name it, for its generic table."""
        return next(
            (e.title for e in self.entries if e.mart == mart and e.title),
            mart.replace("_", " ").capitalize(),
        )

    def sections(
        self,
        page: str,
        ctx: PageContext,
        tables: dict[str, pl.DataFrame],
        figures: Any = None,
    ) -> list[Section]:
        """The sections of one page in order; generic tables for marts with no section there."""
        steps: list[tuple[int, str, Callable[[], Section | None]]] = []
        for entry in self.entries:
            if entry.page == page and (entry.mart is None or _has_rows(tables, entry.mart)):
                source = figures if entry.mart is None else tables[entry.mart]
                steps.append((entry.order, entry.name, partial(entry.build, source, ctx)))
        if page in GENERIC_PAGES:
            registered = {e.mart for e in self.entries if e.page == page}
            steps += [
                (GENERIC_ORDER, name, partial(generic_section, name, df, ctx, self.title_of(name)))
                for name, df in tables.items()
                if name not in registered
            ]
        built = (build() for _, _, build in sorted(steps, key=lambda step: step[:2]))
        return [section for section in built if section is not None]


SECTIONS = SectionRegistry()


def page_rows(
    select: Callable[[pl.DataFrame, PageContext], pl.DataFrame],
) -> Callable[[Builder], Builder]:
    """``build(rows, ctx)`` as a mart section over the rows ``select`` picks from the mart for
    the page: no section where it picks none, so the builders do not check that themselves."""

    def decorate(build: Builder) -> Builder:
        @wraps(build)
        def section(df: pl.DataFrame, ctx: PageContext) -> Section | None:
            rows = select(df, ctx)
            return build(rows, ctx) if rows.height else None

        return section

    return decorate


def _has_rows(tables: dict[str, pl.DataFrame], name: str) -> bool:
    return name in tables and tables[name].height > 0


def latest(df: pl.DataFrame) -> pl.DataFrame:
    """The rows of the latest year, when the frame has years."""
    if "year" in df.columns and df.height:
        return df.filter(pl.col("year") == df["year"].max())
    return df


def generic_section(name: str, df: pl.DataFrame, ctx: PageContext, title: str) -> Section | None:
    """A mart's rows for this mineral or importer (latest year) as a table."""
    if ctx.page == "mineral":
        if "mineral" not in df.columns:
            return None
        rows = df.filter(pl.col("mineral") == ctx.key).drop("mineral")
    elif ctx.page == "country":
        column = next((c for c in _IMPORTER_COLUMNS if c in df.columns), None)
        if column is None:
            return None
        rows = df.filter(pl.col(column) == ctx.key).drop(column)
    else:
        rows = df
    rows = latest(rows)
    if not rows.height:
        return None
    section = Section(title=title, anchor=f"mart-{name.replace('_', '-')}", source=f"mart {name}")
    shown = rows.head(GENERIC_ROWS)
    # Readers see names and the registry's column titles, not slugs and column names.
    if "mineral" in shown.columns:
        shown = shown.with_columns(pl.col("mineral").replace(ctx.mineral_names))
    shown = shown.rename({c: column_title(name, c) for c in shown.columns})
    section.table = Markup(frame_to_markdown(shown))
    more = f" (first {GENERIC_ROWS} of {rows.height} rows)" if rows.height > GENERIC_ROWS else ""
    section.notes.append(
        md("From the {name} table{more}; the full table is on the Data page.", name=name, more=more)
    )
    return section
