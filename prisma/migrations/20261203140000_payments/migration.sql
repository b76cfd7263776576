-- Payments through a provider: users' provider ids, and what the provider did for each ledger entry
-- that crosses the platform's boundary.
-- AlterTable
ALTER TABLE "users" ADD COLUMN     "payment_customer_id" TEXT,
ADD COLUMN     "payment_method_id" TEXT,
ADD COLUMN     "payout_account_id" TEXT;

-- CreateTable
CREATE TABLE "payment_movements" (
    "key" TEXT NOT NULL,
    "contract_id" TEXT NOT NULL,
    "milestone_id" TEXT,
    "type" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "amount_cents" BIGINT NOT NULL,
    "status" TEXT NOT NULL,
    "reference" TEXT,
    "code" TEXT,
    "reason" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "payment_movements_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "payment_movements_contract_id_idx" ON "payment_movements"("contract_id");

-- CreateIndex
CREATE INDEX "payment_movements_status_idx" ON "payment_movements"("status");

-- CreateIndex
CREATE INDEX "payment_movements_reference_idx" ON "payment_movements"("reference");
