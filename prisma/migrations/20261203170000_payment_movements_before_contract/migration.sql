-- An offer's deposit (R30) is charged through the provider before the create that records it is stored,
-- so its movement row is written before the contract's row exists. The movement is keyed by the ledger
-- entry and names its contract; the contract id stays indexed, without a foreign key.
-- DropForeignKey
ALTER TABLE "payment_movements" DROP CONSTRAINT "payment_movements_contract_id_fkey";
