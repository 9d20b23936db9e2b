import * as z from 'zod';
import { InvalidRequestError } from '../errors';
import { formatIssues } from '../util/zod';

/**
 * The normalized departure the HR webhook queues and the revocation worker consumes: one person, one event.
 * `id` is stable across the sender's retries (the worker is idempotent on it) and safe as an IAM tag value
 * (it becomes the run id, tagged `offboarding:run` on the revoked users).
 */
export interface DepartureMessage {
  /** Absent on departures (`departure` accepted): only a {@link CancellationMessage} names its kind. */
  readonly kind?: 'departure';
  /** `<provider>:<token>`; token from the sender's event id, or a hash of what identifies the event. */
  readonly id: string;
  readonly provider: string;
  readonly person: { readonly employeeId?: string; readonly email?: string };
  /** When the departure happened (or takes effect), as the sender says; ISO 8601. */
  readonly occurredAt: string;
  readonly reason?: string;
  /** When the webhook received it; ISO 8601. */
  readonly receivedAt: string;
  /**
   * When the departure takes effect, where the sender says so (ISO 8601): further ahead than
   * `SCHEDULE_MIN_LEAD_MINUTES`, the worker schedules it instead of revoking on receipt. Absent or past: now.
   */
  readonly effectiveAt?: string;
  /**
   * Set only on the message a schedule delivers (the time it was scheduled for): the departure is due and is
   * never scheduled again. It is also its own idempotency key with the id (`<id>@<scheduledFor>`), so the
   * record of the scheduling run does not swallow it.
   */
  readonly scheduledFor?: string;
}

/** A person as a message names them: an employee id, an email, or both. */
export type Person = DepartureMessage['person'];

/**
 * A cancellation: the person is staying (standard `employee.departure_cancelled`, BambooHR status back to
 * Active, Okta `user.lifecycle.reactivate` / `unsuspend`). The worker cancels the person's scheduled departures.
 * The person is under `cancelFor`, never `person`: a worker that predates cancellations finds no person and
 * drops the message as malformed, it cannot read it as a departure and revoke.
 */
export interface CancellationMessage {
  readonly kind: 'cancellation';
  /** `<provider>:<token>`, as a departure id (the worker handles it once per id). */
  readonly id: string;
  readonly provider: string;
  readonly cancelFor: Person;
  /** When the sender says the cancellation happened; ISO 8601. */
  readonly occurredAt: string;
  readonly reason?: string;
  readonly receivedAt: string;
}

/** What the departure queue carries: a departure (scheduled ahead, due, or now) or a cancellation. */
export type QueuedMessage = DepartureMessage | CancellationMessage;

/** True for a cancellation. */
export const isCancellation = (m: QueuedMessage): m is CancellationMessage =>
  'kind' in m && m.kind === 'cancellation';

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

const messageId = z.string().regex(DEPARTURE_ID_PATTERN, 'must be a departure id');
const providerName = z.string().min(1).max(64);

/**
 * Unknown fields are dropped, not rejected: a newer receiver may add some before the worker is updated. A
 * `kind` other than `departure` is refused, so a cancellation is never read as a departure.
 */
export const departureMessageSchema = z.object({
  kind: z.literal('departure').optional(),
  id: messageId,
  provider: providerName,
  person: personSchema,
  occurredAt: isoTime,
  reason: reasonSchema.optional(),
  receivedAt: isoTime,
  effectiveAt: isoTime.optional(),
  scheduledFor: isoTime.optional(),
});

/** A queued cancellation (unknown fields dropped). */
export const cancellationMessageSchema = z.object({
  kind: z.literal('cancellation'),
  id: messageId,
  provider: providerName,
  cancelFor: personSchema,
  occurredAt: isoTime,
  reason: reasonSchema.optional(),
  receivedAt: isoTime,
});

/**
 * The schema of a queued message, by its `kind`: a cancellation's, else a departure's (so a refusal lists the
 * issues of the message meant).
 */
export function queuedMessageSchemaOf(json: unknown): z.ZodType<QueuedMessage> {
  const kind = json && typeof json === 'object' ? (json as { kind?: unknown }).kind : undefined;
  return kind === 'cancellation' ? cancellationMessageSchema : departureMessageSchema;
}

/** Zod issues as `path: message` lines, for InvalidRequestError (the root named `(message)`). */
export const issuesOf = (error: z.ZodError) => formatIssues(error, '(message)');

/**
 * Parses a queued departure.
 * @throws InvalidRequestError when the body is not JSON or not a departure (never retried).
 * @example
 * const message = parseDepartureMessage(record.body);
 */
export function parseDepartureMessage(body: string): DepartureMessage {
  const json = parseJson(body);
  return parseWith(departureMessageSchema, json);
}

/**
 * Parses a message of the departure queue: a departure or a cancellation.
 * @throws InvalidRequestError when the body is not JSON or neither (never retried).
 */
export function parseQueuedMessage(body: string): QueuedMessage {
  const json = parseJson(body);
  return parseWith(queuedMessageSchemaOf(json), json);
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new InvalidRequestError('departure message is not JSON');
  }
}

function parseWith<T>(schema: z.ZodType<T>, json: unknown): T {
  const r = schema.safeParse(json);
  if (!r.success) throw new InvalidRequestError('invalid departure message', issuesOf(r.error));
  return r.data;
}
