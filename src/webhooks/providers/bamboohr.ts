import * as z from 'zod';
import { emailSchema, employeeIdSchema, issuesOf } from '../../departures/message';
import { InvalidRequestError, SignatureError } from '../../errors';
import { logger } from '../../logger';
import { departureId, hmac, SIGNED_TIMESTAMP_TOLERANCE_MS, safeEqual } from '../crypto';
import type { Departure, Normalized, WebhookProvider, WebhookRequest } from '../types';

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

function departure(
  employeeId: string,
  email: string | undefined,
  kind: 'terminated' | 'deleted',
  bodyTimestamp: string | null | undefined,
  signedAt: string,
): Departure {
  return {
    // The body's own timestamp is stable across BambooHR's retries; the signed header is not.
    id: departureId('bamboohr', [employeeId, bodyTimestamp ?? '', kind]),
    provider: 'bamboohr',
    person: { employeeId, ...(email && emailSchema.safeParse(email).success ? { email } : {}) },
    occurredAt: isoOf(bodyTimestamp) ?? signedAt,
    reason: kind === 'terminated' ? 'BambooHR Employment Status: Terminated' : 'BambooHR employee deleted',
  };
}

/**
 * BambooHR. `X-BambooHR-Signature` is the hex HMAC-SHA256 of the raw body followed by
 * `X-BambooHR-Timestamp` (no separator); the timestamp must be within 5 minutes either way.
 * Departures: a field-based webhook whose `Employment Status` is `Terminated` (or whose action is `Deleted`),
 * and the event-based `employee.deleted`. Event-based `employee.updated` names changed fields without their
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
      const departures: Departure[] = [];
      for (const e of r.data.employees) {
        const status = pick(e.fields, STATUS_FIELDS)?.toLowerCase();
        const kind =
          e.action?.toLowerCase() === 'deleted'
            ? 'deleted'
            : status === 'terminated'
              ? 'terminated'
              : undefined;
        if (kind) departures.push(departure(e.id, pick(e.fields, EMAIL_FIELDS), kind, e.timestamp, signedAt));
      }
      return departures.length
        ? { kind: 'departures', departures }
        : { kind: 'ignored', reason: 'no terminated or deleted employee' };
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
      departures: [departure(employeeId, undefined, 'deleted', r.data.timestamp, signedAt)],
    };
  },
};
