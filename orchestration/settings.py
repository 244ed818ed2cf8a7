"""Analysis settings shared by the marts: who the allies are, and how China is counted.

A Dagster resource, so the values show in the UI and a run can override them in its run
config (``resources: {settings: {config: {alliance: [g7, AUS]}}}``) without editing code.
"""

import dagster as dg
from pydantic import Field

from transforms import blocs, reference


class BriefingSettings(dg.ConfigurableResource):
    """Who counts as the alliance, and whether Hong Kong and Macao count as China."""

    alliance: list[str] = Field(
        default=["g7", "eu27", "AUS", "NZL", "IND", "KOR"],
        description="Group names (from data/reference/groups.yaml) and/or ISO3 codes that make up the alliance.",
    )
    china_includes_sars: bool = Field(
        default=False,
        description=(
            "Count Hong Kong (HKG) and Macao (MAC) as China. Off by default: every source reports "
            "them separately and Hong Kong's trade is largely re-exports."
        ),
    )

    def alliance_members(self) -> list[str]:
        return reference.load_groups(alliance=self.alliance)["alliance"]

    def china_members(self) -> list[str]:
        groups = reference.load_groups()
        return groups["china_with_sars"] if self.china_includes_sars else groups["china"]

    def eu27_members(self) -> list[str]:
        return reference.load_groups()["eu27"]

    def economies(self) -> blocs.Economies:
        """The alliance, the EU27 and China as ``transforms.blocs`` takes them."""
        return blocs.Economies(
            alliance=tuple(self.alliance_members()),
            eu27=tuple(self.eu27_members()),
            china=tuple(self.china_members()),
        )
