# Production-like image: the same code path as `./berrys up`, with external PostgreSQL/Redis.
FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends build-essential cmake curl nodejs npm \
    bubblewrap libseccomp2 util-linux mount \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt requirements-nodeps.txt ./
# a portable llama.cpp build (AVX2 baseline, no AMX): the image may run on another CPU than the builder's
ENV CMAKE_ARGS="-DGGML_NATIVE=OFF"
RUN pip install --no-cache-dir -r requirements.txt && pip install --no-cache-dir --no-deps -r requirements-nodeps.txt
RUN npm install --prefix /app/.berrys-tools --no-audit --no-fund bun@1.4.4
# The processes run as an unprivileged user (uid/gid 10001, numeric so Kubernetes' runAsNonRoot can
# check it). The code stays root's and read-only to it; the user writes only /data (the dashboard's
# build dir and tab state under the launcher: REFLEX_WEB_WORKDIR / REFLEX_STATES_WORKDIR) and its
# home (bun's and Reflex's caches). The python tool's bubblewrap sandbox then runs each snippet in
# an unprivileged user namespace (docs/deploy.md: what the host must allow).
RUN groupadd --system --gid 10001 berrys \
    && useradd --system --uid 10001 --gid 10001 --home-dir /home/berrys --create-home --shell /usr/sbin/nologin berrys \
    && install -d -o 10001 -g 10001 -m 0750 /data
COPY . .
# bytecode compiled now: the user cannot write __pycache__ next to root's code
RUN python -m compileall -q berrys_app workers alembic
ENV PATH=/app/.berrys-tools/node_modules/.bin:$PATH HOME=/home/berrys \
    REFLEX_TELEMETRY_ENABLED=false REFLEX_CHECK_LATEST_VERSION=false \
    LITELLM_LOCAL_MODEL_COST_MAP=True HF_HUB_OFFLINE=1 BERRYS_DATA_DIR=/data BERRYS_HOST=0.0.0.0
USER 10001:10001
EXPOSE 3000
CMD ["python", "-m", "berrys_app", "up", "--workers", "0"]
