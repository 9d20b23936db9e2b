import * as z from 'zod';
import { emailSchema, employeeIdSchema, issuesOf } from '../../departures/message';
import { InvalidRequestError, SignatureError } from '../../errors';
import { logger } from '../../logger';
import { departureId, hmac, SIGNED_TIMESTAMP_TOLERANCE_MS, safeEqual } from '../crypto';
import type { Cancellation, Departure, Normalized, WebhookProvider, WebhookRequest } from '../types';

/**
 * Parses `X-BambooHR-Timestamp`, seen both as unix seconds and as ISO 8601 (`2026-01-31T18:42:00+0000`).
 * @returns epoch milliseconds, or undefined when it is neither.
 */
export function parseBambooTimestamp(value: string): number | undefined {
  const v = value.trim();
  if (/^\d{1,12}$/.test(v)) return Number(v) * 1000;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(v)) return undefined;
  const ms = Date.parse(v.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(ms) ? undefined : ms;
}

/** The field names BambooHR uses by default, and the camel-case aliases admins often configure. */
const STATUS_FIELDS = ['Employment Status', 'employmentStatus'];
const EMAIL_FIELDS = ['Work Email', 'workEmail'];
const TERMINATION_DATE_FIELDS = ['Termination Date', 'terminationDate'];

/**
 * When a termination takes effect, from BambooHR's `Termination Date` field: a date (`YYYY-MM-DD`, the last
 * day) takes effect at the end of that day in UTC (00:00 UTC the next day); a date-time with a zone at that
 * instant. Undefined when absent or unreadable (BambooHR's empty date `0000-00-00` among them): revoked now.
 */
