# The production image: gunicorn for `web`, Celery for `worker` and `beat` (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY requirements.txt build-constraints.txt ./
# XStatic-Bootstrap ships only an sdist whose setup needs pkg_resources (setuptools < 81).
RUN pip install pip==26.3 \
    && pip install --build-constraint build-constraints.txt -r requirements.txt

# The code stays owned by root: the app user can read it, not change it. Only var/ (Celery beat's
# schedule file, gunicorn's control socket) is writable.
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin tracker
COPY . .
RUN mkdir -p var && chown tracker:tracker var \
    && chmod 0755 docker/entrypoint.sh \
    # Static files are collected at build time; the key only satisfies the settings import.
    && DEBUG=false SECRET_KEY=collectstatic-at-build-time-only python manage.py collectstatic --noinput

USER tracker
EXPOSE 8000
ENTRYPOINT ["/app/docker/entrypoint.sh"]
# Binds 0.0.0.0:8000; logs (access lines too) to stdout in LOG_FORMAT, like Django and Celery.
CMD ["gunicorn", "tracker.wsgi", "--config", "docker/gunicorn.conf.py"]
