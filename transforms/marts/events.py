"""China's export controls as events, and what happened to China's exports around them.

``export_control_events`` is the curated table ``data/reference/policy/export_controls.yaml``
(see ``transforms.reference.policy``) with each measure's status on the briefing date
(``transforms.marts.control_status``). ``event_study`` compares China's MONTHLY exports
(clean ``china_exports_monthly``, UN Comtrade with China as reporter) of the goods each control
covers in the 12 months before it took effect and the 12 months from then on, by destination
group: the United States, the other allies, and the rest of the partners in the extract.

- The month the control took effect counts as "after" (the controls of 2023 took effect on the
  first of a month; the U.S. ban of 3 December 2024 covers all but two days of December).
- The months compared are listed (first, last, how many): the extract ends in December 2024, so
  a late control has fewer than 12 months after it, and a 2025 control none. The change is
  computed on the monthly average, so a short window is still compared like with like, and its
  note says how many months it has.
- A monthly series exists for three codes: natural graphite (250410), artificial graphite
  (380110) and unwrought gallium, germanium and four other metals (811292, not one mineral).
  A control whose minerals have none of them gets one row per destination with the reason.
- A partner-month absent from the extract is no exports (zero); a month with no rows at all for
  a code is not reported and is left out of the months listed.

Pure functions on polars frames; member lists are arguments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from transforms.marts.control_status import control_status
from transforms.stable import exact_sum

SOURCE = "MOFCOM/GACC announcements (curated); UN Comtrade monthly (China as reporter)"
NO_CODES = "none"
WINDOW_MONTHS = 12
US = "USA"
TO_US = "United States"
TO_ALLIES = "other allies"
TO_OTHERS = "rest of the partners"
DESTINATIONS = (TO_US, TO_ALLIES, TO_OTHERS)
# HS 2017 headings of the monthly extract, as the nomenclature names them.
PRODUCTS = {
    "250410": "Natural graphite in powder or flakes",
    "380110": "Artificial graphite",
    "811292": "Unwrought gallium, germanium, indium, niobium, rhenium and thallium",
}


def export_control_events(
    events: pl.DataFrame, changes: pl.DataFrame, *, on: dt.date, checked_to: dt.date
) -> pl.DataFrame:
    """The curated events (``policy_frames.export_controls_frame()``) with ``effective_year``,
    ``has_hs92`` (whether any registry HS92 code carries the controlled goods) and each
    measure's status on the briefing date ``on`` (``control_status``), from the later
    announcements of ``changes`` (``policy_frames.export_control_changes_frame()``)."""
    status = control_status(events, changes, on=on, checked_to=checked_to)
    return events.with_columns(
        pl.col("date_effective").dt.year().cast(pl.Int16).alias("effective_year"),
        pl.col("hs92").is_not_null().alias("has_hs92"),
        pl.lit(SOURCE.split(";")[0]).alias("source"),
    ).join(status, on="event_id", how="left", maintain_order="left")


def _month(day: dt.date, shift: int = 0) -> dt.date:
    """The first day of ``day``'s month, ``shift`` months later."""
    index = day.year * 12 + day.month - 1 + shift
    return dt.date(index // 12, index % 12 + 1, 1)


def _months(first: dt.date, last: dt.date, reported: set[dt.date]) -> list[dt.date]:
    months, month = [], first
    while month <= last:
        if month in reported:
            months.append(month)
        month = _month(month, 1)
    return months


def _codes(minerals: str | None, monthly: pl.DataFrame) -> list[str]:
    """The monthly series' codes that carry one of the event's minerals."""
    wanted = {m.strip() for m in (minerals or "").split(",") if m.strip()}
    pairs = monthly.select("hs6", "minerals_in_code").unique("hs6")
    return sorted(
        r["hs6"] for r in pairs.iter_rows(named=True) if wanted & set(r["minerals_in_code"])
    )


def _window_note(code: str, after: list[dt.date], effective: dt.date) -> str | None:
    notes = []
    if code == "811292":
        notes.append(
            "811292 also holds indium, niobium, rhenium and thallium: not gallium and germanium alone"
        )
    if effective.day != 1:
        notes.append(f"in force from day {effective.day} of its first month, counted as after")
    if len(after) < WINDOW_MONTHS:
        notes.append(
            f"only {len(after)} month{'s' if len(after) > 1 else ''} after the control in the data (it ends {max(after):%B %Y})"
        )
    return "; ".join(notes) or None


def event_study(
    events: pl.DataFrame,
    monthly: pl.DataFrame,
    *,
    alliance: Sequence[str],
    china: Sequence[str],
) -> pl.DataFrame:
    """China's monthly exports of each event's goods, 12 months before vs from its effective
    date, to the United States, the other allies and the rest of the partners (see module).

    Rows: event x code x destination. Totals in t and US$ over the months listed, and the
    change of the monthly average in % (null when the before average is zero or unknown).
    """
    allies = [code for code in alliance if code != US]
    exports = monthly.filter(~pl.col("partner").is_in(list(china))).with_columns(
        pl.when(pl.col("partner") == US)
        .then(pl.lit(TO_US))
        .when(pl.col("partner").is_in(allies))
        .then(pl.lit(TO_ALLIES))
        .otherwise(pl.lit(TO_OTHERS))
        .alias("destination")
    )
    reported = {
        code: set(group["month"].to_list())
        for (code,), group in monthly.select("hs6", "month").unique().group_by("hs6")
    }
    rows: list[dict] = []
    for event in events.iter_rows(named=True):
        effective = event["date_effective"]
        codes = _codes(event["minerals"], monthly)
        base = {
            "event_id": event["event_id"],
            "event": event["announcement"],
            "control_date": effective,
        }
        if effective is None or not codes:
            if effective is None:
                why = "the control never took effect"
            elif monthly.height == 0:
                why = "the snapshot has no monthly export data"
            else:
                why = "no monthly series of its goods (the extract has graphite and gallium/germanium only)"
            rows += [
                {**base, "hs6": NO_CODES, "destination": d, "note": f"not computable: {why}"}
                for d in DESTINATIONS
            ]
            continue
        start = _month(effective)
        for code in codes:
            before = _months(_month(start, -WINDOW_MONTHS), _month(start, -1), reported[code])
            after = _months(start, _month(start, WINDOW_MONTHS - 1), reported[code])
            window = {
                **base,
                "hs6": code,
                "product": PRODUCTS.get(code),
                "before_from": min(before, default=None),
                "before_to": max(before, default=None),
                "before_months": len(before),
                "after_from": min(after, default=None),
                "after_to": max(after, default=None),
                "after_months": len(after),
            }
            if not after:
                note = "not computable: no months after the control in the data (it ends December 2024)"
                rows += [{**window, "destination": d, "note": note} for d in DESTINATIONS]
                continue
            note = _window_note(code, after, effective)
            flows = exports.filter(pl.col("hs6") == code)
            for destination in DESTINATIONS:
                to = flows.filter(pl.col("destination") == destination)
                sums = {}
                for label, months in (("before", before), ("after", after)):
                    part = to.filter(pl.col("month").is_in(months))
                    sums[f"{label}_usd"] = float(part.select(exact_sum(pl.col("value_usd")))[0, 0] or 0.0)
                    # A tonnage not reported for a month with a value leaves the total unknown.
                    known = part["quantity_t"].null_count() == 0
                    sums[f"{label}_t"] = float(part["quantity_t"].sum()) if known else None
                rows.append({**window, "destination": destination, **sums, "note": note})
    return _changes(pl.DataFrame(rows, schema_overrides=_SCHEMA, infer_schema_length=None))


_SCHEMA: dict[str, pl.DataType | type] = {
    "event_id": pl.Utf8,
    "event": pl.Utf8,
    "control_date": pl.Date,
    "hs6": pl.Utf8,
    "product": pl.Utf8,
    "destination": pl.Utf8,
    "before_from": pl.Date,
    "before_to": pl.Date,
    "before_months": pl.Int32,
    "after_from": pl.Date,
    "after_to": pl.Date,
    "after_months": pl.Int32,
    "before_t": pl.Float64,
    "after_t": pl.Float64,
    "before_usd": pl.Float64,
    "after_usd": pl.Float64,
    "note": pl.Utf8,
}


def _monthly_change(label: str) -> pl.Expr:
    """Change of the monthly average of ``label`` (t or usd), as a fraction of the before one."""
    before = pl.col(f"before_{label}") / pl.col("before_months")
    after = pl.col(f"after_{label}") / pl.col("after_months")
    return pl.when(before > 0).then(after / before - 1)


def _changes(rows: pl.DataFrame) -> pl.DataFrame:
    for column, dtype in _SCHEMA.items():
        if column not in rows.columns:
            rows = rows.with_columns(pl.lit(None, dtype).alias(column))
    return (
        rows.with_columns(
            _monthly_change("t").alias("change_t_pct"),
            _monthly_change("usd").alias("change_usd_pct"),
            pl.lit(SOURCE).alias("source"),
        )
        .select(*_SCHEMA, "change_t_pct", "change_usd_pct", "source")
        .sort("event_id", "hs6", "destination")
    )
