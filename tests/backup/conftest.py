"""The case desk's fixtures, for a center with cases to back up."""

from tests.centers.cases.conftest import desk  # noqa: F401
