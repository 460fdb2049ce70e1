# The graph-registry API image: the web UI is built in a Node stage, the package installed in a slim Python stage.
FROM node:20-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci
COPY web/ ./
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md hatch_build.py ./
COPY graph_registry ./graph_registry
COPY cypher ./cypher
COPY launcher ./launcher
COPY --from=web /src/graph_registry/_web ./graph_registry/_web
RUN pip install . && useradd --system --uid 10001 registry
USER registry
WORKDIR /home/registry
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["graph-registry", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