export function terminationEffectiveAt(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (day) {
    const [y, m, d] = [Number(day[1]), Number(day[2]), Number(day[3])];
    const start = new Date(Date.UTC(y, m - 1, d));
    const real = start.getUTCFullYear() === y && start.getUTCMonth() === m - 1 && start.getUTCDate() === d;
    return real ? new Date(start.getTime() + 24 * 3600 * 1000).toISOString() : undefined;
  }
  const ms = /^\d{4}-/.test(value) ? parseBambooTimestamp(value) : undefined;
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

const fieldValue = z.union([z.string(), z.number(), z.boolean(), z.null()]).optional();

/** Field-based ("global") webhooks: the changed employees with the configured fields' values. */
const fieldBased = z.object({
  employees: z
    .array(
      z.object({
        id: employeeIdSchema,
        action: z.string().max(100).nullish(),
        timestamp: z.string().max(100).nullish(),
        changedFields: z.array(z.string()).nullish(),
        fields: z.record(z.string(), fieldValue).nullish(),
      }),
    )
    .max(1000),
});

/** Event-based webhooks: one event, identifiers only. */
const eventBased = z.object({
  type: z.string().min(1).max(200),
  timestamp: z.string().max(100).nullish(),
  data: z.object({ employeeId: employeeIdSchema.optional() }).loose().nullish(),
});

function pick(fields: Record<string, unknown> | null | undefined, names: readonly string[]) {
  for (const n of names) {
    const v = fields?.[n];
    if (typeof v === 'string' && v.trim()) return v.trim();
  }
  return undefined;
}

/** A timestamp from the body as ISO 8601, when it parses. */
function isoOf(value: string | null | undefined): string | undefined {
  const ms = value ? parseBambooTimestamp(value) : undefined;
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

const REASONS = {
  terminated: 'BambooHR Employment Status: Terminated',
  deleted: 'BambooHR employee deleted',
  reactivated: 'BambooHR Employment Status: back to Active',
} as const;

/** A termination or deletion (a departure) or a status back to Active (a cancellation) of one employee. */
function message(
  employeeId: string,
  email: string | undefined,
  kind: keyof typeof REASONS,
  bodyTimestamp: string | null | undefined,
  signedAt: string,
  effectiveAt?: string,
): Departure | Cancellation {
  const person = { employeeId, ...(email && emailSchema.safeParse(email).success ? { email } : {}) };
  const common = {
    // The body's own timestamp is stable across BambooHR's retries; the signed header is not.
    id: departureId('bamboohr', [employeeId, bodyTimestamp ?? '', kind]),
    provider: 'bamboohr',
    occurredAt: isoOf(bodyTimestamp) ?? signedAt,
    reason: REASONS[kind],
  };
  if (kind === 'reactivated') return { ...common, kind: 'cancellation', cancelFor: person };
  return { ...common, person, ...(effectiveAt ? { effectiveAt } : {}) };
}

type FieldEntry = z.infer<typeof fieldBased>['employees'][number];

/**
 * What one field-based entry means: deleted, terminated (effective at its termination date when one is
 * posted), its status changed back to Active (a cancellation), or nothing.
 */
function entryMessage(e: FieldEntry, signedAt: string): Departure | Cancellation | undefined {
  const status = pick(e.fields, STATUS_FIELDS)?.toLowerCase();
  const email = pick(e.fields, EMAIL_FIELDS);
  if (e.action?.toLowerCase() === 'deleted') return message(e.id, email, 'deleted', e.timestamp, signedAt);
  if (status === 'terminated') {
    const date = pick(e.fields, TERMINATION_DATE_FIELDS);
    const effectiveAt = terminationEffectiveAt(date);
    if (date && !effectiveAt) logger.warn('bamboohr termination date unreadable: revoked now', { date });
    return message(e.id, email, 'terminated', e.timestamp, signedAt, effectiveAt);
  }
  // Back to Active: only when the status itself changed (an entry lists its changed fields).
  const statusChanged = !e.changedFields || e.changedFields.some((f) => STATUS_FIELDS.includes(f));
  if (status === 'active' && statusChanged) return message(e.id, email, 'reactivated', e.timestamp, signedAt);
  return undefined;
}

/**
 * BambooHR. `X-BambooHR-Signature` is the hex HMAC-SHA256 of the raw body followed by
 * `X-BambooHR-Timestamp` (no separator); the timestamp must be within 5 minutes either way.
 * Departures: a field-based webhook whose `Employment Status` is `Terminated` (effective at its
 * `Termination Date` when the webhook posts that field) or whose action is `Deleted`, and the event-based
 * `employee.deleted`. Cancellations: a field-based entry whose `Employment Status` changed back to `Active`. Event-based `employee.updated` names changed fields without their
 * values, so it is ignored: subscribe a field-based webhook to Employment Status instead.
 */
export const bamboohrProvider: WebhookProvider = {
  name: 'bamboohr',

  verify(request: WebhookRequest, secrets: readonly string[], now: Date): void {
    const timestamp = request.headers['x-bamboohr-timestamp'];
    const signature = request.headers['x-bamboohr-signature']?.trim().toLowerCase();
    const at = timestamp ? parseBambooTimestamp(timestamp) : undefined;
    if (!timestamp || !signature || at === undefined) throw new SignatureError();
    if (Math.abs(now.getTime() - at) > SIGNED_TIMESTAMP_TOLERANCE_MS) throw new SignatureError();
    const matches = secrets.map((s) =>
      safeEqual(signature, hmac('sha256', s, [request.body, timestamp], 'hex')),
    );
    if (!matches.includes(true)) throw new SignatureError();
  },

  normalize(payload: unknown, request: WebhookRequest, now: Date): Normalized {
    const signedMs = parseBambooTimestamp(request.headers['x-bamboohr-timestamp'] ?? '');
    const signedAt = new Date(signedMs ?? now.getTime()).toISOString();
    if (payload && typeof payload === 'object' && 'employees' in payload) {
      const r = fieldBased.safeParse(payload);
      if (!r.success) throw new InvalidRequestError('invalid BambooHR payload', issuesOf(r.error));
      const departures = r.data.employees.flatMap((e) => entryMessage(e, signedAt) ?? []);
      return departures.length
        ? { kind: 'departures', departures }
        : { kind: 'ignored', reason: 'no terminated, deleted or reactivated employee' };
    }
    const r = eventBased.safeParse(payload);
    if (!r.success) throw new InvalidRequestError('invalid BambooHR payload', issuesOf(r.error));
    if (r.data.type !== 'employee.deleted') {
      if (r.data.type === 'employee.updated') {
        logger.info('bamboohr employee.updated ignored: it carries no field values');
      }
      return { kind: 'ignored', reason: `event type ${r.data.type} is not a departure` };
    }
    const employeeId = r.data.data?.employeeId;
    if (!employeeId) throw new InvalidRequestError('invalid BambooHR payload', ['data.employeeId: required']);
    return {
      kind: 'departures',
      departures: [message(employeeId, undefined, 'deleted', r.data.timestamp, signedAt)],
    };
  },
};
