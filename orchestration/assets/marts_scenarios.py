"""Marts of the policy scenarios and of China's export controls, each with blocking checks.

Every asset calls one pure function of ``transforms.marts`` (scenarios, events); its
description and column schema come from the table registry (``transforms.metadata``). Checks: the
pandera schema of each mart (types, ranges, shares in [0, 1], known minerals and importers,
unique key) and, for the scenarios, that no tonnage comes out negative. Who the allies are
comes from the ``settings`` resource, the scenario parameters from ``scenario_settings``.
"""

import dagster as dg
import polars as pl

from orchestration.assets.clean import known_sets, schema_check
from orchestration.metadata import frame_metadata
from orchestration.scenario_settings import ScenarioSettings
from orchestration.settings import BriefingSettings
from transforms import policy_frames
from transforms.marts import events, scenarios
from transforms.marts.invariants import negative_tonnes
from transforms.metadata import TABLES as MART_TABLES
from transforms.reference import policy
from transforms.render import frame_to_markdown

GROUP = "marts"
SCENARIO_MARTS = (
    "scenario_export_ban",
    "scenario_stockpile",
    "scenario_reserve_budget",
    "scenario_price_floor",
)
EVENT_MARTS = ("export_control_events", "event_study")


def _clean(name: str) -> dg.AssetIn:
    return dg.AssetIn(key=dg.AssetKey(["clean", name]))


def _spec(table: str) -> dict:
    meta = MART_TABLES[table]
    return {
        "name": table,
        "key_prefix": [GROUP],
        "group_name": GROUP,
        "description": meta.asset_description(),
        "kinds": {"polars"},
        "tags": {"layer": "marts"},
        "metadata": {"primary_key": ", ".join(meta.primary_key)},
    }


def _output(table: str, df: pl.DataFrame, extra: dict | None = None) -> dg.Output[pl.DataFrame]:
    return dg.Output(
        df, metadata=frame_metadata(df, MART_TABLES[table].column_descriptions) | (extra or {})
    )


def mart_known_sets() -> dict[str, frozenset[str]]:
    known = known_sets()
    return known | {"importer": known["economy"] | {scenarios.ALLIANCE, scenarios.EU27}}


@dg.asset(
    ins={"trade": _clean("trade"), "production": _clean("production")},
    **_spec("scenario_export_ban"),
)
def scenario_export_ban(
    context: dg.AssetExecutionContext,
    trade: pl.DataFrame,
    production: pl.DataFrame,
    settings: BriefingSettings,
) -> dg.Output[pl.DataFrame]:
    df = scenarios.scenario_export_ban(
        trade,
        production,
        alliance=settings.alliance_members(),
        china=settings.china_members(),
        eu27=settings.eu27_members(),
    )
    context.log.info(f"scenario_export_ban: {df.height:,} rows")
    return _output(
        "scenario_export_ban",
        df,
        {"china": dg.MetadataValue.text(", ".join(settings.china_members()))},
    )


@dg.asset(
    ins={"trade": _clean("trade"), "us_salient": _clean("us_salient")},
    **_spec("scenario_stockpile"),
)
def scenario_stockpile(
    context: dg.AssetExecutionContext,
    trade: pl.DataFrame,
    us_salient: pl.DataFrame,
    settings: BriefingSettings,
    scenario_settings: ScenarioSettings,
) -> dg.Output[pl.DataFrame]:
    params = scenario_settings.parameters()
    df = scenarios.scenario_stockpile(
        trade,
        us_salient,
        alliance=settings.alliance_members(),
        china=settings.china_members(),
        eu27=settings.eu27_members(),
        days=scenario_settings.days_of_cover,
        benchmarks=policy_frames.benchmarks_frame(params.benchmarks),
        price_series=policy_frames.price_series_frame(params.price_series),
    )
    context.log.info(f"scenario_stockpile: {df.height:,} rows")
    return _output(
        "scenario_stockpile",
        df,
        {"days_of_cover": dg.MetadataValue.json(scenario_settings.days_of_cover)},
    )


