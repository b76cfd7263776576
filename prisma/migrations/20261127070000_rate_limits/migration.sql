-- Rate-limit counters shared by every API process (rate-limiter-flexible's PostgreSQL store), in the
-- shape the library reads and writes; the API sets tableCreated, so nothing creates tables at run time.
-- CreateTable
CREATE TABLE "rate_limits" (
    "key" VARCHAR(255) NOT NULL,
    "points" INTEGER NOT NULL DEFAULT 0,
    "expire" BIGINT,

    CONSTRAINT "rate_limits_pkey" PRIMARY KEY ("key")
);
