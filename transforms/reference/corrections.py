"""Known upstream errors and accepted discrepancies (``corrections.yaml``), loaded and checked.

Applying them to frames is :mod:`transforms.corrections`.
"""

from __future__ import annotations

import functools
from pathlib import Path

from transforms.reference.files import REFERENCE_DIR, load_yaml
from transforms.reference.models import AcceptedDiscrepancy, CorrectionsFile, RowCorrection

CORRECTIONS_FILE = REFERENCE_DIR / "corrections.yaml"


@functools.cache
def load_corrections(path: Path = CORRECTIONS_FILE) -> CorrectionsFile:
    """The checked corrections file."""
    return load_yaml(CorrectionsFile, Path(path))


def row_corrections(table: str, path: Path = CORRECTIONS_FILE) -> list[RowCorrection]:
    """The row fixes listed for snapshot table ``table``, in file order."""
    return [fix for fix in load_corrections(Path(path)).rows if fix.table == table]


def accepted(check: str, path: Path = CORRECTIONS_FILE) -> list[AcceptedDiscrepancy]:
    """The discrepancies accepted for check ``check``, in file order."""
    return [entry for entry in load_corrections(Path(path)).accepted if entry.check == check]
