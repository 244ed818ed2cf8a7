"""Clean BGS World Mineral Statistics into ``production_history`` (1971-2023).

Rules:

* Commodities map to the registry by :data:`BGS_MAP` (BGS commodity, sub-commodity -> mineral,
  stage, product, unit basis). BGS's refined series map to the refinery stage: cobalt refined,
  nickel smelter/refinery, primary gallium, germanium metal, primary magnesium, copper refined.
  Copper smelter output (an intermediate that the refined figure follows) and ferro-alloys
  (gross alloy weight, element content unknown) are ``exclude`` with a reason, so they are
  not added to a stage. A commodity missing from the map raises, naming file and line.
* Units become metric tons: kilograms x 0.001; ``(metal content)`` in the unit means the
  contained basis whatever the map says.
* Economies: ISO3 codes as published, Kosovo's ``1A0`` -> XKX; historical economies (Soviet
  Union, Yugoslavia, Czechoslovakia, East and West Germany, Serbia and Montenegro, Zaire,
  Rhodesia) keep their own codes from data/reference/historical_economies.csv with
  ``economy_kind`` "historical" — West Germany, which BGS files under DEU, becomes FRG so that
  it is not merged with reunified Germany (the two overlap in 1989-1991); BGS's "Congo"
  rows, coded COD, are the Republic of the Congo (COG).
* Rows without a figure (BGS precision code O) are kept with a null quantity; BGS's notes and
  precision codes are kept.
"""

from __future__ import annotations

import polars as pl

from transforms import reference
from transforms.cleaning._common import PRODUCTION_COLUMNS, refuse_rows
from transforms.cleaning.historical import load_historical_economies

BGS_SOURCE = "BGS World Mineral Statistics"
_EXCLUDE = "exclude"
# BGS commodity -> (mineral, stage, product, unit_basis, basis_detail); the sub-commodity,
# where BGS gives one, becomes the product unless the map names it.
BGS_MAP: dict[str, tuple[str, str, str | None, str | None, str | None]] = {
    "antimony, mine": ("antimony", "mine", None, "contained", None),
    "cobalt, mine": ("cobalt", "mine", None, "contained", None),
    "cobalt, refined": ("cobalt", "refinery", "refined cobalt", "contained", None),
    "copper, mine": ("copper", "mine", None, "contained", None),
    "copper, refined": ("copper", "refinery", "refined copper", "contained", None),
    "copper, smelter": (
        "copper",
        _EXCLUDE,
        "blister and anode copper",
        None,
        "smelter output is the intermediate before refining; counting it too would double the stage",
    ),
    "ferro-alloys": (
        "",
        _EXCLUDE,
        None,
        None,
        "gross alloy weight; the element content is not given",
    ),
    "gallium, primary": ("gallium", "refinery", "primary gallium", "contained", None),
    "germanium metal": ("germanium", "refinery", "germanium metal", "contained", None),
    "graphite": ("graphite", "mine", "natural graphite", "gross_weight", None),
    "lithium minerals": (
        "lithium",
        "mine",
        None,
        "gross_weight",
        "mineral or compound as produced",
    ),
    "magnesium metal, primary": ("magnesium", "refinery", "primary magnesium", "contained", None),
    "manganese ore": ("manganese", "mine", "manganese ore", "gross_weight", None),
    "nickel, mine": ("nickel", "mine", None, "contained", None),
    "nickel, smelter/refinery": (
        "nickel",
        "refinery",
        "smelter/refinery nickel",
        "contained",
        None,
    ),
    "platinum group metals, mine": ("pgm", "mine", None, "contained", None),
    "rare earth minerals": ("rare-earths", "mine", "rare earth minerals", "gross_weight", None),
    "rare earth oxides": ("rare-earths", "mine", "rare earth oxides", "oxide_equivalent", "REO"),
    "tungsten, mine": ("tungsten", "mine", None, "contained", None),
}
BGS_UNIT_T: dict[str, float] = {
    "tonnes (metric)": 1.0,
    "tonnes (metal content)": 1.0,
    "kilograms (metal content)": 1e-3,
    "kilograms": 1e-3,
}
# BGS codes that are not ISO3 for a current economy, and names whose BGS code is wrong or
# shared: West Germany is filed under DEU like reunified Germany; "Congo" (the Republic of the
# Congo, Brazzaville: small copper output beside Zaire's in 1971-1991) is filed under COD, the
# Democratic Republic's code, which would add its tonnes to the DRC's from 1992.
BGS_CODE_ALIASES = {"1A0": "XKX"}
BGS_NAME_CODES = {"German Federal Republic": "FRG", "Rhodesia": "RHO", "Congo": "COG"}

