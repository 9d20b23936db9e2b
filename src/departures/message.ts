import * as z from 'zod';
import { InvalidRequestError } from '../errors';
import { formatIssues } from '../util/zod';

/**
 * The normalized departure the HR webhook queues and the revocation worker consumes: one person, one event.
 * `id` is stable across the sender's retries (the worker is idempotent on it) and safe as an IAM tag value
 * (it becomes the run id, tagged `offboarding:run` on the revoked users).
 */
export interface DepartureMessage {
  /** `<provider>:<token>`; token from the sender's event id, or a hash of what identifies the event. */
  readonly id: string;
  readonly provider: string;
  readonly person: { readonly employeeId?: string; readonly email?: string };
  /** When the departure happened (or takes effect), as the sender says; ISO 8601. */
  readonly occurredAt: string;
  readonly reason?: string;
  /** When the webhook received it; ISO 8601. */
  readonly receivedAt: string;
}

/** Characters IAM accepts in a tag value, which DynamoDB keys and SNS text accept too. */
export const DEPARTURE_ID_PATTERN = /^[A-Za-z0-9_.:=+@-]{1,200}$/;

const noControl = /^[^\p{Cc}]*$/u;

/** An HR employee id: 1-256 characters without control characters, numbers accepted as text. */
export const employeeIdSchema = z
  .union([z.string(), z.number().int().nonnegative()])
  .transform((v) => String(v).trim())
  .pipe(z.string().min(1).max(256).regex(noControl, 'must not contain control characters'));

/**
 * A work email as HR systems send it. Deliberately loose (one `@`, no spaces): the engine matches it to IAM
 * user tags case-insensitively, and rejecting an odd but real address would drop a departure.
 */
export const emailSchema = z
  .string()
  .trim()
  .max(256)
  .regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address');

export const reasonSchema = z.string().trim().min(1).max(1024).regex(noControl);

const isoTime = z.iso.datetime({ offset: true });

export const personSchema = z
  .object({ employeeId: employeeIdSchema.optional(), email: emailSchema.optional() })
  .refine((p) => p.employeeId !== undefined || p.email !== undefined, {
    message: 'must name the person by employeeId or email',
  });

/** Unknown fields are dropped, not rejected: a newer receiver may add some before the worker is updated. */
export const departureMessageSchema = z.object({
  id: z.string().regex(DEPARTURE_ID_PATTERN, 'must be a departure id'),
  provider: z.string().min(1).max(64),
  person: personSchema,
  occurredAt: isoTime,
  reason: reasonSchema.optional(),
  receivedAt: isoTime,
});

/** Zod issues as `path: message` lines, for InvalidRequestError (the root named `(message)`). */
export const issuesOf = (error: z.ZodError) => formatIssues(error, '(message)');

/**
 * Parses a queued departure.
 * @throws InvalidRequestError when the body is not JSON or not a departure (never retried).
 * @example
 * const message = parseDepartureMessage(record.body);
 */
export function parseDepartureMessage(body: string): DepartureMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new InvalidRequestError('departure message is not JSON');
  }
  const r = departureMessageSchema.safeParse(json);
  if (!r.success) throw new InvalidRequestError('invalid departure message', issuesOf(r.error));
  return r.data;
}
