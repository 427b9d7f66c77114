# Digest's production image: gunicorn for the web; the same image runs the worker, beat and the
# migrations (compose.yaml). It is not built in this repository's CI, which has no Docker engine:
# `make lint` runs hadolint on it and tests/test_deploy_files.py checks every path and command it names.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DIGEST_SERVE_STATIC=1 \
    DIGEST_DATA_DIR=/data

WORKDIR /app

# Requirements first, so a change to the code does not reinstall them. newspaper3k goes in without its
# dependencies (requirements.txt says why).
COPY requirements.txt requirements-nodeps.txt ./
RUN pip install --no-cache-dir -r requirements.txt \
    && pip install --no-cache-dir --no-deps -r requirements-nodeps.txt

COPY manage.py ./
COPY config ./config
COPY reader ./reader
COPY summaries ./summaries
COPY templates ./templates
COPY static ./static

# Hashed, compressed static files, served by gunicorn itself (whitenoise). The settings need a secret to
# load; this one exists only for this step.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput --verbosity 0

# Not root: a process that is broken into gets no more than this user can do.
RUN useradd --system --uid 10001 --no-create-home --home-dir /app digest \
    && mkdir -p /data/imports \
    && chown digest /data /data/imports
# By number, so that a platform can check it is not root without looking inside the image.
USER 10001

EXPOSE 8000
CMD ["python", "-m", "gunicorn", "--config", "python:config.gunicorn", "--bind", "0.0.0.0:8000", "config.wsgi:application"]
