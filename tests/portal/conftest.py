from tests.centers.cases.conftest import desk  # noqa: F401
