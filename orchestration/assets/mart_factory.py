"""One factory for the mart assets, and the importers' flows every bloc-aware mart reads.

``importer_flows`` (key ``intermediate/importer_flows``) is the clean trade table seen by each
importer of ``transforms.blocs`` — each ally, ``EU27`` (always) and ``ALLIANCE`` — by direction,
partner and HS code, intra-bloc trade flagged. The dependence, supply-risk and scenario marts take
it as an input, so they share one definition of who imports and which trade is a bloc's trade with
outsiders. It is kept out of ``marts/`` so the site does not publish it as a download.

``mart_asset`` builds a mart asset from its table metadata, its inputs and one compute function
(``compute(inputs) -> frame``), as ``_clean_asset`` does for the clean tables; the settings
resources reach the function through ``MartInputs``.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import dagster as dg
import polars as pl

from orchestration.metadata import code_reference, frame_metadata
from orchestration.scenario_settings import ScenarioSettings
from orchestration.settings import BriefingSettings
from transforms import blocs
from transforms.metadata import Table as TableMeta

GROUP = "marts"
FLOWS_KEY = dg.AssetKey(["intermediate", "importer_flows"])


def clean_in(name: str) -> dg.AssetIn:
    return dg.AssetIn(key=dg.AssetKey(["clean", name]))


def flows_in() -> dg.AssetIn:
    return dg.AssetIn(key=FLOWS_KEY)


@dataclass(frozen=True)
class MartInputs:
    """What a mart's compute function gets: its input frames and the run's settings."""

    frames: Mapping[str, pl.DataFrame]
    settings: BriefingSettings
    scenario_settings: ScenarioSettings

    def __getitem__(self, name: str) -> pl.DataFrame:
        return self.frames[name]

    @property
    def economies(self) -> blocs.Economies:
        return self.settings.economies()

    def sides(self) -> dict[str, list[str]]:
        """``china`` and ``alliance`` as lists of codes, the keywords the share marts take."""
        economies = self.economies
        return {"china": list(economies.china), "alliance": list(economies.alliance)}


Compute = Callable[[MartInputs], pl.DataFrame]
Extra = Callable[[MartInputs, pl.DataFrame], dict]


def settings_metadata(inputs: MartInputs, df: pl.DataFrame) -> dict:
    """Who the alliance and China were for this run, and how many minerals the mart covers."""
    economies = inputs.economies
    return {
        "alliance": dg.MetadataValue.text(", ".join(economies.alliance)),
        "china": dg.MetadataValue.text(", ".join(economies.china)),
        # A mart about the method itself (supply_risk_departures) has no mineral column.
        "minerals": dg.MetadataValue.int(
            df["mineral"].n_unique() if df.height and "mineral" in df.columns else 0
        ),
    }


def mart_asset(
    meta: TableMeta,
    ins: Mapping[str, dg.AssetIn],
    compute: Compute,
    extra: Extra | None = None,
) -> dg.AssetsDefinition:
    """The asset of one mart: ``compute`` on its inputs, with ``meta``'s description and schema."""

    @dg.asset(
        name=meta.name,
        key_prefix=[GROUP],
        group_name=GROUP,
        description=meta.asset_description(),
        ins=dict(ins),
        kinds={"polars"},
        tags={"layer": "marts"},
        metadata={"primary_key": ", ".join(meta.primary_key), **code_reference(compute)},
    )
    def _asset(
        context: dg.AssetExecutionContext,
        settings: BriefingSettings,
        scenario_settings: ScenarioSettings,
        **frames: pl.DataFrame,
    ) -> dg.Output[pl.DataFrame]:
        inputs = MartInputs(frames, settings, scenario_settings)
        df = compute(inputs)
        context.log.info(f"marts {meta.name}: {df.height:,} rows")
        metadata = frame_metadata(df, meta.column_descriptions)
        if extra is not None:
            metadata |= extra(inputs, df)
        return dg.Output(df, metadata=metadata)

    return _asset


@dg.asset(
    key=FLOWS_KEY,
    group_name=GROUP,
    description=(
        "Each importer's trade (each ally, EU27 as a bloc whatever the alliance, the alliance as a "
        "bloc) by direction, partner and HS92 code, with intra-bloc flows flagged "
        "(transforms.blocs.importer_flows). Quantities are null where no flow carries one."
    ),
    ins={"trade": clean_in("trade")},
    kinds={"polars"},
    tags={"layer": "marts"},
    metadata=code_reference(blocs.importer_flows),
)
def importer_flows(
    context: dg.AssetExecutionContext, settings: BriefingSettings, trade: pl.DataFrame
) -> dg.Output[pl.DataFrame]:
    economies = settings.economies()
    df = blocs.importer_flows(trade, economies)
    context.log.info(f"importer_flows: {df.height:,} rows")
    return dg.Output(
        df,
        metadata=frame_metadata(df)
        | {
            "importers": dg.MetadataValue.int(df["importer"].n_unique() if df.height else 0),
            "alliance": dg.MetadataValue.text(", ".join(economies.alliance)),
            "eu27": dg.MetadataValue.text(", ".join(economies.eu27)),
            "china": dg.MetadataValue.text(", ".join(economies.china)),
        },
    )
