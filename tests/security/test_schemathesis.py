"""schemathesis against /api/schema/ of a center's domain (issue 7): every operation of the
OpenAPI document, a bounded number of generated requests each (valid and invalid ones), sent
as an authenticated center director, and none may answer with a server error.

The requests go through Django's test client (the WSGI app in this process, inside the test's
transaction, on the center's Host), each in a savepoint rolled back afterwards, so that every
example starts from the same center A."""

import json
from pathlib import Path

import pytest
import schemathesis
from django.db import transaction
from django.test import Client
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis import GenerationMode
from schemathesis.transport.wsgi import WSGI_TRANSPORT
from werkzeug.test import EnvironBuilder

from tests.conftest import host

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 10  # per operation
# Hypothesis keeps a cache next to the code unless told otherwise: keep it in var/ (ignored).
set_hypothesis_home_dir(str(Path(__file__).resolve().parents[2] / "var" / "hypothesis"))


def _schema(client) -> dict:
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200, response.content[:300]
    return json.loads(response.content)


def _send(client, case, center_host, token):
    kwargs = WSGI_TRANSPORT.serialize_case(case, headers={"Authorization": f"Token {token}"})
    environ = EnvironBuilder(**kwargs).get_environ()
    environ["HTTP_HOST"] = center_host
    savepoint = transaction.savepoint()
    try:
        return client.request(**environ)
    finally:
        transaction.savepoint_rollback(savepoint)


def _probe(operation, strategies, client, center_host, token) -> list[str]:
    """The first server error of the operation, if any."""
    found = []
    label = f"{operation.method.upper()} {operation.path}"

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies))
    def probe(case):
        response = _send(client, case, center_host, token)
        if response.status_code >= 500 and not found:
            found.append(
                f"{label} -> {response.status_code} for {case.formatted_path} "
                f"query={case.query!r} body={str(getattr(case, 'body', ''))[:200]!r}"
            )

    probe()
    return found


def test_no_operation_answers_with_a_server_error(world):
    from rest_framework.authtoken.models import Token

    from tenants.accounts.models import User

    with schema_context(world.a.schema_name):
        director = User.objects.get(username="admin")
        token = Token.objects.create(user=director).key
    center_host = host(world.a)
    client = Client(HTTP_HOST=center_host, raise_request_exception=False)
    schema = schemathesis.openapi.from_dict(_schema(client))

    failures = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        strategies = []
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                strategies.append(operation.as_strategy(generation_mode=mode))
            except Exception:  # some operations have no invalid input
                continue
        failures.extend(_probe(operation, strategies, client, center_host, token))
    assert operations >= 40
    assert not failures, "\n".join(failures)
