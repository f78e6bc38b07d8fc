"""GET / serves the moderator's page and its assets from the package, under a strict CSP."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_the_page_and_every_asset_it_names_are_served_locally(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert page.headers["cross-origin-opener-policy"] == "same-origin"
    html = page.text
    assets = re.findall(r'(?:src|href)="([^"#]+)"', html)
    assert {"/static/moderator.js", "/static/moderator-plots.js", "/static/moderator.css"} <= set(assets)
    for asset in assets:
        if asset.startswith("data:"):
            continue
        assert asset.startswith("/"), f"{asset} is not served by this process"
        assert client.get(asset).status_code == 200, asset
    assert "<script>" not in html  # no inline script: the CSP would block it


def test_every_form_control_has_a_label(client: TestClient) -> None:
    html = client.get("/").text
    for control_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html):
        labelled = re.search(rf'<label[^>]*for="{control_id}"', html) or re.search(
            rf'<label>[^<]*<(?:input|select|textarea)[^>]*id="{control_id}"', html
        )
        assert labelled, f"#{control_id} has no label"


def test_the_script_and_stylesheet_are_revalidated_so_an_upgrade_reaches_open_browsers(
    client: TestClient,
) -> None:
    # They had a Last-Modified and no Cache-Control: browsers cached them heuristically (a tenth of their
    # age: days for a file installed from a weeks-old wheel), so after an upgrade the new page (served
    # no-cache) ran the old script. no-cache: kept, but revalidated (a 304 while unchanged).
    for asset in ("/static/moderator.js", "/static/moderator-plots.js", "/static/moderator.css"):
        first = client.get(asset)
        assert first.status_code == 200
        assert "no-cache" in first.headers["cache-control"], asset
        again = client.get(asset, headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304, asset


def test_answers_read_with_a_token_are_never_stored_by_a_browser(client: TestClient) -> None:
    # The API's answers carried no cache header: the queue's comments, authors and the desk's activity
    # were in the browser's disk cache after sign-out. The page and its assets keep their own `no-cache`.
    from tests.service.api.conftest import auth

    answers = [
        client.get("/v1/queue?limit=1", headers=auth()),
        client.get("/v1/queue:stats", headers=auth()),
        client.get("/v1/queue?limit=1"),  # a 401
        client.post("/v1/comments:score", json={"comments": [{"text": "hi"}]}),
        client.get("/healthz"),
    ]
    for answer in answers:
        assert answer.headers["cache-control"] == "no-store", answer.request.url
        assert answer.headers["x-content-type-options"] == "nosniff", answer.request.url
    assert client.get("/").headers["cache-control"] == "no-cache"
    static = client.get("/static/moderator.js")
    assert (
        static.headers["cache-control"] == "no-cache"
        and static.headers["x-content-type-options"] == "nosniff"
    )


def test_the_api_docs_serve_their_own_assets_only_and_cannot_be_framed(client: TestClient) -> None:
    # /docs shares the moderator page's origin: any site could frame it, and the wheel's whole folder was
    # served, Swagger's stock demo page too (it fetched the petstore and validator.swagger.io).
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["x-frame-options"] == "DENY"
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self' 'sha256-" in csp
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"):
        assert f"/docs/assets/{asset}" in page.text and client.get(f"/docs/assets/{asset}").status_code == 200
    for stock in ("index.html", "index.j2", "swagger-initializer.js", "oauth2-redirect.html"):
        assert client.get(f"/docs/assets/{stock}").status_code == 404, stock
