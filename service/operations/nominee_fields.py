"""What a nominee must have before the council can vote: one rule for the workflow's guard, the API and the pages."""
from __future__ import annotations

from ..models import Campaign, Nominee
from ..vocabulary import NOMINEE_FIELD_LABELS

#: The fields each kind of nominee needs filled in (besides the campaign's required figures), in form order.
REQUIRED_NOMINEE_FIELDS = {
    "collective": ("full_name", "award_form", "achievement_summary"),
    "individual": ("full_name", "gender", "position", "workplace", "award_form", "achievement_summary"),
}


def missing_nominee_fields(campaign: Campaign, nominee: Nominee) -> tuple[str, ...]:
    """Vietnamese labels of what a nominee still lacks before the council can vote."""
    missing = []
    for name in REQUIRED_NOMINEE_FIELDS.get(nominee.kind, REQUIRED_NOMINEE_FIELDS["collective"]):
        value = getattr(nominee, name)
        if name == "award_form":
            # A form the campaign does not offer (any more) is as good as none.
            value = value and campaign.award_form(value) is not None
        if not value:
            missing.append(NOMINEE_FIELD_LABELS[name])
    for metric in campaign.metrics:
        if metric.get("required") and metric["code"] not in (nominee.metric_values or {}):
            applies_to = metric.get("nominee_kinds", ["collective", "individual"])
            if nominee.kind in applies_to:
                missing.append(metric["label"])
    return tuple(missing)
