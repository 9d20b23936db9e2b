import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { APIGatewayProxyStructuredResultV2, Context, Handler } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { ConfigError } from '../../../src/errors';
import { sampleEvent } from './support';

const ssm = mockClient(SSMClient);
const ctx = { functionName: 'hr-webhook', awsRequestId: 'req-1' } as Context;
const saved = { ...process.env };
const base = {
  NOTIFY_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:offboarding',
  STATE_TABLE: 'offboarding-state',
};

/**
 * Loads handlers/hr-webhook.ts (its cold start) with the given environment; `isolated` gives it its own
 * module registry, so it runs its cold start again (its SDK classes are then not the mocked ones).
 */
function load(env: Record<string, string>, isolated = false): { handler: Handler } {
  process.env = { ...saved, ...env };
  let mod: { handler: Handler } | undefined;
  if (isolated) {
    jest.isolateModules(() => {
      mod = require('../../../handlers/hr-webhook');
    });
  } else {
    mod = require('../../../handlers/hr-webhook');
  }
  return mod as { handler: Handler };
}

afterEach(() => {
  process.env = saved;
  ssm.reset();
});

describe('Handler module: handlers/hr-webhook', () => {
  it('fails at cold start naming DEPARTURE_QUEUE_URL when it is not set', () => {
    let error: unknown;
    try {
      load(base, true);
    } catch (err) {
      error = err;
    }
    // Another module registry, another ConfigError class: compare by name.
    expect(error).toMatchObject({
      name: ConfigError.name,
      message: 'Environment variable DEPARTURE_QUEUE_URL is required',
    });
  });

  it('answers the Okta verification sample without any AWS call', async () => {
    const { handler } = load({ ...base, DEPARTURE_QUEUE_URL: 'http://localhost/123456789012/departures' });
    const r = (await handler(
      sampleEvent('hr-okta-verify.json'),
      ctx,
      () => undefined,
    )) as APIGatewayProxyStructuredResultV2;
    expect(r.statusCode).toBe(200);
    expect(ssm).not.toHaveReceivedCommand(GetParameterCommand);
  });
});
