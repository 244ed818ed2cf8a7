"""The status of each of China's export controls on a briefing date, computed from the curated
announcements and the later announcements that changed them.

A measure is, on a date D:

- "not announced yet" before its announcement;
- "announced" from its announcement until it takes effect (or for good, if it never does);
- "in force" from its effective date;
- "suspended" from the date of an announcement that suspends it (or one part of it, named in
  ``status_scope``) until the suspension's end date;
- "suspension ended" from that end date, when no later announcement is recorded: what happens
  then is for a later announcement to say, so the status says no more than that;
- "lifted" from the date of an announcement that lifts it.

Each status names the announcement that set it (number, date, link). A status stated on a date after
the curated file's ``checked_to`` date carries the caveat ``unchecked_after`` writes. The
briefing date is an argument (the ``settings`` resource gives the build date by default).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

NOT_ANNOUNCED = "not announced yet"
ANNOUNCED = "announced"
IN_FORCE = "in force"
SUSPENDED = "suspended"
SUSPENSION_ENDED = "suspension ended"
LIFTED = "lifted"
STATUSES = (NOT_ANNOUNCED, ANNOUNCED, IN_FORCE, SUSPENDED, SUSPENSION_ENDED, LIFTED)

STATUS_SCHEMA: dict[str, pl.DataType | type] = {
    "event_id": pl.Utf8,
    "briefing_date": pl.Date,
    "status": pl.Utf8,
    "status_since": pl.Date,
    "status_until": pl.Date,
    "status_scope": pl.Utf8,
    "status_by": pl.Utf8,
    "status_by_url": pl.Utf8,
    "status_checked_to": pl.Date,
    "status_text": pl.Utf8,
}


def long_date(day: dt.date) -> str:
    """7 November 2025: the form readers quote."""
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class _Status:
    status: str
    since: dt.date | None
    until: dt.date | None = None
    scope: str | None = None
    by: str | None = None
    url: str | None = None


def _first_url(urls: str | None) -> str | None:
    return urls.split(", ")[0] if urls else None


def _status_on(event: dict, changes: list[dict], on: dt.date) -> _Status:
    """The status of one measure on ``on`` (see module)."""
    announced, effective = event["date_announced"], event["date_effective"]
    own = (event["announcement"], event["official_url"] or _first_url(event["source_urls"]))
    if on < announced:
        return _Status(NOT_ANNOUNCED, None)
    if effective is not None and on >= effective:
        status = _Status(IN_FORCE, effective, by=own[0], url=own[1])
    else:
        status = _Status(ANNOUNCED, announced, until=event["date_scheduled"], by=own[0], url=own[1])
    for change in sorted(changes, key=lambda c: c["change_date"]):
        if change["change_date"] > on:
            break
        by = change["change_announcement"], _first_url(change["change_urls"])
        if change["change_status"] == LIFTED:
            status = _Status(
                LIFTED, change["change_date"], scope=change["scope"], by=by[0], url=by[1]
            )
            continue
        until = change["until"]
        if until is not None and on >= until:
            status = _Status(SUSPENSION_ENDED, until, scope=change["scope"], by=by[0], url=by[1])
        else:
            status = _Status(SUSPENDED, change["change_date"], until, change["scope"], *by)
    return status


def _text(status: _Status, on: dt.date) -> str:
    """One sentence a reader can quote: the status, since when, until when, by what."""
    if status.status == NOT_ANNOUNCED:
        text = f"Not announced yet on {long_date(on)}"
    elif status.status == ANNOUNCED:
        due = f", due to take effect on {long_date(status.until)}" if status.until else ""
        text = f"Announced on {long_date(status.since)} ({status.by}){due}; not in force"  # type: ignore[arg-type]
    elif status.status == IN_FORCE:
        text = f"In force since {long_date(status.since)} ({status.by})"  # type: ignore[arg-type]
    elif status.status == SUSPENDED:
        until = f" until {long_date(status.until)}" if status.until else ", with no end date"
        text = f"Suspended from {long_date(status.since)}{until} by {status.by}"  # type: ignore[arg-type]
    elif status.status == SUSPENSION_ENDED:
        text = f"The suspension by {status.by} ran until {long_date(status.since)}; no later announcement is recorded"  # type: ignore[arg-type]
    else:
        text = f"Lifted on {long_date(status.since)} by {status.by}"  # type: ignore[arg-type]
    if status.scope and status.status not in (NOT_ANNOUNCED, ANNOUNCED, IN_FORCE):
        text += f". Part concerned: {status.scope.rstrip('.')}"
    return text + "."


def unchecked_after(on: dt.date, checked_to: dt.date) -> str | None:
    """The caveat of a status stated after the sources were last searched, else None."""
    if on <= checked_to:
        return None
    return f"Statuses on {long_date(on)}: announcements after {long_date(checked_to)} were not checked, so a later suspension, lift or re-imposition would not show."


def control_status(
    events: pl.DataFrame, changes: pl.DataFrame, *, on: dt.date, checked_to: dt.date
) -> pl.DataFrame:
    """One row per event of ``events`` (``policy_frames.export_controls_frame()``) with its
    status on ``on`` (columns of ``STATUS_SCHEMA``), from ``changes``
    (``policy_frames.export_control_changes_frame()``)."""
    by_event: dict[str, list[dict]] = {}
    for change in changes.iter_rows(named=True):
        by_event.setdefault(change["event_id"], []).append(change)
    unknown = set(by_event) - set(events["event_id"].to_list())
    if unknown:
        raise ValueError(f"status changes for unknown export-control events: {sorted(unknown)}")
    rows = []
    for event in events.iter_rows(named=True):
        status = _status_on(event, by_event.get(event["event_id"], []), on)
        rows.append(
            {
                "event_id": event["event_id"],
                "briefing_date": on,
                "status": status.status,
                "status_since": status.since,
                "status_until": status.until,
                "status_scope": status.scope,
                "status_by": status.by,
                "status_by_url": status.url,
                "status_checked_to": checked_to,
                "status_text": _text(status, on),
            }
        )
    return pl.DataFrame(rows, schema=STATUS_SCHEMA)
