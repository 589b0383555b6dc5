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
COPY . .
ENV PATH=/app/.berrys-tools/node_modules/.bin:$PATH \
    REFLEX_TELEMETRY_ENABLED=false REFLEX_CHECK_LATEST_VERSION=false \
    LITELLM_LOCAL_MODEL_COST_MAP=True HF_HUB_OFFLINE=1 BERRYS_DATA_DIR=/data BERRYS_HOST=0.0.0.0
EXPOSE 3000
CMD ["python", "-m", "berrys_app", "up", "--workers", "0"]
