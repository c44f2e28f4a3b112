"""The round workflow, loaded and validated at import like the dossier workflow."""

from __future__ import annotations

from .engine import Vocabulary, load_packaged_workflow
from .round_facts import RoundFacts
from .round_guards import ROUND_GUARD_LABELS, ROUND_GUARDS

__all__ = ["ROUND_DEFINITION", "ROUND_VOCABULARY", "ROUND_WORKFLOW"]

ROUND_DEFINITION = "round.yaml"
ROUND_VOCABULARY = Vocabulary(subject="đợt khen thưởng", process="quy trình xét chọn của đợt khen thưởng")

#: The workflow every award round follows.
ROUND_WORKFLOW = load_packaged_workflow(
    ROUND_DEFINITION, guards=ROUND_GUARDS, facts_type=RoundFacts, vocabulary=ROUND_VOCABULARY, name="round",
    guard_labels=ROUND_GUARD_LABELS,
)
