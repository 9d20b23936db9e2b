import { createHmac } from 'node:crypto';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { cancellationMessageSchema, departureMessageSchema } from '../../../src/departures/message';
import { departureId } from '../../../src/webhooks/crypto';
import { webhookHandler } from '../../../src/webhooks/handler';
import { OKTA_DEPARTURE_TYPES } from '../../../src/webhooks/providers/okta';
import type { ProviderName } from '../../../src/webhooks/registry';
import { testConfig } from '../../../tools/testing/config';
import { refreshBodyTimes, signatureHeaders, signEvent } from '../../../tools/testing/sign';
import { OTHER_STANDARD_SECRET, SECRETS, sampleEvent } from './support';

const ssm = mockClient(SSMClient);
const sqs = mockClient(SQSClient);
const ctx = { functionName: 'hr-webhook', awsRequestId: 'req-1' } as Context;
const PROVIDERS = ['standard', 'okta', 'bamboohr', 'hibob'] as const satisfies readonly ProviderName[];
/** The answer to a delivery whose departures were queued: Okta documents an empty 200, others get 202. */
const QUEUED_STATUS: Record<ProviderName, number> = { standard: 202, okta: 200, bamboohr: 202, hibob: 202 };

type Invoke = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
/** A fresh handler (its own secret cache) over the mocked SSM and SQS. */
function makeHandler(clock?: () => Date): Invoke {
  const h = webhookHandler({
    config: testConfig(),
    clients: { sqs: new SQSClient({ region: 'us-east-1' }), ssmHome: new SSMClient({ region: 'us-east-1' }) },
    ...(clock ? { clock } : {}),
  });
  return (event) => h(event, ctx) as Promise<APIGatewayProxyStructuredResultV2>;
}

function answerSecrets(secrets: Record<string, readonly string[]> = SECRETS) {
  for (const [provider, values] of Object.entries(secrets)) {
    ssm
      .on(GetParameterCommand, { Name: `/offboarding/webhook/${provider}` })
      .resolves({ Parameter: { Value: values.join('\n') } });
  }
}

const signedSample = (provider: ProviderName, secret: string = SECRETS[provider][0]) =>
  signEvent(provider, sampleEvent(`hr-${provider}.json`), secret, new Date());
const queued = () =>
  sqs
    .commandCalls(SendMessageBatchCommand)
    .flatMap((c) => c.args[0].input.Entries ?? [])
    .map((e) => JSON.parse(e.MessageBody ?? '{}'));
const json = (r: APIGatewayProxyStructuredResultV2) => JSON.parse(r.body ?? 'null');

beforeEach(() => {
  ssm.reset();
  sqs.reset();
  answerSecrets();
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
});

