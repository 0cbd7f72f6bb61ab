# The production image: gunicorn serving Django (static files by whitenoise), also used by
# the Celery worker and beat services in docker-compose.yml.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production
WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --upgrade pip && pip install .
COPY . .
RUN pybabel compile -d locale -D django \
 && DJANGO_SECRET_KEY=build-only-not-a-secret-build-only-not-a-secret-xyz DJANGO_DEBUG=0 \
    DJANGO_SETTINGS_MODULE=config.settings.build python manage.py collectstatic --no-input
RUN useradd --create-home dx && chown -R dx /app
USER dx
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120", "--access-logfile", "-"]
