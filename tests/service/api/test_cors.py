"""CORS (MODERATION_CORS_ORIGINS): off by default; when a site lists its origins, their pages may call
the API from the browser (preflight, answers and error answers carry the headers), and other origins
get none. A real browser making the cross-origin call is in tests/browser/test_cors.py."""

from __future__ import annotations

from tests.service.api.conftest import make_client

SITE = "https://news.example"
ANALYZE = "/v1alpha1/comments:analyze"
REQUEST = {"comment": {"text": "you idiot"}, "requestedAttributes": {"INSULT": {}}}
PREFLIGHT = {
    "Origin": SITE,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type",
}


def test_no_cors_headers_unless_a_site_lists_its_origins(settings):
    with make_client(settings) as client:
        r = client.post(ANALYZE, json=REQUEST, headers={"Origin": SITE})
        assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
        assert client.options(ANALYZE, headers=PREFLIGHT).status_code == 405  # no preflight answer


def test_listed_origins_may_call_from_the_browser_and_read_errors_too(settings):
    listed = settings.model_copy(update={"cors_origins": [SITE]})
    with make_client(listed) as client:
        pre = client.options(ANALYZE, headers=PREFLIGHT)
        assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == SITE
        assert "POST" in pre.headers["access-control-allow-methods"]
        assert "content-type" in pre.headers["access-control-allow-headers"].lower()
        r = client.post(ANALYZE, json=REQUEST, headers={"Origin": SITE})
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == SITE
        bad = client.post(ANALYZE, json={"comment": {"text": ""}}, headers={"Origin": SITE})
        assert bad.status_code == 400 and bad.headers["access-control-allow-origin"] == SITE
        assert "access-control-allow-credentials" not in r.headers  # the token is a header, not a cookie
        other = client.post(ANALYZE, json=REQUEST, headers={"Origin": "https://elsewhere.example"})
        assert other.status_code == 200 and "access-control-allow-origin" not in other.headers
        denied = client.options(ANALYZE, headers=PREFLIGHT | {"Origin": "https://elsewhere.example"})
        assert denied.status_code == 400


def test_a_page_may_send_its_key_in_googles_api_key_header(settings):
    # Perspective's key travels as ?key= or as Google's X-Goog-Api-Key header (docs/perspective.md, which
    # suggestscore reads); a page that sends the header had its preflight refused, so the browser never
    # sent the call at all.
    listed = settings.model_copy(update={"cors_origins": [SITE]})
    with make_client(listed) as client:
        asks = PREFLIGHT | {"Access-Control-Request-Headers": "content-type,x-goog-api-key"}
        pre = client.options(ANALYZE, headers=asks)
        assert pre.status_code == 200, pre.text
        assert "x-goog-api-key" in pre.headers["access-control-allow-headers"].lower()
