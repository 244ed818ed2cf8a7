"""Concentration across time: China's and the alliance's share of world supply, 1971-2040.

Two marts, both on the share formulas of :mod:`transforms.marts.concentration`
(``share_statistics``), one row per mineral × stage × year, each naming its source and stage:

* ``concentration_history`` — 1971 to the latest USGS year. BGS World Mineral Statistics
  (clean ``production_history``) for the years BGS covers (1971-2023), then the ``production``
  rows of the concentration mart (USGS first, by the declared source precedence) for the later
  years, and for every year of a mineral and stage BGS does not cover. BGS lists every
  producing economy (its world totals are the sums of its country figures), so its shares are
  of the sum of the listed economies. BGS publishes some minerals as several products on
  different bases (lithium as spodumene gross weight and as lithium content, rare earths as
  minerals and as oxides): sums never mix bases. Per mineral, stage and year the basis with the
  most producing economies is taken (ties: contained, then oxide, then gross weight), and
  ``product`` lists the products read. Within it an economy's figure is its largest product,
  so output published twice ("lithium minerals (li content)" and "spodumene (li content)") is
  not counted twice — which undercounts an economy producing two distinct products on that
  basis (Chile's lithium carbonate and chloride): the largest is kept. Platinum-group metals are
  the exception: an economy's figure is the sum of its elements (platinum, palladium, rhodium,
  ...) or the group total BGS prints for it, whichever is larger.
* ``concentration_outlook`` — the IEA Critical Minerals Data Explorer: its 2023 figures (clean
  ``production_iea``) and its base-case projections for 2030, 2035 and 2040 (clean ``outlook``),
  as shares of the IEA's own world total.

Pure polars; member lists (China, the alliance) are arguments.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from transforms.marts.concentration import share_statistics

KEY = ["mineral", "stage", "year"]
# The economy kinds whose figures enter numerators (historical economies: USSR, Yugoslavia...).
ECONOMY_KINDS = ("economy", "historical")
# Which basis a BGS year is read on when it lists several: the most economies, then this order.
BASIS_ORDER = ("contained", "oxide_equivalent", "gross_weight")
# Minerals whose BGS products are parts of one whole (summed per economy), and the product
# name of the group total BGS prints for some economies and years.
SUMMED_PRODUCTS = {"pgm": "platinum group metals, mine"}

# The share columns every row of both marts carries, after its key and provenance.
SHARE_COLUMNS = [
    "denominator",
    "total",
    "parts_total",
    "economies",
    "china_share",
    "alliance_share",
    "top1_code",
    "top1_share",
    "share_note",
]
HISTORY_COLUMNS = [*KEY, "source", "product", "unit_basis", *SHARE_COLUMNS]
OUTLOOK_COLUMNS = [*KEY, "scenario", "source", "product", "unit_basis", *SHARE_COLUMNS]


def _parts(rows: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    """The share-statistics parts of clean tables keyed by ``economy`` (BGS, IEA)."""
    return rows.filter(pl.col("economy") != "WORLD").select(
        *key,
        pl.col("economy").alias("code"),
        pl.col("economy_kind").is_in(ECONOMY_KINDS).alias("is_economy"),
        pl.col("quantity_t").alias("value"),
        pl.lit(None, pl.Utf8).alias("flag"),
    )


def _economy_figures(history: pl.DataFrame) -> pl.DataFrame:
    """One BGS figure per mineral, stage, year, economy and basis (see the module doc)."""
    key = [*KEY, "unit_basis", "economy", "economy_kind"]
    total_name = pl.col("mineral").replace_strict(SUMMED_PRODUCTS, default=None)
    summed = pl.col("mineral").is_in(list(SUMMED_PRODUCTS))
    is_total = pl.col("product") == total_name
    value = pl.col("quantity_t")
    return history.group_by(key).agg(
        pl.when(value.is_null().all())
        .then(None)
        .when(summed.first())
        .then(pl.max_horizontal(value.filter(~is_total).sum(), value.filter(is_total).max()))
        .otherwise(value.max())
        .alias("quantity_t"),
        pl.col("product").unique().sort().str.join("; ").alias("product"),
        pl.col("source").first(),
    )


def bgs_history(
    history: pl.DataFrame, *, china: Sequence[str], alliance: Sequence[str]
) -> pl.DataFrame:
    """China's and the alliance's shares per mineral, stage and year from BGS (one basis each)."""
    key = [*KEY, "unit_basis"]
    figures = _economy_figures(history)
    stats = share_statistics(_parts(figures, key), key, china=china, alliance=alliance)
    meta = figures.group_by(key).agg(
        pl.col("product").str.split("; ").list.explode().unique().sort().str.join("; "),
        pl.col("source").first(),
    )
    stats = stats.join(meta, on=key, how="left").with_columns(
        pl.col("unit_basis")
        .replace_strict(list(BASIS_ORDER), list(range(len(BASIS_ORDER))), default=9)
        .alias("_basis_rank")
    )
    # A BGS table that does not list China at all cannot say China's share (gallium before
    # 2011): not computable rather than 0.
    stats = stats.with_columns(
        pl.when(pl.col("china_listed")).then(pl.col("china_share")).alias("china_share")
    )
    chosen = (
        stats.filter(pl.col("denominator") != "no_figures")
        .sort([*KEY, "economies", "_basis_rank"], descending=[False, False, False, True, False])
        .unique(KEY, keep="first", maintain_order=True)
    )
    return chosen.select(HISTORY_COLUMNS)


def concentration_history(
    history: pl.DataFrame,
    production_concentration: pl.DataFrame,
    *,
    china: Sequence[str],
    alliance: Sequence[str],
) -> pl.DataFrame:
    """The ``concentration_history`` mart: BGS years, then the production concentration rows
    (``measure == 'production'`` of the concentration mart) for the later years and for the
    minerals and stages BGS does not cover. Sorted by mineral, stage and year."""
    bgs = bgs_history(history, china=china, alliance=alliance)
    last_bgs = bgs.group_by("mineral", "stage").agg(pl.col("year").max().alias("_last"))
    later = (
        production_concentration.filter(pl.col("measure") == "production")
        .join(last_bgs, on=["mineral", "stage"], how="left")
        .filter(pl.col("_last").is_null() | (pl.col("year") > pl.col("_last")))
        .with_columns(pl.lit(None, pl.Utf8).alias("product"))
        .select(HISTORY_COLUMNS)
    )
    return pl.concat([bgs, later], how="vertical_relaxed").sort(KEY)


def concentration_outlook(
    base: pl.DataFrame,
    outlook: pl.DataFrame,
    *,
    china: Sequence[str],
    alliance: Sequence[str],
) -> pl.DataFrame:
    """The ``concentration_outlook`` mart: IEA 2023 (``base``, clean ``production_iea``) and its
    base-case projections (``outlook``), shares of the IEA's world total, sorted by key."""
    rows = pl.concat([base, outlook.select(base.columns)], how="vertical_relaxed")
    world = rows.filter(pl.col("economy") == "WORLD").select(
        *KEY, pl.col("quantity_t").alias("world_total")
    )
    stats = share_statistics(
        _parts(rows, KEY), KEY, china=china, alliance=alliance, world_totals=world
    )
    meta = rows.group_by(KEY).agg(
        pl.col("scenario").first(),
        pl.col("source").first(),
        pl.col("product").first(),
        pl.col("unit_basis").first(),
    )
    return (
        stats.join(meta, on=KEY, how="left")
        .with_columns(pl.col("year").cast(pl.Int16))
        .select(OUTLOOK_COLUMNS)
        .sort(KEY)
    )


