"""How the product names who took a step: in case, feedback, rectification, exchange and
workspace histories, audit rows and the printed notices. One answer for everyone."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import User

SYSTEM = "system"  # no person: a scheduled task, a deemed acceptance, an automatic opening
PUBLIC = "public"  # a resident through the portal, who has no account


def actor_label(user: User | None, *, nobody: str = SYSTEM) -> str:
    """The user's full name and username, "王小明 (wang)", so the record is readable and names
    the account unambiguously; the username alone for a user without a name; `nobody` when no
    user acted. Stored as written: never translated, so it reads the same in every language."""
    if user is None:
        return nobody
    full = f"{user.last_name}{user.first_name}".strip()
    return f"{full} ({user.username})" if full else user.username
