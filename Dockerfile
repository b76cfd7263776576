# The worker's and the API's image (docker-compose.yml builds it once for both): Node 24 LTS, exactly the
# lockfile's packages, the generated Prisma client. NODE_ENV=production makes the Prisma wrapper refuse a
# silent fallback to its offline engine (prisma/offline-engine/README.md). The command picks the process:
# `npm run worker` (the default), `npm run api`, `npm run db:deploy`.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# Dev dependencies too: tsx runs the TypeScript sources and the Prisma CLI applies migrations (db:deploy).
RUN npm ci --include=dev --no-audit --no-fund
COPY . .
RUN npm run db:generate && chown -R node:node /app
USER node
EXPOSE 3000 9464
CMD ["npm", "run", "worker"]
