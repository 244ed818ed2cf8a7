"""A Dagster logger that prints one line per finished asset and check, for the CLI build."""

from __future__ import annotations

import logging
import sys

import dagster as dg


class _ProgressHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        if event is None:
            return
        kind = event.event_type_value
        data = event.event_specific_data
        if kind == "ASSET_MATERIALIZATION":
            mat = data.materialization
            if mat.partition is not None:
                # The CLI's runs take every year; the whole table's event is printed, not each year's.
                return
            rows = mat.metadata.get("dagster/row_count")
            count = f"{rows.value:>10,} rows" if rows is not None else ""
            print(f"  built    {mat.asset_key.to_user_string():<40} {count}", file=sys.stdout, flush=True)
        elif kind == "ASSET_CHECK_EVALUATION":
            status = "passed" if data.passed else f"FAILED ({data.severity.value.lower()})"
            name = f"{data.asset_key.to_user_string()}:{data.check_name}"
            print(f"  check    {name:<40} {status}", file=sys.stdout, flush=True)
            if not data.passed and data.description:
                for line in data.description.splitlines():
                    print(f"             {line}", file=sys.stdout, flush=True)
        elif kind == "STEP_FAILURE":
            err = data.error
            message = err.message.strip() if err is not None else "unknown error"
            if err is not None and err.cause is not None:
                message = err.cause.message.strip()
            print(f"  FAILED   {event.step_key}: {message}", file=sys.stdout, flush=True)
        elif kind == "STEP_SKIPPED":
            print(f"  skipped  {event.step_key} (upstream failed or a blocking check failed)", flush=True)


@dg.logger(description="One line per materialised asset, check result and failure.")
def progress_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    log = logging.getLogger("briefing.progress")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    if not any(isinstance(h, _ProgressHandler) for h in log.handlers):
        log.addHandler(_ProgressHandler())
    return log
