"""The relay's own API description: /openapi.json and /docs (works without internet).

FastAPI documents the ordinary routes from their signatures and from the
``responses=`` helpers below. Screen routes run on the raw fast lane and are
documented by stubs in ``app.api.feed_docs``; their answer shapes come from the
msgspec structs that render them (``app.menu.render``), so the schema cannot drift
from the bytes. /docs is Swagger UI served from the relay itself (the
``swagger-ui-bundle-v2`` package ships its files): no CDN, nothing fetched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import BaseRoute
from swagger_ui_bundle import swagger_ui_path

from app.api.errors import error_response
from app.api.headers import NOT_FRAMED, docs_policy
from app.menu.render import GroupsAnswer, MenuAnswer, StockAnswer
from app.screens.model import Screen

TITLE = "toast-relay"
VERSION = "0.1.0"
DESCRIPTION = """\
A caching relay between digital-signage players and the Toast POS API.

**Keys**: screen routes take a screen key (`RELAY_API_KEYS`), `/admin/*` the admin key
(`RELAY_ADMIN_KEY`), either in the `X-API-Key` header or as `?key=`. Missing or unknown
key: 401; a key not allowed for the restaurant: 403.

**`{restaurant}`** is a GUID or an alias from `RELAY_RESTAURANTS` (the demo's sample
restaurant is `harbor`). A reference that is neither a GUID nor a valid alias is 400; an
unknown alias 404.

**Errors** are JSON: `{"error": "<code>", "detail": "<what failed and what to do>"}`.
Every route answers an unsupported method with 405 and an `Allow` header; every GET
route answers HEAD.
"""
TAGS = [
    {"name": "screens", "description": "What signage players poll: pre-rendered, cached, "
                                       "with ETags (answers never wait on Toast once a copy "
                                       "exists)."},
    {"name": "pass-through", "description": "Allow-listed Toast GET endpoints, cached, with "
                                            "the relay's token added."},
    {"name": "operations", "description": "Health, readiness and metrics."},
    {"name": "admin", "description": "Token and freshness state; forced refreshes."},
    {"name": "webhooks", "description": "Toast's menus and stock webhooks (signed), when "
                                        "RELAY_WEBHOOK_SECRET is set."},
]
REF = "#/components/schemas/{name}"
SCREEN_ANSWERS: tuple[type[msgspec.Struct], ...] = (MenuAnswer, GroupsAnswer, StockAnswer)
"""Answer structs documented under their own names (``ref("MenuAnswer")``)."""
REQUEST_MODELS: tuple[type[BaseModel], ...] = (Screen,)
"""Request bodies validated by hand (``ref("Screen")``), documented under their names."""
_ASSETS = {"swagger-ui-bundle.js": "application/javascript", "swagger-ui.css": "text/css",
           "favicon-32x32.png": "image/png"}


class RequestSchema(GenerateJsonSchema):
    """pydantic documents a dict's checked keys as ``patternProperties`` alone, which lets
    any other key through; the model refuses such a key, so the document says so too."""

    def dict_schema(self, schema: core_schema.DictSchema) -> JsonSchemaValue:
        out = super().dict_schema(schema)
        patterns = out.get("patternProperties", {})
        if len(patterns) == 1 and "additionalProperties" not in out:
            out["propertyNames"] = {"pattern": next(iter(patterns))}
            out["additionalProperties"] = False
        return out


class ErrorBody(BaseModel):
    """The one error body of every route."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "error": "forbidden",
        "detail": "this key may not read this restaurant; use a key that RELAY_API_KEYS "
                  "allows for it"}]})

    error: str
    detail: str


_WHY = {
    400: "A malformed parameter (e.g. a restaurant reference that is neither a GUID nor an "
         "alias, or an unknown `format`); nothing is asked of Toast.",
    401: "No key, or an unknown key.",
    403: "The key may not read this restaurant.",
    404: "Unknown alias, a GUID outside RELAY_RESTAURANTS, or a restaurant Toast does not "
         "give this relay.",
    422: "A value the relay understood but cannot use (`detail` names the field), e.g. "
         "`part` outside 1..parts.",
    412: "`If-Match` named another version: someone changed the screen meanwhile.",
    413: "The body is larger than the relay takes.",
    414: "The query string is longer than 4 KiB; nothing in it was read.",
    502: "Toast answered with an error or a malformed body and no copy exists yet.",
    503: "Toast is unavailable or rate-limited (or the login fails) and no copy exists yet; "
         "or the last good copy is older than RELAY_STALE_MAX.",
    504: "Toast did not answer in time and no copy exists yet.",
}


def ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(name=name)}


def errors(*codes: int, why: dict[int, str] | None = None) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries for these error statuses, with the JSON error body (``why``:
    what the status means on this route, where it is not the usual reason)."""
    told = why or {}
    return {code: {"model": ErrorBody, "description": told.get(code) or _WHY[code]}
            for code in sorted({*codes, *told})}


KEY_ERRORS = errors(401)
RESTAURANT_ERRORS = errors(400, 401, 403, 404)
TOAST_ERRORS = errors(502, 503, 504)


def json_answer(schema: dict[str, Any] | type[BaseModel], example: object,
                description: str = "OK") -> dict[str, Any]:
    """One ``responses=`` entry: a JSON body with a schema (a ``ref`` or a pydantic model)."""
    if isinstance(schema, type):
        return {"model": schema, "description": description,
                "content": {"application/json": {"example": example}}}
    return {"description": description,
            "content": {"application/json": {"schema": schema, "example": example}}}


class RelayAPI(FastAPI):
    """FastAPI whose OpenAPI also carries the screen answers' schemas, and no 422s.

    Parameters FastAPI cannot read are answered 400 by ``validation_error_handler``,
    so its default "422 Validation Error" entries are taken out.
    """

    def include_router(self, router: APIRouter, **kwargs: Any) -> None:
        super().include_router(router, **kwargs)
        self.included.append(router)

    @property
    def included(self) -> list[APIRouter]:
        routers: list[APIRouter] = self.__dict__.setdefault("_included", [])
        return routers

    def all_routes(self) -> list[BaseRoute]:
        """The app's own routes and those of every included router, flattened."""
        return [*self.router.routes, *(r for router in self.included for r in router.routes)]

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema:
            return self.openapi_schema
        schema = get_openapi(title=TITLE, version=VERSION, description=DESCRIPTION,
                             routes=self.routes, tags=TAGS)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        _, structs = msgspec.json.schema_components(SCREEN_ANSWERS, ref_template=REF)
        components.update(structs)
        for model in REQUEST_MODELS:  # bodies read by hand (documented by ``ref``)
            body = model.model_json_schema(ref_template=REF.replace("{name}", "{model}"),
                                           schema_generator=RequestSchema)
            components.update(body.pop("$defs", {}))
            components[model.__name__] = body
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                answers = operation.get("responses", {})
                if answers.get("422", {}).get("description") == "Validation Error":
                    del answers["422"]  # FastAPI's own; ours (a screen's fields) stays
        self._restore_examples(schema)
        self.openapi_schema = schema
        return schema

    def _restore_examples(self, schema: dict[str, Any]) -> None:
        """Put the answer examples back as written: FastAPI drops every ``None`` from the
        document, which would leave examples without their (required) null fields."""
        for route in self.all_routes():
            if not isinstance(route, APIRoute) or not route.include_in_schema:
                continue
            item = schema["paths"][route.path_format]
            for method in route.methods or ():
                for status, answer in route.responses.items():
                    for media, content in answer.get("content", {}).items():
                        if "example" in content:
                            documented = item[method.lower()]["responses"][str(status)]
                            documented["content"][media]["example"] = content["example"]


router = APIRouter(include_in_schema=False)


@router.get("/docs")
async def docs(request: Request) -> HTMLResponse:
    """Swagger UI, with every file it needs served by the relay itself."""
    root = request.scope.get("root_path", "").rstrip("/")
    page = get_swagger_ui_html(
        openapi_url=f"{root}/openapi.json", title=f"{TITLE} API",
        swagger_js_url=f"{root}/docs/swagger-ui-bundle.js",
        swagger_css_url=f"{root}/docs/swagger-ui.css",
        swagger_favicon_url=f"{root}/docs/favicon-32x32.png",
        # The default online validator would call a third-party host from the page.
        swagger_ui_parameters={"validatorUrl": None, "tryItOutEnabled": True},
    )
    page.headers["Content-Security-Policy"] = docs_policy(bytes(page.body))
    page.headers["X-Frame-Options"] = NOT_FRAMED
    return page


@router.get("/docs/{asset}")
async def docs_asset(asset: str) -> Response:
    media_type = _ASSETS.get(asset)
    if media_type is None:
        return error_response(404, "not_found", "no such file; the API docs are at /docs")
    path = Path(str(swagger_ui_path)) / asset
    return FileResponse(path, media_type=media_type,
                        headers={"Cache-Control": "public, max-age=86400"})
