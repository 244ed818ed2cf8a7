"""Reading a reference file and validating it against its pydantic model.

Every problem with a curated file — not parseable, an unknown key, a wrong type, a broken rule —
becomes one :class:`ReferenceDataError` whose message names the file and the key path of the
offending value in the file, e.g. ``minerals.yaml: minerals[12].hs.refined[0]: ...``, so the
curator can go straight to the line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import polars as pl
import pydantic
import yaml

ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "data" / "reference"


class ReferenceDataError(ValueError):
    """A reference table is malformed; the message names the file and the key path."""

    def __init__(self, file: str, entry: str, message: str) -> None:
        self.file = file
        self.entry = entry
        super().__init__(f"{file}: {entry}: {message}")


def key_path(loc: Sequence[int | str]) -> str:
    """A pydantic error location as a key path: ``("minerals", 12, "hs", "ore", 0)`` ->
    ``minerals[12].hs.ore[0]``; keys that are not plain names are quoted (``types['Mine, Sb']``)."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.replace("-", "_").isidentifier():
            path += f".{part}" if path else part
        else:
            path += f"[{part!r}]"
    return path or "file"


def _message(error: Mapping[str, Any]) -> str:
    # Validators raise ValueError; pydantic prefixes their text with "Value error, ".
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] in ("value_error", "extra_forbidden", "missing"):
        return message
    value = repr(error.get("input"))
    return f"{message} (got {value[:80]})"


def validate(
    model: type[ModelT], data: Any, file: str, context: Mapping[str, Any] | None = None
) -> ModelT:
    """``data`` as ``model``; the first validation error becomes a :class:`ReferenceDataError`."""
    try:
        return model.model_validate(data, context=context)
    except pydantic.ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise ReferenceDataError(file, key_path(first["loc"]), _message(first)) from None


def read_yaml(path: Path) -> dict[str, Any]:
    """A YAML file's top-level mapping."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ReferenceDataError(path.name, "file", f"not found in {path.parent}") from exc
    except yaml.YAMLError as exc:
        raise ReferenceDataError(path.name, "file", f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ReferenceDataError(path.name, "file", "top level must be a mapping")
    return data


def load_yaml(model: type[ModelT], path: Path, context: Mapping[str, Any] | None = None) -> ModelT:
    """Read ``path`` and validate it as ``model``."""
    return validate(model, read_yaml(path), path.name, context)


def validate_rows(model: type[ModelT], frame: pl.DataFrame, file: str) -> list[ModelT]:
    """Each row of a CSV file as ``model``; an error names the line (the header is line 1)."""
    rows = []
    for line, row in enumerate(frame.iter_rows(named=True), start=2):
        try:
            rows.append(model.model_validate(row))
        except pydantic.ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = f"line {line}" + (f".{key_path(first['loc'])}" if first["loc"] else "")
            raise ReferenceDataError(file, where, _message(first)) from None
    return rows


def read_csv(path: Path, columns: list[str]) -> pl.DataFrame:
    """A CSV file as text columns, refused unless its header is exactly ``columns``."""
    try:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8")
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        raise ReferenceDataError(path.name, "file", f"cannot be read as CSV: {exc}") from exc
    if frame.columns != columns:
        raise ReferenceDataError(
            path.name, "header", f"columns {frame.columns} (expected {columns})"
        )
    return frame


def reference_folder(folder: Path | str | None) -> Path:
    """The reference folder to read: ``folder``, or the repository's ``data/reference``."""
    return REFERENCE_DIR if folder is None else Path(folder).resolve()
