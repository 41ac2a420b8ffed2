"""Password rules beyond Django's own (AUTH_PASSWORD_VALIDATORS)."""

import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

CLASSES = (
    ("lower", lambda c: c.islower()),
    ("upper", lambda c: c.isupper()),
    ("digit", lambda c: c.isdigit()),
    ("symbol", lambda c: c in string.punctuation or c.isspace() or not c.isalnum()),
)


def character_classes(password: str) -> set[str]:
    """Which of lower case, upper case, digits and symbols the password uses."""
    return {name for name, test in CLASSES for char in password if test(char)}


class CharacterClassesValidator:
    """At least `min_classes` of the four classes: lower case letters, upper case letters,
    digits and symbols (等保 2.0: passwords of enough complexity)."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if len(character_classes(password)) < self.min_classes:
            raise ValidationError(
                ngettext(
                    "The password must use at least %(count)d of these: lower case letters, "
                    "upper case letters, digits, symbols.",
                    "The password must use at least %(count)d of these: lower case letters, "
                    "upper case letters, digits, symbols.",
                    self.min_classes,
                )
                % {"count": self.min_classes},
                code="password_too_simple",
                params={"count": self.min_classes},
            )

    def get_help_text(self):
        return _(
            "Your password must use at least %(count)d of these: lower case letters, upper case "
            "letters, digits, symbols."
        ) % {"count": self.min_classes}
