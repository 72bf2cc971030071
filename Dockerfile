# syntax=docker/dockerfile:1
# County party-building portal: one image for the web (gunicorn), the Celery worker and beat.
# Build: docker compose build      Run: see docker-compose.yml and .env.example
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=portal.settings \
    MEDIA_ROOT=/data/media \
    GUNICORN_CMD_ARGS="--workers 3 --threads 4 --timeout 120 --graceful-timeout 30 --access-logfile -"

# WeasyPrint 70 loads Pango, PangoFT2, HarfBuzz(-subset) and fontconfig at run time;
# WenQuanYi Micro Hei is the CJK font the PDF reports embed (TrueType: fast to subset);
# postgresql-client brings pg_dump/pg_restore for `manage.py backup` and `restore`.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        fontconfig \
        fonts-wqy-microhei \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        postgresql-client \
        shared-mime-info \
    && rm -rf /var/lib/apt/lists/* \
    && fc-cache -f

RUN groupadd --system --gid 1000 portal \
    && useradd --system --uid 1000 --gid portal --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin portal \
    && python -m venv "$VIRTUAL_ENV"

# Dependencies first, from pyproject.toml alone, so code changes keep this layer cached.
# The project declares `packages = []`: installing it installs only its dependencies.
COPY pyproject.toml /tmp/src/
RUN pip install --upgrade pip \
    && pip install /tmp/src \
    && rm -rf /tmp/src \
    && python -c "import weasyprint, psycopg, celery, django; print('deps ok')"

WORKDIR /app
COPY . /app

# Static files are collected with the production storage (hashed names + staticfiles.json
# manifest), which production settings need at run time; the key here is throwaway.
RUN DJANGO_ENV=production \
    DJANGO_ALLOWED_HOSTS=build.invalid \
    DJANGO_SECRET_KEY="collectstatic-only-$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    python manage.py collectstatic --noinput -v 1 \
    && mkdir -p /data/media \
    && chown portal:portal /data/media /app/var

# Code and static files stay root-owned (read-only for the app); media is a volume.
USER portal
EXPOSE 8000

# gunicorn.conf.py takes workers and threads from WEB_CONCURRENCY and GUNICORN_THREADS.
CMD ["gunicorn", "portal.wsgi:application", "--config", "gunicorn.conf.py"]
