#!/usr/bin/env python
"""Django's command-line utility for the city platform."""

import os
import sys
from pathlib import Path

# The project package lives one level down in platform/ so that `import platform` keeps
# meaning Python's own module (see docs/architecture.md).
sys.path.insert(1, str(Path(__file__).resolve().parent / "platform"))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityplatform.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
