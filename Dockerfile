# toast-relay container image.
#
#   docker build -t toast-relay .
#   docker run --env-file .env -p 8080:8080 -v toast-relay-data:/data toast-relay
#
# Two stages: the builder makes a virtualenv in /opt/venv (dependencies first, so
# that layer is rebuilt only when pyproject.toml or uv.lock changes, then the package); the
# runtime stage copies only that venv onto a clean slim image and runs as a
# non-root user. Configuration comes from the environment (see .env.example).

ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH

RUN python -m venv /opt/venv

WORKDIR /src

# Dependencies only, exactly as uv.lock pins them (with hashes), so this layer
# stays cached while only the source changes and every build gets the same
# versions. The `redis` extra is included, so the image can run as one of
# several replicas sharing REDIS_URL. uv (pinned, as in tasks.py) only exports
# the lock to a requirements file; pip installs it and checks every hash; uv
# stays out of /opt/venv and so out of the runtime image.
COPY pyproject.toml uv.lock ./
RUN /usr/local/bin/python -m pip install --no-cache-dir uv==0.13.9 \
    && /usr/local/bin/python -m uv export --frozen --no-dev --extra redis --no-emit-project \
       --format requirements-txt --output-file /tmp/requirements.txt \
    && pip install --no-cache-dir --require-hashes --no-deps -r /tmp/requirements.txt

# The package itself (README.md is the package's long description).
COPY README.md ./
COPY app/ ./app/
RUN pip install --no-cache-dir --no-deps . \
    && toast-relay --help > /dev/null


FROM ${PYTHON_IMAGE} AS runtime

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    RELAY_DATA_DIR=/data

# A fixed uid/gid so volumes and Kubernetes' runAsUser/fsGroup can refer to it.
RUN groupadd --system --gid 10001 relay \
    && useradd --system --uid 10001 --gid relay --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin relay \
    && mkdir -p /data \
    && chown relay:relay /data \
    && chmod 0700 /data

COPY --from=builder /opt/venv /opt/venv

# An empty working directory: pydantic-settings reads ./.env, and none belongs
# in the image (pass configuration with --env-file or the orchestrator).
WORKDIR /srv/toast-relay

# Last-good menus and, without Redis, the token live here across restarts.
# Declared after the chown so a new named volume starts out owned by relay.
VOLUME ["/data"]

USER 10001:10001

EXPOSE 8080

# slim has no curl: ask /healthz with the standard library.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status == 200 else 1)"]

# `docker run IMAGE check` runs another subcommand with the same configuration.
ENTRYPOINT ["toast-relay"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
