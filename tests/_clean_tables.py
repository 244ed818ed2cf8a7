"""Clean tables computed from the committed snapshot, for tests that check marts on real data.

The snapshot is part of the repository, so these tests run everywhere (CI included) without
a prior ``briefing build``.
"""

from __future__ import annotations

from functools import cache

import polars as pl

from orchestration.snapshot_store import read_table
from transforms import clean


@cache
def clean_table(name: str) -> pl.DataFrame:
    r = read_table
    builders = {
        "production": lambda: clean.clean_production(r("usgs_world"), r("usgs2026_world"), r("usgs2025_world")),
        "reserves": lambda: clean.clean_reserves(r("usgs_world"), r("usgs2026_world"), r("usgs2025_world")),
        "production_wmd": lambda: clean.clean_production_wmd(r("wmd_production")),
        "trade": lambda: clean.clean_trade(r("baci_trade"), r("baci_country_codes")),
        "us_salient": lambda: clean.clean_us_salient(r("usgs_salient"), r("usgs2026_salient"), r("usgs2025_salient")),
        "governance": lambda: clean.clean_governance(r("wgi_political_stability")),
    }
    return builders[name]()
