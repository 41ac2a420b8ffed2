"""The stable codes of the scoring services' refusals (Saleor's `error_codes` pattern): every
ValidationError and PermissionDenied that `services` raises carries one, so the screens and
any API can tell refusals apart without reading the (translated) message."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import models


class ScoringErrorCode(models.TextChoices):
    # who may act
    NOT_PERMITTED = "not_permitted"
    NOT_CITY_ADMIN = "not_city_admin"
    NOT_ASSIGNED_EVALUATOR = "not_assigned_evaluator"
    NOT_CENTER_DIRECTOR = "not_center_director"
    NOT_SUPERVISING_DISTRICT = "not_supervising_district"
    # rubrics
    NAME_REQUIRED = "name_required"
    TOO_LONG = "too_long"
    BONUS_CAP_INVALID = "bonus_cap_invalid"
    FILE_INVALID = "file_invalid"
    RUBRIC_PUBLISHED = "rubric_published"
    FIELD_NOT_EDITABLE = "field_not_editable"
    ITEM_INVALID = "item_invalid"
    RUBRIC_NOT_PUBLISHABLE = "rubric_not_publishable"
    # rounds
    ROUND_FROZEN = "round_frozen"
    ROUND_STATE = "round_state"
    ROUND_NAME_TAKEN = "round_name_taken"
    PERIOD_INVALID = "period_invalid"
    RUBRIC_NOT_PUBLISHED = "rubric_not_published"
    THRESHOLD_INVALID = "threshold_invalid"
    NOT_AN_EVALUATOR = "not_an_evaluator"
    CENTER_NOT_SCORED = "center_not_scored"
    EVALUATOR_OUTSIDE_DISTRICT = "evaluator_outside_district"
    NO_ASSIGNMENTS = "no_assignments"
    ROUND_INCOMPLETE = "round_incomplete"
    # scorecards
    SCORECARD_SUBMITTED = "scorecard_submitted"
    UNKNOWN_ITEM = "unknown_item"
    COMPUTED_ITEM = "computed_item"
    FAULTS_NOT_WHOLE = "faults_not_whole"
    FAULTS_NEGATIVE = "faults_negative"
    FAULTS_ABOVE_LIMIT = "faults_above_limit"
    POINTS_NOT_A_NUMBER = "points_not_a_number"
    POINTS_NEGATIVE = "points_negative"
    POINTS_ABOVE_MAXIMUM = "points_above_maximum"
    POINTS_TOO_PRECISE = "points_too_precise"
    SITE_VISIT_IN_FUTURE = "site_visit_in_future"
    SITE_VISIT_MISSING = "site_visit_missing"
    ITEM_NOT_SCORED = "item_not_scored"
    FAULTS_MISSING = "faults_missing"
    EVIDENCE_MISSING = "evidence_missing"
    PHOTO_EMPTY = "photo_empty"
    PHOTO_TOO_LARGE = "photo_too_large"
    PHOTO_NOT_AN_IMAGE = "photo_not_an_image"
    # appeals
    SCORECARD_NOT_SUBMITTED = "scorecard_not_submitted"
    ALREADY_APPEALED = "already_appealed"
    REASONS_TOO_SHORT = "reasons_too_short"
    APPEAL_ANSWERED = "appeal_answered"
    ANSWER_REQUIRED = "answer_required"
    CHANGE_REASON_REQUIRED = "change_reason_required"


class ScoringPermissionDenied(PermissionDenied):
    """PermissionDenied with its `code` (a ScoringErrorCode); the message is the first arg,
    as with a plain PermissionDenied."""

    def __init__(self, message: str, *, code: ScoringErrorCode) -> None:
        super().__init__(message)
        self.code = code
