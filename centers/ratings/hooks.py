"""What the layers above ratings attach to a rating, so that ratings never imports them: each
app registers its hooks in its ``AppConfig.ready()`` (``evaluation.rectification`` registers
both kinds).

- a bad-rating receiver, ``receiver(rating)``: called by ``services.rating_submit`` for every
  差评, inside the rating's transaction (its failure rolls the rating back);
- an uncounted-ratings source, ``source(schema_name) -> QuerySet`` of rating ids of that
  schema that no figure counts: ``selectors.ratings_counted`` leaves them out.

Registering again under the same name replaces the hook (``ready()`` may run twice)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db.models import QuerySet

if TYPE_CHECKING:
    from .models import Rating

BadRatingReceiver = Callable[["Rating"], object]
UncountedSource = Callable[[str], QuerySet]

_bad_rating_receivers: dict[str, BadRatingReceiver] = {}
_uncounted_sources: dict[str, UncountedSource] = {}


def register_bad_rating_receiver(name: str, receiver: BadRatingReceiver) -> None:
    _bad_rating_receivers[name] = receiver


def register_uncounted_source(name: str, source: UncountedSource) -> None:
    _uncounted_sources[name] = source


def bad_rating_recorded(rating: Rating) -> None:
    for name in sorted(_bad_rating_receivers):
        _bad_rating_receivers[name](rating)


def uncounted_sources() -> list[UncountedSource]:
    return [_uncounted_sources[name] for name in sorted(_uncounted_sources)]
