-- A key belongs to its first request for good: its row is kept, only the stored answer expires (the
-- answer sweep deletes answers past 24 hours). Takeovers no longer move created_at, the key's birth.
-- AlterTable
ALTER TABLE "idempotency_keys" ADD COLUMN "claimed_at" TIMESTAMP(3);

-- DropIndex
DROP INDEX "idempotency_keys_created_at_idx";

-- CreateIndex
CREATE INDEX "idempotency_keys_state_created_at_idx" ON "idempotency_keys"("state", "created_at");
