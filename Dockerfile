# syntax=docker/dockerfile:1
# Production image: the compiled build (dist/) on Node 24 LTS, production dependencies
# only; no tsx, esbuild or TypeScript. The supervisor is PID 1, started with `node`
# directly (not npm) so SIGTERM (drain and stop) and SIGHUP (rolling reload) reach it.

# --- build: every dependency from the lockfile, then `npm run build` (tsc, assets copied).
# --ignore-scripts: the only install script in the tree is esbuild's (tsx's, a development
# tool not used by the build), and the client workspace's `prepare` is not needed here.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/client/package.json ./packages/client/
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs ./scripts/
COPY src ./src
RUN npm run build

# --- dependencies: production only, from the lockfile (none has an install script).
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/client/package.json ./packages/client/
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# --- runtime: dist/ and the production node_modules; no src/, no development tools
# (tools/, the Paystack simulator), tests or benchmarks.
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node package.json openapi.json ./
# scripts/build.mjs only so that `npm start`, `npm run doctor` and the other operator
# scripts work here too: with no src/ it builds nothing and they run dist/.
COPY --chown=node:node scripts/build.mjs ./scripts/
COPY --from=build --chown=node:node /app/dist ./dist
# The image's own user, never root.
USER node
EXPOSE 3000
# Liveness only (no dependency calls); readiness belongs to the orchestrator's /readyz probe.
# 5 s timeout: /healthz answers in a millisecond unless the process is wedged.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node directly (not npm): signals reach the supervisor, which drains and reloads workers.
# Source maps on: stack traces name the .ts files and lines.
CMD ["node", "--enable-source-maps", "dist/main.js"]
