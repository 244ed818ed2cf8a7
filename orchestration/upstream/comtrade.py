"""UN Comtrade (Comtrade+ API): reported trade in the registry's HS codes, in a tidy CSV layout.

The API key comes from the ``COMTRADE_API_KEY`` environment variable (a free key from
comtradedeveloper.un.org); it is sent in the ``Ocp-Apim-Subscription-Key`` header and never
written anywhere: not in ``download.json``, not in messages.

One call per period and flow (``M`` imports, ``X`` exports) asks for every HS6 code of the
registry at once: ``<base>/C/A/<classification>?period=2023&flowCode=M&cmdCode=260300,...``.
A call whose answer reaches the API's row cap (100,000 on the free tier) may be cut short, so it
is split into two calls of half the codes, down to single codes. Each answer is kept as JSON in
the raw folder; the rows are written per period to ``comtrade/comtrade_<classification>_<period>.csv``
in the tidy layout of ``transforms.parsers.comtrade``, whose ``parse_comtrade`` reads them back.

Comtrade is not part of the snapshot yet: ``transforms.snapshot.COMTRADE_TABLE`` and
:data:`COMTRADE_ORIGIN` are the snapshot table and origin record it joins with once the record is
added to ``data/reference/sources.yaml``; until then a refresh stops before calling the API and
says so.

Configuration: ``COMTRADE_API_KEY``, ``BRIEFING_COMTRADE_URL`` (default :data:`DEFAULT_URL`),
``BRIEFING_COMTRADE_PERIODS`` (comma-separated years, default the three years before last),
``BRIEFING_COMTRADE_CLASSIFICATION`` (default ``HS``: as reported, in HS codes).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orchestration.upstream import http
from orchestration.upstream.raw import ConnectorError, FreshFiles, RawFolder
from transforms.parsers.comtrade import tidy_rows

SOURCE = "comtrade"
DEFAULT_URL = "https://comtradeapi.un.org/data/v1/get"
API_KEY_ENV = "COMTRADE_API_KEY"
ROW_CAP = 100_000
KEY_HEADER = "Ocp-Apim-Subscription-Key"

COMTRADE_ORIGIN: dict[str, Any] = {
    "publisher": "United Nations Statistics Division (UN Comtrade)",
    "title": "UN Comtrade — reported merchandise trade by HS6 code (Comtrade+ API)",
    "url": "https://comtradeplus.un.org/",
    "doi": [],
    "licence": "UN Comtrade terms of use (attribution; redistribution limits apply)",
    "citation": "United Nations, UN Comtrade Database, https://comtradeplus.un.org/",
    "date_accessed": None,
    "notes": "Reported, not mirrored: unlike BACI, imports and exports of a pair need not agree.",
}


def config_from_env() -> dict[str, Any]:
    periods = [
        int(p) for p in os.environ.get("BRIEFING_COMTRADE_PERIODS", "").split(",") if p.strip()
    ]
    this_year = datetime.now(UTC).year
    return {
        "base_url": os.environ.get("BRIEFING_COMTRADE_URL", DEFAULT_URL),
        "periods": periods or [this_year - 4, this_year - 3, this_year - 2],
        "classification": os.environ.get("BRIEFING_COMTRADE_CLASSIFICATION", "HS"),
    }


def api_key() -> str:
    key = os.environ.get(API_KEY_ENV, "").strip()
    if not key:
        raise ConnectorError(
            SOURCE,
            f"{API_KEY_ENV} is not set; get a free key at https://comtradedeveloper.un.org "
            "and export it (never commit it)",
        )
    return key


def _rows(answer: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(answer, dict) or not isinstance(answer.get("data"), list):
        raise ConnectorError(SOURCE, f"{where}: the answer has no 'data' list")
    if answer.get("error"):
        raise ConnectorError(SOURCE, f"{where}: the API reports an error: {answer['error']}")
    return answer["data"]


def fetch_trade(
    raw: RawFolder,
    *,
    hs6: Iterable[str],
    periods: Iterable[int],
    base_url: str = DEFAULT_URL,
    classification: str = "HS",
    flows: tuple[str, ...] = ("M", "X"),
    key: str | None = None,
    policy: http.RetryPolicy | None = None,
    pause: float = 1.0,
    row_cap: int = ROW_CAP,
) -> FreshFiles:
    """Query the API for every period and flow and write one tidy CSV per period."""
    key = key or api_key()
    policy = policy or http.RetryPolicy()
    codes = sorted({str(c).zfill(6) for c in hs6})
    url = f"{base_url.rstrip('/')}/C/A/{classification}"
    calls = 0
    placed: dict[str, Path] = {}
    out_dir = raw.upstream_dir / SOURCE
    out_dir.mkdir(parents=True, exist_ok=True)

    def query(period: int, flow: str, chunk: list[str]) -> list[dict[str, Any]]:
        nonlocal calls
        if calls and pause:
            policy.sleep(pause)  # the free tier allows about one call a second
        calls += 1
        params = {
            "period": period,
            "flowCode": flow,
            "cmdCode": ",".join(chunk),
            "breakdownMode": "classic",
            "includeDesc": "false",
        }
        path = raw.fetch(
            url,
            f"comtrade_{classification}_{period}_{flow}_{calls:03d}.json",
            kind="json",
            params=params,
            headers={KEY_HEADER: key},
            policy=policy,
        )
        rows = _rows(json.loads(path.read_text(encoding="utf-8")), f"{period} {flow}")
        if len(rows) < row_cap:
            return rows
        if len(chunk) == 1:
            raise ConnectorError(
                SOURCE,
                f"{period} {flow} {chunk[0]}: {len(rows):,} rows reach the "
                f"API's {row_cap:,}-row cap even for one code",
            )
        half = len(chunk) // 2
        return query(period, flow, chunk[:half]) + query(period, flow, chunk[half:])

    for period in sorted(set(periods)):
        rows = [row for flow in flows for row in query(period, flow, codes)]
        frame = tidy_rows(rows)
        target = out_dir / f"comtrade_{classification}_{period}.csv"
        frame.write_csv(target, null_value="")
        placed[f"{SOURCE}/{target.name}"] = target
    return FreshFiles(
        SOURCE, placed, notes=[f"{calls} API calls, {len(placed)} periods, {len(codes)} HS6 codes"]
    )
