"""Settings of the policy scenarios: exchange rate, days of cover, the reserve budget and the
price floors to back-test.

A Dagster resource (key ``scenario_settings``), so the values show in the UI and a run can
override them without editing code, e.g.::

    resources:
      scenario_settings:
        config:
          aud_usd: 0.66
          days_of_cover: [30, 90]
          price_floors:
            - {floor_id: ga-floor, mineral: gallium, floor_usd_per_t: 600000, covered: "50"}

Defaults are the documented values of ``data/reference/policy/parameters.yaml`` and
``price_floors.yaml`` (each with its source there). Who the allies are is in
``BriefingSettings`` (orchestration/settings.py).
"""

import dagster as dg
from pydantic import Field

from transforms.reference import policy

_PARAMS = policy.load_parameters()


class PriceFloorConfig(dg.Config):
    """One price floor: the mineral, the floor in US$ per metric ton, and the covered volume."""

    floor_id: str | None = Field(
        default=None, description="Name of the floor in the output (default: mineral-floor)."
    )
    mineral: str = Field(description="Mineral slug of the registry (data/reference/minerals.yaml).")
    floor_usd_per_t: float = Field(
        description="Minimum price, US$ per metric ton (US$110/kg = 110000)."
    )
    covered: str = Field(
        default=policy.COVERED_NON_CHINA_IMPORTS,
        description=(
            "'non_china_imports': the alliance's imports from outside the alliance and China, each "
            "year (t); or a number: a fixed tonnage a year."
        ),
    )
    stage: str | None = Field(
        default=None,
        description="mine or refinery (default: the stage of the mineral's price series).",
    )
    hs6: list[str] = Field(
        default=[],
        description="Restrict the covered imports to these HS92 codes (default: all of the mineral's codes at the stage).",
    )
    price_statistics: list[str] = Field(
        default=[],
        description="USGS salient statistics to compare with, in priority order (default: the mineral's series in parameters.yaml).",
    )
    floor_product: str | None = Field(
        default=None, description="What the floor is for (shown in the output)."
    )
    price_product: str | None = Field(
        default=None, description="What the compared price is for (shown in the output)."
    )
    name: str | None = Field(
        default=None, description="The floor's name as the site shows it (default: floor_id)."
    )
    covered_what: str | None = Field(
        default=None,
        description="What a fixed covered tonnage is, with its source (shown in the output).",
    )


def _floor_defaults() -> list[dict]:
    return [
        {
            "floor_id": f.floor_id,
            "mineral": f.mineral,
            "floor_usd_per_t": f.floor_usd_per_t,
            "covered": f.covered,
            "stage": f.stage,
            "hs6": list(f.hs6),
            "price_statistics": list(f.price_statistics),
            "floor_product": f.floor_product,
            "price_product": f.price_product,
            "name": f.name,
            "covered_what": f.covered_what,
        }
        for f in policy.default_price_floors()
    ]


class ScenarioSettings(dg.ConfigurableResource):
    """Parameters of the export-ban, stockpile, reserve-budget and price-floor scenarios."""

    aud_usd: float = Field(
        default=_PARAMS.aud_usd,
        description=f"US dollars per Australian dollar (default: RBA, {_PARAMS.aud_usd_date}, {_PARAMS.aud_usd_source}).",
    )
    aud_usd_date: str = Field(
        default=_PARAMS.aud_usd_date,
        description="Date the AUD/USD rate refers to (shown with the results).",
    )
    days_of_cover: list[int] = Field(
        default=list(_PARAMS.days_of_cover),
        description="Stockpile sizes in days of China-sourced imports; Japan's 60-day and Korea's 100-day targets are always added as benchmarks.",
    )
    australia_reserve_aud: float = Field(
        default=_PARAMS.australia_reserve.budget_aud,
        description="Budget of Australia's Critical Minerals Strategic Reserve, A$ (A$1.2bn, parameters.yaml).",
    )
    australia_reserve_minerals: list[str] = Field(
        default=list(_PARAMS.australia_reserve.minerals),
        description="Minerals the budget is split across, equally (the reserve's initial focus).",
    )
    price_floors: list[PriceFloorConfig] = Field(
        default=_floor_defaults(),
        description="Price floors to back-test; default: the documented floors of price_floors.yaml. Replace or extend the list.",
    )
    price_history_first_year: int = Field(
        default=2018, description="First year of the price-floor back-test."
    )
    price_history_last_year: int = Field(
        default=2025, description="Last year of the price-floor back-test."
    )

    def parameters(self) -> policy.Parameters:
        return _PARAMS

    def floors(self) -> tuple[policy.PriceFloor, ...]:
        documented = {
            f.floor_id: (f.mineral, f.floor_usd_per_t, f.covered)
            for f in policy.default_price_floors()
        }
        out = []
        for item in self.price_floors:
            # Defaults are plain dicts until Dagster resolves the config of a run.
            floor = PriceFloorConfig(**item) if isinstance(item, dict) else item
            floor_id = floor.floor_id or f"{floor.mineral}-{floor.floor_usd_per_t:g}"
            out.append(
                policy.PriceFloor(
                    floor_id=floor_id,
                    mineral=floor.mineral,
                    floor_usd_per_t=floor.floor_usd_per_t,
                    covered=floor.covered,
                    stage=floor.stage,
                    hs6=tuple(floor.hs6),
                    price_statistics=tuple(floor.price_statistics),
                    floor_product=floor.floor_product,
                    price_product=floor.price_product,
                    name=floor.name,
                    covered_what=floor.covered_what,
                    origin=(
                        f"documented ({policy.PRICE_FLOORS_FILE}: {floor_id})"
                        if documented.get(floor_id)
                        == (floor.mineral, floor.floor_usd_per_t, floor.covered)
                        else "user setting"
                    ),
                )
            )
        return tuple(out)
