"""The site's tables of the curated policy data and of the export-control marts: China's export
controls with their status on the briefing date, the monthly event study around them, and the
allies' stockpile programmes with what each money figure is and primary sources first. Shared by
the home, mineral, country and scenarios pages.

Every cell is escaped for Markdown (``md``); links go through ``safe_url``.
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl

from transforms.marts.control_status import long_date, unchecked_after
from transforms.site.model import PageContext, Section
from transforms.site.render_tables import Num, mineral_names, table
from transforms.site.text import Markup, fmt_pct, fmt_usd, md

EVENTS_SOURCE = "MOFCOM and GACC announcements and reports of them, curated for this briefing (table: China's export controls, on the Data page)"


_MEASURE_LABELS = {
    "licence": "export licence required",
    "destination_ban": "ban on exports to named countries",
    "extraterritorial": "licence for re-exports from abroad",
}


def events_table(rows: pl.DataFrame, ctx: PageContext) -> Markup:
    """China's export controls with each one's status on the briefing date (mart
    export_control_events), and the caveat when the sources were searched before that date."""
    on = rows["briefing_date"][0]
    lines = [
        f"| Announced | Measure | Applies to | Minerals | Announcement | Status on {long_date(on)} | Verified |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows.iter_rows(named=True):
        target = (
            "all destinations"
            if r["target"] == "all"
            else ", ".join(ctx.economy(code) for code in r["target"].split(", "))
        )
        link = r["official_url"] or (r["source_urls"] or "").split(", ")[0]
        cells = [
            md("{v}", v=long_date(r["date_announced"])),
            md("{v}", v=_MEASURE_LABELS.get(r["measure"], r["measure"])),
            md("{v}", v=target),
            md("{v}", v=", ".join(mineral_names(r["minerals"], ctx))),
            md("[{t}]({u})", t=r["announcement"], u=safe_url(link))
            if link
            else md("{v}", v=r["announcement"]),
            _status_cell(r),
            md("{v}", v="yes" if r["verified"] else "no"),
        ]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    caveat = unchecked_after(on, rows["status_checked_to"][0])
    if caveat:
        lines += ["", str(md("{v}", v=caveat))]
    return Markup("\n".join(lines))


# Unreserved characters (RFC 3986) and the delimiters a link needs; the rest is percent-encoded
# (urllib.parse.quote's rule, written out: transforms/ imports no urllib).
_URL_SAFE = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~:/?#=&%"
)


def safe_url(url: str) -> Markup:
    """A URL as a Markdown link target: every character Markdown could read as syntax is
    percent-encoded (equivalent for unreserved characters, RFC 3986)."""
    return Markup("".join(c if c in _URL_SAFE else "".join(f"%{b:02X}" for b in c.encode()) for c in url))


def _status_cell(r: dict[str, Any]) -> Markup:
    """The status sentence, with a link to the later announcement that set it."""
    text = md("{v}", v=r["status_text"])
    own = r["status_by"] == r["announcement"]
    if r["status_by_url"] and r["status_by"] and not own:
        return md(
            "{t} ([source]({u}){{ aria-label=\"source: {by}\" }})",
            t=r["status_text"],
            u=safe_url(r["status_by_url"]),
            by=_attr(r["status_by"]),
        )
    return text


EVENT_STUDY_SOURCE = (
    "UN Comtrade, China's monthly exports as China reports them; MOFCOM and GACC announcements"
)


def _span(first: Any, last: Any, months: Any) -> str:
    if not months:
        return "none"
    if months == 1:
        return f"{first:%b %Y} (1 month)"
    return f"{first:%b %Y} to {last:%b %Y} ({months} months)"


def event_study_section(df: pl.DataFrame) -> Section:
    """China's monthly exports around each control, by destination group (mart event_study);
    the controls the data cannot study are listed with the reason."""
    section = Section(
        title="China's exports before and after its export controls",
        anchor="event-study",
        source=EVENT_STUDY_SOURCE,
    )
    section.paragraphs.append(
        "China's monthly exports of the controlled goods in the 12 months before each control took effect and the 12 months from then on, to the United States, to the other allies and to China's other main partners. The months compared are listed; the change compares monthly averages, so a window cut short by the end of the data is still compared like with like."
    )
    rows = df.filter(pl.col("before_usd").is_not_null()).with_columns(
        pl.struct("control_date", "event")
        .map_elements(
            lambda r: f"{r['event']}, in force {long_date(r['control_date'])}",
            return_dtype=pl.Utf8,
        )
        .alias("Control"),
        pl.struct("before_from", "before_to", "before_months")
        .map_elements(lambda r: _span(*r.values()), return_dtype=pl.Utf8)
        .alias("Months before"),
        pl.struct("after_from", "after_to", "after_months")
        .map_elements(lambda r: _span(*r.values()), return_dtype=pl.Utf8)
        .alias("Months after"),
    )
    section.table = table(
        rows.sort("control_date", "hs6", "destination"),
        pl.col("Control"),
        pl.format("{} (HS {})", "product", "hs6").alias("Goods"),
        pl.col("destination").alias("To"),
        pl.col("Months before"),
        pl.col("Months after"),
        Num("before_usd", fmt_usd, "Exports before"),
        Num("after_usd", fmt_usd, "Exports after"),
        Num("change_usd_pct", lambda v: fmt_pct(v, 0), "Change in monthly value"),
        Num("change_t_pct", lambda v: fmt_pct(v, 0), "Change in monthly tonnes"),
        pl.col("note").fill_null("").alias("Note"),
    )
    missing = (
        df.filter(pl.col("before_usd").is_null())
        .group_by("event", maintain_order=True)
        .agg(pl.col("note").first())
    )
    for r in missing.sort("event").iter_rows(named=True):
        section.notes.append(md("{e}: {n}.", e=r["event"], n=r["note"]))
    return section


_CURRENCY_SIGNS = {
    "USD": "US$",
    "AUD": "A$",
    "EUR": "€",
    "JPY": "¥",
    "KRW": "₩",
    "GBP": "£",
    "CAD": "C$",
}
_MONEY_KINDS = {"budget": "budget", "inventory_value": "value of the stocks held, not a budget"}
PROGRAMMES_SOURCE = "government and agency pages of each programme, with reports as secondary sources (curated for this briefing; table on the Data page)"


def programme_money(r: dict[str, Any]) -> str:
    """A programme's money figure with its currency, the year of that currency and what it is:
    "US$912 million (2023 money), value of the stocks held, not a budget"."""
    if r["budget"] is None:
        return "not published"
    sign = _CURRENCY_SIGNS.get(r["budget_currency"], f"{r['budget_currency']} ")
    amount = fmt_usd(r["budget"]).removeprefix("$")
    kind = _MONEY_KINDS.get(r["budget_kind"], r["budget_kind"])
    return f"{sign}{amount} ({r['budget_year']} money), {kind}"


def _attr(text: str) -> str:
    """Text safe inside a double-quoted attribute of an attr_list (no quotes, braces)."""
    return re.sub(r'["{}]', "", text)


def _links(urls: str | None, label: str, about: str) -> str:
    """Numbered links ("official 1"), each with an accessible name that says what it is for."""
    return ", ".join(
        str(
            md(
                "[{t} {n}]({u}){{ aria-label=\"{t} source {n}: {a}\" }}",
                t=label,
                n=i,
                u=safe_url(u),
                a=_attr(about),
            )
        )
        for i, u in enumerate((urls or "").split(", "), 1)
        if u
    )


def programmes_table(df: pl.DataFrame, ctx: PageContext) -> Markup:
    """The allies' stockpile programmes: what each money figure is, in which currency and year,
    the days-of-cover target, and primary sources before secondary ones."""
    lines = [
        "| Economy | Programme | Status | Money figure | Target | Primary sources | Other sources |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in df.iter_rows(named=True):
        target = (
            f"{r['target_days']:.0f} days of use"
            if r["target_days"] is not None
            else "not published"
        )
        primary = _links(r["primary_urls"], "official", r["programme"]) or str(
            md("{v}", v=r["primary_note"] or "none retrieved")
        )
        cells = [
            md("{v}", v=ctx.economy(r["country"])),
            md("{v}", v=r["programme"]),
            md("{v}", v=r["status"]),
            md("{v}", v=programme_money(r)),
            md("{v}", v=target),
            Markup(primary),
            Markup(_links(r["source_urls"], "report", r["programme"]) or "none"),
        ]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return Markup("\n".join(lines))
