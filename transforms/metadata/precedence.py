"""Source precedence of the clean ``production`` table, declared once.

Per (mineral, stage, year) the table holds one source's figures: the first source in the
stage's list below that publishes any figure for that mineral, stage and year. Every source's
own figures stay in their clean tables (``production_wmd``, ``production_history``,
``production_iea``); ``production`` records the choice in ``precedence_rank``,
``chosen_because`` and ``sources_available``. :mod:`transforms.precedence` applies this table;
the site and the data package read it from here.
"""

from __future__ import annotations

from dataclasses import dataclass

USGS = "USGS MCS"
IEA = "IEA Critical Minerals Data Explorer"
BGS = "BGS World Mineral Statistics"
WMD = "World Mining Data"


@dataclass(frozen=True)
class Choice:
    """One source's place in a stage's precedence and what its figure is."""

    stage: str
    rank: int
    source: str
    figure: str
    # Clean table holding every figure of the source (the chosen ones are copied to production).
    table: str


PRECEDENCE: tuple[Choice, ...] = (
    Choice("mine", 1, USGS, "mine production, latest MCS edition", "production"),
    Choice("mine", 2, BGS, "mine production", "production_history"),
    Choice("mine", 3, WMD, "mine production", "production_wmd"),
    Choice("refinery", 1, USGS, "refinery production, latest MCS edition", "production"),
    Choice("refinery", 2, IEA, "2023 refining", "production_iea"),
    Choice("refinery", 3, BGS, "refined output", "production_history"),
)


def ranks(stage: str) -> dict[str, int]:
    """Source -> rank for one stage."""
    return {c.source: c.rank for c in PRECEDENCE if c.stage == stage}


def describe() -> str:
    """The precedence in one sentence per stage, for descriptions and the methodology."""
    parts = []
    for stage in dict.fromkeys(c.stage for c in PRECEDENCE):
        chain = ", else ".join(c.source for c in sorted(PRECEDENCE, key=lambda c: c.rank) if c.stage == stage)
        parts.append(f"{stage}: {chain}")
    return "; ".join(parts) + "."
