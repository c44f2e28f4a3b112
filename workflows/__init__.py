"""Award-dossier workflow and award-round workflow: states, transitions, guards and vote rules.

Pure Python (transitions + PyYAML); no Flask, no database.  The service
builds a ``DossierFacts`` snapshot from its data and asks ``evaluate``,
``available`` or ``fire``; for the standing agency's rounds it builds a
``RoundFacts`` and asks ``ROUND_WORKFLOW`` the same questions.  Importing this
package loads and validates ``dossier.yaml`` and ``round.yaml``; a broken
definition raises ``WorkflowDefinitionError`` here.

Besides states and transitions, the YAML says what the service would otherwise
guess: per state, flags such as ``editable`` or ``open`` and a badge ``tone``
(``Workflow.states_where(editable=True)``); per transition, ``goes_back``,
``optional`` and the ``confirm`` question a page asks.
"""

from .definition import (
    STATE_FLAGS, TONES, TRANSITION_FLAGS, ProgressCategory, StateDef, TransitionDef, WorkflowDefinitionError,
)
from .engine import (
    DOSSIER_VOCABULARY,
    WORKFLOW,
    Evaluation,
    GuardFailure,
    GuardsFailed,
    RoleNotAllowed,
    TriggerNotAllowedFromState,
    UnknownTrigger,
    Vocabulary,
    Workflow,
    WorkflowError,
    available,
    evaluate,
    fire,
    load_packaged_workflow,
    load_workflow,
    load_workflow_text,
    mermaid_diagram,
    state_table_markdown,
)
from .round_facts import RoundFacts
from .round_guards import ROUND_GUARD_LABELS, ROUND_GUARDS
from .round_workflow import ROUND_WORKFLOW
from .facts import DossierFacts, MeetingFacts, NomineeFacts, VoteRule
from .guards import GUARD_LABELS, GUARDS, SCOPE_GUARDS
from .rules import (
    VOTE_RULE_CSTD_CO_SO,
    VOTE_RULE_MAJORITY,
    default_vote_rule_dict,
    form_vote_rule,
    quorum_reached,
    vote_passes,
    vote_percent,
    vote_rule_from_dict,
    vote_rule_to_dict,
)

__all__ = [
    "DOSSIER_VOCABULARY",
    "STATE_FLAGS",
    "TONES",
    "TRANSITION_FLAGS",
    "ProgressCategory",
    "default_vote_rule_dict",
    "form_vote_rule",
    "ROUND_GUARDS",
    "ROUND_GUARD_LABELS",
    "ROUND_WORKFLOW",
    "RoundFacts",
    "Vocabulary",
    "WORKFLOW",
    "DossierFacts",
    "Evaluation",
    "GUARD_LABELS",
    "GUARDS",
    "SCOPE_GUARDS",
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
    "load_packaged_workflow",
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