# Platinum-group metals are one registry mineral (USGS prints them as one chapter), but
# platinum and palladium are different markets: Russia leads palladium, South Africa platinum.
ELEMENTS = {"pgm": ("platinum", "palladium")}
ELEMENT_KEY = ["mineral", "element", "stage", "year"]
ELEMENT_COLUMNS = [
    "mineral",
    "element",
    "stage",
    "year",
    "source",
    "unit_basis",
    "denominator",
    "total",
    "economies",
    "china_share",
    "alliance_share",
    "top1_code",
    "top1_share",
]


def concentration_by_element(
    history: pl.DataFrame,
    wmd: pl.DataFrame,
    *,
    china: Sequence[str],
    alliance: Sequence[str],
) -> pl.DataFrame:
    """The ``concentration_by_element`` mart: China's, the alliance's and the top producer's
    share of world mine production of each element of a group mineral (platinum, palladium of
    the platinum-group metals), from BGS (products ``platinum``, ``palladium``; 1971-2023),
    then World Mining Data (``wmd_commodity``) for the later years. Both list every producer,
    so shares are of the sum of the listed economies."""
    pairs = [(m, e) for m, elements in ELEMENTS.items() for e in elements]
    bgs = history.filter(
        pl.struct(mineral="mineral", element="product").is_in(
            [{"mineral": m, "element": e} for m, e in pairs]
        )
    ).with_columns(pl.col("product").alias("element"))
    bgs_last = bgs.group_by("mineral", "element").agg(pl.col("year").max().alias("_last"))
    later = (
        wmd.with_columns(pl.col("wmd_commodity").str.to_lowercase().alias("element"))
        .filter(
            pl.struct("mineral", "element").is_in([{"mineral": m, "element": e} for m, e in pairs])
        )
        .join(bgs_last, on=["mineral", "element"], how="left")
        .filter(pl.col("_last").is_null() | (pl.col("year") > pl.col("_last")))
        .select(
            "mineral",
            "element",
            "stage",
            pl.col("country_code").alias("economy"),
            pl.lit("economy").alias("economy_kind"),
            "year",
            pl.col("production_t").alias("quantity_t"),
            "unit_basis",
            "source",
        )
    )
    rows = pl.concat([bgs.select(later.columns), later], how="vertical_relaxed").with_columns(
        pl.col("year").cast(pl.Int16)
    )
    stats = share_statistics(_parts(rows, ELEMENT_KEY), ELEMENT_KEY, china=china, alliance=alliance)
    meta = rows.group_by(ELEMENT_KEY).agg(pl.col("source").first(), pl.col("unit_basis").first())
    return (
        stats.join(meta, on=ELEMENT_KEY, how="left")
        .with_columns(
            # A source that does not list China cannot say its share is 0 (see bgs_history).
            pl.when(pl.col("china_listed")).then(pl.col("china_share")).alias("china_share")
        )
        .select(ELEMENT_COLUMNS)
        .sort(ELEMENT_KEY)
    )
