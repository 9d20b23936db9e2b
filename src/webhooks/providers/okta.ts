import * as z from 'zod';
import { emailSchema, issuesOf } from '../../departures/message';
import { InvalidRequestError, SignatureError } from '../../errors';
import { logger } from '../../logger';
import { departureId, safeEqual, untrustedEventTime } from '../crypto';
import type {
  Acknowledgement,
  Cancellation,
  Departure,
  HandshakeResponse,
  Normalized,
  WebhookProvider,
  WebhookRequest,
} from '../types';

/** Okta System Log event types that end a person's access. */
export const OKTA_DEPARTURE_TYPES: ReadonlySet<string> = new Set([
  'user.lifecycle.deactivate',
  'user.lifecycle.suspend',
  'user.lifecycle.delete.initiated',
]);

/**
 * Okta event types that mean the person is back: their scheduled departures are cancelled. (Okta events carry
 * no effective time: an Okta departure is revoked on receipt; these cancel a departure another sender, an HR
 * system, scheduled ahead for the same person.)
 */
export const OKTA_CANCELLATION_TYPES: ReadonlySet<string> = new Set([
  'user.lifecycle.reactivate',
  'user.lifecycle.unsuspend',
]);

const challengeSchema = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII');

const eventSchema = z.object({
  uuid: z.string().min(1).max(128),
  published: z.iso.datetime({ offset: true }),
  eventType: z.string().min(1).max(200),
  displayMessage: z.string().nullish(),
  outcome: z.object({ result: z.string().nullish() }).nullish(),
  target: z
    .array(
      z.object({
        id: z.string().nullish(),
        type: z.string().nullish(),
        alternateId: z.string().nullish(),
      }),
    )
    .nullish(),
});
const bodySchema = z.object({ data: z.object({ events: z.array(eventSchema).max(1000) }) });

type OktaEvent = z.infer<typeof eventSchema>;

/** The person of a user event: the target User's login (an email) or, failing that, its login as an id. */
function personOf(event: OktaEvent): Departure['person'] | undefined {
  const user = (event.target ?? []).find((t) => t.type === 'User');
  const login = user?.alternateId?.trim();
  if (!login) return undefined;
  return emailSchema.safeParse(login).success ? { email: login } : { employeeId: login.slice(0, 256) };
}

/**
 * The person of a successful, trusted event, or undefined (logged) when the event is skipped: not
 * successful, its time not trusted, or naming no user. Skipped, not refused: the other events of the batch
 * are still queued, and Okta does not resend.
 */
function trustedPerson(event: OktaEvent, now: Date): Departure['person'] | undefined {
  const result = event.outcome?.result ?? 'SUCCESS';
  if (result !== 'SUCCESS') {
    logger.info('okta event ignored: not successful', { uuid: event.uuid, result });
    return undefined;
  }
  const untrusted = untrustedEventTime(Date.parse(event.published), now);
  if (untrusted) {
    logger.warn(`okta event ignored: ${untrusted}, not trusted`, {
      uuid: event.uuid,
      published: event.published,
    });
    return undefined;
  }
  const person = personOf(event);
  if (!person) {
    logger.warn('okta departure event names no user', { uuid: event.uuid, eventType: event.eventType });
  }
  return person;
}

/**
 * Okta Event Hooks. A one-time `GET` carries `X-Okta-Verification-Challenge` and is answered with
 * `{"verification": <it>}`. Deliveries carry a static secret in `Authorization` (no body signature), are
 * batched (`data.events[]`), at least once and possibly out of order: the departure id is the event `uuid`,
 * and events older than 3 days or more than 5 minutes ahead are not trusted (nothing signs their time).
 * Deactivate, suspend and delete are departures (now: Okta events carry no effective time); reactivate and
 * unsuspend are cancellations of the person's scheduled departures.
 */
export const oktaProvider: WebhookProvider = {
  name: 'okta',

  /**
   * Okta documents that event deliveries are answered 200 or 204 with an empty body: every delivery handled
   * without error, departures queued or none, is answered 200 with no body (the queued ids are logged).
   */
  acknowledge(): Acknowledgement {
    return { statusCode: 200 };
  },

  handshake(request: WebhookRequest): HandshakeResponse {
    const r = challengeSchema.safeParse(request.headers['x-okta-verification-challenge']);
    if (!r.success) throw new InvalidRequestError('missing or invalid X-Okta-Verification-Challenge header');
    return { statusCode: 200, body: { verification: r.data } };
  },

  verify(request: WebhookRequest, secrets: readonly string[]): void {
    const presented = request.headers.authorization;
    // Every secret is compared (no early exit), so timing does not tell which line matched.
    const matches = presented ? secrets.map((s) => safeEqual(presented, s)) : [];
    if (!matches.includes(true)) throw new SignatureError();
  },

  normalize(payload: unknown, _request: WebhookRequest, now: Date): Normalized {
    const r = bodySchema.safeParse(payload);
    if (!r.success) throw new InvalidRequestError('invalid Okta event hook payload', issuesOf(r.error));
    const departures: (Departure | Cancellation)[] = [];
    const seen = new Set<string>();
    for (const event of r.data.data.events) {
      const cancels = OKTA_CANCELLATION_TYPES.has(event.eventType);
      if ((!cancels && !OKTA_DEPARTURE_TYPES.has(event.eventType)) || seen.has(event.uuid)) continue;
      seen.add(event.uuid);
      const person = trustedPerson(event, now);
      if (!person) continue;
      const common = {
        id: departureId('okta', [event.uuid]),
        provider: 'okta',
        occurredAt: event.published,
        reason: `Okta ${event.eventType}`,
      };
      departures.push(
        cancels ? { ...common, kind: 'cancellation', cancelFor: person } : { ...common, person },
      );
    }
    return departures.length
      ? { kind: 'departures', departures }
      : { kind: 'ignored', reason: 'no departure or cancellation event in the batch' };
  },
};
