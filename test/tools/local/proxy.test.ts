import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import {
  describeRequest,
  type FaultKind,
  type FaultProxy,
  faultResponse,
  seededRandom,
  startFaultProxy,
  waveNumbers,
} from '../../../tools/local/proxy';

/** A tiny upstream that records what reached it and answers 200 with a fixed body. */
interface Upstream {
  readonly url: string;
  readonly received: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[];
  close(): Promise<void>;
}

async function startUpstream(): Promise<Upstream> {
  const received: Upstream['received'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      res.writeHead(201, { 'content-type': 'text/plain', 'x-upstream': 'yes' });
      res.end(`upstream saw ${req.method} ${req.url}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const SCOPE =
  'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/%s/aws4_request, SignedHeaders=host';
const queryCall = (endpoint: string, action: string) =>
  fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      authorization: SCOPE.replace('%s', 'iam'),
    },
    body: `Action=${action}&Version=2010-05-08`,
  });

let upstream: Upstream;
let proxy: FaultProxy | undefined;

beforeEach(async () => {
  upstream = await startUpstream();
});

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await upstream.close();
});

const onlyFault = (kind: FaultKind, extra = {}) =>
  startFaultProxy({ upstream: upstream.url, faultRate: 1, faultWeights: { [kind]: 1 }, ...extra });

describe('Function: startFaultProxy', () => {
  it('forwards method, path, headers and body and returns the upstream answer unchanged', async () => {
    proxy = await startFaultProxy({ upstream: upstream.url });

    const res = await fetch(`${proxy.endpoint}/some/path?x=1`, {
      method: 'PUT',
      headers: { 'x-custom': 'abc' },
      body: 'payload',
    });

    expect(res.status).toBe(201);
    expect(res.headers.get('x-upstream')).toBe('yes');
    expect(await res.text()).toBe('upstream saw PUT /some/path?x=1');
    expect(upstream.received).toHaveLength(1);
    expect(upstream.received[0]).toMatchObject({ method: 'PUT', url: '/some/path?x=1', body: 'payload' });
    expect(upstream.received[0]?.headers['x-custom']).toBe('abc');
    // The Host header is kept as the client signed it (the proxy's, not the upstream's).
    expect(upstream.received[0]?.headers.host).toBe(`127.0.0.1:${proxy.port}`);
  });

  it('counts requests per operation from the Action form parameter and from X-Amz-Target', async () => {
    proxy = await startFaultProxy({ upstream: upstream.url });

    await queryCall(proxy.endpoint, 'ListUsers');
    await queryCall(proxy.endpoint, 'ListUsers');
    await fetch(`${proxy.endpoint}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.PutItem',
        authorization: SCOPE.replace('%s', 'dynamodb'),
      },
      body: '{}',
    });

    expect(proxy.stats().byOperation).toEqual({ 'iam:ListUsers': 2, 'dynamodb:PutItem': 1 });
    expect(proxy.stats().requests).toBe(3);
  });

  it('adds the configured latency to every request', async () => {
    proxy = await startFaultProxy({ upstream: upstream.url, latencyMs: 40 });

    await queryCall(proxy.endpoint, 'GetUser');
    await queryCall(proxy.endpoint, 'GetUser');

    const durations = proxy.timeline().map((e) => e.end - e.start);
    expect(durations).toHaveLength(2);
    // setTimeout may fire up to a millisecond early; never much earlier.
    for (const d of durations) expect(d).toBeGreaterThanOrEqual(39);
  });

  it('answers Throttling in the query protocol error shape, which the SDK reads as Throttling', async () => {
    proxy = await onlyFault('throttle');
    const iam = new IAMClient({ region: 'us-east-1', endpoint: proxy.endpoint, maxAttempts: 1 });

    const err = await iam.send(new ListUsersCommand({})).catch((e: unknown) => e);

    expect(err).toMatchObject({ name: 'Throttling', $metadata: { httpStatusCode: 400 } });
    expect(upstream.received).toHaveLength(0);
    expect(proxy.stats().faults.throttle).toBe(1);
    expect(proxy.stats().faultsByOperation).toEqual({ 'iam:ListUsers': { throttle: 1 } });
  });

  it('answers ThrottlingException in the JSON protocol error shape for a JSON service', async () => {
    proxy = await onlyFault('throttle');
    const ddb = new DynamoDBClient({ region: 'us-east-1', endpoint: proxy.endpoint, maxAttempts: 1 });

    const err = await ddb
      .send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }))
      .catch((e: unknown) => e);

    expect(err).toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    expect(proxy.stats().byOperation).toEqual({ 'dynamodb:GetItem': 1 });
  });

  it('makes the SDK retry a throttled call up to its maxAttempts', async () => {
    proxy = await onlyFault('throttle');
    const iam = new IAMClient({ region: 'us-east-1', endpoint: proxy.endpoint, maxAttempts: 3 });

    await expect(iam.send(new ListUsersCommand({}))).rejects.toMatchObject({ name: 'Throttling' });

    expect(proxy.stats().byOperation['iam:ListUsers']).toBe(3);
    expect(proxy.stats().faults.throttle).toBe(3);
  });

  it.each([
    ['http500', 500, 'InternalFailure'],
    ['http503', 503, 'ServiceUnavailable'],
  ] as const)('answers %s with HTTP %i (%s) without forwarding', async (kind, status, code) => {
    proxy = await onlyFault(kind);
    const iam = new IAMClient({ region: 'us-east-1', endpoint: proxy.endpoint, maxAttempts: 1 });

    const err = await iam.send(new ListUsersCommand({})).catch((e: unknown) => e);

    expect(err).toMatchObject({ name: code, $metadata: { httpStatusCode: status } });
    expect(upstream.received).toHaveLength(0);
    expect(proxy.stats().faults[kind]).toBe(1);
  });

  it('resets the connection without forwarding on a reset fault', async () => {
    proxy = await onlyFault('reset');

    await expect(queryCall(proxy.endpoint, 'ListUsers')).rejects.toThrow();

    expect(upstream.received).toHaveLength(0);
    expect(proxy.stats().faults.reset).toBe(1);
    expect(proxy.timeline()[0]).toMatchObject({ status: 0, fault: 'reset', operation: 'iam:ListUsers' });
  });

  it('forwards then resets the connection on a reset-after-forward fault (the write happened)', async () => {
    proxy = await onlyFault('reset-after-forward');

    await expect(queryCall(proxy.endpoint, 'UpdateAccessKey')).rejects.toThrow();

    expect(upstream.received).toHaveLength(1);
    expect(proxy.stats().faults['reset-after-forward']).toBe(1);
  });

  it('adds extra latency on a latency fault and still forwards', async () => {
    proxy = await onlyFault('latency', { faultLatencyMs: 60 });

    const res = await queryCall(proxy.endpoint, 'ListUsers');

    expect(res.status).toBe(201);
    expect(upstream.received).toHaveLength(1);
    const [entry] = proxy.timeline();
    expect((entry?.end ?? 0) - (entry?.start ?? 0)).toBeGreaterThanOrEqual(59);
  });

  it('faults a seeded fraction of requests, the same requests for the same seed', async () => {
    const run = async (seed: number) => {
      const p = await startFaultProxy({ upstream: upstream.url, faultRate: 0.25, seed, faultLatencyMs: 1 });
      const faulted: number[] = [];
      for (let i = 0; i < 200; i++) {
        const before = Object.values(p.stats().faults).reduce((s, n) => s + n, 0);
        await queryCall(p.endpoint, 'GetUser').catch(() => undefined);
        const after = Object.values(p.stats().faults).reduce((s, n) => s + n, 0);
        if (after > before) faulted.push(i);
      }
      const kinds = p.stats().faults;
      await p.close();
      return { faulted, kinds };
    };

    const a = await run(42);
    const b = await run(42);
    const c = await run(43);

    expect(a).toEqual(b);
    expect(c.faulted).not.toEqual(a.faulted);
    // 25% of 200 = 50; a seeded PRNG lands near it.
    expect(a.faulted.length).toBeGreaterThanOrEqual(30);
    expect(a.faulted.length).toBeLessThanOrEqual(70);
    // The default mix never duplicates a write.
    expect(a.kinds['reset-after-forward']).toBe(0);
    expect(a.kinds.throttle).toBeGreaterThan(0);
    expect(a.kinds.reset).toBeGreaterThan(0);
  }, 20_000);

  it('never faults the emulator control API by default', async () => {
    proxy = await startFaultProxy({ upstream: upstream.url, faultRate: 1 });

    const res = await fetch(`${proxy.endpoint}/moto-api/reset`, { method: 'POST' });

    expect(res.status).toBe(201);
    expect(Object.values(proxy.stats().faults).every((n) => n === 0)).toBe(true);
  });

  it('lets an interceptor answer a request the upstream does not serve', async () => {
    proxy = await startFaultProxy({
      upstream: upstream.url,
      intercept: (req) =>
        req.operation === 'iam:ListUsers'
          ? { status: 200, headers: { 'content-type': 'text/plain' }, body: 'from the interceptor' }
          : undefined,
    });

    const intercepted = await queryCall(proxy.endpoint, 'ListUsers');
    const forwarded = await queryCall(proxy.endpoint, 'GetUser');

    expect(await intercepted.text()).toBe('from the interceptor');
    expect(forwarded.status).toBe(201);
    expect(upstream.received.map((r) => r.body)).toEqual(['Action=GetUser&Version=2010-05-08']);
  });

  it('counts sequential calls as one wave each and parallel calls as one wave', async () => {
    proxy = await startFaultProxy({ upstream: upstream.url, latencyMs: 20 });
    const endpoint = proxy.endpoint;

    await Promise.all(['GetUser', 'ListAccessKeys', 'ListMFADevices'].map((a) => queryCall(endpoint, a)));
    await Promise.all(['GetAccessKeyLastUsed', 'GetAccessKeyLastUsed'].map((a) => queryCall(endpoint, a)));
    await queryCall(endpoint, 'AttachUserPolicy');
    await queryCall(endpoint, 'TagUser');

    expect(proxy.roundTripsBefore((e) => e.operation === 'iam:AttachUserPolicy')).toBe(2);
    expect(proxy.roundTripsBefore((e) => e.operation === 'iam:GetUser')).toBe(0);
    expect(proxy.roundTripsBefore((e) => e.operation === 'iam:DeleteUser')).toBeUndefined();
    expect(proxy.waves()).toBe(4);
  });

  it('clears counts and timeline on reset', async () => {
    proxy = await startFaultProxy({ upstream: upstream.url });
    await queryCall(proxy.endpoint, 'GetUser');

    proxy.reset();

    expect(proxy.stats().requests).toBe(0);
    expect(proxy.timeline()).toEqual([]);
    expect(proxy.waves()).toBe(0);
  });

  it('changes latency and faults while running', async () => {
    proxy = await startFaultProxy({ upstream: upstream.url });
    await queryCall(proxy.endpoint, 'GetUser');

    proxy.configure({ faultRate: 1, faultWeights: { http503: 1 } });
    const res = await queryCall(proxy.endpoint, 'GetUser');

    expect(res.status).toBe(503);
    expect(proxy.stats().faults.http503).toBe(1);
    expect(() => proxy?.configure({ faultRate: 2 })).toThrow(RangeError);
  });
});

