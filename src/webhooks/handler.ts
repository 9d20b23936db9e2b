import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Clients } from '../clients';
import type { Config } from '../config';
import { ConfigError } from '../errors';
import { logger } from '../logger';
import { tracing } from '../middleware';
import { webhookErrorResponses } from './http';
import { receiveWebhook, type WebhookResult } from './receive';
import { type SecretSource, SsmSecretCache } from './secrets';

export interface WebhookHandlerDeps {
  readonly config: Config;
  readonly clients: Pick<Clients, 'sqs' | 'ssmHome'>;
  /** Defaults to the SSM parameters under `WEBHOOK_SECRET_PREFIX`, cached for this cold start. */
  readonly secrets?: SecretSource;
  /** The clock, read once per invocation (tests pin it). */
  readonly clock?: () => Date;
}

function toResponse(result: WebhookResult): APIGatewayProxyStructuredResultV2 {
  if (result.statusCode === 204 || result.body === undefined) return { statusCode: result.statusCode };
  return {
    statusCode: result.statusCode,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(result.body),
  };
}

/**
 * The HR webhook Lambda handler (API Gateway HTTP API v2, payload format 2.0), built once per cold start.
 * @example
 * export const handler = webhookHandler({ config, clients });
 */
export function webhookHandler(deps: WebhookHandlerDeps) {
  const queueUrl = deps.config.departureQueueUrl;
  if (!queueUrl) throw new ConfigError('Environment variable DEPARTURE_QUEUE_URL is required');
  const secrets = deps.secrets ?? new SsmSecretCache(deps.clients.ssmHome, deps.config.webhookSecretPrefix);
  const clock = deps.clock ?? (() => new Date());
  // Never log the event, even with POWERTOOLS_LOGGER_LOG_EVENT=true: its headers carry signatures and secrets.
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(tracing())
    .use(injectLambdaContext(logger, { clearState: true, logEvent: false }))
    .use(webhookErrorResponses())
    .handler(async (event) =>
      toResponse(await receiveWebhook(event, { clients: deps.clients, queueUrl, secrets, now: clock() })),
    );
}
