import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { Webhook } from 'standardwebhooks';
import { hmac } from '../../src/webhooks/crypto';
import type { ProviderName } from '../../src/webhooks/registry';

/**
 * Signs webhook requests the way each provider does, for `npm run sign-event`, the demo and tests.
 * The receiver never uses this file.
 */

/** Headers that make `body` verify against `secret` for the provider, at `now`. */
export function signatureHeaders(
  provider: ProviderName,
  body: string,
  secret: string,
  now: Date,
  options: { webhookId?: string } = {},
): Record<string, string> {
  switch (provider) {
    case 'standard': {
      const id = options.webhookId ?? `msg_${randomBytes(12).toString('hex')}`;
      return {
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign(id, now, body),
      };
    }
    case 'okta':
      return { authorization: secret };
    case 'bamboohr': {
      const timestamp = String(Math.floor(now.getTime() / 1000));
      return {
        'x-bamboohr-timestamp': timestamp,
        'x-bamboohr-signature': hmac('sha256', secret, [body, timestamp], 'hex'),
      };
    }
    case 'hibob':
      return { 'bob-signature': hmac('sha512', secret, [body], 'base64') };
  }
}

const SIGNATURE_HEADERS = [
  'webhook-timestamp',
  'webhook-signature',
  'authorization',
  'x-bamboohr-timestamp',
  'x-bamboohr-signature',
  'bob-signature',
];

/**
 * Moves the event times in a sample body to `now`, so a replayed sample is neither stale nor too old to
 * trust. For BambooHR and HiBob this also changes the departure id (it hashes the event time).
 */
export function refreshBodyTimes(provider: ProviderName, body: string, now: Date): string {
  const iso = now.toISOString();
  const json = JSON.parse(body) as Record<string, unknown>;
  const set = (o: unknown, key: string) => {
    if (o && typeof o === 'object' && key in o) (o as Record<string, unknown>)[key] = iso;
  };
  if (provider === 'standard') set(json, 'timestamp');
  if (provider === 'hibob') set(json, 'triggeredAt');
  if (provider === 'okta') {
    set(json, 'eventTime');
    const events = (json.data as { events?: unknown[] } | undefined)?.events ?? [];
    for (const e of events) set(e, 'published');
  }
  if (provider === 'bamboohr') {
    set(json, 'timestamp');
    for (const e of (json.employees as unknown[] | undefined) ?? []) set(e, 'timestamp');
  }
  return JSON.stringify(json);
}

/**
 * A copy of an API Gateway v2 sample event, signed: plain-text body, fresh signature headers (a
 * `webhook-id` already in the sample is kept, so replays dedupe), request times at `now`.
 */
export function signEvent(
  provider: ProviderName,
  event: APIGatewayProxyEventV2,
  secret: string,
  now: Date,
  options: { refreshTimes?: boolean } = {},
): APIGatewayProxyEventV2 {
  const raw = event.isBase64Encoded
    ? Buffer.from(event.body ?? '', 'base64').toString('utf8')
    : (event.body ?? '');
  const body = options.refreshTimes === false ? raw : refreshBodyTimes(provider, raw, now);
  const headers = Object.fromEntries(
    Object.entries(event.headers ?? {}).filter(([k]) => !SIGNATURE_HEADERS.includes(k.toLowerCase())),
  );
  const webhookId = headers['webhook-id'];
  return {
    ...event,
    headers: {
      ...headers,
      ...signatureHeaders(provider, body, secret, now, webhookId ? { webhookId } : {}),
    },
    body,
    isBase64Encoded: false,
    requestContext: { ...event.requestContext, timeEpoch: now.getTime() },
  };
}
