"""The connectors behind a refresh: which one serves which source, with what settings.

Each connector reads its settings from the environment (``config_from_env``); a refresh may
override them (URLs, item ids, years, periods, HS codes). The HS6 codes asked of BACI and
Comtrade are the registry's, plus, for BACI, those the current snapshot already holds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from orchestration.snapshot_store import read_table
from orchestration.upstream import baci as baci_connector
from orchestration.upstream import comtrade as comtrade_connector
from orchestration.upstream import http
from orchestration.upstream import usgs as usgs_connector
from orchestration.upstream.raw import ConnectorError, FreshFiles, RawFolder
from orchestration.upstream.versions import RefreshError
from transforms.errors import UpstreamFormatError
from transforms.snapshot import TABLES, load_sources, pattern_matches

# Snapshot source -> connector; the short names are accepted on the command line too.
SOURCES: tuple[str, ...] = ("usgs-mcs", "baci-hs92", "comtrade")
ALIASES = {"usgs": "usgs-mcs", "baci": "baci-hs92", "un-comtrade": "comtrade"}


def _registry_hs6() -> list[str]:
    from transforms.reference import hs_map_frame

    return sorted(set(hs_map_frame()["hs6"].to_list()))


def _current_baci_hs6(snapshot_dir: Path) -> set[str]:
    try:
        trade = read_table("baci_trade", snapshot_dir)
    except (FileNotFoundError, UpstreamFormatError, KeyError):
        return set()
    return set(trade["hs6"].unique().to_list()) if trade is not None else set()


def connector_config(source: str, overrides: dict[str, Any] | None) -> dict[str, Any]:
    env = {
        "usgs-mcs": usgs_connector.config_from_env,
        "baci-hs92": baci_connector.config_from_env,
        "comtrade": comtrade_connector.config_from_env,
    }[source]()
    cfg = {**env, **(overrides or {})}
    if source == "comtrade":
        if "comtrade" not in load_sources():
            raise RefreshError(
                source,
                "no 'comtrade' origin record in data/reference/sources.yaml yet "
                "(see orchestration.upstream.comtrade.COMTRADE_ORIGIN); nothing downloaded",
            )
        if not cfg.get("key"):
            try:
                cfg["key"] = comtrade_connector.api_key()
            except ConnectorError as exc:
                raise RefreshError(source, exc.message) from exc
    return cfg


def run_connector(
    source: str,
    raw: RawFolder,
    cfg: dict[str, Any],
    current: dict[str, Path | None],
    snapshot_dir: Path,
    policy: http.RetryPolicy | None,
) -> FreshFiles:
    if source == "usgs-mcs":
        return usgs_connector.fetch_release(
            raw,
            item_ids=cfg.get("item_ids"),
            base_url=cfg["base_url"],
            dois=cfg.get("dois") or load_sources()["usgs-mcs"].get("doi") or [],
            doi_resolver=cfg.get("doi_resolver", usgs_connector.DOI_RESOLVER),
            policy=policy,
            **({"max_bytes": cfg["max_bytes"]} if "max_bytes" in cfg else {}),
        )
    if source == "baci-hs92":
        hs6 = cfg.get("hs6") or sorted(set(_registry_hs6()) | _current_baci_hs6(snapshot_dir))
        trade_patterns = next(t.patterns for t in TABLES if t.name == "baci_trade")
        trade_files = [
            p
            for rel, p in current.items()
            if p is not None and any(pattern_matches(rel, pat) for pat in trade_patterns)
        ]
        return baci_connector.fetch_release(
            raw,
            url=cfg["url"],
            hs6=hs6,
            years=cfg.get("years"),
            current_trade_files=trade_files,
            policy=policy,
            max_bytes=cfg["max_bytes"],
        )
    return comtrade_connector.fetch_trade(
        raw,
        hs6=cfg.get("hs6") or _registry_hs6(),
        periods=cfg["periods"],
        base_url=cfg["base_url"],
        classification=cfg["classification"],
        key=cfg.get("key"),
        policy=policy,
        **({"pause": cfg["pause"]} if "pause" in cfg else {}),
    )


def canonical_source(source: str) -> str:
    name = ALIASES.get(source, source)
    if name not in SOURCES:
        raise RefreshError(
            source, f"no connector for {source!r}; choose one of {', '.join(SOURCES)}"
        )
    return name
