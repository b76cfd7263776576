-- R16: every pending change request and proposal has a version, raised by each edit; views show it and
-- answers must name it. Who decided a closed request (a party, an operator, the system) is kept too.
-- AlterTable
ALTER TABLE "change_requests" ADD COLUMN     "decided_by" TEXT,
ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 0;
