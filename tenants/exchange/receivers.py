"""Who applies each kind of exchange message in the recipient's schema. The app that owns the
work registers its receivers in its ``AppConfig.ready()`` (the cases app: every referral
kind), so that the exchange, in the bottom layer, never imports it.

A receiver is ``receiver(message) -> str``: it runs inside the recipient's schema, in the
transaction that marks the message delivered, returns the recipient's reference (the case's
receipt number) and finds its earlier result when the same message comes twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import ExchangeMessage

Receiver = Callable[["ExchangeMessage"], str]

_receivers: dict[str, Receiver] = {}


def register_receiver(kind: str, receiver: Receiver) -> None:
    """The receiver of ``kind`` (a ``MessageKind``); registering again replaces it."""
    _receivers[str(kind)] = receiver


def receiver_for(kind: str) -> Receiver:
    try:
        return _receivers[str(kind)]
    except KeyError:
        raise LookupError(f"no exchange receiver is registered for {kind!r}") from None
