// zod schemas of every command body, shared by the API (validation, OpenAPI) and tests.
import { z } from 'zod';

export const idSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only');

export const createContractBody = z
  .object({
    title: z.string().trim().min(1).max(200),
    freelancerId: idSchema,
  })
  .strict();
export type CreateContractBody = z.infer<typeof createContractBody>;
