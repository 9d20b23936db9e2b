import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { signatureHeaders } from './sign';

/**
 * A Standard Webhooks event (`{type, timestamp, data}`) signed with `secret` like the sender would, as API
 * Gateway passes it to handlers/hr-webhook.ts (`POST /hr/standard`). For tests and tools; never bundled.
 * @example
 * const event = standardEvent({ webhookId: 'msg_1', secret: SECRET, data: { email: 'jane@example.com' } });
 */
export function standardEvent(options: {
  readonly webhookId: string;
  readonly secret: string;
  readonly data: Record<string, string>;
  /** Defaults to `employee.departed`. */
  readonly type?: string;
  readonly now?: Date;
}): APIGatewayProxyEventV2 {
  const now = options.now ?? new Date();
  const body = JSON.stringify({
    type: options.type ?? 'employee.departed',
    timestamp: now.toISOString(),
    data: options.data,
  });
  return {
    version: '2.0',
    routeKey: 'POST /hr/{provider}',
    rawPath: '/hr/standard',
    rawQueryString: '',
    headers: {
      'content-type': 'application/json',
      ...signatureHeaders('standard', body, options.secret, now, { webhookId: options.webhookId }),
    },
    pathParameters: { provider: 'standard' },
    requestContext: { http: { method: 'POST', path: '/hr/standard' } },
    body,
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}
