"""Award-dossier workflow: states, transitions, guards and vote rules.

Pure Python (transitions + PyYAML); no Flask, no database.  The service
builds a ``DossierFacts`` snapshot from its data and asks ``evaluate``,
``available`` or ``fire``.  Importing this package loads and validates
``dossier.yaml``; a broken definition raises ``WorkflowDefinitionError`` here.
"""

from .definition import StateDef, TransitionDef, WorkflowDefinitionError
from .engine import (
    WORKFLOW,
    Evaluation,
    GuardFailure,
    GuardsFailed,
    RoleNotAllowed,
    TriggerNotAllowedFromState,
    UnknownTrigger,
    Workflow,
    WorkflowError,
    available,
    evaluate,
    fire,
    load_workflow,
    load_workflow_text,
    mermaid_diagram,
    state_table_markdown,
)
from .facts import DossierFacts, MeetingFacts, NomineeFacts, VoteRule
from .guards import GUARD_LABELS, GUARDS
from .rules import (
    VOTE_RULE_CSTD_CO_SO,
    VOTE_RULE_MAJORITY,
    quorum_reached,
    vote_passes,
    vote_percent,
    vote_rule_from_dict,
    vote_rule_to_dict,
)

__all__ = [
    "WORKFLOW",
    "DossierFacts",
    "Evaluation",
    "GUARD_LABELS",
    "GUARDS",
    "GuardFailure",
    "GuardsFailed",
    "MeetingFacts",
    "NomineeFacts",
    "RoleNotAllowed",
    "StateDef",
    "TransitionDef",
    "TriggerNotAllowedFromState",
    "UnknownTrigger",
    "VOTE_RULE_CSTD_CO_SO",
    "VOTE_RULE_MAJORITY",
    "VoteRule",
    "Workflow",
    "WorkflowDefinitionError",
    "WorkflowError",
    "available",
    "evaluate",
    "fire",
    "load_workflow",
    "load_workflow_text",
    "mermaid_diagram",
    "quorum_reached",
    "state_table_markdown",
    "vote_passes",
    "vote_percent",
    "vote_rule_from_dict",
    "vote_rule_to_dict",
]
