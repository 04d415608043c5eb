"""/api/docs: Swagger UI for the OpenAPI schema, its files served from this server (no CDN).
Swagger UI 5 reads the OpenAPI 3.1 that FastAPI writes (version 4 could not)."""
from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

SCHEMA_URL = "/api/openapi.json"
DOCS_URL = "/api/docs"
ASSETS = "/api/docs-assets"


def add_docs(app: FastAPI) -> None:
    assets = _swagger_assets()
    if assets is not None:
        app.mount(ASSETS, StaticFiles(directory=assets), name="docs-assets")
    router = APIRouter(include_in_schema=False)

    @router.get(DOCS_URL)
    def docs():
        if assets is None:
            return JSONResponse({"error": "the docs page needs the swagger-ui-bundle-v2 package; the schema is at "
                                          f"{SCHEMA_URL}"}, status_code=404)
        return get_swagger_ui_html(openapi_url=SCHEMA_URL, title="Newsroom QA API",
                                   swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{ASSETS}/swagger-ui.css",
                                   swagger_favicon_url=f"{ASSETS}/favicon-32x32.png")

    app.include_router(router)


def _swagger_assets() -> str | None:
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:
        return None
    return str(swagger_ui_path)
