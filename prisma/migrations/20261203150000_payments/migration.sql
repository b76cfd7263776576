-- Payments through a provider: what the provider did for each ledger entry that crosses the platform's
-- boundary (users' provider ids came with identity's migration).
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

-- AddForeignKey
ALTER TABLE "payment_movements" ADD CONSTRAINT "payment_movements_contract_id_fkey" FOREIGN KEY ("contract_id") REFERENCES "contracts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
