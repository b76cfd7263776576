-- Offers: a contract starts as the client's offer (status `offered`) until the freelancer accepts it. The
-- offer's version, expiry and how it ended (accepted, declined, withdrawn, expired; when, by whom).
-- NULL for contracts created before offers.
-- AlterTable
ALTER TABLE "contracts" ADD COLUMN "offer" JSONB;

-- An offer's status before acceptance, and the initiation fee returned when an offer closes unaccepted.
ALTER TABLE "contracts" DROP CONSTRAINT "contracts_status_check",
  ADD CONSTRAINT "contracts_status_check" CHECK ("status" IN ('offered', 'open', 'ended'));
ALTER TABLE "ledger_entries" DROP CONSTRAINT "ledger_entries_kind_check",
  ADD CONSTRAINT "ledger_entries_kind_check" CHECK ("kind" IN ('deposit', 'fee', 'escrow_hold', 'release', 'escrow_return', 'refund', 'fee_refund'));
