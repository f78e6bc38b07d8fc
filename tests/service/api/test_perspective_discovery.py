"""The Perspective API discovery document: its root URL and the Host header."""

from __future__ import annotations

import pytest

from tests.service.api.conftest import (
    assert_google_error,
    make_client,
)

# --- discovery ------------------------------------------------------------------------------------


def test_discovery_document_points_at_this_server(client):
    r = client.get("/$discovery/rest?version=v1alpha1&key=anything")
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["rootUrl"] == "http://testserver/" and doc["servicePath"] == ""
    assert (doc["id"], doc["name"], doc["version"]) == (
        "commentanalyzer:v1alpha1",
        "commentanalyzer",
        "v1alpha1",
    )
    methods = doc["resources"]["comments"]["methods"]
    assert methods["analyze"]["path"] == "v1alpha1/comments:analyze"
    assert methods["suggestscore"]["request"]["$ref"] == "SuggestCommentScoreRequest"
    for method in methods.values():  # every $ref resolves
        assert method["request"]["$ref"] in doc["schemas"] and method["response"]["$ref"] in doc["schemas"]
    assert "detectedLanguages" in doc["schemas"]["AnalyzeCommentResponse"]["properties"]
    assert client.get("/$discovery/rest").json()["rootUrl"] == "http://testserver/"
    assert_google_error(client.get("/$discovery/rest?version=v1"), 404, "INVALID_REQUEST")


@pytest.mark.parametrize(
    "host",
    ["evil.example/x", "evil.example#", "a@b", "evil.example:abc", "ex ample", "a\\b", "x:99999", "[::1"],
)
def test_discovery_refuses_a_host_header_that_is_no_host(client, host):
    """rootUrl is built from the Host header: a malformed one is refused, not answered with a document
    pointing who knows where (a shared cache would keep it)."""
    r = client.get("/$discovery/rest?version=v1alpha1", headers={"host": host})
    error = assert_google_error(r, 400, "INVALID_REQUEST")
    assert "Host" in error["message"]


@pytest.mark.parametrize(
    "host", ["news.example", "news.example:8443", "127.0.0.1:8000", "[::1]:8000", "Api-2.Example."]
)
def test_discovery_without_a_public_base_url_points_at_the_host_asked(client, host):
    r = client.get("/$discovery/rest?version=v1alpha1", headers={"host": host})
    assert r.status_code == 200, r.text
    assert r.json()["rootUrl"] == f"http://{host}/"


def test_a_public_base_url_is_the_discovery_documents_root_whatever_the_host(settings):
    """Behind a shared cache, a client's Host header must not choose where every later client is sent."""
    from service.settings import Settings

    public = settings.model_copy(update={"public_base_url": "https://moderation.example/perspective/"})
    with make_client(public) as c:
        for host in ("evil.example", "evil.example/x", "moderation.example"):
            r = c.get("/$discovery/rest?version=v1alpha1", headers={"host": host})
            assert r.status_code == 200, r.text
            doc = r.json()
            assert doc["rootUrl"] == doc["mtlsRootUrl"] == "https://moderation.example/perspective/"
            assert doc["baseUrl"] == "https://moderation.example/perspective/"
    # The setting is checked at start: a URL a client can call, nothing else.
    assert Settings(public_base_url="http://10.0.0.5:8000/").public_base_url == "http://10.0.0.5:8000/"
    assert Settings(public_base_url="https://m.example/p").public_base_url == "https://m.example/p/"
    for bad in (
        "moderation.example",
        "ftp://moderation.example/",
        "https://",
        "https://x.example/?a=1",
        "https://x.example/#f",
        "https://u:p@x.example/",
    ):
        with pytest.raises(ValueError, match="public_base_url"):
            Settings(public_base_url=bad)
