-- Issue 14: the review window per contract (R25), revision rounds (R26), refunds with consent (R27) and
-- disputes (R28) on milestones, and the operator role that resolves disputes with its own tokens.
-- AlterTable
ALTER TABLE "contracts" ADD COLUMN     "review_window_days" INTEGER NOT NULL DEFAULT 14;

-- AlterTable
ALTER TABLE "milestones" ADD COLUMN     "dispute" JSONB,
ADD COLUMN     "refund_request" JSONB,
ADD COLUMN     "refunded_cents" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "review_ends_at" TIMESTAMP(3),
ADD COLUMN     "revision_rounds" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "role" TEXT NOT NULL DEFAULT 'member';
