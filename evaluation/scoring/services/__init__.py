"""Every change of the scored evaluation, one function per step, by sub-domain: `rubrics`,
`rounds`, `scorecards`, `appeals` (what they share in `common`). Each checks who acts and the
state, checks its input, writes, and records a ScoringEvent, in one transaction. Bad input
raises ValidationError({field: [message]}) naming the item, and nothing is written; a user who
may not act gets PermissionDenied. Every refusal carries a code from `..error_codes`."""

from ..models import SCORED_KINDS
from .appeals import appeal_answer, appeal_file
from .rounds import (
    assignment_set,
    rank_entries,
    ranking_rows,
    round_create,
    round_lock,
    round_missing,
    round_open_appeals,
    round_open_scoring,
    round_publish,
    round_start_review,
)
from .rubrics import (
    rubric_import,
    rubric_item_update,
    rubric_new_version,
    rubric_problems,
    rubric_publish,
)
from .scorecards import evidence_add, evidence_remove, scorecard_save_draft, scorecard_submit

__all__ = [
    "SCORED_KINDS",
    "appeal_answer",
    "appeal_file",
    "assignment_set",
    "evidence_add",
    "evidence_remove",
    "rank_entries",
    "ranking_rows",
    "round_create",
    "round_lock",
    "round_missing",
    "round_open_appeals",
    "round_open_scoring",
    "round_publish",
    "round_start_review",
    "rubric_import",
    "rubric_item_update",
    "rubric_new_version",
    "rubric_problems",
    "rubric_publish",
    "scorecard_save_draft",
    "scorecard_submit",
]
