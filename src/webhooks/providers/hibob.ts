import * as z from 'zod';
import { emailSchema, employeeIdSchema, issuesOf } from '../../departures/message';
import { InvalidRequestError, SignatureError } from '../../errors';
import { logger } from '../../logger';
import { departureId, hmac, safeEqual, untrustedEventTime } from '../crypto';
import type { Normalized, WebhookProvider, WebhookRequest } from '../types';

/** HiBob (v2) event types that end a person's access. `employee.inactivated` also covers leave: not one. */
export const HIBOB_DEPARTURE_TYPES: ReadonlySet<string> = new Set(['employee.left', 'employee.deleted']);

/**
 * The two bodies of Bob's connection test, byte for byte: when a webhook is set up, Bob POSTs the string
 * `Ping test`, then, if that was not answered 200, the JSON `{"text":"Ping test"}`; without a 200 the webhook is
 * not connected.
 */
export const HIBOB_PING_BODIES: readonly Buffer[] = ['Ping test', '{"text":"Ping test"}'].map((b) =>
  Buffer.from(b, 'utf8'),
);

const envelope = z.object({
  type: z.string().min(1).max(200),
  triggeredAt: z.string().min(1).max(100),
  data: z
    .object({ employeeId: employeeIdSchema.optional(), email: z.string().max(256).nullish() })
    .loose()
    .nullish(),
});

/**
 * HiBob (Bob) webhooks v2. `Bob-Signature` is the base64 HMAC-SHA512 of the raw body; nothing signs a
 * time, so the departure id hashes type + employee + `triggeredAt` (stable across Bob's retries) and events
 * whose `triggeredAt` is more than 3 days old or more than 5 minutes ahead are not trusted.
 */
export const hibobProvider: WebhookProvider = {
  name: 'hibob',

  /**
   * Bob's connection test is answered without checking `Bob-Signature`, signed or not. Bob's documentation
   * describes the ping as a plain POST and does not say it is signed; and Bob sends it the moment the webhook
   * is created, when its secret (shown in that webhook's configuration) is usually not yet in our SSM
   * parameter: verifying it would answer 401 or 503 and the webhook could never be connected. Accepting it
   * unsigned grants nothing: only these two exact bodies qualify (any other body, however close, goes through
   * verification), the answer is an empty 200, nothing is parsed and nothing is queued.
   */
  connectionTest(request: WebhookRequest): boolean {
    return HIBOB_PING_BODIES.some((ping) => ping.equals(request.body));
  },

  verify(request: WebhookRequest, secrets: readonly string[]): void {
    const signature = request.headers['bob-signature']?.trim();
    if (!signature) throw new SignatureError();
    const matches = secrets.map((s) => safeEqual(signature, hmac('sha512', s, [request.body], 'base64')));
    if (!matches.includes(true)) throw new SignatureError();
  },

  normalize(payload: unknown, _request: WebhookRequest, now: Date): Normalized {
    const r = envelope.safeParse(payload);
    if (!r.success) throw new InvalidRequestError('invalid HiBob payload', issuesOf(r.error));
    const { type, triggeredAt, data } = r.data;
    if (!HIBOB_DEPARTURE_TYPES.has(type)) {
      return { kind: 'ignored', reason: `event type ${type} is not a departure` };
    }
    // Bob sends ISO 8601-style times, sometimes without a zone: those are UTC.
    const at = Date.parse(/(?:[zZ]|[+-]\d{2}:?\d{2})$/.test(triggeredAt) ? triggeredAt : `${triggeredAt}Z`);
    if (Number.isNaN(at)) {
      throw new InvalidRequestError('invalid HiBob payload', ['triggeredAt: must be a date-time']);
    }
    // Acknowledged (204) rather than refused: a 4xx or 5xx would only have Bob send the same event again.
    const untrusted = untrustedEventTime(at, now);
    if (untrusted) {
      logger.warn(`hibob event ignored: ${untrusted}, not trusted`, { type, triggeredAt });
      return { kind: 'ignored', reason: `event time ${untrusted}, not trusted` };
    }
    const employeeId = data?.employeeId;
    if (!employeeId) throw new InvalidRequestError('invalid HiBob payload', ['data.employeeId: required']);
    const email = data?.email?.trim();
    return {
      kind: 'departures',
      departures: [
        {
          id: departureId('hibob', [type, employeeId, triggeredAt]),
          provider: 'hibob',
          person: { employeeId, ...(email && emailSchema.safeParse(email).success ? { email } : {}) },
          occurredAt: new Date(at).toISOString(),
          reason: `HiBob ${type}`,
        },
      ],
    };
  },
};