describe('Handler: hr-webhook', () => {
  it.each(PROVIDERS)(
    'answers the queued id (Okta: an empty 200) and queues one normalized departure for the signed %s sample',
    async (provider) => {
      const r = await makeHandler()(signedSample(provider));
      expect(r.statusCode).toBe(QUEUED_STATUS[provider]);
      const messages = queued();
      expect(messages).toHaveLength(1);
      if (provider === 'okta') {
        // The answer names no id: the departure is the sample's event, okta:<uuid>.
        expect(r.body).toBeUndefined();
        expect(messages[0].id).toBe('okta:ab62c0bc-2837-11eb-9823-9fb8f750c5a9');
      } else expect(json(r)).toEqual({ queued: [messages[0].id] });
      expect(departureMessageSchema.parse(messages[0])).toMatchObject({
        provider,
        person: expect.objectContaining({ email: expect.stringMatching(/@example\.com$/) }),
      });
      expect(sqs).toHaveReceivedCommandWith(SendMessageBatchCommand, {
        QueueUrl: testConfig().departureQueueUrl,
      });
    },
  );

  it('keeps the sample webhook-id, so replays of the standard sample share one departure id', async () => {
    const r = await makeHandler()(signedSample('standard'));
    expect(json(r)).toEqual({ queued: ['standard:msg_2bXk1o9Xc2EsampleDeparture1'] });
  });

  it('queues the scheduled sample with its effective time (the worker schedules it), 202', async () => {
    const event = signEvent(
      'standard',
      sampleEvent('hr-standard-scheduled.json'),
      SECRETS.standard[0],
      new Date(),
    );
    const r = await makeHandler()(event);
    expect(r.statusCode).toBe(202);
    expect(json(r)).toEqual({ queued: ['standard:msg_2bXk1o9Xc2EsampleScheduled1'] });
    expect(departureMessageSchema.parse(queued()[0])).toMatchObject({
      person: { employeeId: 'E-1042', email: 'jane.doe@example.com' },
      effectiveAt: '2030-02-06T18:00:00.000Z',
    });
  });

  it('queues the cancellation sample as a cancellation, never as a departure, 202', async () => {
    const event = signEvent(
      'standard',
      sampleEvent('hr-standard-cancelled.json'),
      SECRETS.standard[0],
      new Date(),
    );
    const r = await makeHandler()(event);
    expect(r.statusCode).toBe(202);
    const [message] = queued();
    expect(cancellationMessageSchema.parse(message)).toMatchObject({
      kind: 'cancellation',
      id: 'standard:msg_2bXk1o9Xc2EsampleCancelled1',
      cancelFor: { employeeId: 'E-1042', email: 'jane.doe@example.com' },
    });
    expect(departureMessageSchema.safeParse(message).success).toBe(false);
  });

  it.each(PROVIDERS)('accepts %s signatures by either of two secrets in the parameter', async (provider) => {
    const [first] = SECRETS[provider];
    const second = provider === 'standard' ? OTHER_STANDARD_SECRET : `${first}-next`;
    ssm.reset();
    answerSecrets({ ...SECRETS, [provider]: [first, second] });
    const invoke = makeHandler();
    expect((await invoke(signedSample(provider, first))).statusCode).toBe(QUEUED_STATUS[provider]);
    expect((await invoke(signedSample(provider, second))).statusCode).toBe(QUEUED_STATUS[provider]);
    expect(queued()).toHaveLength(2);
  });

  it('accepts a base64-encoded body (API Gateway binary payloads)', async () => {
    const event = signedSample('hibob');
    const r = await makeHandler()({
      ...event,
      body: Buffer.from(event.body ?? '').toString('base64'),
      isBase64Encoded: true,
    });
    expect(r.statusCode).toBe(202);
  });

  type Spoil = (e: APIGatewayProxyEventV2) => APIGatewayProxyEventV2;
  const tampered: Spoil = (e) => ({ ...e, body: (e.body ?? '').replace('example.com', 'example.org') });
  const unsigned: Spoil = (e) => ({ ...e, headers: { 'content-type': 'application/json' } });
  const resignedWith =
    (provider: ProviderName): Spoil =>
    () =>
      signedSample(provider, provider === 'standard' ? OTHER_STANDARD_SECRET : 'not-the-secret');
  const badDeliveries: [ProviderName, string, Spoil][] = PROVIDERS.flatMap(
    (p): [ProviderName, string, Spoil][] => [
      // Okta signs no body (a static header secret): a changed body cannot be detected, by design.
      ...(p === 'okta' ? [] : [[p, 'a tampered body', tampered] as [ProviderName, string, Spoil]]),
      [p, 'another secret', resignedWith(p)],
      [p, 'no signature headers', unsigned],
    ],
  );

  it.each(badDeliveries)(
    'answers 401 with no detail and queues nothing for a %s delivery with %s',
    async (provider, _label, spoil) => {
      const r = await makeHandler()(spoil(signedSample(provider)));
      expect(r.statusCode).toBe(401);
      expect(json(r)).toEqual({ message: 'unauthorized' });
      expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
    },
  );

  it('answers the Okta verification GET with the challenge, queueing nothing', async () => {
    const r = await makeHandler()(sampleEvent('hr-okta-verify.json'));
    expect(r.statusCode).toBe(200);
    expect(json(r)).toEqual({ verification: 'YjkkIzwCkY7ZQvy3xoWIXf_I5RiB0uuUfkH0RwVk' });
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
  });

  describe("HiBob's connection test", () => {
    const ping = (body: string, headers: Record<string, string> = { 'content-type': 'text/plain' }) => ({
      ...sampleEvent('hr-hibob.json'),
      headers,
      body,
    });

    it.each(['Ping test', '{"text":"Ping test"}'])(
      'answers the unsigned ping %j 200 with an empty body, reading no secret and queueing nothing',
      async (body) => {
        const r = await makeHandler()(ping(body));
        expect(r.statusCode).toBe(200);
        expect(r.body).toBeUndefined();
        expect(ssm).not.toHaveReceivedCommand(GetParameterCommand);
        expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
      },
    );

    it('answers the ping 200 whatever Bob-Signature says and even while the secret parameter is missing', async () => {
      ssm.reset();
      ssm
        .on(GetParameterCommand)
        .rejects(Object.assign(new Error('no such parameter'), { name: 'ParameterNotFound' }));
      const invoke = makeHandler();
      for (const signature of [
        'not-a-signature',
        signatureHeaders('hibob', 'Ping test', 'new-secret', new Date())['bob-signature'] ?? '',
      ]) {
        const r = await invoke(ping('Ping test', { 'bob-signature': signature }));
        expect(r.statusCode).toBe(200);
      }
      expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
    });

    it.each([
      ['a ping with a trailing newline', 'Ping test\n'],
      ['a ping in another case', 'ping test'],
      ['the ping as a JSON string', '"Ping test"'],
      ['the JSON ping spaced out', '{"text": "Ping test"}'],
      ['the JSON ping with another field', '{"text":"Ping test","type":"employee.left"}'],
    ])('treats %s as an ordinary delivery: unsigned, it is refused 401', async (_label, body) => {
      const r = await makeHandler()(ping(body));
      expect(r.statusCode).toBe(401);
      expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
    });

    it('is a HiBob test only: the same body to another provider is verified (401 unsigned)', async () => {
      const e = ping('Ping test');
      const r = await makeHandler()({
        ...e,
        rawPath: '/hr/bamboohr',
        pathParameters: { provider: 'bamboohr' },
      });
      expect(r.statusCode).toBe(401);
    });
  });

  it("verifies the Standard Webhooks specification's test vector at the handler's clock, not the machine's", async () => {
    // The vector's body is not a departure: verified, it is answered 400; refused, 401.
    const vector = {
      ...sampleEvent('hr-standard.json'),
      headers: {
        'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
        'webhook-timestamp': '1614265330',
        'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
      },
      body: '{"test": 2432232314}',
    };
    const at = (offset: number) => () => new Date((1614265330 + offset) * 1000);
    expect((await makeHandler(at(0))(vector)).statusCode).toBe(400);
    expect((await makeHandler(at(-300))(vector)).statusCode).toBe(400);
    expect((await makeHandler(at(301))(vector)).statusCode).toBe(401);
    expect((await makeHandler(at(-301))(vector)).statusCode).toBe(401);
    expect((await makeHandler()(vector)).statusCode).toBe(401);
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
  });

  it('answers 400 to a GET on a provider without a handshake', async () => {
    const e = sampleEvent('hr-okta-verify.json');
    const r = await makeHandler()({ ...e, pathParameters: { provider: 'hibob' }, rawPath: '/hr/hibob' });
    expect(r.statusCode).toBe(400);
  });

  it.each(['workday', 'constructor', '__proto__', 'toString', ''])(
    'answers 404 to the unknown provider %j without reading a secret or queueing',
    async (provider) => {
      const e = signedSample('standard');
      const r = await makeHandler()({ ...e, pathParameters: { provider }, rawPath: `/hr/${provider}` });
      expect(r.statusCode).toBe(404);
      expect(ssm).not.toHaveReceivedCommand(GetParameterCommand);
      expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
    },
  );

  it.each([
    ['plain', false],
    ['base64', true],
  ])('answers 413 to a %s body over 256 KiB, before reading a secret', async (_label, base64) => {
    const big = JSON.stringify({ type: 'employee.departed', pad: 'x'.repeat(256 * 1024) });
    const e = signedSample('standard');
    const r = await makeHandler()({
      ...e,
      body: base64 ? Buffer.from(big).toString('base64') : big,
      isBase64Encoded: base64,
    });
    expect(r.statusCode).toBe(413);
    expect(ssm).not.toHaveReceivedCommand(GetParameterCommand);
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
  });

  it('accepts a body of exactly 256 KiB (the limit is inclusive)', async () => {
    const event = (pad: string) =>
      JSON.stringify({ type: 'employee.joined', triggeredAt: new Date().toISOString(), data: {}, pad });
    const body = event('x'.repeat(256 * 1024 - event('').length));
    const e = sampleEvent('hr-hibob.json');
    const r = await makeHandler()({
      ...e,
      body,
      headers: signatureHeaders('hibob', body, SECRETS.hibob[0], new Date()),
    });
    expect(Buffer.byteLength(body)).toBe(256 * 1024);
    expect(r.statusCode).toBe(204);
  });

  it.each(PROVIDERS)(
    'answers 400 to malformed JSON behind a valid %s signature, queueing nothing',
    async (provider) => {
      const body = '{"type": "employee.departed", "data": {';
      const e = sampleEvent(`hr-${provider}.json`);
      const headers = signatureHeaders(provider, body, SECRETS[provider][0], new Date());
      const r = await makeHandler()({ ...e, body, headers });
      expect(r.statusCode).toBe(400);
      expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
    },
  );

  it('answers 204 to a signed event that is not a departure, queueing nothing', async () => {
    const body = JSON.stringify({ type: 'employee.hired', timestamp: new Date().toISOString(), data: {} });
    const e = sampleEvent('hr-standard.json');
    const r = await makeHandler()({
      ...e,
      body,
      headers: signatureHeaders('standard', body, SECRETS.standard[0], new Date()),
    });
    expect(r.statusCode).toBe(204);
    expect(r.body).toBeUndefined();
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
  });

  it.each([
    ['hibob', 6, 204, 0],
    ['hibob', 4, 202, 1],
    ['okta', 6, 200, 0],
    ['okta', 4, 200, 1],
  ] as const)(
    'answers a signed %s event dated %d minutes ahead %d (ahead by more than 5 minutes: acknowledged, not queued)',
    async (provider, minutes, status, count) => {
      const signedAt = new Date();
      const eventAt = new Date(signedAt.getTime() + minutes * 60_000);
      const body = refreshBodyTimes(provider, sampleEvent(`hr-${provider}.json`).body ?? '', eventAt);
      const r = await makeHandler(() => signedAt)({
        ...sampleEvent(`hr-${provider}.json`),
        body,
        headers: signatureHeaders(provider, body, SECRETS[provider][0], signedAt),
      });
      expect(r.statusCode).toBe(status);
      expect(queued()).toHaveLength(count);
    },
  );

  it('answers 503 when the secret parameter cannot be read, so the sender retries', async () => {
    ssm.reset();
    ssm
      .on(GetParameterCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    const r = await makeHandler()(signedSample('okta'));
    expect(r.statusCode).toBe(503);
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
  });

  it('answers 503 when the queue refuses the departure, so the sender retries', async () => {
    sqs.reset();
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Failed: [{ Id: 'm0', Code: 'KMS.ThrottlingException', SenderFault: false }] });
    const r = await makeHandler()(signedSample('bamboohr'));
    expect(r.statusCode).toBe(503);
  });

  it('queues an Okta batch of 12 departures in two SendMessageBatch calls and answers an empty 200', async () => {
    const e = sampleEvent('hr-okta.json');
    const template = JSON.parse(e.body ?? '{}');
    const [event] = template.data.events;
    template.data.events = Array.from({ length: 12 }, (_, i) => ({
      ...event,
      uuid: `uuid-${i}`,
      published: new Date().toISOString(),
    }));
    const body = JSON.stringify(template);
    const r = await makeHandler()({ ...e, body, headers: { authorization: SECRETS.okta[0] } });
    expect(r).toEqual({ statusCode: 200 });
    expect(queued().map((m) => m.id)).toEqual(
      template.data.events.map((ev: { uuid: string }) => `okta:${ev.uuid}`),
    );
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 2);
  });

  it('answers an Okta delivery without a departure event 200 with an empty body, queueing nothing', async () => {
    const e = sampleEvent('hr-okta.json');
    const body = JSON.stringify({
      eventType: 'com.okta.event_hook',
      data: {
        events: [
          {
            uuid: 'session-1',
            published: new Date().toISOString(),
            eventType: 'user.session.start',
            target: [{ type: 'User', alternateId: 'jane.doe@example.com' }],
          },
        ],
      },
    });
    const r = await makeHandler()({ ...e, body, headers: { authorization: SECRETS.okta[0] } });
    expect(r).toEqual({ statusCode: 200 });
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
  });

  it('answers refused Okta deliveries as before: 401 and 400 keep their bodies', async () => {
    const e = signedSample('okta');
    expect(json(await makeHandler()({ ...e, headers: { authorization: 'Bearer guess' } }))).toEqual({
      message: 'unauthorized',
    });
    const r = await makeHandler()({ ...e, body: '{"data":{}}' });
    expect(r.statusCode).toBe(400);
    expect(json(r).message).toBeDefined();
  });
});

