"""The sections of a downstream product's page (``transforms.site.pages.mineral_downstream``):
the labelled production proxy and U.S. imports by partner, computed from small clean frames.

The sections read only the registry entry, the clean tables, China's codes and economy names
from the site figures, so a namespace with those stands in for a full build here; the real
build's page is checked against the upstream Comtrade file by the slow test at the end.
"""

from __future__ import annotations

import csv
from types import SimpleNamespace

import polars as pl
import pytest

from transforms.site.model import PageContext
from transforms.site.pages.mineral_downstream import production_proxy, us_product_imports

MAGNETS = {
    "slug": "permanent-magnets",
    "name": "Permanent magnets (NdFeB)",
    "downstream_of": "rare-earths",
    "product_hs6": ["850511"],
    "production_proxy": {
        "source": "iea",
        "of_mineral": "rare-earths",
        "stage": "refinery",
        "label": "the IEA's refining of magnet rare earth elements (Nd, Pr, Tb, Dy)",
    },
}
GALLIUM = {"slug": "gallium", "name": "Gallium"}


def _iea() -> pl.DataFrame:
    rows = [
        ("rare-earths", "refinery", "CHN", 70_300.0),
        ("rare-earths", "refinery", "MYS", 4_000.0),
        ("rare-earths", "refinery", "OTHER", 2_000.0),
        ("rare-earths", "refinery", "WORLD", 76_300.0),
        ("rare-earths", "mine", "CHN", 1.0),  # another stage: not the proxy
        ("rare-earths", "mine", "WORLD", 2.0),
    ]
    frame = pl.DataFrame(rows, schema=["mineral", "stage", "economy", "quantity_t"], orient="row")
    return frame.with_columns(
        pl.lit(2023).alias("year"), pl.lit("Nd, Pr, Tb, Dy (IEA note)").alias("basis_detail")
    )


def _imports() -> pl.DataFrame:
    rows = [
        (2024, "CHN", 900.0),
        (2024, "JPN", 100.0),
        (2025, "CHN", 296_548_288.0),
        (2025, "JPN", 24_766_704.0),
        (2025, "DEU", 16_840_511.0),
        (2025, "HKG", 1_000_000.0),
    ]
    frame = pl.DataFrame(rows, schema=["year", "partner", "value_usd"], orient="row")
    return frame.with_columns(pl.lit("850511").alias("hs6"))


def _site(**clean: pl.DataFrame) -> SimpleNamespace:
    return SimpleNamespace(
        minerals_by_slug={"permanent-magnets": MAGNETS, "gallium": GALLIUM},
        data=SimpleNamespace(clean=clean),
        china=["CHN"],
        names={
            "CHN": "China",
            "JPN": "Japan",
            "DEU": "Germany",
            "HKG": "Hong Kong",
            "MYS": "Malaysia",
        },
    )


def _ctx(key: str) -> PageContext:
    return PageContext("mineral", key, {}, {}, alliance=[], china=["CHN"], eu27=[])


def test_proxy_states_china_of_world_labelled_as_a_proxy_with_its_source() -> None:
    section = production_proxy(_site(production_iea=_iea()), _ctx("permanent-magnets"))
    text = str(section.paragraphs[0])
    assert text.startswith("No source publishes world production of permanent magnets (NdFeB)")
    assert (
        "as a proxy, the IEA's refining of magnet rare earth elements (Nd, Pr, Tb, Dy), 2023"
        in text
    )
    assert "China 70,300 of 76,300 t (92.1%)" in text
    assert section.source.startswith("IEA Critical Minerals Data Explorer 2024 (proxy:")
    assert "Rest of world" in section.table and "| Malaysia | 4,000 | 5.2% |" in section.table
    assert "WORLD" not in section.table


def test_us_imports_latest_year_total_china_share_and_named_partners() -> None:
    section = us_product_imports(_site(magnet_imports=_imports()), _ctx("permanent-magnets"))
    total = 296_548_288 + 24_766_704 + 16_840_511 + 1_000_000
    assert section.title == "U.S. imports (HS 850511), 2025"
    assert section.source == "UN Comtrade (U.S. as reporter)"
    text = str(section.paragraphs[0])
    assert "$339 million" in text and f"{total:,}" not in text
    assert f"China supplied **{296_548_288 / total:.1%}**" in text  # 87.5%, not 2024's 90%
    lines = section.table.splitlines()
    assert lines[0].split("|")[1].strip() == "Partner"
    assert lines[2].startswith("| China | 296,548,288 |")
    assert lines[-1].startswith("| Hong Kong | 1,000,000 |")  # names, not codes
    assert "U.S. imports only" in section.notes[0]


def test_sections_stay_silent_on_a_mineral_and_without_their_table() -> None:
    site = _site(production_iea=_iea(), magnet_imports=_imports())
    assert production_proxy(site, _ctx("gallium")) is None
    assert us_product_imports(site, _ctx("gallium")) is None
    assert production_proxy(_site(), _ctx("permanent-magnets")) is None
    assert us_product_imports(_site(), _ctx("permanent-magnets")) is None


@pytest.mark.slow
@pytest.mark.upstream
def test_built_magnets_page_matches_the_upstream_comtrade_file(session_build, upstream_dir) -> None:
    assert session_build.returncode == 0, session_build.stderr
    page = (session_build.root / "docs" / "minerals" / "permanent-magnets.md").read_text()
    with (upstream_dir / "trade-extra" / "us_imports_850511_by_partner_2018_2025.csv").open() as f:
        rows = list(csv.DictReader(f))
    latest = max(int(r["year"]) for r in rows)
    year = [r for r in rows if int(r["year"]) == latest]
    total = sum(float(r["import_value_usd"]) for r in year)
    china = sum(float(r["import_value_usd"]) for r in year if r["partner_iso3"] == "CHN")
    assert f"U.S. imports (HS 850511), {latest}" in page
    assert f"China supplied **{china / total:.1%}**" in page
    assert f"| China | {china:,.0f} |" in page
    assert "China 70,300 of 76,300 t (92.1%)" in page
