"""Development settings: the project-local services that scripts/services.sh starts, found
through var/services.env (and an optional .env), which only development and tests read."""

from pathlib import Path

import environ

_ROOT = Path(__file__).resolve().parent.parent.parent.parent
environ.Env.read_env(_ROOT / "var" / "services.env", overwrite=False)
environ.Env.read_env(_ROOT / ".env", overwrite=False)

from .base import *  # noqa: E402, F403
