-- AlterTable
ALTER TABLE "change_requests" ADD COLUMN     "changes" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
ADD COLUMN     "diff" JSONB,
ADD COLUMN     "kind" TEXT NOT NULL DEFAULT 'change',
ADD COLUMN     "milestone_id" TEXT,
ADD COLUMN     "ops" JSONB,
ADD COLUMN     "requested_by" TEXT,
ALTER COLUMN "expires_at" DROP NOT NULL;

-- AlterTable
ALTER TABLE "contracts" ADD COLUMN     "deposits_cents" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "end_prompt" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "escrow_cents" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "fee_charged" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "fees_cents" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "initiation_fee_cents" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "project_funds_cents" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "refunds_cents" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "releases_cents" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "seq" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "milestones" (
    "contract_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "due_date" DATE,
    "amount_cents" INTEGER NOT NULL,
    "funded_cents" INTEGER NOT NULL DEFAULT 0,
    "released_cents" INTEGER NOT NULL DEFAULT 0,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "milestones_pkey" PRIMARY KEY ("contract_id","id")
);

-- CreateTable
CREATE TABLE "ledger_entries" (
    "id" BIGSERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "contract_id" TEXT NOT NULL,
    "milestone_id" TEXT,
    "kind" TEXT NOT NULL,
    "amount_cents" BIGINT NOT NULL,
    "seq" INTEGER NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_entries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" BIGSERIAL NOT NULL,
    "contract_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "command" TEXT NOT NULL,
    "actor_id" TEXT NOT NULL,
    "before" JSONB,
    "after" JSONB NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "run_id" TEXT NOT NULL,
    "activity_id" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notifications" (
    "id" TEXT NOT NULL,
    "contract_id" TEXT NOT NULL,
    "recipient_id" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "email_state" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "provider_id" TEXT,
    "last_error" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "emailed_at" TIMESTAMP(3),

    CONSTRAINT "notifications_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "in_app_messages" (
    "id" BIGSERIAL NOT NULL,
    "notification_id" TEXT NOT NULL,
    "recipient_id" TEXT NOT NULL,
    "contract_id" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "read_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "in_app_messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "feature_flags" (
    "user_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "feature_flags_pkey" PRIMARY KEY ("user_id","name")
);

-- CreateIndex
CREATE UNIQUE INDEX "milestones_contract_id_position_key" ON "milestones"("contract_id", "position");

-- CreateIndex
CREATE UNIQUE INDEX "ledger_entries_key_key" ON "ledger_entries"("key");

-- CreateIndex
CREATE INDEX "ledger_entries_contract_id_seq_idx" ON "ledger_entries"("contract_id", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "audit_events_contract_id_seq_key" ON "audit_events"("contract_id", "seq");

-- CreateIndex
CREATE INDEX "notifications_recipient_id_created_at_idx" ON "notifications"("recipient_id", "created_at");

-- CreateIndex
CREATE INDEX "notifications_email_state_idx" ON "notifications"("email_state");

-- CreateIndex
CREATE UNIQUE INDEX "in_app_messages_notification_id_key" ON "in_app_messages"("notification_id");

-- CreateIndex
CREATE INDEX "in_app_messages_recipient_id_created_at_idx" ON "in_app_messages"("recipient_id", "created_at");

-- CreateIndex
CREATE INDEX "change_requests_contract_id_state_idx" ON "change_requests"("contract_id", "state");

-- CreateIndex
CREATE INDEX "contracts_client_id_idx" ON "contracts"("client_id");

-- CreateIndex
CREATE INDEX "contracts_freelancer_id_idx" ON "contracts"("freelancer_id");

-- AddForeignKey
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_client_id_fkey" FOREIGN KEY ("client_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_freelancer_id_fkey" FOREIGN KEY ("freelancer_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "milestones" ADD CONSTRAINT "milestones_contract_id_fkey" FOREIGN KEY ("contract_id") REFERENCES "contracts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_contract_id_fkey" FOREIGN KEY ("contract_id") REFERENCES "contracts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_contract_id_fkey" FOREIGN KEY ("contract_id") REFERENCES "contracts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_contract_id_fkey" FOREIGN KEY ("contract_id") REFERENCES "contracts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_recipient_id_fkey" FOREIGN KEY ("recipient_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "in_app_messages" ADD CONSTRAINT "in_app_messages_notification_id_fkey" FOREIGN KEY ("notification_id") REFERENCES "notifications"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "in_app_messages" ADD CONSTRAINT "in_app_messages_recipient_id_fkey" FOREIGN KEY ("recipient_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "feature_flags" ADD CONSTRAINT "feature_flags_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Constraints Prisma's schema cannot express: the database refuses states the rules forbid (R4, R5, R10).
ALTER TABLE "contracts"
  ADD CONSTRAINT "contracts_status_check" CHECK ("status" IN ('open', 'ended')),
  ADD CONSTRAINT "contracts_parties_check" CHECK ("client_id" <> "freelancer_id"),
  ADD CONSTRAINT "contracts_money_check" CHECK (
    "deposits_cents" >= 0 AND "fees_cents" >= 0 AND "releases_cents" >= 0 AND "refunds_cents" >= 0
    AND "escrow_cents" >= 0 AND "project_funds_cents" >= 0 AND "initiation_fee_cents" >= 0
    AND "deposits_cents" = "fees_cents" + "releases_cents" + "refunds_cents" + "escrow_cents" + "project_funds_cents");
ALTER TABLE "milestones"
  ADD CONSTRAINT "milestones_state_check" CHECK ("state" IN ('pending', 'active', 'submitted', 'released')),
  ADD CONSTRAINT "milestones_amount_check" CHECK ("amount_cents" BETWEEN 500 AND 100000000),
  ADD CONSTRAINT "milestones_money_check" CHECK ("funded_cents" >= 0 AND "released_cents" >= 0 AND "released_cents" <= "funded_cents"),
  ADD CONSTRAINT "milestones_position_check" CHECK ("position" <> 0);
ALTER TABLE "ledger_entries"
  ADD CONSTRAINT "ledger_entries_kind_check" CHECK ("kind" IN ('deposit', 'fee', 'escrow_hold', 'release', 'escrow_return', 'refund')),
  ADD CONSTRAINT "ledger_entries_amount_check" CHECK ("amount_cents" > 0);
ALTER TABLE "change_requests"
  ADD CONSTRAINT "change_requests_kind_check" CHECK ("kind" IN ('change', 'proposal')),
  ADD CONSTRAINT "change_requests_state_check" CHECK ("state" IN ('pending', 'approved', 'rejected', 'withdrawn', 'canceled', 'expired'));
ALTER TABLE "notifications"
  ADD CONSTRAINT "notifications_email_state_check" CHECK ("email_state" IN ('pending', 'sent', 'skipped', 'failed'));

-- The ledger is append-only (R10): corrections are new entries, never edits.
CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger_entries is append-only; % refused', TG_OP;
END;
$$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON "ledger_entries"
  FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();
