-- Issue 13: commands sent as signals on contract-<id> that the rules refused are recorded here (a signal
-- cannot answer its sender), beside the audit trail.
-- CreateTable
CREATE TABLE "refused_signals" (
    "id" TEXT NOT NULL,
    "contract_id" TEXT NOT NULL,
    "signal" TEXT NOT NULL,
    "actor_id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "rule" TEXT,
    "message" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "run_id" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "refused_signals_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "refused_signals_contract_id_at_idx" ON "refused_signals"("contract_id", "at");

-- AddForeignKey
ALTER TABLE "refused_signals" ADD CONSTRAINT "refused_signals_contract_id_fkey" FOREIGN KEY ("contract_id") REFERENCES "contracts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