/**
 * An independent oracle of "this request carries a valid signature", from the vendors' documentation.
 */
function validlySigned(provider: string, headers: Record<string, string>, body: string): boolean {
  const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const nowS = Date.now() / 1000;
  switch (provider) {
    case 'okta':
      return h.authorization === SECRETS.okta[0];
    case 'hibob':
      return (
        h['bob-signature']?.trim() === createHmac('sha512', SECRETS.hibob[0]).update(body).digest('base64')
      );
    case 'bamboohr': {
      const ts = h['x-bamboohr-timestamp'] ?? '';
      const at = /^\d+$/.test(ts) ? Number(ts) : Date.parse(ts) / 1000;
      const expected = createHmac('sha256', SECRETS.bamboohr[0])
        .update(body + ts)
        .digest('hex');
      return Math.abs(nowS - at) <= 300 && h['x-bamboohr-signature']?.trim().toLowerCase() === expected;
    }
    case 'standard': {
      const key = Buffer.from(SECRETS.standard[0].replace('whsec_', ''), 'base64');
      const ts = Number.parseInt(h['webhook-timestamp'] ?? '', 10);
      const expected = createHmac('sha256', key).update(`${h['webhook-id']}.${ts}.${body}`).digest('base64');
      return (
        Math.abs(nowS - ts) <= 300 && (h['webhook-signature'] ?? '').split(' ').includes(`v1,${expected}`)
      );
    }
    default:
      return false;
  }
}

