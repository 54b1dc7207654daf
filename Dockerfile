# syntax=docker/dockerfile:1
# Production image. The supervisor is PID 1, started with `node` directly (not npm) so
# SIGTERM (drain and stop) and SIGHUP (rolling reload) reach it.

# --- dependencies: production only, from the lockfile
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node package.json openapi.json ./
# src/ only: development tools (tools/, the Paystack simulator), tests and benchmarks stay out.
COPY --chown=node:node src ./src
# The image's own user, never root.
USER node
EXPOSE 3000
# Liveness only (no dependency calls); readiness belongs to the orchestrator's /readyz probe.
# 5 s timeout: /healthz answers in a millisecond unless the process is wedged.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node directly (not npm): signals reach the supervisor, which drains and reloads workers.
CMD ["node", "--import", "tsx", "src/main.ts"]
