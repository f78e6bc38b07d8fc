"""GET / serves the moderator's page and its assets from the package, under a strict CSP."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_the_page_and_every_asset_it_names_are_served_locally(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    html = page.text
    assets = re.findall(r'(?:src|href)="([^"#]+)"', html)
    assert "/static/moderator.js" in assets and "/static/moderator.css" in assets
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
