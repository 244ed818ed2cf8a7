"""Which marts the site carries, and what it says about them.

``SITE_MARTS`` is the one list of the marts the site uses: every mart of the table registry
(``transforms.metadata.MART_TABLES``). The
site's Dagster asset takes each as an asset input, so a mart added to the registry reaches the
downloads and the pages (as a generic table until a section is registered) with no change here.

A mart is computed by the module of ``transforms.marts`` that defines the function named after
it (``mart_modules``); the Methodology page reproduces those modules' docstrings, and no others
(table metadata and curated policy data live in the package too, but compute no mart).
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from transforms.metadata import MART_TABLES

SITE_MARTS: tuple[str, ...] = tuple(sorted(MART_TABLES))


def _defines(module: ModuleType, name: str) -> bool:
    function = getattr(module, name, None)
    return callable(function) and getattr(function, "__module__", None) == module.__name__


def mart_modules(marts: list[str]) -> list[ModuleType]:
    """The ``transforms.marts`` modules that compute one of ``marts``, in name order."""
    import transforms.marts as package

    modules = [
        importlib.import_module(f"transforms.marts.{info.name}")
        for info in pkgutil.iter_modules(package.__path__)
    ]
    return [m for m in modules if any(_defines(m, name) for name in marts)]
