"""The case desk fixture of tests/centers/cases, for the snapshot tests."""

from tests.centers.cases.conftest import desk  # noqa: F401 (a fixture)
