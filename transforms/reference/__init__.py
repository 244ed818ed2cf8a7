"""Curated reference data: the mineral registry, economies and country names, groups, source
origin records, corrections, mineral uses and the policy files (``data/reference``).

The files are data, curated by hand with a source for each fact. Each is validated by a
pydantic model (:mod:`transforms.reference.models`, :mod:`transforms.reference.policy_models`)
and by the cross-entry rules of its loader; any problem raises :class:`ReferenceDataError`, a
``ValueError`` whose message names the file and the key path. One loader module per job:

- :mod:`~transforms.reference.minerals`: the mineral registry and its mappings as frames;
- :mod:`~transforms.reference.countries`: economies and country-name harmonisation;
- :mod:`~transforms.reference.groups`: country groups;
- :mod:`~transforms.reference.sources`: origin records of the upstream sources;
- :mod:`~transforms.reference.corrections`: known upstream errors and accepted discrepancies;
- :mod:`~transforms.reference.policy`: the policy files.

This package re-exports the registry, country and group functions, so
``from transforms import reference; reference.hs_map_frame()`` keeps working. Pure functions:
no I/O beyond reading the reference files, no orchestration imports.
"""

from transforms.reference.countries import (
    COUNTRY_NAMES_FILE,
    ECONOMIES_FILE,
    country_names_frame,
    economies_frame,
    harmonise_countries,
    unmapped_names,
)
from transforms.reference.files import REFERENCE_DIR, ReferenceDataError
from transforms.reference.groups import GROUPS_FILE, load_groups
from transforms.reference.minerals import (
    MINERALS_FILE,
    clean_type_text,
    hs_map_frame,
    load_minerals,
    minerals_frame,
    usgs2026_map_frame,
    usgs_type_map,
    wmd_map_frame,
)
from transforms.reference.models import (
    GROUP_FLAG_COLUMNS,
    HS_STAGES,
    LIST_FLAGS,
    NAME_KINDS,
    NAME_SOURCES,
    STAGES,
    UNIT_BASES,
)
from transforms.reference.sources import load_sources

__all__ = [
    "COUNTRY_NAMES_FILE",
    "ECONOMIES_FILE",
    "GROUPS_FILE",
    "GROUP_FLAG_COLUMNS",
    "HS_STAGES",
    "LIST_FLAGS",
    "MINERALS_FILE",
    "NAME_KINDS",
    "NAME_SOURCES",
    "REFERENCE_DIR",
    "STAGES",
    "UNIT_BASES",
    "ReferenceDataError",
    "clean_type_text",
    "country_names_frame",
    "economies_frame",
    "harmonise_countries",
    "hs_map_frame",
    "load_groups",
    "load_minerals",
    "load_sources",
    "minerals_frame",
    "unmapped_names",
    "usgs2026_map_frame",
    "usgs_type_map",
    "wmd_map_frame",
]
