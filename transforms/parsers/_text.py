"""Cell-text helpers shared by the upstream parsers: spaces, footnote markers and number cells.

Publishers' CSVs are spreadsheets saved as text: names carry no-break spaces and glued
footnote digits, and numeric columns mix plain numbers ("88,000") with flags ("W", "NA",
">75", "E") and short phrases ("Less than ½ unit."). These helpers turn one cell's text into
a numeric value plus a flag, and refuse text they do not know, so that a new marker upstream
is seen by a person instead of becoming a silent null.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import polars as pl

MAX_PLAUSIBLE_TONNES = 5e10
"""No yearly figure (production, capacity, a trade flow) of one economy comes near 50 billion
metric tons: coal, the largest mined commodity, is ~9 Gt for the whole world. A tonnage above
this is a corrupt cell (a run of extra zeros, a unit slip); the parsers refuse it with its place."""

MAX_PLAUSIBLE_RESERVES_TONNES = 1e13
"""The same for reserves, a stock rather than a yearly flow: the largest published figure is
the world's crude iron-ore reserves, 1.9e11 t (MCS 2024); 10 trillion t is beyond any."""

# Unicode spaces that spreadsheets leave in names; U+00A0 (no-break space) is the usual one.
_ODD_SPACES = "[\u00a0\u2007\u2009\u202f\ufeff]"


def normalise_space(expr: pl.Expr) -> pl.Expr:
    """Odd Unicode spaces -> space, runs of whitespace collapsed, ends trimmed; "" -> null."""
    out = expr.str.replace_all(_ODD_SPACES, " ").str.replace_all(r"\s+", " ").str.strip_chars()
    return pl.when(out == "").then(None).otherwise(out)


def strip_footnote_digits(expr: pl.Expr) -> pl.Expr:
    """Remove footnote numbers glued to the end of a name ("Other countries4" -> "Other countries").

    Only digits after a non-digit are removed, so a name made only of digits is left alone.
    A trailing "e" (the estimate marker, as in "Japane") is deliberately kept: it cannot be
    told apart from a name ending in "e" without the country-name table.
    """
    return expr.str.replace(r"^(.*\D)\d+$", "${1}").str.strip_chars()


def clean_name(expr: pl.Expr) -> pl.Expr:
    """Space normalisation followed by footnote-digit removal."""
    return strip_footnote_digits(normalise_space(expr))


def squash(text: str) -> str:
    """Python twin of :func:`normalise_space` for a single string (None-free)."""
    return re.sub(r"\s+", " ", re.sub(_ODD_SPACES, " ", text)).strip()


# --- numeric cells ----------------------------------------------------------------------

#: Every flag a parsed numeric cell can carry, with its meaning. ``None`` (no flag) means a
#: plain number.
FLAG_MEANINGS: dict[str, str] = {
    "W": "withheld to avoid disclosing company proprietary data; value null",
    "NA": "not available; value null",
    "XX": "not applicable; value null",
    "--": "zero, printed as a dash (MCS convention: '—' = zero); value 0",
    "E": "net exporter (net import reliance columns); value null",
    ">": "more than the number printed; value holds that bound",
    "<": "less than the number printed; value holds that bound in the column's unit",
    "e": "the number carries the 'e' (estimated) marker, e.g. 'e5,000'; value is the number",
    "range": "a range such as '50–300'; value null, the text keeps both ends",
    "Small": "qualitative: small; value null",
    "Very small": "qualitative: very small; value null",
    "Large": "qualitative: large; value null",
    "Included": "counted in another row (world total, 'Other countries', ilmenite); value null",
    "Variable": "varies by product; value null",
    "empty": "blank cell on a data row; value null",
}

# Exact (case-sensitive) codes. "E" must not be matched case-insensitively: a lone "e" is
# not a code USGS uses.
_CODES: dict[str, tuple[float | None, str]] = {  # text -> (value, flag)
    "W": (None, "W"),
    "NA": (None, "NA"),
    "XX": (None, "XX"),
    "E": (None, "E"),
    "--": (0.0, "--"),
    "—": (0.0, "--"),
    "–": (0.0, "--"),
}


class _Phrase(NamedTuple):
    flag: str
    amount: float | None
    # "unit" = the amount is in the column's own unit; "t" / "carat" = must be converted.
    basis: str = "unit"


# Keys are normalised by _phrase_key: spaces squashed, case-folded, quotes removed,
# trailing full stop removed.
_PHRASES: dict[str, _Phrase] = {
    "small": _Phrase("Small", None),
    "very small": _Phrase("Very small", None),
    "large": _Phrase("Large", None),
    "categorized as large": _Phrase("Large", None),
    "included in world total": _Phrase("Included", None),
    "included with other countries": _Phrase("Included", None),
    "included with ilmenite": _Phrase("Included", None),
    "variable, depending on type of product": _Phrase("Variable", None),
    # "Less than ½ unit" is MCS's wording for a figure that rounds to zero in the column's unit.
    "less than ½ unit": _Phrase("<", 0.5),
    "less than 1/2 unit": _Phrase("<", 0.5),
    "less than a half unit": _Phrase("<", 0.5),
    "less than one-half unit": _Phrase("<", 0.5),
    # Bounds printed in another unit than the column's (mcs2023 fesla Exports_mmt, diamo
    # Stones_Exports_mct); converted when the column's unit is known.
    "less than 50,000 tons": _Phrase("<", 50_000.0, "t"),
    "less than 500 carats": _Phrase("<", 500.0, "carat"),
}

_NUM = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
# "−" (U+2212) is the minus sign of the typeset tables (government stockpile acquisitions).
_NUMBER_RE = re.compile(rf"^(?P<prefix>[<>]|e)?\s*(?P<sign>[-−])?(?P<num>{_NUM})$", re.ASCII)
_RANGE_RE = re.compile(rf"^{_NUM}\s*[–—-]\s*{_NUM}$", re.ASCII)


class UnknownCellText(ValueError):
    """A numeric cell holds text that no rule here knows; the caller adds file/line/column."""


def _phrase_key(text: str) -> str:
    key = squash(text).casefold()
    key = re.sub("[\"“”‘’']", "", key)
    return key.rstrip(". ").strip()


def _to_float(match: re.Match[str]) -> float:
    value = float(match["num"].replace(",", ""))
    return -value if match["sign"] else value


def parse_cell(
    text: str | None,
    *,
    tonnes_per_unit: float | None = None,
    carats_per_unit: float | None = None,
) -> tuple[float | None, str | None]:
    """Read one numeric cell: ``(value, flag)``; raises :class:`UnknownCellText` for unknown text.

    ``text`` is the cell as published (None or blank -> flag "empty"). The two factors say
    how many tonnes / carats one unit of the column is; they are needed only for bounds that
    are printed in another unit ("Less than 500 carats.").
    """
    if text is None:
        return None, "empty"
    cell = squash(text)
    if cell == "":
        return None, "empty"
    if cell in _CODES:
        return _CODES[cell]
    match = _NUMBER_RE.match(cell)
    if match is not None:
        prefix = match["prefix"]
        return _to_float(match), prefix if prefix else None
    if _RANGE_RE.match(cell):
        return None, "range"
    phrase = _PHRASES.get(_phrase_key(cell))
    if phrase is None:
        raise UnknownCellText(cell)
    if phrase.amount is None or phrase.basis == "unit":
        return phrase.amount, phrase.flag
    per_unit = tonnes_per_unit if phrase.basis == "t" else carats_per_unit
    return (phrase.amount / per_unit if per_unit else None), phrase.flag
