"""Analysis settings shared by the marts: who the allies are, and how China is counted.

The members are resolved by ``transforms.blocs.Economies.from_groups`` (groups.yaml), the one
place that also fixes the EU27 rule: EU27 is always reported as a bloc importer.

A Dagster resource, so the values show in the UI and a run can override them in its run
config (``resources: {settings: {config: {alliance: [g7, AUS]}}}``) without editing code.

Such a run is a what-if: ``settings_hash`` of its settings differs from ``publishing_hash`` (the
documented defaults), so the IO manager stores its marts apart (``warehouse/what_if/<hash>/``)
and the site, which is only published under the publishing configuration, never reads them.
"""

import datetime as dt
import hashlib
import json

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


def settings_fingerprint(settings: BriefingSettings, scenario_settings) -> dict:
    """Every analysis setting a mart depends on, as plain JSON values."""
    return {
        "settings": settings.model_dump(mode="json", warnings=False),
        "scenario_settings": scenario_settings.model_dump(mode="json", warnings=False),
    }


def settings_hash(settings: BriefingSettings, scenario_settings) -> str:
    """A short, stable hash of the analysis settings (alliance, SARs rule, scenario settings):
    marts computed under equal settings share it, whatever the order of the YAML keys."""
    text = json.dumps(settings_fingerprint(settings, scenario_settings), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def publishing_hash() -> str:
    """The hash of the publishing configuration: the documented defaults of both resources,
    the only settings the published site is ever built from."""
    from orchestration.scenario_settings import ScenarioSettings

    return settings_hash(BriefingSettings(), ScenarioSettings())
