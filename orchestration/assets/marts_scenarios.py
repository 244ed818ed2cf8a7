"""Marts of the policy scenarios and of China's export controls, each with blocking checks.

Every asset comes from ``mart_asset`` and calls one pure function of ``transforms.marts``
(export_ban, stockpile, price_floor, events, policy); its description and column schema come
from the table registry (``transforms.metadata``). The scenarios read the importers' flows
(``intermediate/importer_flows``, ``transforms.blocs``). Checks, generated per mart: the pandera
schema of each mart (types, ranges, shares in [0, 1], known minerals and importers, unique key)
and, for the scenarios, that no tonnage comes out negative. Every scenario is judged by the
dependence marts' coverage rule (``transforms.marts.coverage``), so it reads production too. Who the allies are comes from the
``settings`` resource, the scenario parameters from ``scenario_settings``.
"""

import dagster as dg
import polars as pl

from orchestration.assets.clean import known_sets, schema_check
from orchestration.assets.mart_factory import GROUP, MartInputs, clean_in, flows_in, mart_asset
from transforms import blocs, policy_frames
from transforms.marts import events, export_ban, price_floor, scenarios, stockpile
from transforms.marts.invariants import negative_tonnes
from transforms.metadata import TABLES as MART_TABLES
from transforms.reference import policy
from transforms.render import frame_to_markdown


def mart_known_sets() -> dict[str, frozenset[str]]:
    known = known_sets()
    return known | {"importer": known["economy"] | set(blocs.BLOCS)}


def _thresholds(i: MartInputs) -> scenarios.Thresholds:
    params = i.scenario_settings.parameters()
    return scenarios.Thresholds(
        params.min_china_imports_t, params.min_china_imports_usd, params.max_days
    )


def _coverage(i: MartInputs) -> pl.DataFrame:
    """The trade coverage and China's production shares the dependence marts judge by."""
    return scenarios.scenario_coverage(i["production"], i.economies)


def _export_ban(i: MartInputs) -> pl.DataFrame:
    return export_ban.scenario_export_ban(
        i["flows"],
        i["production"],
        economies=i.economies,
        thresholds=_thresholds(i),
        coverage=_coverage(i),
    )


def _stockpile(i: MartInputs) -> pl.DataFrame:
    params = i.scenario_settings.parameters()
    return stockpile.scenario_stockpile(
        i["flows"],
        i["us_salient"],
        china=i.economies.china,
        days=i.scenario_settings.days_of_cover,
        benchmarks=policy_frames.benchmarks_frame(params.benchmarks),
        price_series=policy_frames.price_series_frame(params.price_series),
        thresholds=_thresholds(i),
        coverage=_coverage(i),
    )


def _reserve_budget(i: MartInputs) -> pl.DataFrame:
    s = i.scenario_settings
    return stockpile.scenario_reserve_budget(
        i["flows"],
        i["us_salient"],
        i["production"],
        budget_aud=s.australia_reserve_aud,
        aud_usd=s.aud_usd,
        minerals=s.australia_reserve_minerals,
        china=i.economies.china,
        price_series=policy_frames.price_series_frame(s.parameters().price_series),
        trade=i["trade"],
        note_budget_aud=s.parameters().australia_reserve.note_budget_aud,
        extra_minerals=s.parameters().focus_minerals,
        thresholds=_thresholds(i),
        coverage=_coverage(i),
    )


def _price_floor(i: MartInputs) -> pl.DataFrame:
    s = i.scenario_settings
    return price_floor.scenario_price_floor(
        i["flows"],
        i["us_salient"],
        policy_frames.floors_frame(s.floors()),
        china=i.economies.china,
        price_series=policy_frames.price_series_frame(s.parameters().price_series),
        years=(s.price_history_first_year, s.price_history_last_year),
    )


def _floor_sensitivity(i: MartInputs) -> pl.DataFrame:
    params = i.scenario_settings.parameters()
    return price_floor.scenario_floor_sensitivity(
        i["flows"],
        china=i.economies.china,
        minerals=params.focus_minerals,
        uplifts=params.floor_uplifts,
        price_series=policy_frames.price_series_frame(params.price_series),
        thresholds=_thresholds(i),
        coverage=_coverage(i),
    )


def _export_control_events(i: MartInputs) -> pl.DataFrame:
    return events.export_control_events(
        policy_frames.export_controls_frame(),
        policy_frames.export_control_changes_frame(),
        on=i.settings.briefing_day(),
        checked_to=policy.export_controls_checked_to(),
    )


def _event_study(i: MartInputs) -> pl.DataFrame:
    return events.event_study(i["export_control_events"], i["china_exports_monthly"], **i.sides())


def _china(i: MartInputs, _: pl.DataFrame) -> dict:
    return {"china": dg.MetadataValue.text(", ".join(i.economies.china))}


def _days(i: MartInputs, _: pl.DataFrame) -> dict:
    return {"days_of_cover": dg.MetadataValue.json(i.scenario_settings.days_of_cover)}


def _aud_usd(i: MartInputs, _: pl.DataFrame) -> dict:
    return {
        "aud_usd": dg.MetadataValue.float(i.scenario_settings.aud_usd),
        "aud_usd_date": dg.MetadataValue.text(i.scenario_settings.aud_usd_date),
    }


def _events_file(i: MartInputs, __: pl.DataFrame) -> dict:
    return {
        "file": dg.MetadataValue.path(str(policy.POLICY_DIR / policy.EXPORT_CONTROLS_FILE)),
        "briefing_date": dg.MetadataValue.text(i.settings.briefing_day().isoformat()),
    }


# table -> (inputs, compute, extra metadata); the scenarios (tonnes checked) first.
SCENARIO_MARTS = {
    "scenario_export_ban": (
        {"flows": flows_in(), "production": clean_in("production")},
        _export_ban,
        _china,
    ),
    "scenario_stockpile": (
        {"flows": flows_in(), **{n: clean_in(n) for n in ("us_salient", "production")}},
        _stockpile,
        _days,
    ),
    "scenario_reserve_budget": (
        {"flows": flows_in(), **{n: clean_in(n) for n in ("trade", "us_salient", "production")}},
        _reserve_budget,
        _aud_usd,
    ),
    "scenario_price_floor": (
        {"flows": flows_in(), "us_salient": clean_in("us_salient")},
        _price_floor,
        None,
    ),
    "scenario_floor_sensitivity": (
        {"flows": flows_in(), "production": clean_in("production")},
        _floor_sensitivity,
        None,
    ),
}
EVENT_MARTS = {
    "export_control_events": ({}, _export_control_events, _events_file),
    "event_study": (
        {
            "export_control_events": dg.AssetIn(key=dg.AssetKey([GROUP, "export_control_events"])),
            "china_exports_monthly": clean_in("china_exports_monthly"),
        },
        _event_study,
        None,
    ),
}


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
    mart_asset(MART_TABLES[t], ins, compute, extra)
    for t, (ins, compute, extra) in (SCENARIO_MARTS | EVENT_MARTS).items()
]
marts_scenario_checks = [_schema_check(t) for t in (*SCENARIO_MARTS, *EVENT_MARTS)] + [
    _tonnes_check(t) for t in SCENARIO_MARTS
]
