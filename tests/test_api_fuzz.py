"""Schemathesis against a live server: generated requests to every operation in
/api/schema get no 5xx and no response that breaks the schema.

Bounded: a few dozen examples per operation, no shrinking past a few seconds.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis import GenerationMode

from search.api import openapi_schema

SCHEMA = schemathesis.openapi.from_dict(openapi_schema())
# Positive data only: by design the API answers malformed parameters with a 200 and
# a message rather than a 4xx. The session cookie is supplied, not generated.
SCHEMA.config.generation.update(
    modes=[GenerationMode.POSITIVE], with_security_parameters=False
)


@pytest.fixture
def session_cookie(live_server, reference_data, seeds_dir, django_user_model) -> str:
    from django.conf import settings as django_settings
    from django.test import Client

    from corpus.ingest import ingest_paths
    from search.index import rebuild_index

    ingest_paths([seeds_dir], update_index=False)
    rebuild_index()
    user = django_user_model.objects.create(username="fuzzer")
    client = Client()
    client.force_login(user)
    return f"{django_settings.SESSION_COOKIE_NAME}={client.session.session_key}"


@pytest.mark.slow
@SCHEMA.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_fuzz_live_server(case, live_server, session_cookie) -> None:
    case.call_and_validate(base_url=live_server.url, headers={"Cookie": session_cookie})
