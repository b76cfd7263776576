-- Identity for marketplaces: platforms and their keys, users that belong to a platform (with the id its own
-- sign-in gives them), deactivation, payment provider ids, and tokens that expire and record their last use.
-- CreateTable
CREATE TABLE "platforms" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "platforms_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "platform_keys" (
    "id" TEXT NOT NULL,
    "platform_id" TEXT NOT NULL,
    "key_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "label" TEXT NOT NULL DEFAULT 'default',
    "scopes" TEXT[],
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3),
    "revoked_at" TIMESTAMP(3),
    "rotated_from" TEXT,
    "last_used_at" TIMESTAMP(3),

    CONSTRAINT "platform_keys_pkey" PRIMARY KEY ("id")
);

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
ADD COLUMN     "platform_id" TEXT,
ADD COLUMN     "external_id" TEXT,
ADD COLUMN     "deactivated_at" TIMESTAMP(3),
ADD COLUMN     "payment_method_id" TEXT,
ADD COLUMN     "payout_account_id" TEXT;

-- AlterTable
ALTER TABLE "api_tokens" ADD COLUMN     "expires_at" TIMESTAMP(3),
ADD COLUMN     "last_used_at" TIMESTAMP(3);

-- CreateIndex
CREATE UNIQUE INDEX "platform_keys_key_hash_key" ON "platform_keys"("key_hash");

-- CreateIndex
CREATE INDEX "platform_keys_platform_id_idx" ON "platform_keys"("platform_id");

-- CreateIndex
CREATE UNIQUE INDEX "users_platform_id_external_id_key" ON "users"("platform_id", "external_id");

-- CreateIndex
CREATE INDEX "users_platform_id_created_at_idx" ON "users"("platform_id", "created_at");

-- AddForeignKey
ALTER TABLE "platform_keys" ADD CONSTRAINT "platform_keys_platform_id_fkey" FOREIGN KEY ("platform_id") REFERENCES "platforms"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_platform_id_fkey" FOREIGN KEY ("platform_id") REFERENCES "platforms"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AlterTable
ALTER TABLE "audit_events" ADD COLUMN     "via" TEXT;
