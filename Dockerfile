# syntax=docker/dockerfile:1
# faceflow: one image, every role. `docker run IMAGE <role>` with role = all | api | worker |
# recognizer | redeemer | migrate (the argument goes to `faceflow`, i.e. `node bin/faceflow.js`).

# --- deps: production dependencies only. Native modules (better-sqlite3, sharp) install their
# prebuilt binaries; the toolchain is here for when one has to be compiled. .npmrc tells
# onnxruntime-node's install script not to download anything: its CPU binaries ship in the package.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
COPY tools/web-types/package.json ./tools/web-types/
RUN npm ci --omit=dev && npm cache clean --force

# --- web: the UI is built once with the dev toolchain (Vite); only web/dist goes into the image.
FROM node:24-bookworm-slim AS web
WORKDIR /app
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
COPY tools/web-types/package.json ./tools/web-types/
RUN npm ci
COPY web ./web
RUN npm run build

# --- runtime: no compiler, no npm cache, not root.
FROM node:24-bookworm-slim AS runtime
ENV HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/var/lib/faceflow
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --chown=root:root package.json ./
COPY --chown=root:root bin ./bin
COPY --chown=root:root src ./src
# The face detector's ONNX weights (models/NOTICE.md); every other model ships inside an npm package.
COPY --chown=root:root models ./models
# The engine's tfjs networks converted to ONNX at build time (ADR 0011), so the read-only image
# starts on ONNX Runtime without converting them again in each container.
COPY --chown=root:root scripts/models-onnx.ts ./scripts/models-onnx.ts
RUN node --import tsx scripts/models-onnx.ts && rm -r scripts
# The built UI only (no web sources, so the api role never tries to rebuild it).
COPY --from=web --chown=root:root /app/web/dist ./web/dist
# The code is owned by root and read-only to the app user; only DATA_DIR is writable.
RUN mkdir -p /var/lib/faceflow && chown 1000:1000 /var/lib/faceflow
# uid 1000 is the `node` user of the base image; numeric so Kubernetes can verify runAsNonRoot.
USER 1000:1000
VOLUME ["/var/lib/faceflow"]
EXPOSE 8080
# For the HTTP roles (all, api); compose and Kubernetes set their own checks per role.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/bin/faceflow.js"]
CMD ["all"]
