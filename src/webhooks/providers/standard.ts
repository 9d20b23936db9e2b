import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import * as z from 'zod';
import { emailSchema, employeeIdSchema, issuesOf, reasonSchema } from '../../departures/message';
import { InvalidRequestError, SignatureError, TransientError } from '../../errors';
import { logger } from '../../logger';
import { departureId } from '../crypto';
import type { Normalized, WebhookProvider, WebhookRequest } from '../types';

/** The event type that means "this person left". Every other type is acknowledged and ignored. */
export const STANDARD_DEPARTURE_TYPE = 'employee.departed';

const isoTime = z.iso.datetime({ offset: true });

const envelope = z.object({ type: z.string().min(1).max(200) });
const departed = z.object({
  type: z.literal(STANDARD_DEPARTURE_TYPE),
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

/**
 * [Standard Webhooks](https://www.standardwebhooks.com): `webhook-id`, `webhook-timestamp` (unix seconds,
 * within 5 minutes either way), `webhook-signature` (`v1,<base64 HMAC-SHA256>` of `id.timestamp.body`, several
 * separated by spaces). Verified by the `standardwebhooks` library; the departure id is `webhook-id`.
 */
export const standardProvider: WebhookProvider = {
  name: 'standard',

  verify(request: WebhookRequest, secrets: readonly string[]): void {
    const headers = {
      'webhook-id': request.headers['webhook-id'] ?? '',
      'webhook-timestamp': request.headers['webhook-timestamp'] ?? '',
      'webhook-signature': request.headers['webhook-signature'] ?? '',
    };
    for (const wh of verifiers(secrets)) {
      try {
        wh.verify(request.body, headers, { jsonParse: false });
        return;
      } catch (err) {
        if (!(err instanceof WebhookVerificationError)) throw err;
      }
    }
    throw new SignatureError();
  },

  normalize(payload: unknown, request: WebhookRequest): Normalized {
    const kind = envelope.safeParse(payload);
    if (!kind.success)
      throw new InvalidRequestError('invalid standard webhook payload', issuesOf(kind.error));
    if (kind.data.type !== STANDARD_DEPARTURE_TYPE) {
      return { kind: 'ignored', reason: `event type ${kind.data.type} is not a departure` };
    }
    const r = departed.safeParse(payload);
    if (!r.success) throw new InvalidRequestError('invalid employee.departed payload', issuesOf(r.error));
    const { data, timestamp } = r.data;
    const webhookId = request.headers['webhook-id'] ?? '';
    return {
      kind: 'departures',
      departures: [
        {
          id: departureId('standard', [webhookId]),
          provider: 'standard',
          person: {
            ...(data.employeeId ? { employeeId: data.employeeId } : {}),
            ...(data.email ? { email: data.email } : {}),
          },
          occurredAt: data.effectiveAt ?? timestamp,
          ...(data.reason ? { reason: data.reason } : {}),
        },
      ],
    };
  },
};
