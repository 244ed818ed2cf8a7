"""Deterministic BACI-shaped input at full scale: one CSV (and one Parquet) per year.

The files look like CEPII's official per-year release files (``BACI_HS92_Y2019_V202401b.csv``,
header ``t,i,j,k,v,q``) and are statistically shaped like them:

* ~11 million rows a year (BACI HS92 has 10-12 million), one per exporter x importer x product,
  unique keys, sorted by exporter, importer and product as BACI ships them;
* ~200 economies with BACI's real country codes (``country_codes_V202401b.csv``), sized by a
  log-normal weight so a few economies trade most products with most partners;
* ~5,000 HS6 codes, BACI's real HS92 product list, with a Zipf-like skew of how many flows each
  has; the registry's critical-mineral codes keep the share of rows they have in the real
  release (about 0.4%: ~45,000 rows a year; the real 2022 extract of 74 codes has 53,000);
* values ``v`` in thousand USD, log-normal (median ~12 kUSD, a long tail up to billions);
  quantities ``q`` from a per-product unit value with noise; ~5% of ``q`` blank, as BACI leaves
  quantities it cannot estimate.

Everything is drawn from numpy's PCG64 with a seed derived from the year, so the same command
writes the same bytes. The Parquet twin holds the same rows typed (t Int16, i/j Int32, k text,
v/q Float64) for the peers that read Parquet.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import polars as pl

from transforms import reference

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_UPSTREAM = (REPO_ROOT / ".." / "shared" / "data").resolve()
FIRST_YEAR = 2013
# Economies that must be present and among the large traders, whatever the draw: the briefing's
# own subjects (China, the allies) and the big mining exporters.
ANCHOR_ECONOMIES = (
    156,
    842,
    276,
    392,
    251,
    381,
    826,
    124,
    36,
    410,
    699,
    76,
    643,
    710,
    152,
    32,
    180,
    360,
)


@dataclass(frozen=True)
class Spec:
    """What to generate; recorded next to the files so a cached set is reused only if it matches."""

    rows_per_year: int = 11_000_000
    economies: int = 200
    products: int = 5_000
    critical_share: float = 0.003
    blank_q_share: float = 0.05
    seed: int = 20240101
    version: int = 1


def _codes(upstream: Path | None) -> tuple[np.ndarray, list[str]]:
    """BACI's country codes and HS92 product codes: from the upstream files, else the reference."""
    countries: np.ndarray | None = None
    products: list[str] | None = None
    if upstream is not None:
        cfile = upstream / "baci-hs92" / "country_codes_V202401b.csv"
        pfile = upstream / "baci-hs92" / "product_codes_HS92_V202401b.csv"
        if cfile.exists():
            countries = pl.read_csv(cfile, columns=["country_code"])["country_code"].to_numpy()
        if pfile.exists():
            products = pl.read_csv(pfile, columns=["code"], schema_overrides={"code": pl.Utf8})[
                "code"
            ].to_list()
    if countries is None:
        # The harmonisation table lists every BACI code of the release, so it can stand in.
        names = reference.country_names_frame().filter(pl.col("source") == "baci")
        countries = names["name"].cast(pl.Int32).to_numpy()
    if products is None:
        rng = np.random.default_rng(7)
        registry = set(reference.hs_map_frame()["hs6"].to_list())
        pool = sorted({f"{c:06d}" for c in rng.integers(10_000, 970_000, 6_000)} - registry)
        products = sorted(registry | set(pool[: 5_022 - len(registry)]))
    return np.unique(countries), sorted(set(products))


def _universe(spec: Spec, upstream: Path | None) -> dict[str, np.ndarray]:
    """Economies and products with their weights; the same for every year."""
    rng = np.random.default_rng(spec.seed)
    countries, products = _codes(upstream)
    anchors = [c for c in ANCHOR_ECONOMIES if c in set(countries.tolist())]
    others = rng.permutation([c for c in countries if c not in anchors])
    econ = np.array(anchors + list(others[: spec.economies - len(anchors)]), dtype=np.int32)
    # Log-normal trade size; anchors take the largest draws so China, the US and Germany lead.
    size = np.sort(rng.lognormal(0.0, 1.3, econ.size))[::-1]
    size[len(anchors) :] = rng.permutation(size[len(anchors) :])

    registry = sorted(set(reference.hs_map_frame()["hs6"].to_list()) & set(products))
    rest = [p for p in products if p not in set(registry)]
    rest = list(rng.permutation(rest)[: spec.products - len(registry)])
    prod = np.array(registry + rest)
    # Zipf-like popularity over the other products; the registry's codes share critical_share.
    pop = np.zeros(prod.size)
    ranks = rng.permutation(len(rest)) + 1
    pop[len(registry) :] = 1.0 / ranks**0.9
    pop[len(registry) :] *= (1 - spec.critical_share) / pop[len(registry) :].sum()
    crit = rng.lognormal(0.0, 1.0, len(registry))
    pop[: len(registry)] = spec.critical_share * crit / crit.sum()
    # Unit value (thousand USD per tonne) per product: ores cheap, refined metals dear.
    unit_value = rng.lognormal(0.5, 1.6, prod.size)
    order = np.argsort(prod)
    return {
        "econ": econ,
        "size": size,
        "prod": prod[order],
        "pop": pop[order],
        "unit_value": unit_value[order],
    }


