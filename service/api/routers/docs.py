"""Interactive API docs served from this process.

FastAPI's default /docs pulls Swagger UI from a CDN; newsrooms often run the service on hosts with no
internet, where that page stays blank. The assets come from the swagger-ui-bundle-v2 wheel instead
(Swagger UI 5, which renders the OpenAPI 3.1 schema FastAPI emits).

The page shares its origin with the moderator's page, so it gets the same care: only the three files it
names are served (the wheel's folder also holds Swagger's stock demo page, which fetched the petstore
and validator.swagger.io), no other site may frame it, and its one inline script runs by its hash."""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from pathlib import Path

import swagger_ui_bundle
from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Scope

from service.api.routers.web import RevalidatedFiles

ASSETS_PATH = "/docs/assets"
ASSETS_DIR = Path(swagger_ui_bundle.swagger_ui_path)
ASSETS = frozenset({"swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"})

router = APIRouter(include_in_schema=False)


@cache
def _page() -> tuple[bytes, dict[str, str]]:
    html = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="Comment moderation - API docs",
        swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
    ).body
    scripts = re.findall(rb"<script>(.*?)</script>", html, flags=re.DOTALL)
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s).digest()).decode()}'" for s in scripts)
    headers = {
        # Swagger UI styles its widgets inline; its "Try it out" calls this origin.
        "Content-Security-Policy": (
            f"default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'"
        ),
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }
    return bytes(html), headers


@router.get("/docs", response_class=HTMLResponse)
async def docs() -> HTMLResponse:
    body, headers = _page()
    return HTMLResponse(body, headers=headers)


class _Assets(RevalidatedFiles):
    """The page's three files, nothing else of the wheel's folder (revalidated, as the page's own are)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        if path not in ASSETS:
            raise HTTPException(status_code=404)
        return await super().get_response(path, scope)


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.mount(ASSETS_PATH, _Assets(directory=ASSETS_DIR), name="docs-assets")
