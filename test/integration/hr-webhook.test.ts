/**
 * The HR webhook against a real moto_server: secrets from SSM SecureStrings, departures into a real SQS
 * queue. Assertions are on what the queue holds, not on what the handler said.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteParameterCommand } from '@aws-sdk/client-ssm';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type Clients, makeClients } from '../../src/clients';
import { departureMessageSchema } from '../../src/departures/message';
import { departureId } from '../../src/webhooks/crypto';
import { webhookHandler } from '../../src/webhooks/handler';
import type { ProviderName } from '../../src/webhooks/registry';
import { type Moto, startMoto } from '../../tools/local/moto';
import { testConfig } from '../../tools/testing/config';
import { signatureHeaders, signEvent } from '../../tools/testing/sign';
import { createQueue, drainBodies, lambdaContext, putWebhookSecrets } from './departure-fixtures';

const PREFIX = '/offboarding/webhook/';
const PROVIDERS = ['standard', 'okta', 'bamboohr', 'hibob'] as const satisfies readonly ProviderName[];
/** The answer to a delivery whose departures were queued: Okta documents an empty 200, the others get 202. */
const QUEUED_STATUS: Record<ProviderName, number> = { standard: 202, okta: 200, bamboohr: 202, hibob: 202 };
/** Two current secrets per provider (rotation): the first and the next. */
const SECRETS: Record<ProviderName, readonly [string, string]> = {
  standard: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'whsec_c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24='],
  okta: ['Bearer okta-hook-1', 'Bearer okta-hook-2'],
  bamboohr: ['bamboo-key-1', 'bamboo-key-2'],
  hibob: ['hibob-secret-1', 'hibob-secret-2'],
};
const WRONG: Record<ProviderName, string> = {
  standard: 'whsec_d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA==',
  okta: 'Bearer guess',
  bamboohr: 'guess',
  hibob: 'guess',
};

let moto: Moto;
let clients: Clients;
let queueUrl: string;
let invoke: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

const sample = (name: string) =>
  JSON.parse(readFileSync(join(__dirname, '../../events', name), 'utf8')) as APIGatewayProxyEventV2;
const signed = (provider: ProviderName, secret: string = SECRETS[provider][0], at = new Date()) =>
  signEvent(provider, sample(`hr-${provider}.json`), secret, at);
const queued = () => drainBodies(clients.sqs, queueUrl);

// jest.config's per-project testTimeout is not applied (a global option): say it here.
jest.setTimeout(30_000);

