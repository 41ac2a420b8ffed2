"""Provisioning and restore steps that the apps above the tenants layer add, so that
provisioning never imports them: each app registers its steps in its ``AppConfig.ready()``.

- ``NEW_CENTER``: in a new center's schema, after its row and domain exist and before its
  first administrator is created (``services.center_create``);
- ``CITY``: in the public schema, inside ``services.city_ensure``'s transaction;
- ``EXISTING_CENTER``: at every deploy (``setup_platform``), in each center's schema; must be
  idempotent (what older centers lack, they get);
- ``RESTORED``: in a restore's transaction (``tenants.backup.restore``), in the public schema,
  once the center's rows are loaded: what the city's schema keeps about the center is
  rewritten from them;
- ``RESTORED_CACHES``: in the center's schema, during the restore and again after its commit:
  the app's caches of the center are dropped.

A step is ``step(center, hostname)``; steps of one moment run in ascending ``order``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Center

NEW_CENTER = "new_center"
CITY = "city"
EXISTING_CENTER = "existing_center"
RESTORED = "restored"
RESTORED_CACHES = "restored_caches"
MOMENTS = (NEW_CENTER, CITY, EXISTING_CENTER, RESTORED, RESTORED_CACHES)

Step = Callable[["Center", str], object]


@dataclass(frozen=True)
class RegisteredStep:
    name: str
    func: Step
    order: int


_steps: dict[str, dict[str, RegisteredStep]] = {moment: {} for moment in MOMENTS}


def register_step(moment: str, name: str, func: Step, *, order: int) -> None:
    """Add (or replace, by name: ``ready()`` may run twice) a step of ``moment``."""
    if moment not in _steps:
        raise ValueError(f"unknown provisioning moment {moment!r}")
    _steps[moment][name] = RegisteredStep(name=name, func=func, order=order)


def steps(moment: str) -> list[RegisteredStep]:
    return sorted(_steps[moment].values(), key=lambda step: (step.order, step.name))


def run_steps(moment: str, center: Center, hostname: str) -> None:
    for step in steps(moment):
        step.func(center, hostname)
