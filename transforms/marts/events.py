"""China's export controls as events, and what happened to China's exports around them.

``export_control_events`` is the curated table ``data/reference/policy/export_controls.yaml``
(see ``transforms.reference.policy``) with the years the event study uses. ``event_study``
compares China's exports of each event's controlled HS92 codes to the alliance, to the rest
of the world and (for targeted measures) to the target, before and after the event.

BACI is annual, so "before" and "after" are years, not the 12 months around the date:

- before = the year before the effective date's year;
- after = the year after it when BACI has it; otherwise the effective year itself (then
  ``days_in_force_in_after_year`` says how much of it the control covered); otherwise none.

An HS code BACI does not report in a year gives null, not zero: germanium's HS92 code has
no flows after 2016, and gallium has no code in the subset at all. Events without codes get
one row per destination with null figures and the reason in ``note``.

Pure functions on polars frames; member lists are arguments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from transforms.stable import exact_sum

ALLIANCE = "ALLIANCE"
REST_OF_WORLD = "REST_OF_WORLD"
ALL_CODES = "all"
NO_CODES = "none"
SOURCE = "MOFCOM/GACC announcements (curated); CEPII BACI"

AFTER_NEXT_YEAR = "year after the effective year"
AFTER_SAME_YEAR = "effective year (BACI has no later year)"
AFTER_NONE = "none: BACI has no year from the effective year on"
NEVER_EFFECTIVE = "none: the control never took effect"


def export_control_events(events: pl.DataFrame) -> pl.DataFrame:
    """The curated events (``policy.export_controls_frame()``) with ``effective_year`` and
    ``has_hs92`` (whether any registry HS92 code carries the controlled goods)."""
    return events.with_columns(
        pl.col("date_effective").dt.year().cast(pl.Int16).alias("effective_year"),
        pl.col("hs92").is_not_null().alias("has_hs92"),
        pl.lit(SOURCE.split(";")[0]).alias("source"),
    )


def _years(
    effective: dt.date | None, last_year: int
) -> tuple[int | None, int | None, str, int | None]:
    """(before, after, after_basis, days in force in the after year when it is the effective year)."""
    if effective is None:
        return None, None, NEVER_EFFECTIVE, None
    year = effective.year
    before = year - 1 if year - 1 <= last_year else None
    if year + 1 <= last_year:
        return before, year + 1, AFTER_NEXT_YEAR, None
    if year <= last_year:
        days = (dt.date(year, 12, 31) - effective).days + 1
        return before, year, AFTER_SAME_YEAR, days
    return before, None, AFTER_NONE, None


def _pct(after: str, before: str) -> pl.Expr:
    """Change as a fraction of the before value; null when that is zero or unknown."""
    return pl.when(pl.col(before) > 0).then((pl.col(after) - pl.col(before)) / pl.col(before))


def event_study(
    events: pl.DataFrame,
    trade: pl.DataFrame,
    *,
    alliance: Sequence[str],
    china: Sequence[str],
) -> pl.DataFrame:
    """China's exports of each event's codes, year before vs year after, by destination.

    Rows: event x hs6 (each code, plus ``all`` for their sum) x destination (``ALLIANCE``,
    ``REST_OF_WORLD``, and each target economy of a targeted measure; the target is also in
    its group). Changes in t and US$, and in % of the before value (null when it is zero).
    """
    if trade.height == 0:
        raise ValueError("trade table is empty")
    last_year = int(trade["year"].max())  # type: ignore[arg-type]
    china = list(china)
    exports = trade.filter(
        pl.col("exporter_code").is_in(china), ~pl.col("importer_code").is_in(china)
    )
    reported = trade.group_by("hs6", pl.col("year").cast(pl.Int32)).agg(
        pl.lit(True).alias("reported")
    )

    frames = []
    for event in events.iter_rows(named=True):
        before, after, basis, days = _years(event["date_effective"], last_year)
        codes = event["hs92"].split(", ") if event["hs92"] else []
        targets = [] if event["target"] in (None, "all") else event["target"].split(", ")
        destinations = [ALLIANCE, REST_OF_WORLD, *targets]
        meta = {
            "event_id": event["event_id"],
            "effective_year": event["date_effective"].year if event["date_effective"] else None,
            "before_year": before,
            "after_year": after,
            "after_basis": basis,
            "days_in_force_in_after_year": days,
        }
        if not codes:
            frames.append(
                pl.DataFrame(
                    [
                        {**meta, "hs6": NO_CODES, "destination": d, "note": event["hs92_note"]}
                        for d in destinations
                    ]
                )
            )
            continue
        group = (
            pl.when(pl.col("importer_code").is_in(list(alliance)))
            .then(pl.lit(ALLIANCE))
            .otherwise(pl.lit(REST_OF_WORLD))
        )
        rows = exports.filter(
            pl.col("hs6").is_in(codes),
            pl.col("year").is_in([y for y in (before, after) if y is not None]),
        )
        grouped = [rows.with_columns(group.alias("destination"))]
        for target in targets:
            grouped.append(
                rows.filter(pl.col("importer_code") == target).with_columns(
                    pl.lit(target).alias("destination")
                )
            )
        flows = (
            pl.concat(grouped)
            .group_by("hs6", "destination", pl.col("year").cast(pl.Int32))
            .agg(
                exact_sum(pl.col("quantity_t").fill_null(0.0)).alias("t"),
                exact_sum(pl.col("value_usd")).alias("usd"),
            )
        )
        grid = pl.DataFrame(
            [{"hs6": c, "destination": d} for c in codes for d in destinations],
            schema={"hs6": pl.Utf8, "destination": pl.Utf8},
        )
        per_code = grid
        for label, year in (("before", before), ("after", after)):
            if year is None:
                per_code = per_code.with_columns(
                    pl.lit(None, pl.Float64).alias(f"{label}_t"),
                    pl.lit(None, pl.Float64).alias(f"{label}_usd"),
                )
                continue
            values = flows.filter(pl.col("year") == year).drop("year")
            seen = reported.filter(pl.col("year") == year).drop("year")
            per_code = (
                per_code.join(values, on=["hs6", "destination"], how="left")
                .join(seen, on="hs6", how="left")
                .with_columns(
                    # Reported code, no flow to that destination: zero. Code not reported: unknown.
                    pl.when(pl.col("reported"))
                    .then(pl.col("t").fill_null(0.0))
                    .alias(f"{label}_t"),
                    pl.when(pl.col("reported"))
                    .then(pl.col("usd").fill_null(0.0))
                    .alias(f"{label}_usd"),
                )
                .drop("t", "usd", "reported")
            )
        comparable = before is not None and after is not None
        missing = (
            per_code.filter(pl.col("before_t").is_null() | pl.col("after_t").is_null())["hs6"]
            .unique()
            .to_list()
            if comparable
            else []
        )
        complete = per_code.filter(~pl.col("hs6").is_in(missing))
        total = complete.group_by("destination").agg(
            pl.lit(ALL_CODES).alias("hs6"),
            # A sum over unknown values stays unknown (polars would give 0).
            *[
                pl.when(pl.col(c).is_not_null().any()).then(exact_sum(pl.col(c))).alias(c)
                for c in ("before_t", "after_t", "before_usd", "after_usd")
            ],
        )
        if complete.height == 0:
            total = (
                grid.select(pl.lit(ALL_CODES).alias("hs6"), "destination")
                .unique()
                .with_columns(
                    *[
                        pl.lit(None, pl.Float64).alias(c)
                        for c in ("before_t", "after_t", "before_usd", "after_usd")
                    ]
                )
            )
        note = None
        if not comparable:
            note = f"no before/after comparison: before year {before}, after year {basis}"
        elif missing:
            note = f"BACI reports no flows under {', '.join(sorted(missing))} in the compared years; the 'all' row leaves them out"
        elif len(codes) > 1:
            note = "the 'all' row adds gross tonnes of different goods"
        combined = pl.concat(
            [per_code, total.select(per_code.columns)], how="vertical_relaxed"
        ).with_columns(
            pl.when(pl.lit(not comparable))
            .then(pl.lit(note))
            .when(pl.col("hs6") == ALL_CODES)
            .then(pl.lit(note))
            .when(pl.col("hs6").is_in(missing))
            .then(pl.lit("code not reported in BACI in the compared years"))
            .otherwise(pl.lit(event["hs92_note"]))
            .alias("note"),
            *[pl.lit(v).alias(k) for k, v in meta.items()],
        )
        frames.append(combined)

    out = pl.concat(frames, how="diagonal_relaxed")
    for column in ("before_t", "after_t", "before_usd", "after_usd"):
        if column not in out.columns:
            out = out.with_columns(pl.lit(None, pl.Float64).alias(column))
    return (
        out.with_columns(
            (pl.col("after_t") - pl.col("before_t")).alias("change_t"),
            _pct("after_t", "before_t").alias("change_t_pct"),
            (pl.col("after_usd") - pl.col("before_usd")).alias("change_usd"),
            _pct("after_usd", "before_usd").alias("change_usd_pct"),
            pl.lit(SOURCE).alias("source"),
        )
        .select(
            "event_id",
            "hs6",
            "destination",
            pl.col("effective_year").cast(pl.Int16),
            pl.col("before_year").cast(pl.Int16),
            pl.col("after_year").cast(pl.Int16),
            "after_basis",
            pl.col("days_in_force_in_after_year").cast(pl.Int32),
            pl.col("before_t").cast(pl.Float64),
            pl.col("after_t").cast(pl.Float64),
            "change_t",
            "change_t_pct",
            pl.col("before_usd").cast(pl.Float64),
            pl.col("after_usd").cast(pl.Float64),
            "change_usd",
            "change_usd_pct",
            pl.col("note").cast(pl.Utf8),
            "source",
        )
        .sort("event_id", "hs6", "destination")
    )
