-- Free text out of workflow state: milestone titles and descriptions by reference (txt:<sha-256 prefix>).
-- Filled by the persistence activity; rows from before are found in milestones and change_requests and
-- added here the first time a reference is looked up.
-- CreateTable
CREATE TABLE "contract_texts" (
    "contract_id" TEXT NOT NULL,
    "ref" TEXT NOT NULL,
    "text" TEXT NOT NULL,

    CONSTRAINT "contract_texts_pkey" PRIMARY KEY ("contract_id","ref")
);

-- AddForeignKey
ALTER TABLE "contract_texts" ADD CONSTRAINT "contract_texts_contract_id_fkey" FOREIGN KEY ("contract_id") REFERENCES "contracts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
