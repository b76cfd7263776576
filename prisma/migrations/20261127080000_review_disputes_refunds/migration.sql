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

-- What the domain refuses, PostgreSQL refuses too (as for the columns before).
ALTER TABLE "milestones"
  DROP CONSTRAINT "milestones_state_check",
  ADD CONSTRAINT "milestones_state_check" CHECK ("state" IN ('pending', 'active', 'submitted', 'released', 'refunded')),
  ADD CONSTRAINT "milestones_review_check" CHECK ("refunded_cents" >= 0 AND "revision_rounds" >= 0);
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_review_window_check" CHECK ("review_window_days" BETWEEN 1 AND 30);
ALTER TABLE "users" ADD CONSTRAINT "users_role_check" CHECK ("role" IN ('member', 'operator'));
