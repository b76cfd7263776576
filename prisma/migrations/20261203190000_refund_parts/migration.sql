-- A refund's split over the contract's charges, stored before its first request so that every retry sends
-- the same parts under the same idempotency keys, and a part carried out is never asked again.
-- AlterTable
ALTER TABLE "payment_movements" ADD COLUMN "parts" JSONB;