describe('Function: waveNumbers', () => {
  it('puts overlapping intervals in one wave and dependent ones in the next', () => {
    expect(
      waveNumbers([
        { start: 0, end: 50 },
        { start: 1, end: 51 },
        { start: 52, end: 100 },
        { start: 51, end: 120 },
        { start: 121, end: 130 },
      ]),
    ).toEqual([1, 1, 2, 2, 3]);
  });

  it('follows the longest chain, whatever the input order', () => {
    expect(
      waveNumbers([
        { start: 30, end: 40 },
        { start: 0, end: 10 },
        { start: 11, end: 20 },
        { start: 0, end: 100 },
      ]),
    ).toEqual([3, 1, 2, 1]);
  });

  it('returns nothing for no intervals', () => {
    expect(waveNumbers([])).toEqual([]);
  });
});

describe('Function: describeRequest', () => {
  it('names a query-protocol call by its signing service and Action', () => {
    const r = describeRequest(
      'POST',
      '/',
      { 'content-type': 'application/x-www-form-urlencoded', authorization: SCOPE.replace('%s', 'sns') },
      Buffer.from('Action=Publish&Version=2010-03-31'),
    );
    expect(r).toEqual({ service: 'sns', operation: 'sns:Publish', protocol: 'query' });
  });

  it('names a JSON-protocol call by X-Amz-Target, even unsigned', () => {
    const r = describeRequest(
      'POST',
      '/',
      { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.DescribeSessions' },
      Buffer.from('{}'),
    );
    expect(r).toEqual({ service: 'ssm', operation: 'ssm:DescribeSessions', protocol: 'json' });
  });

  it('names emulator control calls apart from AWS calls', () => {
    expect(describeRequest('POST', '/moto-api/reset', {}, Buffer.alloc(0))).toEqual({
      service: 'moto-api',
      operation: 'moto-api:/moto-api/reset',
      protocol: 'other',
    });
  });
});

describe('Function: faultResponse', () => {
  it('mirrors the JSON content type of the request and names the error type in a header', () => {
    const r = faultResponse('throttle', {
      protocol: 'json',
      headers: { 'content-type': 'application/x-amz-json-1.1' },
    });
    expect(r.status).toBe(400);
    expect(r.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(r.headers['x-amzn-errortype']).toBe('ThrottlingException');
    expect(JSON.parse(String(r.body))).toMatchObject({ __type: 'ThrottlingException' });
  });
});

describe('Function: seededRandom', () => {
  it('gives the same sequence in [0, 1) for the same seed', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const xs = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBe(100);
  });
});