beforeAll(async () => {
  moto = await startMoto();
  clients = makeClients({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    maxAttempts: 1,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  queueUrl = (await createQueue(clients.sqs, 'departures')).url;
  await putWebhookSecrets(clients.ssmHome, PREFIX, SECRETS);
  const handler = webhookHandler({ config: testConfig({ departureQueueUrl: queueUrl }), clients });
  invoke = (event) =>
    handler(event, lambdaContext('hr-webhook')) as Promise<APIGatewayProxyStructuredResultV2>;
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

afterEach(async () => {
  await queued();
});

describe('Integration: hr-webhook on moto', () => {
  it.each(PROVIDERS)(
    'answers the signed %s sample (202 with the id; Okta an empty 200) and queues exactly one normalized departure',
    async (provider) => {
      const e = signed(provider);
      const r = await invoke(e);
      expect(r.statusCode).toBe(QUEUED_STATUS[provider]);
      const messages = await queued();
      expect(messages).toHaveLength(1);
      const message = departureMessageSchema.parse(messages[0]);
      if (provider === 'okta') {
        // Okta's answer names no id: the departure is the event sent, okta:<uuid>.
        expect(r.body).toBeUndefined();
        const [event] = (JSON.parse(e.body ?? '{}') as { data: { events: { uuid: string }[] } }).data.events;
        expect(message.id).toBe(departureId('okta', [event?.uuid ?? '']));
      } else {
        expect(JSON.parse(r.body ?? '{}')).toEqual({ queued: [message.id] });
      }
      expect(message).toMatchObject({
        provider,
        person: expect.objectContaining({ email: 'jane.doe@example.com' }),
      });
    },
  );

  it.each(PROVIDERS)(
    'accepts %s signatures made with either of the two secrets in the parameter',
    async (provider) => {
      expect((await invoke(signed(provider, SECRETS[provider][0]))).statusCode).toBe(QUEUED_STATUS[provider]);
      expect((await invoke(signed(provider, SECRETS[provider][1]))).statusCode).toBe(QUEUED_STATUS[provider]);
      expect(await queued()).toHaveLength(2);
    },
  );

  it('answers an Okta delivery without a departure event 200 with an empty body and queues nothing', async () => {
    const e = signed('okta');
    const hook = JSON.parse(e.body ?? '{}') as { data: { events: { eventType: string }[] } };
    for (const event of hook.data.events) event.eventType = 'user.session.start';
    const r = await invoke({ ...e, body: JSON.stringify(hook) });
    expect(r).toMatchObject({ statusCode: 200 });
    expect(r.body).toBeUndefined();
    expect(await queued()).toEqual([]);
  });

  type Spoil = (provider: ProviderName) => APIGatewayProxyEventV2;
  const tampered: Spoil = (p) => {
    const e = signed(p);
    return { ...e, body: (e.body ?? '').replace('jane.doe@', 'john.roe@') };
  };
  const wrongSecret: Spoil = (p) => signed(p, WRONG[p]);
  const missingHeader =
    (header: string): Spoil =>
    (p) => {
      const e = signed(p);
      const headers = { ...e.headers };
      delete headers[header];
      return { ...e, headers };
    };
  const skewed =
    (seconds: number): Spoil =>
    (p) =>
      signed(p, SECRETS[p][0], new Date(Date.now() + seconds * 1000));
  const cases: [ProviderName, string, Spoil][] = [
    ['standard', 'a tampered body', tampered],
    ['standard', 'a wrong secret', wrongSecret],
    ['standard', 'no webhook-signature header', missingHeader('webhook-signature')],
    ['standard', 'no webhook-timestamp header', missingHeader('webhook-timestamp')],
    ['standard', 'a timestamp 6 minutes old', skewed(-360)],
    ['standard', 'a timestamp 6 minutes ahead', skewed(360)],
    ['okta', 'a wrong secret', wrongSecret],
    ['okta', 'no Authorization header', missingHeader('authorization')],
    ['bamboohr', 'a tampered body', tampered],
    ['bamboohr', 'a wrong secret', wrongSecret],
    ['bamboohr', 'no X-BambooHR-Signature header', missingHeader('x-bamboohr-signature')],
    ['bamboohr', 'no X-BambooHR-Timestamp header', missingHeader('x-bamboohr-timestamp')],
    ['bamboohr', 'a timestamp 6 minutes old', skewed(-360)],
    ['bamboohr', 'a timestamp 6 minutes ahead', skewed(360)],
    ['hibob', 'a tampered body', tampered],
    ['hibob', 'a wrong secret', wrongSecret],
    ['hibob', 'no Bob-Signature header', missingHeader('bob-signature')],
  ];

  it.each(cases)(
    'answers 401 with no detail and queues nothing for a %s delivery with %s',
    async (provider, _label, spoil) => {
      const r = await invoke(spoil(provider));
      expect(r.statusCode).toBe(401);
      expect(JSON.parse(r.body ?? '{}')).toEqual({ message: 'unauthorized' });
      expect(await queued()).toEqual([]);
    },
  );

  it("answers Okta's verification GET with the challenge", async () => {
    const r = await invoke(sample('hr-okta-verify.json'));
    expect(r.statusCode).toBe(200);
    expect(JSON.parse(r.body ?? '{}')).toEqual({ verification: 'YjkkIzwCkY7ZQvy3xoWIXf_I5RiB0uuUfkH0RwVk' });
    expect(await queued()).toEqual([]);
  });

  it.each(PROVIDERS)(
    'answers 400 to malformed JSON behind a valid %s signature and queues nothing',
    async (provider) => {
      const body = '{"type":"employee.departed","data":{"email":"jane.doe@example.com"';
      const e = sample(`hr-${provider}.json`);
      const r = await invoke({
        ...e,
        body,
        headers: signatureHeaders(provider, body, SECRETS[provider][0], new Date()),
      });
      expect(r.statusCode).toBe(400);
      expect(await queued()).toEqual([]);
    },
  );

  it('answers 413 to a body over 256 KiB and queues nothing', async () => {
    const body = JSON.stringify({ type: 'employee.departed', pad: 'x'.repeat(256 * 1024) });
    const e = sample('hr-hibob.json');
    const r = await invoke({
      ...e,
      body,
      headers: signatureHeaders('hibob', body, SECRETS.hibob[0], new Date()),
    });
    expect(r.statusCode).toBe(413);
    expect(await queued()).toEqual([]);
  });

  it('answers 404 to an unknown provider and queues nothing', async () => {
    const e = signed('standard');
    const r = await invoke({ ...e, rawPath: '/hr/workday', pathParameters: { provider: 'workday' } });
    expect(r.statusCode).toBe(404);
    expect(await queued()).toEqual([]);
  });

  it('answers 503 when the departure queue does not exist, so the sender retries', async () => {
    const handler = webhookHandler({
      config: testConfig({ departureQueueUrl: `${queueUrl}-missing` }),
      clients,
    });
    const r = (await handler(
      signed('okta'),
      lambdaContext('hr-webhook'),
    )) as APIGatewayProxyStructuredResultV2;
    expect(r.statusCode).toBe(503);
  });

  it("answers 503 when the provider's secret parameter is missing, so the sender retries", async () => {
    await clients.ssmHome.send(new DeleteParameterCommand({ Name: `${PREFIX}hibob` }));
    try {
      const handler = webhookHandler({ config: testConfig({ departureQueueUrl: queueUrl }), clients });
      const r = (await handler(
        signed('hibob'),
        lambdaContext('hr-webhook'),
      )) as APIGatewayProxyStructuredResultV2;
      expect(r.statusCode).toBe(503);
      expect(await queued()).toEqual([]);
    } finally {
      await putWebhookSecrets(clients.ssmHome, PREFIX, { hibob: SECRETS.hibob });
    }
  });
});
