"""Schemathesis against /api/schema/, in-process through Django's WSGI handler, with an
official's, an analyst's, a park manager's and a reporter's token (issue 10, item 7).

For every operation of the schema, requests generated to fit it and requests generated to
break it are sent, and the answers are checked: no server error, every status code and
content type documented, every body as its schema says; a request that breaks the schema is
refused; a request that fits it is accepted, or refused with 400 only for the fields the
operation names in ``x-server-checks`` (rules the server checks against the data: codes that
must exist, quarters that must have ended, dates against each other).

Bounded: ``DX_SCHEMATHESIS_EXAMPLES`` examples per operation and mode (default 6), no
shrinking; ``DX_SKIP_SCHEMATHESIS=1`` skips it (CI runs it); ``DX_SCHEMATHESIS_ONLY=text``
keeps the operations whose label ("GET /api/v1/parks/") contains the text.
"""

from __future__ import annotations

import os
import re
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from schemathesis import checks as generic_checks
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi import checks as openapi_checks

from accounts.services import token_issue
from core.schema import SERVER_CHECKS
from tests.factories import (
    DesignationFactory,
    ProviderFactory,
    SubmissionFactory,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        os.environ.get("DX_SKIP_SCHEMATHESIS") == "1", reason="DX_SKIP_SCHEMATHESIS=1"
    ),
]

EXAMPLES = int(os.environ.get("DX_SCHEMATHESIS_EXAMPLES", "6"))
ROLES = ["official", "analyst", "park_manager", "reporter"]
CHECKS = [
    generic_checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.negative_data_rejection,
]
ACCEPTED = {200, 201, 202, 204, 401, 403, 404, 409, 429}


@pytest.fixture
def disconnected_signals(request):
    """Django's WSGI handler closes "old" connections at each request's start and end, which
    would close the test's transaction; the test client does the same."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def world(official, analyst, park_manager, reporter, enterprise, other_enterprise):
    SubmissionFactory(enterprise=enterprise, period=2024 * 4)
    SubmissionFactory(enterprise=enterprise, period=2024 * 4 + 1, approved=True)
    SubmissionFactory(enterprise=other_enterprise, period=2024 * 4, submitted=True)
    DesignationFactory(enterprise=enterprise)
    ProviderFactory().enterprises.set([enterprise])
    return {
        "official": official,
        "analyst": analyst,
        "park_manager": park_manager,
        "reporter": reporter,
    }


def server_checked(operation: Any) -> set[str]:
    return set(operation.definition.raw.get(SERVER_CHECKS, []))


def refused_fields(body: Any) -> set[str]:
    """The fields a 400 names: "items[3].date" and "metrics.revenue" count as items and
    metrics."""
    if not isinstance(body, dict):
        return {"<not an object>"}
    return {re.split(r"[.\[]", str(key), maxsplit=1)[0] for key in body}


def fitting_request_refused(operation: Any, response: Any) -> str | None:
    if response.status_code in ACCEPTED:
        return None
    if response.status_code == 400:
        try:
            body = response.json()
        except ValueError:
            body = None
        fields = refused_fields(body)
        if fields <= server_checked(operation):
            return None
        return (
            f"a request that fits the schema was refused for {sorted(fields)}, which the "
            f"schema does not name in {SERVER_CHECKS}: {response.text[:500]}"
        )
    return f"a request that fits the schema answered {response.status_code}"


def run_operation(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> None:
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS)
        if mode == GenerationMode.POSITIVE:
            problem = fitting_request_refused(operation, response)
            assert problem is None, f"{case.method} {case.formatted_path}: {problem}"

    run()


def test_the_schema_documents_every_error_each_operation_answers(settings):
    """core.schema.AutoSchema adds the 400/401/403/404/413/415/429/503 answers and the
    x-server-checks; without it as DRF's schema class the schema would not say them."""
    assert settings.REST_FRAMEWORK.get("DEFAULT_SCHEMA_CLASS") == "core.schema.AutoSchema", (
        'config/settings/base.py: REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] must be '
        '"core.schema.AutoSchema"'
    )


@pytest.mark.parametrize("role", ROLES)
def test_the_api_answers_as_its_schema_says(role, world, disconnected_signals):
    key = token_issue(user=world[role], name="schemathesis").key
    headers = {"Authorization": f"Token {key}"}
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", WSGIHandler(), headers=headers
    )
    # Text with NUL characters is refused everywhere (core.middleware; the 400 of every
    # operation says so): generated strings leave them out.
    schema.config.generation.update(allow_x00=False)
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40
    only = os.environ.get("DX_SCHEMATHESIS_ONLY")
    if only:
        operations = [operation for operation in operations if only in operation.label]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                run_operation(operation, mode, headers)
            except hypothesis.errors.Unsatisfiable:
                # Nothing breaks this operation's schema (a path that takes any text).
                continue
            except (AssertionError, Exception, BaseExceptionGroup) as error:
                failures.append(f"--- {role}, {mode.value}: {operation.label}\n{error}"[:3000])
    assert not failures, f"{len(failures)} operations failed:\n\n" + "\n\n".join(failures)