PRODUCTION_HISTORY_SCHEMA: dict[str, pl.DataType] = {
    **PRODUCTION_COLUMNS,
    "bgs_commodity": pl.Utf8(),
    "bgs_sub_commodity": pl.Utf8(),
    "bgs_units": pl.Utf8(),
    "precision_code": pl.Utf8(),
    "precision": pl.Utf8(),
    "figure_notes_code": pl.Utf8(),
    "figure_notes": pl.Utf8(),
    "table_notes": pl.Utf8(),
    "source": pl.Utf8(),
    "file": pl.Utf8(),
    "line": pl.Int32(),
}


def _map_frame() -> pl.DataFrame:
    return pl.DataFrame(
        [(c, *v) for c, v in BGS_MAP.items()],
        schema=["commodity", "mineral", "stage", "map_product", "unit_basis", "basis_detail"],
        orient="row",
    )


def _economies(parsed: pl.DataFrame) -> pl.DataFrame:
    historical = load_historical_economies()
    hist_codes = set(historical["code"].to_list())
    current = set(reference.economies_frame()["iso3"].to_list()) - hist_codes
    code = (
        pl.col("country_name")
        .replace_strict(BGS_NAME_CODES, default=None)
        .fill_null(pl.col("country_code").replace(BGS_CODE_ALIASES))
    )
    out = parsed.with_columns(code.alias("economy")).with_columns(
        pl.when(pl.col("economy").is_in(hist_codes))
        .then(pl.lit("historical"))
        .when(pl.col("economy").is_in(current))
        .then(pl.lit("economy"))
        .alias("economy_kind")
    )
    refuse_rows(
        out,
        pl.col("economy_kind").is_null(),
        "country code is neither an economy nor a historical economy",
        "country_code",
    )
    return out


def clean_production_history(parsed: pl.DataFrame) -> pl.DataFrame:
    """``production_history`` from :func:`transforms.parsers.bgs.parse_bgs` (see module)."""
    mapped = parsed.join(_map_frame(), on="commodity", how="left")
    refuse_rows(
        mapped,
        pl.col("stage").is_null(),
        "BGS commodity not in transforms.cleaning.bgs.BGS_MAP",
        "commodity",
    )
    rows = mapped.filter(pl.col("stage") != _EXCLUDE)
    refuse_rows(
        rows,
        ~pl.col("units").is_in(list(BGS_UNIT_T)),
        f"unknown unit (known: {sorted(BGS_UNIT_T)})",
        "units",
    )
    rows = _economies(rows)
    metal = pl.col("units").str.contains("(metal content)", literal=True)
    return (
        rows.with_columns(
            pl.coalesce(
                pl.col("sub_commodity").str.to_lowercase(),
                pl.col("map_product"),
                pl.col("commodity"),
            ).alias("product"),
            (pl.col("quantity") * pl.col("units").replace_strict(BGS_UNIT_T)).alias("quantity_t"),
            pl.when(metal)
            .then(pl.lit("contained"))
            .otherwise(pl.col("unit_basis"))
            .alias("unit_basis"),
            pl.when(pl.col("sub_commodity").str.contains("Li content", literal=True))
            .then(pl.lit("Li content"))
            .otherwise(pl.col("basis_detail"))
            .alias("basis_detail"),
            pl.col("commodity").alias("bgs_commodity"),
            pl.col("sub_commodity").alias("bgs_sub_commodity"),
            pl.col("units").alias("bgs_units"),
            pl.lit(BGS_SOURCE).alias("source"),
        )
        .with_columns(
            # "(Li content)" sub-commodities are lithium content, the rest gross mineral weight.
            pl.when(pl.col("basis_detail") == "Li content")
            .then(pl.lit("contained"))
            .otherwise(pl.col("unit_basis"))
            .alias("unit_basis")
        )
        .select(list(PRODUCTION_HISTORY_SCHEMA))
        .cast(PRODUCTION_HISTORY_SCHEMA)
    )
