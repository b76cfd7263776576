# The worker's and the API's image (docker-compose.yml builds it for both): Node 24 LTS, exactly the
# lockfile's production packages (no devDependencies: no compilers, test servers or the embedded
# PostgreSQL), and the generated Prisma client. NODE_ENV=production makes the Prisma wrapper refuse a
# silent fallback to its offline engine (prisma/offline-engine/README.md) and makes WEBHOOK_SECRET_KEYS
# required. The command picks the process: `npm run worker` (the default) or `npm run api`.
# The `migrate` target keeps the development packages (the Prisma CLI applies migrations, `npm run db:deploy`):
# a one-shot container, never the long-running ones.
FROM node:24-bookworm-slim AS migrate
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --include=dev --no-audit --no-fund
COPY . .
RUN npm run db:generate && chown -R node:node /app
USER node
CMD ["npm", "run", "db:deploy"]

FROM node:24-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY . .
# The client generated in the migrate stage (the generator is a development package).
COPY --from=migrate /app/generated ./generated
RUN chown -R node:node /app
USER node
EXPOSE 3000
CMD ["npm", "run", "worker"]
