"""Resident ID numbers and mobile numbers never reach a log."""

import io
import logging

import pytest
from django.conf import settings

from cityplatform.logfilters import PersonalDataFilter, mask_personal_data

ID_NUMBER = "21011319900307123X"
MOBILE = "13912345678"


def test_every_handler_has_the_filter():
    assert settings.LOGGING["handlers"]
    for name, handler in settings.LOGGING["handlers"].items():
        assert "personal_data" in handler.get("filters", []), name
    installed = [
        h for h in logging.getLogger().handlers
        if any(isinstance(f, PersonalDataFilter) for f in h.filters)
    ]  # fmt: skip
    assert installed, "the LOGGING handlers are installed on the root logger"


@pytest.mark.parametrize(
    "text, masked",
    [
        (f"id {ID_NUMBER}.", "id 2101*************X."),
        ("id 210113199003071234", "id 2101*************4"),
        (f"tel:{MOBILE}", "tel:139****5678"),
        ("tel +86 139-1234-5678", "tel +86 139****5678"),
        ("tel 139 1234 5678", "tel 139****5678"),
        # Not personal data: receipt numbers, long counters, short numbers.
        ("receipt 202611250001", "receipt 202611250001"),
        ("n 123456789012345678901", "n 123456789012345678901"),
        ("code 210113105000", "code 210113105000"),
    ],
)
def test_mask(text, masked):
    assert mask_personal_data(text) == masked


def test_logged_records_are_masked(settings):
    handler = next(
        h for h in logging.getLogger().handlers
        if any(isinstance(f, PersonalDataFilter) for f in h.filters)
    )  # fmt: skip
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    logger = logging.getLogger("cityplatform.test_security")
    try:
        logger.warning("applicant %s phone %s", ID_NUMBER, int(MOBILE))
        logger.warning("inline %s", {"phone": MOBILE})
        logger.warning(f"f-string {ID_NUMBER.lower()}")
        try:
            raise ValueError(f"bad id {ID_NUMBER}")
        except ValueError:
            logger.exception("failed for %s", MOBILE)
    finally:
        handler.setStream(previous)
    output = buffer.getvalue()
    assert ID_NUMBER not in output and ID_NUMBER.lower() not in output
    assert MOBILE not in output
    assert output.count("139****5678") == 3
    assert "2101*************X" in output and "2101*************x" in output
    assert "Traceback" in output and "bad id 2101*************X" in output
