# Threadwise: the Slack bot. A build stage compiles the TypeScript (TypeScript is a devDependency); the image runs
# the compiled JavaScript with production dependencies only, so a start pays for no TypeScript loader.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Only the compiler is needed here; install scripts (sharp's native binary) run in the runtime stage.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY --from=build /app/dist ./dist
# `threadwise eval` reads its suites (and their images) from evals/ by default.
COPY evals ./evals
USER node
EXPOSE 3000
# SIGTERM stops taking events and lets running answers finish (up to 30 s) before exiting.
STOPSIGNAL SIGTERM
# The node flags are the ones of `npm start` (package.json; a test keeps the two the same): source maps keep stack
# traces on src/ lines; the heap flags keep V8 from sizing the heap for throughput on a big machine (8 MB young
# semi-spaces, 1 GB old generation: docs/benchmarks.md measured RSS, heap and CPU per turn for each choice).
CMD ["node", "--enable-source-maps", "--max-semi-space-size=8", "--max-old-space-size=1024", "bin/threadwise.js", "start"]