def generate_year(spec: Spec, year: int, universe: dict[str, np.ndarray]) -> pl.DataFrame:
    """One year of BACI-shaped rows (t, i, j, k, v, q), sorted by i, j, k; keys unique."""
    rng = np.random.default_rng([spec.seed, year])
    econ, size = universe["econ"], universe["size"]
    n_e, n_p = econ.size, universe["prod"].size
    partners = n_e - 1
    # Expected rows per (exporter, product) cell; capped at the number of partners, so scale up
    # once to make up for what the cap removes.
    weight = np.outer(size / size.sum(), universe["pop"] * rng.lognormal(0, 0.2, n_p))
    lam = weight * spec.rows_per_year
    for _ in range(3):
        lam *= spec.rows_per_year / np.minimum(lam, partners).sum()
    lam = np.minimum(lam, partners)
    counts = np.floor(lam + rng.random(lam.shape)).astype(np.int64).ravel()
    total = int(counts.sum())
    cell = np.repeat(np.arange(counts.size), counts)
    starts = np.cumsum(counts) - counts
    rank = np.arange(total) - np.repeat(starts, counts)
    exporter = cell // n_p
    product = cell % n_p
    # Importers of a cell are a run of partners in size order from a skewed start, which keeps
    # keys unique and sends most flows to the large economies.
    offset = np.floor(partners * rng.random(counts.size) ** 2).astype(np.int64)
    slot = (np.repeat(offset, counts) + rank) % partners
    importer = slot + (slot >= exporter)
    value = np.round(rng.lognormal(2.5, 2.3, total), 3)
    value = np.maximum(value, 0.001)
    qty = np.round(value / (universe["unit_value"][product] * rng.lognormal(0, 0.5, total)), 3)
    qty_null = rng.random(total) < spec.blank_q_share
    frame = pl.DataFrame(
        {
            "t": pl.Series(np.full(total, year, dtype=np.int16)),
            "i": pl.Series(econ[exporter]),
            "j": pl.Series(econ[importer]),
            "k": pl.Series(universe["prod"]).gather(product),
            "v": pl.Series(value),
            "q": pl.Series(np.where(qty_null, np.nan, qty)).fill_nan(None),
        }
    )
    return frame.sort("i", "j", "k")


def _file_stem(year: int) -> str:
    return f"BACI_HS92_Y{year}_V202401b"


def generate(
    workdir: Path,
    years: int,
    spec: Spec | None = None,
    *,
    upstream: Path | None = DEFAULT_UPSTREAM,
    formats: tuple[str, ...] = ("csv", "parquet"),
    say=print,
) -> dict[str, list[Path]]:
    """Write ``years`` yearly files per format under ``workdir/<format>/``; reuse a matching set.

    Returns the paths per format, oldest year first.
    """
    spec = spec or Spec()
    workdir = Path(workdir)
    upstream = upstream if upstream is not None and upstream.is_dir() else None
    stamp = workdir / "spec.json"
    wanted = {**asdict(spec), "upstream_codes": upstream is not None}
    if stamp.exists() and json.loads(stamp.read_text()) != wanted:
        say(f"spec changed: regenerating in {workdir}")
        for fmt in ("csv", "parquet"):
            for old in (workdir / fmt).glob("BACI_*"):
                old.unlink()
    for fmt in formats:
        (workdir / fmt).mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps(wanted))
    universe: dict[str, np.ndarray] | None = None
    out: dict[str, list[Path]] = {fmt: [] for fmt in formats}
    for year in range(FIRST_YEAR, FIRST_YEAR + years):
        paths = {fmt: workdir / fmt / f"{_file_stem(year)}.{fmt}" for fmt in formats}
        for fmt, path in paths.items():
            out[fmt].append(path)
        if all(p.exists() for p in paths.values()):
            continue
        universe = universe if universe is not None else _universe(spec, upstream)
        frame = generate_year(spec, year, universe)
        for fmt, path in paths.items():
            tmp = path.with_name(path.name + ".tmp")
            if fmt == "csv":
                frame.write_csv(tmp, float_precision=3)
            else:
                frame.write_parquet(tmp, compression="zstd", row_group_size=1_000_000)
            os.replace(tmp, path)
        say(f"generated {year}: {frame.height:,} rows")
    return out
