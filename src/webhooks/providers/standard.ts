import { Webhook } from 'standardwebhooks';
import * as z from 'zod';
import { emailSchema, employeeIdSchema, issuesOf, reasonSchema } from '../../departures/message';
import { InvalidRequestError, SignatureError, TransientError } from '../../errors';
import { logger } from '../../logger';
import { departureId, SIGNED_TIMESTAMP_TOLERANCE_MS, safeEqual } from '../crypto';
import type { Normalized, WebhookProvider, WebhookRequest } from '../types';

/** The event type that means "this person left" (now, or at `data.effectiveAt`). */
export const STANDARD_DEPARTURE_TYPE = 'employee.departed';
/** The event type that means "this person is staying after all": their scheduled departures are cancelled. */
export const STANDARD_CANCELLATION_TYPE = 'employee.departure_cancelled';

const isoTime = z.iso.datetime({ offset: true });

const envelope = z.object({ type: z.string().min(1).max(200) });
const event = z.object({
  type: z.enum([STANDARD_DEPARTURE_TYPE, STANDARD_CANCELLATION_TYPE]),
  timestamp: isoTime,
  data: z
    .object({
      employeeId: employeeIdSchema.optional(),
      email: emailSchema.optional(),
      effectiveAt: isoTime.optional(),
      reason: reasonSchema.optional(),
    })
    .refine((d) => d.employeeId !== undefined || d.email !== undefined, {
      message: 'must name the person by employeeId or email',
    }),
});

/** Builds a verifier per secret; a malformed secret (not base64) is skipped and logged, never echoed. */
function verifiers(secrets: readonly string[]): Webhook[] {
  const out: Webhook[] = [];
  secrets.forEach((secret, index) => {
    try {
      out.push(new Webhook(secret));
    } catch {
      logger.error('standard webhook secret is malformed (expected whsec_<base64>)', { line: index + 1 });
    }
  });
  if (!out.length) throw new TransientError('no usable standard webhook secret');
  return out;
}

/** `webhook-timestamp`: unix seconds, digits only. */
const TIMESTAMP = /^\d{1,15}$/;

/**
 * [Standard Webhooks](https://www.standardwebhooks.com): `webhook-id`, `webhook-timestamp` (unix seconds,
 * within 5 minutes of the invocation's clock either way), `webhook-signature` (`v1,<base64 HMAC-SHA256>` of
 * `id.timestamp.body`, several separated by spaces). The departure id is `webhook-id`. `employee.departed`
 * is a departure (effective at `data.effectiveAt` when given), `employee.departure_cancelled` a cancellation.
 *
 * The `standardwebhooks` library decodes the secrets and computes the signature (`Webhook.sign`), but its
 * `verify` checks the timestamp against the machine clock (`Date.now()`, no option to pass one): the
 * timestamp is checked here against `now` instead, so verification follows the injected clock and the
 * specification's fixed test vectors verify at their own time.
 */
export const standardProvider: WebhookProvider = {
  name: 'standard',

  verify(request: WebhookRequest, secrets: readonly string[], now: Date): void {
    const id = request.headers['webhook-id'] ?? '';
    const timestamp = request.headers['webhook-timestamp'] ?? '';
    const header = request.headers['webhook-signature'] ?? '';
    const wanted = verifiers(secrets);
    if (!id || !header || !TIMESTAMP.test(timestamp)) throw new SignatureError();
    // Whole seconds, as the library counts: 300 s either way is accepted, 301 s is not.
    const seconds = Number(timestamp);
    const skewSeconds = Math.abs(Math.floor(now.getTime() / 1000) - seconds);
    if (skewSeconds * 1000 > SIGNED_TIMESTAMP_TOLERANCE_MS) throw new SignatureError();
    const presented = header
      .split(' ')
      .filter((s) => s.startsWith('v1,'))
      .map((s) => s.slice('v1,'.length));
    // Every secret and every presented signature is compared (no early exit), in constant time each.
    const matches = wanted.flatMap((wh) => {
      const expected = wh.sign(id, new Date(seconds * 1000), request.body).slice('v1,'.length);
      return presented.map((p) => safeEqual(p, expected));
    });
    if (!matches.includes(true)) throw new SignatureError();
  },

  normalize(payload: unknown, request: WebhookRequest): Normalized {
    const kind = envelope.safeParse(payload);
    if (!kind.success)
      throw new InvalidRequestError('invalid standard webhook payload', issuesOf(kind.error));
    const { type } = kind.data;
    if (type !== STANDARD_DEPARTURE_TYPE && type !== STANDARD_CANCELLATION_TYPE) {
      return { kind: 'ignored', reason: `event type ${type} is not a departure` };
    }
    const r = event.safeParse(payload);
    if (!r.success) throw new InvalidRequestError(`invalid ${type} payload`, issuesOf(r.error));
    const { data, timestamp } = r.data;
    const common = {
      id: departureId('standard', [request.headers['webhook-id'] ?? '']),
      provider: 'standard',
      ...(data.reason ? { reason: data.reason } : {}),
    };
    const person = {
      ...(data.employeeId ? { employeeId: data.employeeId } : {}),
      ...(data.email ? { email: data.email } : {}),
    };
    if (type === STANDARD_CANCELLATION_TYPE) {
      return {
        kind: 'departures',
        departures: [{ ...common, kind: 'cancellation', cancelFor: person, occurredAt: timestamp }],
      };
    }
    // `effectiveAt` ahead of now is scheduled by the worker; absent or past, the departure is revoked now.
    const effectiveAt = data.effectiveAt ? new Date(data.effectiveAt).toISOString() : undefined;
    return {
      kind: 'departures',
      departures: [
        {
          ...common,
          person,
          occurredAt: data.effectiveAt ?? timestamp,
          ...(effectiveAt ? { effectiveAt } : {}),
        },
      ],
    };
  },
};
