"""Supply-risk mart: the GeoPolRisk score and the EU CRM supply-risk indicator per importer.

One row per importer × mineral × year, for the importers of :mod:`transforms.blocs` (each
alliance economy, ``EU27`` whatever the alliance, and ``ALLIANCE``), in the years where
World Mining Data production and BACI trade overlap (2018–2024).

Inputs: World Mining Data production (clean ``production_wmd``), BACI trade in tonnes (clean
``trade``), WGI political stability (clean ``governance``, ``political_stability_score``:
0 = most, 1 = least stable) and the registry's end-of-life recycling input rates.

Stages. Production is the mineral's World Mining Data **mine** stage, or its refinery stage where
WMD reports only that (gallium, germanium, indium, tellurium, arsenic): column
``production_stage``. Trade uses the HS codes of the same stage where the registry has any,
otherwise those of the other stage (cobalt, rare earths, lithium, PGM, ... have refined codes
only): column ``trade_stage``. Tungsten follows the method's codes, ore (261100) and tungsten
powders (810110) together (``POOLED_TRADE``). A mineral without any HS code in the BACI subset (gallium) has
unknown imports: its rows (kept only where the importer produces it) carry null scores. Tonnes
are BACI gross weights, WMD tonnes are contained metal, oxide or ore as
``production_unit_basis`` says; the method adds them as they are.

(a) GeoPolRisk (Koyamparambath et al. 2024; geopolrisk-py, Koyamparambath et al., JOSS,
doi:10.21105/joss.09600; method: Gemechu et al. 2015, Helbig et al. 2016). For material A,
importer c, year t::

    GeoPolRisk_Ac = HHI_A × Σ_i ( g_i × f_Aic ) / ( p_Ac + F_Ac )

* ``hhi_production`` = HHI_A = Σ_k (P_k / Σ P)², normalised 0–1, on WMD production of every
  producing economy k;
* g_i = WGI political stability score of exporter i (0–1, 1 = least stable); as in the library,
  a missing score counts 0.5 (``partners_wgi_imputed`` counts them) and, for a bloc, imports
  from its own members count 0 (they stay in the total F);
* f_Aic = imports from i (BACI tonnes, flows with a quantity), F_Ac = Σ_i f_Aic, p_Ac = the
  importer's domestic WMD production (sum over members for a bloc);
* ``weighted_instability`` = Σ_i g_i f_Aic / (p_Ac + F_Ac) (the library's "import risk", WTA),
  ``geopolrisk_score`` = HHI_A × weighted_instability (0–1);
* characterisation factor (the library's Geopolitical Supply Risk Potential, in kg Cu-eq/kg):
  ``characterisation_factor = geopolrisk_score × price / 0.409412948`` with ``price_usd_per_kg``
  = import value / import quantity (USD per kg) and 0.409412948 the library's reference CF of
  copper (mean for OECD countries 2017–2021). Unlike the library, the price uses only flows that
  carry a quantity. Each departure from the library is measured, computed both ways, by
  ``transforms.marts.supply_risk_departures``.

(b) EU CRM supply risk (European Commission, Methodology for establishing the EU list of critical
raw materials – Guidelines, 2017, doi:10.2873/769526; used again for the 2020 and 2023 lists)::

    SR = [ HHI_WGI,GS × IR/2 + HHI_WGI,sourcing × (1 − IR/2) ] × (1 − EoL_RIR) × SI

with HHI_WGI = Σ_c S_c² × WGI_c (shares S_c as fractions, WGI_c on a 0–10 scale, 10 = worst),
IR = import reliance, EoL_RIR = end-of-life recycling input rate, SI = substitution index.
Simplifications, all deliberate:

* ``hhi_wgi_global``: global supply = WMD production shares of the production stage;
* ``hhi_wgi_sourcing``: sourcing = the importer's imports by origin (BACI tonnes, intra-bloc
  trade removed), without domestic production — the EC's "EU sourcing" adds EU production;
* WGI_c = 10 × the WGI political-stability score alone, not the EC's scaled average of the six
  WGI dimensions; a missing score counts 5; the trade-restriction factor t is 1 (not modelled);
* IR = (imports − exports) / (production + imports − exports) in tonnes (WMD production,
  BACI extra-bloc trade, same HS codes); ``import_reliance_raw`` is that ratio, null where its
  denominator is not positive, and ``import_reliance`` bounds it to [0, 1] as the indicator is
  defined (a net exporter has IR 0);
* EoL_RIR from the registry (SCRREEN factsheets, 2023); where the registry has none it counts 0
  and ``eol_rir_missing`` is True;
* SI = 1 (no substitution index available: ``substitution_index``).

For ``EU27`` this is the EC indicator under those simplifications; for the other importers it
is the same formula from their point of view. ``crm_supply_risk`` is null where the importer
has no imports from outside itself (sourcing undefined).

Pure polars; who is who and the importers' flows (``transforms.blocs``) are arguments.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from transforms import blocs
from transforms.stable import exact_sum

# geopolrisk-py's reference characterisation factor of copper (OECD mean 2017-2021), USD/kg.
CF_COPPER_REFERENCE = 0.409412948
# geopolrisk-py counts a partner without a WGI score as 0.5 (the middle of the scale).
WGI_MISSING_SCORE = 0.5
# The EC methodology scales WGI to 0-10.
EC_WGI_SCALE = 10.0
SUBSTITUTION_INDEX = 1.0
KEY = ["importer", "mineral", "year"]
#: Minerals whose trade follows the method's HS codes across both stages, pooled into the stage
#: named: geopolrisk-py 2.0.1 pairs tungsten ore (261100) with tungsten powders (810110).
POOLED_TRADE = {"tungsten": "mine"}

OUTPUT_COLUMNS = [
    "importer",
    "importer_kind",
    "mineral",
    "year",
    "production_stage",
    "trade_stage",
    "production_unit_basis",
    "source",
    "hhi_production",
    "producers",
    "imports_t",
    "domestic_production_t",
    "partners",
    "partners_wgi_imputed",
    "weighted_instability",
    "geopolrisk_score",
    "price_usd_per_kg",
    "characterisation_factor",
    "hhi_wgi_global",
    "hhi_wgi_sourcing",
    "import_reliance_raw",
    "import_reliance",
    "eol_rir",
    "eol_rir_missing",
    "substitution_index",
    "crm_supply_risk",
]


def stage_choice(production_wmd: pl.DataFrame, trade: pl.DataFrame) -> pl.DataFrame:
    """Per mineral: the WMD production stage (mine where reported) and the trade stage used.

    ``trade``: any frame of trade rows with mineral and stage (clean trade, importer flows).

    Columns: mineral, production_stage, trade_stage (null when the mineral has no trade rows).
    """
    wmd = production_wmd.group_by("mineral").agg(
        pl.when((pl.col("stage") == "mine").any())
        .then(pl.lit("mine"))
        .otherwise(pl.lit("refinery"))
        .alias("production_stage")
    )
    stages = trade.group_by("mineral").agg(
        (pl.col("stage") == "mine").any().alias("_has_mine"),
        (pl.col("stage") == "refinery").any().alias("_has_refinery"),
    )
    out = wmd.join(stages, on="mineral", how="left")
    same = (
        pl.when(pl.col("production_stage") == "mine")
        .then(pl.col("_has_mine"))
        .otherwise(pl.col("_has_refinery"))
    )
    other = (
        pl.when(pl.col("production_stage") == "mine")
        .then(pl.col("_has_refinery"))
        .otherwise(pl.col("_has_mine"))
    )
    other_name = (
        pl.when(pl.col("production_stage") == "mine")
        .then(pl.lit("refinery"))
        .otherwise(pl.lit("mine"))
    )
    trade_stage = (
        pl.when(same.fill_null(False))
        .then(pl.col("production_stage"))
        .when(other.fill_null(False))
        .then(other_name)
    )
    return out.select("mineral", "production_stage", trade_stage.alias("trade_stage"))


def global_supply(production_wmd: pl.DataFrame, stages: pl.DataFrame) -> pl.DataFrame:
    """WMD production per mineral × year × economy at the chosen stage, summed over commodities
    (PGM = platinum + palladium + rhodium). Columns: mineral, year, country_code, production_t,
    unit_basis."""
    rows = production_wmd.join(
        stages.select("mineral", pl.col("production_stage").alias("stage")),
        on=["mineral", "stage"],
        how="inner",
    )
    return rows.group_by(["mineral", "year", "country_code"]).agg(
        pl.when(pl.col("production_t").is_not_null().any())
        .then(exact_sum(pl.col("production_t")))
        .alias("production_t"),
        pl.col("unit_basis").unique().sort().str.join(",").alias("unit_basis"),
    )


def _wgi(governance: pl.DataFrame) -> pl.DataFrame:
    return governance.select(
        pl.col("country_code").alias("partner"),
        pl.col("year").cast(pl.Int16),
        pl.col("political_stability_score").alias("_g"),
    )


def production_concentration(supply: pl.DataFrame, governance: pl.DataFrame) -> pl.DataFrame:
    """HHI (0–1) and WGI-weighted HHI (0–10) of world production per mineral × year."""
    wgi = _wgi(governance).rename({"partner": "country_code"})
    rows = (
        supply.filter(pl.col("production_t").is_not_null())
        .with_columns(pl.col("year").cast(pl.Int16))
        .join(wgi, on=["country_code", "year"], how="left")
    )
    share = pl.col("production_t") / exact_sum(pl.col("production_t")).over(["mineral", "year"])
    rows = rows.with_columns(share.alias("_s"))
    return (
        rows.group_by(["mineral", "year"])
        .agg(
            exact_sum(pl.col("_s") ** 2).alias("hhi_production"),
            exact_sum(pl.col("_s") ** 2 * pl.col("_g").fill_null(WGI_MISSING_SCORE) * EC_WGI_SCALE)
            .alias("hhi_wgi_global"),
            (pl.col("production_t") > 0).sum().cast(pl.Int32).alias("producers"),
            exact_sum(pl.col("production_t")).alias("_world_t"),
            pl.col("unit_basis").unique().sort().str.join(",").alias("production_unit_basis"),
        )
        .filter(pl.col("_world_t") > 0)
        .drop("_world_t")
    )


def pool_stages(flows: pl.DataFrame, pooled: Mapping[str, str]) -> pl.DataFrame:
    """``flows`` with the mine and refinery flows of each mineral of ``pooled`` moved to the
    stage it names (the method's HS codes of the mineral span both of the registry's stages)."""
    if not pooled:
        return flows
    move = pl.col("mineral").is_in(list(pooled)) & pl.col("stage").is_in(["mine", "refinery"])
    return flows.with_columns(
        pl.when(move)
        .then(pl.col("mineral").replace_strict(pooled, default=None))
        .otherwise(pl.col("stage"))
        .alias("stage")
    )


def _trade_stage_flows(
    flows: pl.DataFrame, stages: pl.DataFrame, direction: str, *, with_quantity: bool = True
) -> pl.DataFrame:
    """An importer's flows of one direction at each mineral's trade stage (with a quantity,
    unless ``with_quantity`` is False)."""
    keep = pl.col("direction") == direction
    if with_quantity:
        keep = keep & pl.col("quantity_t").is_not_null()
    return flows.filter(keep).join(
        stages.select("mineral", pl.col("trade_stage").alias("stage")),
        on=["mineral", "stage"],
        how="inner",
    )


def _partner_imports(flows: pl.DataFrame, stages: pl.DataFrame) -> pl.DataFrame:
    """Imports (tonnes, value) of each importer by partner, trade stage only, flows with quantity;
    ``intra`` marks partners that are members of the importer itself."""
    return (
        _trade_stage_flows(flows, stages, "import")
        .group_by(*KEY, "partner")
        .agg(
            exact_sum(pl.col("quantity_t")).alias("qty_t"),
            exact_sum(pl.col("value_with_qty_usd")).alias("value_usd"),
            pl.col("intra").first(),
        )
    )


def _extra_exports(flows: pl.DataFrame, stages: pl.DataFrame) -> pl.DataFrame:
    rows = _trade_stage_flows(blocs.outside(flows, "export"), stages, "export")
    return rows.group_by(KEY).agg(exact_sum(pl.col("quantity_t")).alias("_exports_extra_t"))


def supply_risk(
    production_wmd: pl.DataFrame,
    flows: pl.DataFrame,
    governance: pl.DataFrame,
    eol_rir: pl.DataFrame,
    *,
    economies: blocs.Economies,
    pooled: Mapping[str, str] = POOLED_TRADE,
    price_all_flows: bool = False,
) -> pl.DataFrame:
    """The supply-risk mart (see the module docstring).

    ``flows``: the importers' trade, ``transforms.blocs.importer_flows`` for ``economies``.

    ``eol_rir``: columns mineral, eol_rir (share, null where unknown), e.g. from
    ``reference.minerals_frame()`` renamed ``slug`` -> ``mineral``.

    ``pooled`` and ``price_all_flows`` switch between this mart's choices and the reference
    implementation's (``transforms.marts.supply_risk_departures`` measures each): the minerals
    whose trade pools both stages, and a price over all import value (the library's) instead of
    the value of the flows that carry a quantity.
    """
    entities = economies.entities()
    flows = pool_stages(flows, pooled)
    stages = stage_choice(production_wmd, flows)
    supply = global_supply(production_wmd, stages).with_columns(pl.col("year").cast(pl.Int16))
    conc = production_concentration(supply, governance)

    wgi = _wgi(governance)
    partners = (
        _partner_imports(flows, stages)
        .with_columns(pl.col("year").cast(pl.Int16))
        .join(wgi, on=["partner", "year"], how="left")
    )
    g = pl.when(pl.col("intra")).then(0.0).otherwise(pl.col("_g").fill_null(WGI_MISSING_SCORE))
    extra = ~pl.col("intra")
    imports = partners.group_by(KEY).agg(
        exact_sum(pl.col("qty_t")).alias("imports_t"),
        exact_sum(pl.col("value_usd")).alias("_value_usd"),
        exact_sum(pl.col("qty_t") * g).alias("_weighted_t"),
        pl.col("partner").filter(extra).n_unique().cast(pl.Int32).alias("partners"),
        pl.col("partner")
        .filter(extra & pl.col("_g").is_null())
        .n_unique()
        .cast(pl.Int32)
        .alias("partners_wgi_imputed"),
        exact_sum(pl.col("qty_t").filter(extra)).alias("_extra_t"),
        # Sourcing HHI needs each extra partner's share; partners are unique per group here.
        exact_sum(
            (pl.col("qty_t").filter(extra) ** 2)
            * pl.col("_g").filter(extra).fill_null(WGI_MISSING_SCORE)
            * EC_WGI_SCALE
        ).alias("_sq_wgi_extra"),
    )
    domestic = (
        blocs.by_member(
            supply.filter(pl.col("production_t").is_not_null()), entities, "country_code"
        )
        .group_by(KEY)
        .agg(exact_sum(pl.col("production_t")).alias("domestic_production_t"))
    )
    exports = _extra_exports(flows, stages).with_columns(pl.col("year").cast(pl.Int16))
    kinds = entities.select("importer", "importer_kind").unique()

    grid = kinds.join(conc, how="cross")
    out = (
        grid.join(imports, on=KEY, how="left")
        .join(domestic, on=KEY, how="left")
        .join(exports, on=KEY, how="left")
        .join(stages, on="mineral", how="left")
        .with_columns(
            pl.col("imports_t").fill_null(0.0),
            pl.col("domestic_production_t").fill_null(0.0),
            pl.col("_extra_t").fill_null(0.0),
            pl.col("_exports_extra_t").fill_null(0.0),
            pl.col("_weighted_t").fill_null(0.0),
            pl.col("partners").fill_null(0),
            pl.col("partners_wgi_imputed").fill_null(0),
        )
        .filter((pl.col("imports_t") > 0) | (pl.col("domestic_production_t") > 0))
    )
    # A mineral without HS codes in the BACI subset (gallium) has unknown imports, not zero.
    no_trade = pl.col("trade_stage").is_null()
    out = out.with_columns(
        *[
            pl.when(~no_trade).then(pl.col(c)).alias(c)
            for c in (
                "imports_t",
                "_extra_t",
                "_exports_extra_t",
                "partners",
                "partners_wgi_imputed",
            )
        ]
    )
    if price_all_flows:
        values = (
            _trade_stage_flows(flows, stages, "import", with_quantity=False)
            .group_by(KEY)
            .agg(exact_sum(pl.col("value_usd")).alias("_all_value_usd"))
            .with_columns(pl.col("year").cast(pl.Int16))
        )
        out = (
            out.join(values, on=KEY, how="left")
            .with_columns(pl.col("_all_value_usd").alias("_value_usd"))
            .drop("_all_value_usd")
        )
    supply_t = pl.col("domestic_production_t") + pl.col("imports_t")
    wta = pl.col("_weighted_t") / supply_t
    price = pl.when(pl.col("imports_t") > 0).then(
        pl.col("_value_usd") / (pl.col("imports_t") * 1000.0)
    )
    net = pl.col("_extra_t") - pl.col("_exports_extra_t")
    ir_den = pl.col("domestic_production_t") + net
    ir_raw = pl.when(ir_den > 0).then(net / ir_den)
    ir = pl.when(net <= 0).then(0.0).otherwise(ir_raw)
    sourcing = pl.when(pl.col("_extra_t") > 0).then(
        pl.col("_sq_wgi_extra") / pl.col("_extra_t") ** 2
    )
    eol = eol_rir.select("mineral", pl.col("eol_rir").cast(pl.Float64))
    out = (
        out.join(eol, on="mineral", how="left")
        .with_columns(
            wta.alias("weighted_instability"),
            price.alias("price_usd_per_kg"),
            ir_raw.alias("import_reliance_raw"),
            ir.alias("import_reliance"),
            sourcing.alias("hhi_wgi_sourcing"),
            pl.col("eol_rir").is_null().alias("eol_rir_missing"),
            pl.col("eol_rir").fill_null(0.0),
            pl.lit(SUBSTITUTION_INDEX).alias("substitution_index"),
        )
        .with_columns(
            (pl.col("hhi_production") * pl.col("weighted_instability")).alias("geopolrisk_score")
        )
        .with_columns(
            (pl.col("geopolrisk_score") * pl.col("price_usd_per_kg") / CF_COPPER_REFERENCE).alias(
                "characterisation_factor"
            ),
            (
                (
                    pl.col("hhi_wgi_global") * pl.col("import_reliance") / 2
                    + pl.col("hhi_wgi_sourcing") * (1 - pl.col("import_reliance") / 2)
                )
                * (1 - pl.col("eol_rir"))
                * pl.col("substitution_index")
            ).alias("crm_supply_risk"),
        )
    )
    source = "World Mining Data; CEPII BACI; World Bank WGI; SCRREEN EoL-RIR"
    return (
        out.with_columns(pl.lit(source).alias("source"), pl.col("year").cast(pl.Int16))
        .select(OUTPUT_COLUMNS)
        .sort(KEY)
    )
