"""Property-based run of schemathesis over the service's own OpenAPI schema: >= 500 generated
requests (valid and invalid), 0 server errors, and every answer conforms to the documented schema.
The app runs with the real shipped model and the real parser, so odd text (control characters,
astral-plane characters, huge numbers...) reaches the real scoring code."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.api.app import create_app
from tests.service.api.conftest import TOKEN

pytestmark = pytest.mark.slow  # hundreds of generated requests through the real model

MIN_REQUESTS = 500


def test_generated_requests_never_get_a_server_error(settings, real_model_dir):
    app = create_app(settings.model_copy(update={"model_dir": real_model_dir}))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [op.ok() for op in schema.get_all_operations()]
    assert len(operations) >= 9, [op.label for op in operations]
    strategy = st.one_of(
        schema.as_strategy(schemathesis.GenerationMode.POSITIVE),
        schema.as_strategy(schemathesis.GenerationMode.NEGATIVE),
    )
    seen: list[tuple[str, int]] = []
    server_errors: list[str] = []

    @hsettings(
        max_examples=MIN_REQUESTS + 200,  # every operation reached (27 of them)
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: schemathesis.Case) -> None:
        # Half the calls carry the token, so the authorised paths are exercised too; a reload with the
        # real model takes a second, so the reload endpoint only sees its 401 path here (its success
        # and refusal paths are in test_admin.py).
        authorised = len(seen) % 2 and case.operation.path != "/v1/admin/reload"
        headers = {"Authorization": f"Bearer {TOKEN}"} if authorised else {}
        response = case.call(headers=headers)
        seen.append((case.operation.label, response.status_code))
        if response.status_code >= 500:
            server_errors.append(f"{case.operation.label} -> {response.status_code}: {response.text[:300]}")
        case.validate_response(
            response,
            checks=[
                not_a_server_error,
                status_code_conformance,
                content_type_conformance,
                response_schema_conformance,
            ],
        )

    run()
    labels = {label for label, _ in seen}
    print("schemathesis:", len(seen), "requests;", sorted(__import__("collections").Counter(seen).items()))
    assert len(seen) >= MIN_REQUESTS, len(seen)
    assert server_errors == []
    assert len(labels) == len(operations), labels
    # Both sides of the API were reached: successes and client errors.
    assert any(200 <= s < 300 for _, s in seen) and any(400 <= s < 500 for _, s in seen)
