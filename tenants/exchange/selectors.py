"""Reads of the exchange that the queue screen shares."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from tenants.models import Center

from .models import ExchangeMessage, MessageState


def messages_of_center(
    center: Center, *, state: str | None = None, kind: str | None = None
) -> QuerySet[ExchangeMessage]:
    """The messages a center sent or received, newest first: never another center's."""
    messages = ExchangeMessage.objects.filter(Q(sender=center) | Q(recipient=center))
    if state:
        messages = messages.filter(state=state)
    if kind:
        messages = messages.filter(kind=kind)
    return messages.select_related("sender", "recipient").order_by("-created_at", "-pk")


def state_counts(center: Center) -> dict[str, int]:
    rows = (
        ExchangeMessage.objects.filter(Q(sender=center) | Q(recipient=center))
        .values("state")
        .annotate(n=Count("pk"))
    )
    counts = {state: 0 for state in MessageState.values}
    counts.update({row["state"]: row["n"] for row in rows})
    return counts
