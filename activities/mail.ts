// Email through the real Resend SDK (RESEND_BASE_URL is honoured by the SDK itself). resend returns
// { error } instead of throwing, so this turns its answer into a result or a MailError that says
// whether retrying can help.
import { Resend } from 'resend';

export interface OutgoingEmail {
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Resend keeps it 24 h: a retried send within that window creates no second email. */
  idempotencyKey: string;
}

export interface Mailer {
  send(email: OutgoingEmail): Promise<{ id: string }>;
}

export class MailError extends Error {
  override readonly name = 'MailError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status: number | null,
  ) {
    super(message);
  }
}

export interface ResendConfig {
  apiKey: string;
  from: string;
  baseUrl?: string;
  /** A request still unanswered after this is abandoned and retried (same idempotency key). */
  timeoutMs?: number;
}

/**
 * 429, 409 `concurrent_idempotent_requests` (the same key still in flight), 5xx and network failures can
 * succeed later; other 4xx cannot. A 409 `invalid_idempotent_request` (the key was used with another
 * payload) is final: retrying the same key can never send this email.
 */
export const isRetryable = (status: number | null, name?: string): boolean =>
  status === null || status === 429 || status >= 500 || (status === 409 && name !== 'invalid_idempotent_request');

export function createResendMailer(cfg: ResendConfig): Mailer {
  const resend = new Resend(cfg.apiKey, cfg.baseUrl ? { baseUrl: cfg.baseUrl } : undefined);
  return {
    async send(email) {
      let result;
      try {
        result = await resend.emails.send(
          { from: cfg.from, to: email.to, subject: email.subject, html: email.html, text: email.text },
          { idempotencyKey: email.idempotencyKey, signal: AbortSignal.timeout(cfg.timeoutMs ?? 15_000) } as never,
        );
      } catch (err) {
        throw new MailError(`email provider unreachable: ${(err as Error).message}`, true, null);
      }
      if (result.error) {
        const status = typeof result.error.statusCode === 'number' ? result.error.statusCode : null;
        const name = String(result.error.name);
        const retryable = isRetryable(status, name);
        throw new MailError(`email provider answered ${status ?? 'without a status'} ${name}: ${result.error.message}`, retryable, status);
      }
      if (!result.data?.id) throw new MailError('email provider answered without an id', true, null);
      return { id: result.data.id };
    },
  };
}

/** The configured mailer, or undefined in development (no RESEND_API_KEY): emails are then skipped and logged. */
export function mailerFromEnv(env: NodeJS.ProcessEnv = process.env): Mailer | undefined {
  if (!env.RESEND_API_KEY) return undefined;
  return createResendMailer({
    apiKey: env.RESEND_API_KEY,
    from: env.MAIL_FROM ?? 'Milestone contracts <notifications@milestones.example>',
    ...(env.RESEND_BASE_URL ? { baseUrl: env.RESEND_BASE_URL } : {}),
  });
}
