"""Analysis settings shared by the marts: who the allies are, and how China is counted.

The members are resolved by ``transforms.blocs.Economies.from_groups`` (groups.yaml), the one
place that also fixes the EU27 rule: EU27 is always reported as a bloc importer.

A Dagster resource, so the values show in the UI and a run can override them in its run
config (``resources: {settings: {config: {alliance: [g7, AUS]}}}``) without editing code.
"""

import datetime as dt

import dagster as dg
from pydantic import Field

from transforms import blocs


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

    briefing_date: str = Field(
        default="",
        description=(
            "Date (YYYY-MM-DD) on which the export controls' status is stated; empty = the "
            "build date."
        ),
    )

    def briefing_day(self) -> dt.date:
        """The briefing date: ``briefing_date`` if set, else today's date (UTC)."""
        if self.briefing_date:
            return dt.date.fromisoformat(self.briefing_date)
        return dt.datetime.now(dt.UTC).date()

    def economies(self) -> blocs.Economies:
        """The alliance, the EU27 and China as ``transforms.blocs`` takes them."""
        return blocs.Economies.from_groups(
            self.alliance, china_includes_sars=self.china_includes_sars
        )

    def alliance_members(self) -> list[str]:
        return list(self.economies().alliance)

    def china_members(self) -> list[str]:
        return list(self.economies().china)

    def eu27_members(self) -> list[str]:
        return list(self.economies().eu27)
