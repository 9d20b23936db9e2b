import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Clients } from '../clients';
import { issuesOf, type QueuedMessage, queuedMessageSchemaOf } from '../departures/message';
import { InvalidRequestError, NotFoundError } from '../errors';
import { logger } from '../logger';
import { PayloadTooLargeError } from './http';
import { queueDepartures } from './queue';
import { providerFor } from './registry';
import type { SecretSource } from './secrets';
import type { Acknowledgement, Delivery, WebhookProvider, WebhookRequest } from './types';

/** Largest body accepted: 256 KiB, the SQS message limit; HR events are a few KiB. */
export const MAX_BODY_BYTES = 256 * 1024;

export interface ReceiveDeps {
  readonly clients: Pick<Clients, 'sqs'>;
  readonly queueUrl: string;
  readonly secrets: SecretSource;
  /** The invocation's clock, read once. */
  readonly now: Date;
}

/**
 * What the receiver answers (no body when `body` is undefined); errors are mapped to responses by
 * `webhookErrorResponses`.
 */
export type WebhookResult = Acknowledgement;

/** The default answer: 202 with the queued ids, 204 when nothing was queued. */
function defaultAcknowledgement(delivery: Delivery): Acknowledgement {
  return delivery.kind === 'queued'
    ? { statusCode: 202, body: { queued: delivery.queued } }
    : { statusCode: 204 };
}

function lowerCaseHeaders(headers: APIGatewayProxyEventV2['headers'] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (v !== undefined) out[k.toLowerCase()] = v;
  return out;
}

/** The raw body bytes, checked against the size limit before they are decoded. */
function rawBody(event: APIGatewayProxyEventV2): Buffer {
  const body = event.body ?? '';
  const approx = event.isBase64Encoded ? Math.floor((body.length * 3) / 4) : Buffer.byteLength(body);
  if (approx > MAX_BODY_BYTES + 2) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  const bytes = event.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  if (bytes.length > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  return bytes;
}

/** The `{provider}` path parameter, or the last path segment when invoked without route parameters. */
function providerName(event: APIGatewayProxyEventV2): string | undefined {
  return event.pathParameters?.provider ?? event.rawPath?.split('/').filter(Boolean).pop();
}

/**
 * Receives one HR webhook delivery: provider from the path, size check, the sender's connection test (answered
 * 200, nothing read or queued), verification against the provider's secrets, then JSON parsing and
 * normalization, then the queue. Nothing unverified is parsed or queued. A delivery handled without error is
 * answered 202 `{"queued": [ids]}` or 204 (nothing to queue), unless the provider documents its own answer
 * (`acknowledge`: Okta's empty 200, whatever was queued).
 * @throws NotFoundError (unknown provider), PayloadTooLargeError, SignatureError, InvalidRequestError,
 *   TransientError (secret or queue unavailable): `webhookErrorResponses` maps them to 404/413/401/400/503.
 * @example
 * const result = await receiveWebhook(event, { clients, queueUrl, secrets, now: new Date() });
 */
export async function receiveWebhook(
  event: APIGatewayProxyEventV2,
  deps: ReceiveDeps,
): Promise<WebhookResult> {
  const name = providerName(event);
  const provider = providerFor(name);
  if (!provider) throw new NotFoundError('unknown webhook provider');
  logger.appendKeys({ trigger: 'departure', provider: provider.name });

  const method = (event.requestContext?.http?.method ?? 'POST').toUpperCase();
  const request: WebhookRequest = {
    method,
    headers: lowerCaseHeaders(event.headers),
    query: Object.fromEntries(
      Object.entries(event.queryStringParameters ?? {}).filter(
        (e): e is [string, string] => e[1] !== undefined,
      ),
    ),
    body: rawBody(event),
  };
  if (method === 'GET') {
    if (!provider.handshake) throw new InvalidRequestError(`${provider.name} webhooks are POST only`);
    const answer = provider.handshake(request);
    logger.info('webhook handshake answered', { statusCode: answer.statusCode });
    return { statusCode: 200, body: answer.body };
  }
  if (method !== 'POST') throw new InvalidRequestError('webhooks are POST (GET for handshakes)');
  if (provider.connectionTest?.(request)) {
    logger.info('webhook connection test answered');
    return { statusCode: 200 };
  }

  provider.verify(request, await deps.secrets.secretsFor(provider.name, deps.now), deps.now);

  let payload: unknown;
  try {
    payload = JSON.parse(request.body.toString('utf8'));
  } catch {
    throw new InvalidRequestError('body is not JSON');
  }
  const normalized = provider.normalize(payload, request, deps.now);
  if (normalized.kind === 'ignored') {
    logger.info('webhook ignored', { reason: normalized.reason });
    return acknowledge(provider, { kind: 'ignored', reason: normalized.reason });
  }

  const receivedAt = deps.now.toISOString();
  const byId = new Map<string, QueuedMessage>();
  for (const d of normalized.departures) {
    const r = queuedMessageSchemaOf(d).safeParse({ ...d, receivedAt });
    if (!r.success) throw new InvalidRequestError('invalid departure', issuesOf(r.error));
    if (!byId.has(r.data.id)) byId.set(r.data.id, r.data);
  }
  const messages = [...byId.values()];
  await queueDepartures(deps.clients, deps.queueUrl, messages);
  const queued = messages.map((m) => m.id);
  logger.info('departures queued', { queued });
  return acknowledge(provider, { kind: 'queued', queued });
}

/** The provider's own success answer, or the default. */
function acknowledge(provider: WebhookProvider, delivery: Delivery): Acknowledgement {
  return provider.acknowledge ? provider.acknowledge(delivery) : defaultAcknowledgement(delivery);
}
