"""Country groups (``groups.yaml``): EU27, G7, the alliance, the Minerals Security
Partnership, China, expanded to ISO3 lists.

A group lists ``members`` and may ``include`` other groups. Loading checks that members are
economies of ``economies.csv``, that includes resolve without a cycle, and that the group flag
columns of ``economies.csv`` (``is_eu27``, ...) agree with the groups they mirror.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from transforms.reference.countries import ECONOMIES_FILE, economies_frame, known_economies
from transforms.reference.files import ReferenceDataError, load_yaml, reference_folder
from transforms.reference.models import GROUP_FLAG_COLUMNS, Group, GroupsFile

GROUPS_FILE = "groups.yaml"


def _expand(name: str, groups: dict[str, Group], trail: tuple[str, ...] = ()) -> set[str]:
    if name in trail:
        raise ReferenceDataError(
            GROUPS_FILE, f"groups.{trail[0]}.include", f"includes itself via {list(trail)}"
        )
    if name not in groups:
        raise ReferenceDataError(
            GROUPS_FILE, f"groups.{trail[-1]}.include", f"unknown group {name!r}"
        )
    members = set(groups[name].members)
    for included in groups[name].include:
        members |= _expand(included, groups, (*trail, name))
    return members


@functools.lru_cache(maxsize=8)
def _groups(folder: Path) -> dict[str, tuple[str, ...]]:
    groups = load_yaml(GroupsFile, folder / GROUPS_FILE).groups
    economies = economies_frame(folder)
    known = set(economies["iso3"].to_list())
    for name, group in groups.items():
        unknown = sorted(code for code in group.members if code not in known)
        if unknown:
            raise ReferenceDataError(
                GROUPS_FILE, f"groups.{name}.members", f"not in {ECONOMIES_FILE}: {unknown}"
            )
    expanded = {name: tuple(sorted(_expand(name, groups))) for name in groups}
    for name, members in expanded.items():
        if not members:
            raise ReferenceDataError(GROUPS_FILE, f"groups.{name}", "has no members")
    for column, group_name in GROUP_FLAG_COLUMNS.items():
        if group_name not in expanded:
            raise ReferenceDataError(GROUPS_FILE, f"groups.{group_name}", "is required but missing")
        flagged = set(economies.filter(pl.col(column))["iso3"].to_list())
        in_group = set(expanded[group_name])
        if flagged != in_group:
            raise ReferenceDataError(
                ECONOMIES_FILE,
                f"column {column}",
                f"disagrees with group {group_name!r} of {GROUPS_FILE}: "
                f"flagged only {sorted(flagged - in_group)}, in group only {sorted(in_group - flagged)}",
            )
    return expanded


def load_groups(
    directory: Path | str | None = None,
    *,
    alliance: Sequence[str] | None = None,
) -> dict[str, list[str]]:
    """Country groups expanded to sorted ISO3 lists (eu27, g7, alliance, msp, china, ...).

    ``alliance`` replaces the default alliance for this call: a list of ISO3 codes and/or
    group names, e.g. ``["g7", "AUS"]``.
    """
    folder = reference_folder(directory)
    groups = {name: list(members) for name, members in _groups(folder).items()}
    if alliance is not None:
        known = known_economies(folder)
        members: set[str] = set()
        for item in alliance:
            if item in groups and item != "alliance":
                members |= set(groups[item])
            elif item in known:
                members.add(item)
            else:
                raise ValueError(f"alliance: {item!r} is neither a group nor an economy")
        if not members:
            raise ValueError("alliance: no members")
        groups["alliance"] = sorted(members)
    return groups
