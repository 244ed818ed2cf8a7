"""Tests of the OECD export-restrictions inventory parser, ``export_restrictions`` and its
cross-check against data/reference/policy/export_controls.yaml, on the real file.

Read off the file: line 2 is the 20 % antimony export tax of "Annoucement No.10, 2023 of OCTC"
on 261710 and 811020; line 4 the antimony licensing of Announcement No.65, 2023 (no rate);
VAT-rebate rows cite "Gazette No.57. 2010" or "No.260, 2024".
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from tests._helpers import derived_fixture, upstream_fixture
from transforms.cleaning.oecd import clean_export_restrictions, cross_check_export_controls
from transforms.errors import UpstreamFormatError
from transforms.parsers.oecd import OECD_FILE, OECD_HEADER, OECD_SCHEMA, parse_oecd_inventory
from transforms.policy_frames import export_controls_frame

parsed = upstream_fixture(parse_oecd_inventory, "oecd-export-restrictions", OECD_FILE)


restrictions = derived_fixture(clean_export_restrictions, "parsed")


@pytest.mark.upstream
def test_shape_and_export_tax_row(parsed: pl.DataFrame) -> None:
    assert parsed.schema == pl.Schema(OECD_SCHEMA)
    assert parsed.height == 38
    tax = parsed.filter(line=2).row(0, named=True)
    assert (tax["measure_type"], tax["rate"], tax["rate_unit"]) == ("Export tax", 20.0, "%")
    assert tax["hs6_lines"] == ["261710", "811020"]
    assert (tax["introduced"], tax["ends"], tax["temporary"]) == (
        dt.date(2024, 1, 1),
        dt.date(2024, 12, 31),
        True,
    )


@pytest.mark.upstream
def test_document_numbers_despite_spelling(parsed: pl.DataFrame) -> None:
    tax = parsed.filter(line=2).row(0, named=True)
    assert tax["document"].startswith("Annoucement")  # OECD's spelling
    assert (tax["document_number"], tax["document_year"]) == (10, 2023)
    numbers = set(
        parsed.filter(measure_code="M9").select("document_number", "document_year").iter_rows()
    )
    assert numbers == {(57, 2010), (260, 2024)}  # "Gazette No.57. 2010", "No.260, 2024"
    assert parsed["document_number"].null_count() == 0


@pytest.mark.upstream
def test_licensing_has_no_rate_and_quoted_conditions_stay_whole(parsed: pl.DataFrame) -> None:
    licensing = parsed.filter(measure_code="M6")
    assert licensing.height == 16
    assert licensing["rate"].null_count() == 16
    conditions = parsed.filter(resource="bauxite", measure_code="M1")["condition"].to_list()
    assert all(c and "," in c for c in conditions)


@pytest.mark.upstream
def test_minerals_mapped_to_registry(restrictions: pl.DataFrame) -> None:
    minerals = dict(restrictions.select("resource", "mineral").unique().iter_rows())
    assert minerals["pgms"] == "pgm" and minerals["bauxite"] == "aluminium"
    assert minerals["coal"] is None and minerals["silver"] is None


@pytest.mark.upstream
def test_cross_check_with_export_controls_yaml(restrictions: pl.DataFrame) -> None:
    check = cross_check_export_controls(restrictions, export_controls_frame())
    status = {(r["number"], r["number_year"]): r["status"] for r in check.iter_rows(named=True)}
    assert status[(23, 2023)] == status[(39, 2023)] == status[(33, 2024)] == "matched"
    assert status[(65, 2023)] == "oecd_only"  # China's annual licence catalogue: not in the YAML
    assert status[(46, 2024)] == "yaml_only"  # the December 2024 ban on exports to the US
    after = check.filter(status="yaml_only_after_data_year")
    assert set(after["number_year"]) == {2025}
    gallium = check.filter(number=23).row(0, named=True)
    assert gallium["minerals_only_in_yaml"] == ["germanium"]  # OECD files No.23 under gallium only


# One valid row of the inventory, as the file writes it (columns in OECD_HEADER order).
_VALID_ROW = "2024,cn,tin,M1,Export tax,20,%,,2024-01-01,2024-12-31,true,\"Announcement No.1, 2024\",https://example.org/a,,,800110;800120"


def _write(tmp_path: Path, **changes: str) -> Path:
    cells = dict(zip(OECD_HEADER, next(csv.reader([_VALID_ROW])), strict=True))
    cells.update(changes)
    path = tmp_path / OECD_FILE
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows([OECD_HEADER, [cells[h] for h in OECD_HEADER]])
    return path


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"introduced": "01/01/2024"}, "introduced"),
        ({"value": "twenty"}, "value"),
        ({"valueUnit": ""}, "valueUnit"),
        ({"hs6_lines": "8001;800120"}, "hs6_lines"),
        ({"temporary": "yes"}, "temporary"),
        ({"link": "gov.cn/x"}, "link"),
    ],
)
def test_malformed_cells_are_refused(tmp_path: Path, change: dict[str, str], column: str) -> None:
    assert parse_oecd_inventory(_write(tmp_path)).height == 1
    with pytest.raises(UpstreamFormatError) as info:
        parse_oecd_inventory(_write(tmp_path, **change))
    assert (info.value.line, info.value.column) == (2, column)
