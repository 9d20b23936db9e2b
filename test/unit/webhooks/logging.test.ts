import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { logger } from '../../../src/logger';
import { webhookHandler } from '../../../src/webhooks/handler';
import type { ProviderName } from '../../../src/webhooks/registry';
import { testConfig } from '../../../tools/testing/config';
import { signEvent } from '../../../tools/testing/sign';
import { OTHER_STANDARD_SECRET, SECRETS, sampleEvent } from './support';

const ssm = mockClient(SSMClient);
const sqs = mockClient(SQSClient);
const PROVIDERS = ['standard', 'okta', 'bamboohr', 'hibob'] as const satisfies readonly ProviderName[];
const SIGNATURE_HEADERS = ['webhook-signature', 'authorization', 'x-bamboohr-signature', 'bob-signature'];

describe('Logging: hr-webhook', () => {
  const logged: string[] = [];
  const original = (logger as unknown as { logEvent: boolean }).logEvent;

  beforeAll(() => {
    // As if the operator had set POWERTOOLS_LOGGER_LOG_EVENT=true.
    (logger as unknown as { logEvent: boolean }).logEvent = true;
    for (const level of ['debug', 'info', 'warn', 'error', 'critical'] as const) {
      jest.spyOn(logger, level).mockImplementation((...args: unknown[]) => {
        logged.push(JSON.stringify(args, (_k, v) => (v instanceof Error ? `${v.name}: ${v.message}` : v)));
      });
    }
  });
  afterAll(() => {
    (logger as unknown as { logEvent: boolean }).logEvent = original;
    jest.restoreAllMocks();
  });

  it('never logs a secret or a signature, whatever the outcome of the request', async () => {
    ssm.on(GetParameterCommand).callsFake((input: { Name: string }) => ({
      Parameter: { Value: SECRETS[input.Name.split('/').pop() as ProviderName].join('\n') },
    }));
    sqs.on(SendMessageBatchCommand).resolves({ Failed: [] });
    const handler = webhookHandler({
      config: testConfig(),
      clients: {
        sqs: new SQSClient({ region: 'us-east-1' }),
        ssmHome: new SSMClient({ region: 'us-east-1' }),
      },
    });
    const sent: APIGatewayProxyEventV2[] = [];
    for (const p of PROVIDERS) {
      const good = signEvent(p, sampleEvent(`hr-${p}.json`), SECRETS[p][0], new Date());
      sent.push(good, { ...good, body: `${good.body}x` }, { ...good, body: '{"not":"json"' });
      sent.push(
        signEvent(
          p,
          sampleEvent(`hr-${p}.json`),
          p === 'standard' ? OTHER_STANDARD_SECRET : `${SECRETS[p][0]}-wrong`,
          new Date(),
        ),
      );
    }
    for (const e of sent) await handler(e, { awsRequestId: 'r' } as Context);

    expect(logged.length).toBeGreaterThan(0);
    const all = logged.join('\n');
    for (const secret of Object.values(SECRETS).flat()) expect(all).not.toContain(secret);
    for (const e of sent) {
      for (const h of SIGNATURE_HEADERS) {
        const value = e.headers[h];
        if (value) expect(all).not.toContain(value);
      }
    }
  });
});