describe('Property: hr-webhook under arbitrary requests', () => {
  const invoke = makeHandler();
  const headerName = fc.constantFrom(
    'webhook-id',
    'webhook-timestamp',
    'webhook-signature',
    'authorization',
    'x-bamboohr-timestamp',
    'x-bamboohr-signature',
    'bob-signature',
    'x-okta-verification-challenge',
    'content-type',
    'Webhook-Signature',
  );
  const nowS = () => Math.floor(Date.now() / 1000);
  const headerValue = fc.oneof(
    fc.string({ maxLength: 120 }),
    fc.constantFrom('', ' ', 'v1,', 'null', '0'),
    fc.integer({ min: -400, max: 400 }).map((d) => String(nowS() + d)),
    fc.constant(SECRETS.okta[0].slice(0, -1)),
    fc.base64String({ maxLength: 88 }).map((s) => `v1,${s}`),
    fc.stringMatching(/^[0-9a-f]{64}$/),
  );
  const freshSample = (p: ProviderName) =>
    refreshBodyTimes(p, sampleEvent(`hr-${p}.json`).body ?? '', new Date());
  /** A body: mostly a fresh sample of the provider (a departure, queued if the request verifies). */
  const bodyFor = (provider: string) =>
    fc.oneof(
      ...(PROVIDERS.includes(provider as ProviderName)
        ? [{ weight: 4, arbitrary: fc.constant(provider as ProviderName).map(freshSample) }]
        : []),
      { weight: 1, arbitrary: fc.constantFrom(...PROVIDERS).map(freshSample) },
      { weight: 1, arbitrary: fc.string({ maxLength: 600 }) },
      { weight: 1, arbitrary: fc.json({ maxDepth: 4 }) },
    );
  const requestArb = fc
    .record({
      provider: fc.oneof(
        { weight: 9, arbitrary: fc.constantFrom<string>(...PROVIDERS) },
        { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
      ),
      method: fc.oneof(
        { weight: 8, arbitrary: fc.constant('POST') },
        { weight: 2, arbitrary: fc.constantFrom('GET', 'PUT') },
      ),
      // Real signature headers: of this provider, of another one, or none at all.
      signedFor: fc.option(fc.constantFrom(...PROVIDERS), { nil: undefined, freq: 4 }),
      // ...signed now, or with a clock that is off by more than the 5-minute tolerance.
      skewSeconds: fc.oneof(
        { weight: 3, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.integer({ min: 301, max: 3600 }).chain((d) => fc.constantFrom(d, -d)) },
      ),
      edits: fc.dictionary(headerName, fc.option(headerValue, { nil: undefined }), {
        minKeys: 0,
        maxKeys: 4,
      }),
      tamper: fc.oneof(fc.constant(''), fc.constantFrom(' ', 'x', '\n')),
      base64: fc.boolean(),
    })
    .chain((r) => bodyFor(r.provider).map((body) => ({ ...r, body })));

  it('never answers 5xx and never queues a request without a valid signature', async () => {
    let queuedRuns = 0;
    await fc.assert(
      fc.asyncProperty(
        requestArb,
        async ({ provider, method, signedFor, skewSeconds, edits, tamper, base64, body }) => {
          const signedAt = new Date(Date.now() + skewSeconds * 1000);
          const real = signedFor ? signatureHeaders(signedFor, body, SECRETS[signedFor][0], signedAt) : {};
          const headers: Record<string, string> = { ...real };
          for (const [k, v] of Object.entries(edits)) {
            if (v === undefined) delete headers[k];
            else headers[k] = v;
          }
          const sentBody = body + tamper;
          const before = sqs.commandCalls(SendMessageBatchCommand).length;
          const e = sampleEvent('hr-standard.json');
          const r = await invoke({
            ...e,
            rawPath: `/hr/${provider}`,
            pathParameters: { provider },
            requestContext: { ...e.requestContext, http: { ...e.requestContext.http, method } },
            headers,
            body: base64 ? Buffer.from(sentBody).toString('base64') : sentBody,
            isBase64Encoded: base64,
          });
          expect(r.statusCode).toBeLessThan(500);
          if (sqs.commandCalls(SendMessageBatchCommand).length > before) {
            queuedRuns++;
            expect(method).toBe('POST');
            expect(validlySigned(provider, headers, sentBody)).toBe(true);
          }
        },
      ),
      { numRuns: 1000 },
    );
    // The generator reaches the queue too (valid deliveries), so the property is not vacuous.
    expect(queuedRuns).toBeGreaterThan(0);
  });

  const iso = fc
    .date({
      min: new Date(Date.now() - 5 * 24 * 3600e3),
      max: new Date(Date.now() + 3600e3),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString());
  const scalar = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.integer(),
    fc.constant(null),
    fc.emailAddress(),
    iso,
  );
  const payloads: Record<ProviderName, fc.Arbitrary<unknown>> = {
    standard: fc.record({
      type: fc.constantFrom('employee.departed', 'employee.hired', ''),
      timestamp: fc.oneof(iso, scalar),
      data: fc.dictionary(fc.constantFrom('employeeId', 'email', 'effectiveAt', 'reason'), scalar),
    }),
    okta: fc.record({
      data: fc.record({
        events: fc.array(
          fc.record({
            uuid: fc.oneof(fc.uuid(), scalar),
            published: fc.oneof(iso, scalar),
            eventType: fc.constantFrom(
              'user.lifecycle.deactivate',
              'user.lifecycle.suspend',
              'user.session.start',
            ),
            outcome: fc.option(fc.record({ result: fc.constantFrom('SUCCESS', 'FAILURE') })),
            target: fc.array(
              fc.record({ type: fc.constantFrom('User', 'Group'), alternateId: scalar, id: scalar }),
            ),
          }),
          { maxLength: 12 },
        ),
      }),
    }),
    bamboohr: fc.oneof(
      fc.record({
        employees: fc.array(
          fc.record({
            id: scalar,
            action: fc.constantFrom('Updated', 'Deleted', 'Created'),
            timestamp: fc.oneof(iso, scalar),
            fields: fc.dictionary(fc.constantFrom('Employment Status', 'Work Email', 'workEmail'), scalar),
          }),
          { maxLength: 12 },
        ),
      }),
      fc.record({
        type: fc.constantFrom('employee.deleted', 'employee.updated'),
        data: fc.dictionary(fc.constantFrom('employeeId'), scalar),
      }),
    ),
    hibob: fc.record({
      type: fc.constantFrom('employee.left', 'employee.deleted', 'employee.joined'),
      triggeredAt: fc.oneof(iso, scalar),
      data: fc.dictionary(fc.constantFrom('employeeId', 'email'), scalar),
    }),
  };

  it.each(PROVIDERS)(
    'answers 202, 204 or 400 (Okta: 200 or 400) to any validly signed %s payload, and queues only well-formed departures',
    async (provider) => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(payloads[provider], fc.jsonValue()), async (payload) => {
          const body = JSON.stringify(payload) ?? 'null';
          const before = queued().length;
          const e = sampleEvent(`hr-${provider}.json`);
          const r = await invoke({
            ...e,
            body,
            headers: signatureHeaders(provider, body, SECRETS[provider][0], new Date()),
          });
          const fresh = queued().slice(before);
          if (provider === 'okta') {
            expect([200, 400]).toContain(r.statusCode);
            if (r.statusCode === 200) {
              // An empty 200 names no id: whatever was queued is a departure event of the batch sent.
              expect(r.body).toBeUndefined();
              const sent = (
                payload as { data: { events: { uuid: unknown; eventType: string }[] } }
              ).data.events
                .filter((ev) => OKTA_DEPARTURE_TYPES.has(ev.eventType))
                .map((ev) => departureId('okta', [String(ev.uuid)]));
              for (const m of fresh) expect(sent).toContain(m.id);
            } else expect(fresh).toEqual([]);
          } else {
            expect([202, 204, 400]).toContain(r.statusCode);
            expect(fresh.length > 0).toBe(r.statusCode === 202);
          }
          for (const m of fresh) expect(departureMessageSchema.safeParse(m).success).toBe(true);
        }),
        { numRuns: 250 },
      );
    },
  );
});
