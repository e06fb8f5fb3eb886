"""The one place domain errors become HTTP responses: {"code", "message", "field"}."""

from __future__ import annotations

import logging

from litestar import MediaType, Request, Response
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import Scope

from crm.errors import (
    AccountLocked,
    AuthenticationFailed,
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from crm.security.sealing import SealBroken

log = logging.getLogger("crm.http")

# The API controllers' declared caching. The answer's one Cache-Control is set by
# crm.http_headers whatever a controller says; this keeps the OpenAPI schema telling the truth.
NO_STORE = CacheControlHeader(no_store=True)

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    InvalidInput: 422,
    NotFound: 404,
    PermissionDenied: 403,
    Conflict: 409,
    AuthenticationFailed: 401,
    AccountLocked: 423,
    RateLimited: 429,
}


def status_for(error: DomainError) -> int:
    for base, status in STATUS_BY_ERROR.items():
        if isinstance(error, base):
            return status
    return 400


def domain_error_handler(request: Request, exc: DomainError) -> Response:
    return Response(content=exc.as_dict(), status_code=status_for(exc), media_type=MediaType.JSON)


def validation_handler(request: Request, exc: ValidationException) -> Response:
    """Malformed bodies and wrong types from msgspec, in the same shape as rule errors."""
    extra = [e for e in exc.extra if isinstance(e, dict)] if isinstance(exc.extra, list) else []
    in_path = [e for e in extra if e.get("source") == "path"]
    if in_path:
        # A path names an object: an id no row can have (crm.http_params) names nothing.
        return Response(
            content={"code": "not_found", "message": "对象不存在 / Not found", "field": in_path[0].get("key")},
            status_code=404,
            media_type=MediaType.JSON,
        )
    first = extra[0] if extra else {}
    field = first.get("key")
    message = first.get("message") or exc.detail
    return Response(
        content={
            "code": "validation.invalid",
            "message": f"请求数据格式错误 / Invalid request: {message}",
            "field": field,
        },
        status_code=422,
        media_type=MediaType.JSON,
    )


def http_handler(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    code = {401: "auth.unauthenticated", 403: "permission.denied", 404: "not_found", 405: "method_not_allowed"}.get(
        status, f"http.{status}"
    )
    return Response(
        content={"code": code, "message": exc.detail, "field": None},
        status_code=status,
        media_type=MediaType.JSON,
        headers=getattr(exc, "headers", None) or None,
    )


def internal_handler(request: Request, exc: Exception) -> Response:
    if isinstance(exc, SealBroken):
        log.error("sealed value failed authentication on %s", request.url.path)
    else:
        log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return Response(
        content={"code": "internal", "message": "系统内部错误 / Internal error", "field": None},
        status_code=HTTP_500_INTERNAL_SERVER_ERROR,
        media_type=MediaType.JSON,
    )


async def audit_denial(exception: Exception, scope: Scope) -> None:
    """R-PM-05: every permission denial is recorded, whichever page or endpoint refused."""
    if not isinstance(exception, PermissionDenied):
        return
    from crm.audit import service as audit
    from crm.context import Origin

    actor = scope.get("state", {}).get("actor")
    client = scope.get("client")
    await audit.record_denial(
        ctx=scope["app"].state.ctx,
        username=actor.username if actor else None,
        origin=Origin(source_ip=client[0] if client else None),
        code=exception.code,
        target=scope.get("path", ""),
        details={"method": scope.get("method")},
    )


EXCEPTION_HANDLERS = {
    DomainError: domain_error_handler,
    ValidationException: validation_handler,
    NotAuthorizedException: http_handler,
    HTTPException: http_handler,
    Exception: internal_handler,
}
