import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { departureId } from '../../src/webhooks/crypto';
import type { ProviderName } from '../../src/webhooks/registry';
import { signatureHeaders } from '../testing/sign';

/**
 * HTTP API v2 events as API Gateway hands them to the hr-webhook function, for the reliability scenarios:
 * departures as each provider sends them (signed with the stack's secret), and raw events the hostile
 * generator fills in. Never bundled into a handler.
 */

export interface PersonRef {
  readonly employeeId: string;
  readonly email: string;
}

/** A departure body of `provider` for `person`; `eventId` makes the event (and its departure id) unique. */
export function departureBody(provider: ProviderName, person: PersonRef, eventId: string, now: Date): string {
  const iso = now.toISOString();
  switch (provider) {
    case 'standard':
      return JSON.stringify({
        type: 'employee.departed',
        timestamp: iso,
        data: { employeeId: person.employeeId, email: person.email, reason: 'resigned' },
      });
    case 'okta':
      return JSON.stringify({
        eventType: 'com.okta.event_hook',
        eventTypeVersion: '1.0',
        cloudEventsVersion: '0.1',
        contentType: 'application/json',
        eventId,
        eventTime: iso,
        data: {
          events: [
            {
              uuid: eventId,
              published: iso,
              eventType: 'user.lifecycle.deactivate',
              displayMessage: 'Deactivate Okta User',
              outcome: { result: 'SUCCESS' },
              target: [{ id: `00u${eventId.slice(0, 12)}`, type: 'User', alternateId: person.email }],
            },
          ],
        },
      });
    case 'bamboohr':
      return JSON.stringify({
        employees: [
          {
            action: 'Updated',
            changedFields: ['Employment Status'],
            fields: { 'Employment Status': 'Terminated', 'Work Email': person.email },
            id: person.employeeId,
            // BambooHR's own format; the departure id hashes it with the employee id.
            timestamp: iso.replace(/\.\d{3}Z$/, '+0000'),
          },
        ],
      });
    case 'hibob':
      return JSON.stringify({
        companyId: 'reliability',
        type: 'employee.left',
        triggeredBy: 'hr-admin',
        // Bob sends times without a zone (UTC); the departure id hashes it with the employee id.
        triggeredAt: iso.replace(/Z$/, ''),
        version: 'v2',
        data: { employeeId: person.employeeId, email: person.email },
      });
  }
}

/**
 * The answer the contract (docs/webhooks.md) requires to a verified delivery whose departures are queued:
 * 202 `{"queued": [ids]}`, except Okta, whose deliveries are answered 200 with an empty body as Okta
 * documents (the ids are not in the answer).
 */
export const QUEUED_STATUS: Readonly<Record<ProviderName, number>> = {
  standard: 202,
  okta: 200,
  bamboohr: 202,
  hibob: 202,
};

/** The answer to a verified delivery with nothing to queue: 204, except Okta's empty 200. */
export const IGNORED_STATUS: Readonly<Record<ProviderName, number>> = {
  standard: 204,
  okta: 200,
  bamboohr: 204,
  hibob: 204,
};

/** The departure ids of the events of an Okta delivery body as sent: `okta:<uuid>`, as the receiver makes them. */
export function oktaDepartureIds(body: string, isBase64Encoded = false): string[] {
  const text = isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
  const events = (JSON.parse(text) as { data?: { events?: { uuid?: unknown }[] } }).data?.events ?? [];
  return events.map((e) => departureId('okta', [String(e.uuid)]));
}

/**
 * The departure ids a webhook answer acknowledges as queued, or undefined when `response` is not the
 * provider's acknowledgement of queued departures. Other providers name the ids in their 202 body. Okta's
 * empty 200 names none: the ids are derived from the events `sent`, so the caller must know, by
 * construction, that the contract queues every event of it (an empty 200 also answers an Okta delivery
 * with nothing to queue, and a 200 with a body is not a delivery's answer).
 */
export function acknowledgedDepartureIds(
  provider: string,
  sent: { readonly body: string; readonly isBase64Encoded?: boolean },
  response: unknown,
): string[] | undefined {
  const r = response as { statusCode?: unknown; body?: unknown } | undefined;
  if (provider === 'okta') {
    if (r?.statusCode !== QUEUED_STATUS.okta || (r.body !== undefined && r.body !== '')) return undefined;
    return oktaDepartureIds(sent.body, sent.isBase64Encoded);
  }
  if (r?.statusCode !== 202) return undefined;
  const body = JSON.parse(typeof r.body === 'string' ? r.body : '{}') as { queued?: unknown };
  return Array.isArray(body.queued) ? body.queued.map(String) : [];
}

export interface RawRequest {
  readonly provider: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly isBase64Encoded: boolean;
  readonly rawPath?: string;
  readonly queryStringParameters?: Record<string, string>;
}

/** The HTTP API v2 (payload 2.0) event of a request to `/hr/{provider}`. */
export function apiEvent(r: RawRequest): APIGatewayProxyEventV2 {
  const path = r.rawPath ?? `/hr/${r.provider}`;
  return {
    version: '2.0',
    routeKey: `${r.method} /hr/{provider}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(r.queryStringParameters ?? {}).toString(),
    headers: r.headers,
    ...(r.queryStringParameters ? { queryStringParameters: r.queryStringParameters } : {}),
    pathParameters: { provider: r.provider },
    requestContext: {
      accountId: '123456789012',
      apiId: 'reliability',
      domainName: 'reliability.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'reliability',
      http: { method: r.method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.10', userAgent: 'sender' },
      requestId: `req-${Math.random().toString(16).slice(2)}`,
      routeKey: `${r.method} /hr/{provider}`,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    body: r.body,
    isBase64Encoded: r.isBase64Encoded,
  };
}

/**
 * One departure event of a provider: the body is fixed when the event happens; each delivery attempt signs
 * it again at the time of sending, as senders do on their retries (same body, same event id).
 */
export interface DepartureDelivery {
  readonly provider: ProviderName;
  readonly body: string;
  /** The request as sent at `now`. */
  signedAt(now: Date): APIGatewayProxyEventV2;
}

export function departureDelivery(
  provider: ProviderName,
  person: PersonRef,
  eventId: string,
  secret: string,
  occurredAt: Date,
): DepartureDelivery {
  const body = departureBody(provider, person, eventId, occurredAt);
  return {
    provider,
    body,
    signedAt: (now) =>
      apiEvent({
        provider,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...signatureHeaders(provider, body, secret, now, { webhookId: `msg_${eventId}` }),
        },
        body,
        isBase64Encoded: false,
      }),
  };
}
