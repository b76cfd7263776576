-- Offers: a contract starts as the client's offer (status `offered`) until the freelancer accepts it. The
-- offer's version, expiry and how it ended (accepted, declined, withdrawn, expired; when, by whom).
-- NULL for contracts created before offers.
-- AlterTable
ALTER TABLE "contracts" ADD COLUMN "offer" JSONB;
