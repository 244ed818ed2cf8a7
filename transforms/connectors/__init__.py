"""Live connectors: fetch the upstream sources afresh and publish them as new snapshot versions.

* :mod:`~transforms.connectors.http` — verified downloads (timeouts, retries with backoff,
  Retry-After, content-type and content checks, sha256/md5, size limits, atomic writes);
* :mod:`~transforms.connectors.raw` — the dated raw area ``data/raw/<source>/<YYYY-MM-DD>/``;
* :mod:`~transforms.connectors.usgs` — USGS MCS data releases from ScienceBase;
* :mod:`~transforms.connectors.baci` — CEPII BACI release zips, cut to the critical subset;
* :mod:`~transforms.connectors.comtrade` — the UN Comtrade API (key from ``COMTRADE_API_KEY``);
* :mod:`~transforms.connectors.refresh` — :func:`refresh_source` and :func:`ingest_incoming`:
  combine fresh and current upstream files, rebuild, keep the previous snapshot version.

Pure Python and polars: nothing here imports Dagster.
"""
