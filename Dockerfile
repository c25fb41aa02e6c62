# Threadwise: the Slack bot, run from its TypeScript sources through tsx (a runtime dependency).
FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
# `threadwise eval` reads its suites (and their images) from evals/ by default.
COPY evals ./evals
USER node
EXPOSE 3000
# SIGTERM stops taking events and lets running answers finish (up to 30 s) before exiting.
STOPSIGNAL SIGTERM
CMD ["node", "bin/threadwise.js", "start"]
