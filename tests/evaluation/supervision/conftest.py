from tests.centers.cases.conftest import desk  # noqa: F401  (the township's case desk)
