"""The moderator's page: GET / (one HTML file) and its script and stylesheet under /static.

A static page plus one small script that calls the JSON API: nothing is rendered on the server, so
no template engine is needed, and every asset is served from the package (the page works offline).
The Content-Security-Policy allows only this origin's script and styles: no inline script, nothing
from elsewhere."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
STATIC_PATH = "/static"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
    # A site that opened the page (window.open) kept a handle to navigate it later (a fake sign-in).
    "Cross-Origin-Opener-Policy": "same-origin",
}

router = APIRouter(include_in_schema=False)


@cache
def _page() -> str:
    return (WEB_DIR / "index.html").read_text(encoding="utf-8")


@router.get("/", response_class=HTMLResponse)
async def moderator_page() -> HTMLResponse:
    return HTMLResponse(_page(), headers=SECURITY_HEADERS)


class RevalidatedFiles(StaticFiles):
    """The script and stylesheet, revalidated on every load (a 304 while unchanged). Without
    Cache-Control browsers cache a file with a Last-Modified for a tenth of its age (days, for a file
    installed from a weeks-old wheel): after an upgrade the new page ran the old script."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.setdefault("Cache-Control", "no-cache")
        return response


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.mount(STATIC_PATH, RevalidatedFiles(directory=WEB_DIR / "static"), name="moderator-static")
