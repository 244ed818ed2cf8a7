"""Upstream IO: fetch the sources afresh and publish them as new snapshot versions.

* :mod:`~orchestration.upstream.http` — verified downloads (timeouts, content-type and content
  checks, sha256/md5, size limits, atomic writes) over urllib3;
* :mod:`~orchestration.upstream.retry` — the retry policy (backoff, Retry-After) as a urllib3
  ``Retry``;
* :mod:`~orchestration.upstream.raw` — the dated raw area ``data/raw/<source>/<YYYY-MM-DD>/``;
* :mod:`~orchestration.upstream.usgs` — USGS MCS data releases from ScienceBase;
* :mod:`~orchestration.upstream.baci` — CEPII BACI release zips, cut to the critical subset;
* :mod:`~orchestration.upstream.comtrade` — the UN Comtrade API (key from ``COMTRADE_API_KEY``);
* :mod:`~orchestration.upstream.connectors` — which connector serves which source, and its
  settings;
* :mod:`~orchestration.upstream.combine` — the current snapshot's upstream files, and fresh
  files put in their place;
* :mod:`~orchestration.upstream.versions` — the snapshot version store and its lock;
* :mod:`~orchestration.upstream.refresh` — :func:`refresh_source` and :func:`ingest_incoming`:
  the refresh steps, from download to a new snapshot version.

Nothing here imports Dagster: the CLI and the automation layer call it.
"""
