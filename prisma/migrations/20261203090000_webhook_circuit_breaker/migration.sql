-- R29: each endpoint's circuit breaker (failures in a row, openings in a row, open until), kept on its row so
-- every worker sees it, and why the breaker disabled an endpoint (shown to its owner).
ALTER TABLE "webhook_endpoints" ADD COLUMN "consecutive_failures" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "circuit_opens" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "circuit_open_until" TIMESTAMP(3),
ADD COLUMN "disabled_reason" TEXT;
