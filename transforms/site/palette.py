"""The site's one palette: China, the alliance and the rest of the world always in the same colours.

Okabe-Ito colours, which stay distinguishable with the common colour-vision deficiencies and in
greyscale print. Every chart takes its colours from here; no chart picks its own.
"""

from __future__ import annotations

CHINA = "China"
ALLIANCE = "Alliance"
REST = "Rest of world"

GROUPS = (CHINA, ALLIANCE, REST)
GROUP_COLOURS = {CHINA: "#D55E00", ALLIANCE: "#0072B2", REST: "#A0A0A0"}

# Series that are not country groups (price series, minerals): never red or blue, so a line is
# never mistaken for China or the alliance.
SERIES_COLOURS = (
    "#4D4D4D",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#8C6D31",
    "#F0E442",
    "#999933",
)

# Heat maps of China's share run from white (0) to the China colour (1).
HEAT_RANGE = ("#FFFFFF", GROUP_COLOURS[CHINA])
# A cell whose figure is no finding (ore-only codes where China holds processing): neutral grey,
# distinct from the white of a 0 % share.
NO_FINDING = "#c8c8c8"


def group_scale() -> dict:
    """The Vega-Lite colour scale that pins each group to its colour."""
    return {"domain": list(GROUPS), "range": [GROUP_COLOURS[g] for g in GROUPS]}


def group_of(
    code: str, alliance: set[str] | frozenset[str], china: set[str] | frozenset[str]
) -> str:
    if code in china:
        return CHINA
    if code in alliance:
        return ALLIANCE
    return REST