@dg.asset(
    ins={
        "trade": _clean("trade"),
        "us_salient": _clean("us_salient"),
        "production": _clean("production"),
    },
    **_spec("scenario_reserve_budget"),
)
def scenario_reserve_budget(
    context: dg.AssetExecutionContext,
    trade: pl.DataFrame,
    us_salient: pl.DataFrame,
    production: pl.DataFrame,
    settings: BriefingSettings,
    scenario_settings: ScenarioSettings,
) -> dg.Output[pl.DataFrame]:
    df = scenarios.scenario_reserve_budget(
        trade,
        us_salient,
        production,
        budget_aud=scenario_settings.australia_reserve_aud,
        aud_usd=scenario_settings.aud_usd,
        minerals=scenario_settings.australia_reserve_minerals,
        alliance=settings.alliance_members(),
        china=settings.china_members(),
        price_series=policy_frames.price_series_frame(scenario_settings.parameters().price_series),
    )
    context.log.info(f"scenario_reserve_budget: {df.height:,} rows")
    return _output(
        "scenario_reserve_budget",
        df,
        {
            "aud_usd": dg.MetadataValue.float(scenario_settings.aud_usd),
            "aud_usd_date": dg.MetadataValue.text(scenario_settings.aud_usd_date),
        },
    )


@dg.asset(
    ins={"trade": _clean("trade"), "us_salient": _clean("us_salient")},
    **_spec("scenario_price_floor"),
)
def scenario_price_floor(
    context: dg.AssetExecutionContext,
    trade: pl.DataFrame,
    us_salient: pl.DataFrame,
    settings: BriefingSettings,
    scenario_settings: ScenarioSettings,
) -> dg.Output[pl.DataFrame]:
    df = scenarios.scenario_price_floor(
        trade,
        us_salient,
        policy_frames.floors_frame(scenario_settings.floors()),
        alliance=settings.alliance_members(),
        china=settings.china_members(),
        price_series=policy_frames.price_series_frame(scenario_settings.parameters().price_series),
        years=(
            scenario_settings.price_history_first_year,
            scenario_settings.price_history_last_year,
        ),
    )
    context.log.info(f"scenario_price_floor: {df.height:,} rows")
    return _output("scenario_price_floor", df)


@dg.asset(**_spec("export_control_events"))
def export_control_events(context: dg.AssetExecutionContext) -> dg.Output[pl.DataFrame]:
    df = events.export_control_events(policy_frames.export_controls_frame())
    context.log.info(f"export_control_events: {df.height:,} events")
    return _output(
        "export_control_events",
        df,
        {"file": dg.MetadataValue.path(str(policy.POLICY_DIR / policy.EXPORT_CONTROLS_FILE))},
    )


@dg.asset(
    ins={
        "export_control_events": dg.AssetIn(key=dg.AssetKey([GROUP, "export_control_events"])),
        "trade": _clean("trade"),
    },
    **_spec("event_study"),
)
def event_study(
    context: dg.AssetExecutionContext,
    export_control_events: pl.DataFrame,
    trade: pl.DataFrame,
    settings: BriefingSettings,
) -> dg.Output[pl.DataFrame]:
    df = events.event_study(
        export_control_events,
        trade,
        alliance=settings.alliance_members(),
        china=settings.china_members(),
    )
    context.log.info(f"event_study: {df.height:,} rows")
    return _output("event_study", df)


def _schema_check(table: str) -> dg.AssetChecksDefinition:
    return schema_check(
        dg.AssetKey([GROUP, table]),
        MART_TABLES[table],
        mart_known_sets,
        "types, nullability, shares in [0, 1], non-negative tonnes and US$, known minerals and importers",
    )


def _tonnes_check(table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey([GROUP, table]),
        name="no_negative_tonnes",
        blocking=True,
        description=f"No scenario yields negative tonnes: every tonnage column of `{table}` is >= 0 where known.",
    )
    def _check(df: pl.DataFrame) -> dg.AssetCheckResult:
        bad = negative_tonnes(table, df)
        metadata = {
            "rows_checked": dg.MetadataValue.int(df.height),
            "negative_rows": dg.MetadataValue.int(bad.height),
        }
        if bad.height:
            metadata["sample"] = dg.MetadataValue.md(frame_to_markdown(bad.head(20)))
        return dg.AssetCheckResult(passed=bad.height == 0, metadata=metadata)

    return _check


marts_scenario_assets = [
    scenario_export_ban,
    scenario_stockpile,
    scenario_reserve_budget,
    scenario_price_floor,
    export_control_events,
    event_study,
]
marts_scenario_checks = [_schema_check(t) for t in (*SCENARIO_MARTS, *EVENT_MARTS)] + [
    _tonnes_check(t) for t in SCENARIO_MARTS
]
