"""Load the gauntlet's cases from ``cases.yaml`` (validated: a typo in a case fails loudly)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from tests.gauntlet.corrupt import Broken, make

CASES_FILE = Path(__file__).with_name("cases.yaml")


class _CaseSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    corruption: str
    target: str
    break_: dict[str, Any] = Field(alias="break")
    message: str
    layer: Literal["snapshot", "build"] = "snapshot"
    check: str | None = None
    needs_line: bool = True
    reported_file: str | None = None

    @model_validator(mode="after")
    def _build_cases_name_their_check(self) -> _CaseSpec:
        if (self.layer == "build") != (self.check is not None):
            raise ValueError("a build-layer case names its failing check; a snapshot case none")
        return self


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    files: dict[str, str]
    minimal: list[str]
    rows: dict[str, int]
    cases: list[_CaseSpec]


@dataclass(frozen=True)
class Case:
    """One corruption of one upstream file, and the outcome the project promises for it."""

    id: str
    corruption: str
    target: str
    """The broken file, relative to the upstream folder."""
    make: Callable[[bytes], Broken]
    message: str
    """A regular expression the user-facing error must match."""
    layer: str = "snapshot"
    """Where it is caught: "snapshot" (the parser; nothing is rebuilt) or "build" (the snapshot
    keeps the rows as published; the clean layer's blocking check fails the build)."""
    check: str | None = None
    """For build cases: the failing check, as printed by ``briefing build``."""
    needs_line: bool = True
    """False where a line makes no sense (a binary file, an empty file)."""
    reported_file: str | None = None
    """The file the message names, when it is not the broken one (WGI's three files are
    checked against each other, so a code changed in one is reported in the next)."""


@cache
def _load() -> _File:
    try:
        return _File.model_validate(yaml.safe_load(CASES_FILE.read_text(encoding="utf-8")))
    except Exception as exc:  # name the file: the traceback alone points at pydantic
        raise ValueError(f"{CASES_FILE}: {exc}") from exc


def minimal_files() -> tuple[str, ...]:
    """What a snapshot needs, kept small so that every case runs in about a second."""
    return tuple(_load().minimal)


def cases() -> list[Case]:
    """Every case of the gauntlet, in the order of the results table."""
    data = _load()
    return [
        Case(
            id=spec.id,
            corruption=spec.corruption,
            target=data.files[spec.target],
            make=make(spec.break_, data.rows),
            message=spec.message,
            layer=spec.layer,
            check=spec.check,
            needs_line=spec.needs_line,
            reported_file=spec.reported_file,
        )
        for spec in data.cases
    ]


def case_by_id(case_id: str) -> Case:
    return next(c for c in cases() if c.id == case_id)
