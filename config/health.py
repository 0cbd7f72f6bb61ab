from __future__ import annotations

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database (and the broker, unless eager) answer; 503 otherwise."""
    result = {"database": "ok", "broker": "eager"}
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        result["database"] = "down"
        healthy = False
    if settings.CELERY_BROKER_URL and not settings.CELERY_TASK_ALWAYS_EAGER:
        result["broker"] = _broker_status(settings.CELERY_BROKER_URL)
        healthy = healthy and result["broker"] == "ok"
    return JsonResponse(result, status=200 if healthy else 503)


def _broker_status(url: str) -> str:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
    except (redis.RedisError, OSError):
        return "down"
    return "ok"
