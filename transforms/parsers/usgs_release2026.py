"""Parser for the USGS Mineral Commodity Summaries 2026 data release (doi:10.5066/P1WKQ63T).

USGS ships MCS 2026 as one long CSV, ``MCS2026_Commodities_Data.csv``: one row per figure,
columns ``MCS chapter, Section, Commodity, Country, Statistics, Statistics_detail, Unit, Year,
Value, Notes, Is critical mineral 2025, Other notes``, holding world production, capacity and
reserves, U.S. salient statistics and U.S. import sources. Its quirks:

* Windows-1252 bytes with CRLF line ends: the em dash of ``Salient Statistics—United States``
  is byte 0x97, the en dash of the period ``2021–24`` byte 0x96, and a minus sign, which
  Windows-1252 cannot hold, was written as ``?`` (``?1``, Government stockpile shipments);
* numbers with quoted thousands separators (``"10,000"``) beside flags (``W``, ``NA``, ``—``,
  ``>95``, ``E``) and phrases (``Moderate``);
* ``s`` in Value means "see the notes": the figure is a phrase in Notes ("Less than ½ unit.",
  "Included in “World total.”"), which is read from there.

:func:`parse_release` reads the file into one typed long table (every row, with file and
line). :func:`release_world`, :func:`release_salient` and :func:`release_import_sources` lay it
out in the columns of the transcribed MCS 2026 tables that the release supersedes
(:data:`transforms.parsers.usgs.MCS2026_WORLD_COLUMNS` and siblings, plus ``file`` and
``line``), so that the clean layer reads either. Text that no rule knows raises
:class:`UpstreamFormatError` naming file, line and column.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from transforms.errors import UpstreamFormatError
from transforms.parsers._csv import check_exact_header, read_csv_rows
from transforms.parsers._guards import read_upstream_bytes
from transforms.parsers._text import (
    MAX_PLAUSIBLE_RESERVES_TONNES,
    UnknownCellText,
    parse_cell,
    squash,
)
from transforms.parsers.usgs import (
    MCS2026_IMPORT_SOURCES_COLUMNS,
    MCS2026_SALIENT_COLUMNS,
    MCS2026_WORLD_COLUMNS,
    WORLD_SCHEMA,
)

RELEASE_HEADER = (
    "MCS chapter",
    "Section",
    "Commodity",
    "Country",
    "Statistics",
    "Statistics_detail",
    "Unit",
    "Year",
    "Value",
    "Notes",
    "Is critical mineral 2025",
    "Other notes",
)

#: Columns of :func:`parse_release`: the published ones, typed, plus where each row came from.
RELEASE_SCHEMA: dict[str, pl.DataType] = {
    "file": pl.String(),
    "line": pl.Int32(),
    "chapter": pl.String(),
    "section": pl.String(),
    # The slug the transcribed MCS 2026 tables and the mineral registry use ("rare-earths").
    "commodity": pl.String(),
    "commodity_name": pl.String(),
    "country": pl.String(),
    "statistics": pl.String(),
    "statistics_detail": pl.String(),
    "unit": pl.String(),
    "year_text": pl.String(),
    # year (null for the import-source period "2021–24"), is_estimate, value_text, value,
    # value_flag and notes mean what they mean in the 2023/2024 world tables.
    **{
        c: WORLD_SCHEMA[c]
        for c in ("year", "is_estimate", "value_text", "value", "value_flag", "notes")
    },
    "is_critical_mineral_2025": pl.Boolean(),
    "other_notes": pl.String(),
}

#: Flags this file adds to :data:`transforms.parsers._text.FLAG_MEANINGS`.
RELEASE_FLAG_MEANINGS: dict[str, str] = {
    "s": "'s' (see notes) whose notes hold no phrase a rule knows; value null, notes kept",
    "minus": "'?' before a number where the export lost a minus sign; value is negative",
    "Moderate": "qualitative: moderate (reserves); value null",
    "Moderate to large": "qualitative: moderate to large (reserves); value null",
}

# Chapters whose slug in the transcribed 2026 tables (and the registry) is not the chapter
# name made lower-case and hyphenated.
_SLUG_ALIASES = {
    "PHOSPHATE ROCK": "phosphate",
    "TITANIUM AND TITANIUM DIOXIDE": "titanium",
    "MAGNESIUM METAL": "magnesium",
}
_EXTRA_PHRASES = {
    "moderate": "Moderate",
    "moderate to large": "Moderate to large",
    "variable, depending on size, type, and quality": "Variable",
}
# Metric tons per unit, only to convert bounds printed in tons ("Less than 50,000 tons").
_TONNES = {
    "metric tons": 1.0,
    "thousand metric tons": 1e3,
    "thousand metric dry tons": 1e3,
    "million metric tons": 1e6,
    "kilograms": 1e-3,
}
_CARATS = {"million carats": 1e6, "thousands of carats": 1e3}
_LOST_MINUS = re.compile(r"^\?\s*(\d[\d,]*(?:\.\d+)?)$")
_YEAR = re.compile(r"^\d{4}$")
_PERIOD = re.compile(r"^(\d{4})\s*[–—-]\s*(\d{2,4})$")
_NOTE_SEP = " -- "
_ROUNDED = re.compile(r"(?i)[:,]\s*rounded$")


def _decode(name: str, data: bytes) -> bytes:
    """The file as UTF-8 bytes for :func:`read_csv_rows`.

    The release is Windows-1252. A UTF-8 file (a re-issue) is taken as it is: 0x97 and 0x96
    alone are never valid UTF-8, so the two encodings cannot be confused. Bytes Windows-1252
    does not define (0x81, 0x8D, 0x8F, 0x90, 0x9D) mean a damaged file.
    """
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252").encode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise UpstreamFormatError(
            name,
            f"byte {data[exc.start]:#04x} is neither UTF-8 nor Windows-1252 text",
            line=line,
            value=data[data.rfind(b"\n", 0, exc.start) + 1 : exc.start + 1].decode(
                "cp1252", errors="replace"
            )[-80:],
        ) from None


def _hyphenated(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def commodity_slugs(chapters: set[str]) -> dict[str, str]:
    """Chapter -> slug: ``"GRAPHITE (NATURAL)"`` -> ``"graphite"``, as the transcription has it.

    A parenthesised qualifier is dropped unless another chapter shares the rest of the name:
    "RARE EARTHS (Heavy)" must not merge into "RARE EARTHS", nor "STONE (CRUSHED)" into
    "STONE (DIMENSION)".
    """
    stems = {c: _hyphenated(re.sub(r"\s*\([^)]*\)", "", c)) for c in chapters}
    shared = {s for s in stems.values() if list(stems.values()).count(s) > 1}
    return {
        c: _SLUG_ALIASES.get(c) or (_hyphenated(c) if stems[c] in shared else stems[c])
        for c in chapters
    }


def _read_value(
    name: str, line: int, text: str, unit: str, notes: str
) -> tuple[str | None, float | None, str | None]:
    """``(value_text, value, flag)`` of one Value cell; ``value_text`` is None for plain numbers."""
    cell = squash(text)
    lost_minus = _LOST_MINUS.match(cell)
    if lost_minus and "negative" in notes.lower():
        return cell, -float(lost_minus[1].replace(",", "")), "minus"
    candidates = [cell]
    if cell == "s":
        # The figure is a phrase in the notes: try each note, the last (most specific) first.
        candidates = [n.strip() for n in reversed(notes.split(_NOTE_SEP)) if n.strip()]
    for candidate in candidates:
        extra = _EXTRA_PHRASES.get(candidate.casefold().rstrip(". "))
        if extra is not None:
            return candidate, None, extra
        try:
            value, flag = parse_cell(
                candidate, tonnes_per_unit=_TONNES.get(unit), carats_per_unit=_CARATS.get(unit)
            )
        except UnknownCellText:
            continue
        if cell == "s" and flag is None:
            continue  # a number inside a note is not the figure
        plain = flag is None
        return (None if plain else candidate), value, flag
    if cell == "s":
        return cell, None, "s"
    raise UpstreamFormatError(
        name,
        "text in the Value column that the parser does not know",
        line=line,
        column="Value",
        value=text,
    )


def parse_release(path: str | Path) -> pl.DataFrame:
    """``MCS2026_Commodities_Data.csv`` as one typed long table; columns as :data:`RELEASE_SCHEMA`.

    ``is_estimate`` is true where the notes say "Estimated." or the year is 2025, the year
    MCS 2026 prints as "e". Raises :class:`UpstreamFormatError` for a wrong header, a row of
    another width, an unknown Value text, a Year that is neither a year nor a period, or an
    "Is critical mineral" cell other than Yes, No, blank or the row's own commodity. Line 8533
    (yttrium's world total) has "Yes" under Notes and "Yttrium" under Is critical mineral: the
    answer sits one cell left of its column, so it is read as critical, with no notes.
    """
    path = Path(path)
    name = path.name
    data = read_upstream_bytes(path)
    rows = read_csv_rows(
        name, _decode(name, data), check_header=check_exact_header(name, RELEASE_HEADER)
    )
    slugs = commodity_slugs({squash(row[0]) for row in rows.rows})
    records = []
    for row, line in zip(rows.rows, rows.lines, strict=True):
        cells = [squash(c) for c in row]
        chapter, section, commodity, country, stat, detail, unit, year, _, notes, crit, other = (
            cells
        )
        if not _YEAR.match(year) and not _PERIOD.match(year):
            raise UpstreamFormatError(
                name, "Year is neither a year nor a period", line=line, column="Year", value=year
            )
        value_text, value, flag = _read_value(name, line, row[8], unit, notes)
        if value is not None and abs(value) > MAX_PLAUSIBLE_RESERVES_TONNES:
            # Refused here, with its cell, rather than by a later check that names no file.
            raise UpstreamFormatError(
                name, f"an absurd number (above {MAX_PLAUSIBLE_RESERVES_TONNES:,.0f} in any unit)", line=line, column="Value", value=row[8]
            )
        critical = {"Yes": True, "No": False, "": None}.get(crit)
        if critical is None and crit:
            if crit != commodity:
                raise UpstreamFormatError(
                    name, "expected Yes or No", line=line, column=RELEASE_HEADER[10], value=crit
                )
            # The answer sits under Notes and the commodity name under the answer's column.
            critical, notes = notes == "Yes", ""
        estimated = notes.startswith("Estimated") or year == "2025"
        records.append(
            (
                name,
                line,
                chapter,
                section,
                slugs[chapter],
                commodity or None,
                country or None,
                stat or None,
                detail or None,
                unit or None,
                year,
                int(year) if _YEAR.match(year) else None,
                estimated,
                value_text,
                value,
                flag,
                notes or None,
                critical,
                other or None,
            )
        )
    return pl.DataFrame(records, schema=RELEASE_SCHEMA, orient="row")


# --- the transcribed tables' layouts ------------------------------------------------------

_STAGES = ("mine", "refinery", "smelter")


def _stage(section: pl.Expr, detail: pl.Expr) -> pl.Expr:
    """mine / refinery / smelter where the table title names one, else other.

    The transcribed tables' rule ("where the table title says so"), except that a title naming
    two stages (copper's "Mine and Refinery") takes the stage the row's detail names.
    """
    title = section.str.to_lowercase()
    row = detail.fill_null("").str.to_lowercase()
    named = pl.sum_horizontal(title.str.contains(rf"\b{s}\b").cast(pl.Int8) for s in _STAGES)
    # Reserves belong to the deposit: a reserves row of a two-stage table is the mine's.
    from_row: pl.Expr = (
        pl.when(row.str.contains(r"\breserves\b")).then(pl.lit("mine")).otherwise(pl.lit("other"))
    )
    for stage in reversed(_STAGES):
        from_row = (
            pl.when(row.str.contains(rf"\b{stage}\b")).then(pl.lit(stage)).otherwise(from_row)
        )
    from_title: pl.Expr = pl.lit("other")
    for stage in reversed(_STAGES):
        from_title = (
            pl.when(title.str.contains(rf"\b{stage}\b")).then(pl.lit(stage)).otherwise(from_title)
        )
    return (
        pl.when(named == 1)
        .then(from_title)
        .when(named > 1)
        .then(from_row)
        .otherwise(pl.lit("other"))
    )


def _detail_parts(detail: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """``(head, tail, rounded)`` of a Statistics_detail such as "Mine production: Palladium, rounded"."""
    text = detail.fill_null("")
    rounded = text.str.contains(_ROUNDED.pattern)
    base = text.str.replace(_ROUNDED.pattern, "").str.strip_chars()
    head = base.str.extract(r"^([^:]*)").str.strip_chars()
    tail = base.str.extract(r"^[^:]*:\s*(.*)$").str.strip_chars()
    return head, pl.when(tail == "").then(None).otherwise(tail), rounded


# A detail's head naming the measure ("Mine production", "Reserves (thousand metric tons)");
# its tail is then the product. The tail of a reserves row naming a basis ("Ore", "Cr2O3
# content") is no product: the registry maps chromium's reserves with no product, and the
# clean layer takes the first of the two (ore, gross weight, as the production).
_MEASURE_WORDS = r"(?i)\b(production|capacity|reserves)\b"
_BASIS_WORDS = r"(?i)\b(ore|content|equivalent)\b"


def release_world(release: pl.DataFrame) -> pl.DataFrame:
    """World production, capacity and reserves in the transcribed layout, one row per figure.

    Columns: :data:`~transforms.parsers.usgs.MCS2026_WORLD_COLUMNS`, then ``file``, ``line``.
    Each release row gives one row with its figure in ``production``, ``reserves`` or
    ``capacity``. ``product`` is what the detail names beyond the measure ("Palladium",
    "Ferrosilicon", "Mica (Sheet)"); a rounded world total is named "World total (rounded)",
    with ", excluding U.S. production" where its notes say so, as in the transcribed tables.
    """
    world = release.filter(pl.col("section").str.starts_with("World"))
    head, tail, rounded = _detail_parts(pl.col("statistics_detail"))
    basis = tail.str.contains(_BASIS_WORDS) & (pl.col("statistics") == "Reserves")
    product = (
        pl.when(head.str.contains(_MEASURE_WORDS))
        .then(pl.when(basis).then(None).otherwise(tail))
        .otherwise(head)
    )
    # Where the detail does not tell two figures of one country and year apart, the Commodity
    # column does (helium and neon under "Production"; titanium sponge and pigment capacity).
    world = world.with_columns(
        _stage(pl.col("section"), pl.col("statistics_detail")).alias("_stage")
    )
    key = ["commodity", "country", "statistics", "_stage", "year", "section"]
    unclear = product.is_null() & (pl.len().over([*key, product]) > 1) & ~basis
    world = world.with_columns(
        pl.when(unclear).then(pl.col("commodity_name")).otherwise(product).alias("_product")
    )
    product = pl.col("_product")
    total = pl.col("country") == "World total"
    excl_us = pl.col("notes").fill_null("").str.contains("(?i)excludes U\\.S\\. production")
    country = (
        pl.when(total & rounded & excl_us)
        .then(pl.lit("World total (rounded), excluding U.S. production"))
        .when(total & rounded)
        .then(pl.lit("World total (rounded)"))
        .otherwise(pl.col("country"))
    )
    stat = pl.col("statistics")
    is_prod, is_res, is_cap = stat == "Production", stat == "Reserves", stat == "Capacity"
    note_flag = pl.col("value_flag").replace({"--": "zero"})
    out = world.select(
        "commodity",
        "commodity_name",
        country.alias("country"),
        pl.col("_stage").alias("stage"),
        pl.col("section").alias("stage_label"),
        product.alias("product"),
        "unit",
        "year",
        pl.when(is_prod).then(pl.col("value")).alias("production"),
        pl.when(is_prod).then(pl.col("is_estimate")).alias("production_is_estimate"),
        pl.when(is_prod).then(pl.col("value_text")).alias("value_text"),
        pl.when(pl.col("value_flag").is_in(["--", "W", "NA", "XX"]))
        .then(note_flag)
        .alias("note_flag"),
        pl.when(is_res).then(pl.col("value")).alias("reserves"),
        pl.when(is_res).then(pl.col("value_text")).alias("reserves_text"),
        pl.when(is_res).then(pl.col("unit")).alias("reserves_unit"),
        pl.when(is_cap).then(pl.col("value")).alias("capacity"),
        "file",
        "line",
    )
    return _typed(out, MCS2026_WORLD_COLUMNS)


def _typed(frame: pl.DataFrame, columns: dict[str, pl.DataType]) -> pl.DataFrame:
    """``columns`` in order, then file and line. Columns of the transcription's own making
    (``subsection``, ``footnote``, ``source_commit``, ``qa_flag``) have no release counterpart
    and are null."""
    return frame.select(
        [
            pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c)
            for c, t in columns.items()
        ]
        + [pl.col("file").cast(pl.String), pl.col("line").cast(pl.Int32)]
    )


def release_salient(release: pl.DataFrame) -> pl.DataFrame:
    """U.S. salient statistics in the transcribed layout; columns as
    :data:`~transforms.parsers.usgs.MCS2026_SALIENT_COLUMNS`, then ``file``, ``line``.

    "Section: label" details become ``section``, ``label`` and ``statistic`` "section | label"
    (a detail without a colon is all three), as the transcribed table names them. Where one
    chapter prints the same detail for two commodities (titanium sponge and TiO2 pigment,
    bauxite and alumina), the commodity goes between: "Exports | TiO2 pigment", so that a
    statistic and year name one figure. Mica prints its scrap-and-flake and its sheet tables
    under one name: the second figure of a statistic and year is "<statistic> [2]", as the
    clean layer names a header printed twice.
    """
    salient = release.filter(pl.col("section").str.starts_with("Salient"))
    head, tail, _ = _detail_parts(pl.col("statistics_detail"))
    label = pl.coalesce(tail, head)
    statistic = pl.concat_str([head, tail], separator=" | ", ignore_nulls=True)
    # "Diamond (Stones, natural and synthetic)" -> "Stones, natural and synthetic".
    name = pl.col("commodity_name").str.replace(r"^[^(]*\((.*)\)$", "${1}")
    shared = pl.col("commodity_name").n_unique().over("commodity", "statistics_detail", "year") > 1
    out = salient.select(
        "commodity",
        "commodity_name",
        "year",
        "is_estimate",
        pl.when(shared)
        .then(pl.concat_str([head, name, tail], separator=" | ", ignore_nulls=True))
        .otherwise(statistic)
        .alias("statistic"),
        head.alias("section"),
        label.alias("label"),
        "unit",
        "value",
        "value_text",
        "file",
        "line",
    )
    occurrence = pl.int_range(1, pl.len() + 1).over(
        "commodity", "statistic", "year", order_by="line"
    )
    out = out.with_columns(
        pl.when(occurrence > 1)
        .then(pl.format("{} [{}]", "statistic", occurrence))
        .otherwise(pl.col("statistic"))
        .alias("statistic")
    )
    return _typed(out, MCS2026_SALIENT_COLUMNS)


def release_import_sources(release: pl.DataFrame) -> pl.DataFrame:
    """U.S. import sources (share of imports by partner, 2021-24) in the transcribed layout;
    columns as :data:`~transforms.parsers.usgs.MCS2026_IMPORT_SOURCES_COLUMNS`, then ``file``,
    ``line``. The period's en dash becomes a hyphen ("2021-24")."""
    sources = release.filter(pl.col("section") == "Import Sources")
    out = sources.select(
        "commodity",
        "commodity_name",
        pl.col("year_text").str.replace_all("[–—]", "-").alias("period"),
        pl.col("statistics_detail").alias("category"),
        pl.col("country").alias("partner_country"),
        pl.col("value").alias("share_pct"),
        "file",
        "line",
    )
    return _typed(out, MCS2026_IMPORT_SOURCES_COLUMNS)


def parse_release_world(path: str | Path) -> pl.DataFrame:
    """:func:`release_world` of the file at ``path`` (one snapshot table per layout)."""
    return release_world(parse_release(path))


def parse_release_salient(path: str | Path) -> pl.DataFrame:
    """:func:`release_salient` of the file at ``path``."""
    return release_salient(parse_release(path))


def parse_release_import_sources(path: str | Path) -> pl.DataFrame:
    """:func:`release_import_sources` of the file at ``path``."""
    return release_import_sources(parse_release(path))
