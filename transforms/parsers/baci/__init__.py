"""Read CEPII BACI bilateral trade files (HS92, release V202401b) into typed polars frames.

BACI publishes one CSV per year (``BACI_HS92_Y2022_V202401b.csv``, ~11M rows each) inside a
release zip (``BACI_HS92_V202401b.zip``) that also holds the country and product code tables
and a Readme. The project also keeps a gzipped extract of the critical-raw-material codes
(``BACI_HS92_V202401b_critical_subset.csv.gz``). All share BACI's layout ``t,i,j,k,v,q``:

    t year, i exporter and j importer (BACI country codes), k HS6 product,
    v value in thousand current USD, q quantity in metric tons (gross weight of the good).

Parquet copies of those tables (same six columns, typed or as text) are read too.

Output of :func:`scan_baci` / :func:`read_baci` / :func:`iter_baci`:

    year Int16, exporter_code Int32, importer_code Int32, hs6 Utf8 (6 chars, zero-padded),
    value_kusd Float64, quantity_t Float64 (null where BACI has no quantity), file Utf8.

Quirks handled: ``q`` published as ``NA`` (optionally space-padded) or blank -> null quantity;
codes and values padded with spaces; ``k`` that lost its leading zero (``10121`` -> ``010121``);
CRLF line ends; a UTF-8 byte-order mark before the header.

Checks (each failure names the file, the 1-based line and the column): the header; six fields
on every line; integer t/i/j, an HS6 code in k, numbers in v and q; v and q not negative and
not absurd (v above :data:`MAX_VALUE_KUSD`, q above :data:`MAX_QUANTITY_T`); one row per
t, i, j, k; and, when BACI's own code tables sit next to the trade table (same folder or same
release zip; see :func:`find_code_tables`), every i and j in the country table and every k in
the product table. With an ``hs6_filter`` only the rows the filter keeps are checked, so a
damaged row of another product never stops a run that does not use it.

The package, by job:

* :mod:`.layout` — the columns, schema, limits and shared records;
* :mod:`.sources` — files, folders and release zips to trade tables; header check; field
  count; raw lines and zip members as streams (no temporary folders: a caller that wants zip
  members on disk passes ``work_dir``);
* :mod:`.codes` — BACI's country and product code tables;
* :mod:`.checks` — the row checks, on text fields and as polars expressions;
* :mod:`.scan` — the fast path (a lazy, typed, guarded scan of one table);
* :mod:`.locate` — the second pass, which names the file, line and column of a bad value;
* :mod:`.read` — the public readers.

Measured on synthetic 11M-row years (``benchmarks/results/baci_ingest.md``, 2 cores): ~1 s a
year of CSV, ~0.3 s of Parquet, and ~0.4-0.6 GB RSS whatever the number of years, since
:func:`iter_baci` holds one file at a time. Correct files never pay for the second pass.
"""

from transforms.parsers.baci.codes import (
    find_code_tables,
    load_code_tables,
    parse_baci_country_codes,
    parse_baci_product_codes,
    repair_mojibake,
)
from transforms.parsers.baci.layout import (
    BACI_COLUMNS,
    BACI_SCHEMA,
    KEY_COLUMNS,
    MAX_QUANTITY_T,
    MAX_VALUE_KUSD,
    QUANTITY_MISSING,
    BaciCodeTables,
    BaciSource,
)
from transforms.parsers.baci.locate import baci_errors, find_baci_problem, find_duplicate_line
from transforms.parsers.baci.read import iter_baci, read_baci, scan_baci, sink_baci_parquet
from transforms.parsers.baci.sources import baci_sources, validate_baci_header

__all__ = [
    "BACI_COLUMNS",
    "BACI_SCHEMA",
    "KEY_COLUMNS",
    "MAX_QUANTITY_T",
    "MAX_VALUE_KUSD",
    "QUANTITY_MISSING",
    "BaciCodeTables",
    "BaciSource",
    "baci_errors",
    "baci_sources",
    "find_baci_problem",
    "find_code_tables",
    "find_duplicate_line",
    "iter_baci",
    "load_code_tables",
    "parse_baci_country_codes",
    "parse_baci_product_codes",
    "read_baci",
    "repair_mojibake",
    "scan_baci",
    "sink_baci_parquet",
    "validate_baci_header",
]
