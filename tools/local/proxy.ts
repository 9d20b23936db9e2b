import { randomUUID } from 'node:crypto';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A fault-injecting HTTP proxy between the AWS SDK (its `endpoint`) and a local emulator (moto_server), for
 * the reliability scenarios and the benchmarks. It forwards every request, optionally after a fixed added
 * latency, and for a seeded fraction of requests answers a fault instead: throttling in the error shape of
 * the request's protocol, HTTP 500/503, a connection reset, or extra latency. It counts requests per
 * operation and faults per kind, and keeps a timeline (start/end of each request) from which the number of
 * sequential round trips ("waves") before a given call is computed. Never bundled into a handler.
 *
 * Determinism: fault decisions come from a seeded PRNG drawn once per faultable request in arrival order, so
 * one seed gives one fault sequence; with concurrent callers, which request receives which draw follows
 * arrival order.
 */

/**
 * What the proxy can do instead of (or on top of) forwarding a request:
 * - `throttle`: HTTP 400 `Throttling` (query protocol: IAM, SNS, STS) or `ThrottlingException` (JSON
 *   protocol: DynamoDB, SSM, SQS), in that protocol's error shape; never forwarded;
 * - `http500` / `http503`: `InternalFailure` / `ServiceUnavailable`; never forwarded;
 * - `reset`: the connection is destroyed before the request is forwarded (nothing reached the emulator);
 * - `reset-after-forward`: forwarded, then the connection is destroyed instead of answering (the write
 *   happened, the caller never learns it): the duplicate-write case;
 * - `latency`: `faultLatencyMs` more before forwarding.
 */
export type FaultKind = 'throttle' | 'http500' | 'http503' | 'reset' | 'reset-after-forward' | 'latency';

export const FAULT_KINDS: readonly FaultKind[] = [
  'throttle',
  'http500',
  'http503',
  'reset',
  'reset-after-forward',
  'latency',
];

/** Default mix: every kind but `reset-after-forward` (which causes duplicate writes), equally likely. */
export const DEFAULT_FAULT_WEIGHTS: Readonly<Record<FaultKind, number>> = Object.freeze({
  throttle: 1,
  http500: 1,
  http503: 1,
  reset: 1,
  'reset-after-forward': 0,
  latency: 1,
});

/** Wire protocol of an AWS request, which decides the error shape. */
export type AwsProtocol = 'query' | 'json' | 'other';

/** A request as the proxy saw it (body fully read). */
export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** Signing name from the SigV4 credential scope (`iam`, `dynamodb`, `ssm`...), else from the target. */
  readonly service: string;
  /** `<service>:<Operation>` (`iam:AttachUserPolicy`, `dynamodb:PutItem`); `moto-api:<path>` etc. otherwise. */
  readonly operation: string;
  readonly protocol: AwsProtocol;
}

/** An HTTP answer, from the emulator or from an interceptor. */
export interface ProxyResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | string;
}

/**
 * Serves a request itself (e.g. an API the emulator lacks) or rewrites the emulator's answer; `forward`
 * sends the request upstream. Returning undefined forwards as usual.
 */
export type Interceptor = (
  req: ProxiedRequest,
  forward: () => Promise<ProxyResponse>,
) => Promise<ProxyResponse | undefined> | ProxyResponse | undefined;

export interface ProxyOptions {
  /** Where requests go, e.g. moto's endpoint `http://127.0.0.1:5000`. */
  readonly upstream: string;
  /** Added to every request before it is answered (default 0). */
  readonly latencyMs?: number;
  /** Fraction of faultable requests that receive a fault, 0..1 (default 0). */
  readonly faultRate?: number;
  /** Relative weights of the fault kinds (default {@link DEFAULT_FAULT_WEIGHTS}; missing kinds weigh 0). */
  readonly faultWeights?: Partial<Record<FaultKind, number>>;
  /** PRNG seed (default 1). */
  readonly seed?: number;
  /** Extra delay of a `latency` fault (default 250 ms). */
  readonly faultLatencyMs?: number;
  /** Which requests may be faulted (default: every AWS request; the emulator's `/moto-api/` never). */
  readonly faultable?: (req: ProxiedRequest) => boolean;
  readonly intercept?: Interceptor;
  /** Listening port (default: a free one on 127.0.0.1). */
  readonly port?: number;
}

/** Settings that can change while the proxy runs. */
export type ProxySettings = Pick<
  ProxyOptions,
  'latencyMs' | 'faultRate' | 'faultWeights' | 'faultLatencyMs' | 'faultable' | 'intercept'
>;

/** One request in the timeline; times are `performance.now()` milliseconds of this process. */
export interface TimelineEntry {
  /** Arrival order, from 1. */
  readonly seq: number;
  readonly operation: string;
  readonly start: number;
  readonly end: number;
  /** HTTP status sent, 0 when the connection was reset. */
  readonly status: number;
  readonly fault?: FaultKind;
}

export interface ProxyStats {
  /** Requests received (every one, faulted or not). */
  readonly requests: number;
  /** Requests per operation. */
  readonly byOperation: Record<string, number>;
  /** Faults injected per kind (every kind present, 0 when none). */
  readonly faults: Record<FaultKind, number>;
  /** Faults per operation and kind. */
  readonly faultsByOperation: Record<string, Partial<Record<FaultKind, number>>>;
}

export interface FaultProxy {
  /** Give this to the SDK as `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  stats(): ProxyStats;
  /** Finished requests, by start time. */
  timeline(): TimelineEntry[];
  /**
   * Sequential round trips completed before the first request matching `match` started: its wave number
   * minus one (see {@link waveNumbers}); undefined when no request matches.
   */
  roundTripsBefore(match: (entry: TimelineEntry) => boolean): number | undefined;
  /** The number of sequential waves in the timeline (the critical path, in round trips). */
  waves(): number;
  /** Changes latency, faults or the interceptor from now on (the PRNG continues its sequence). */
  configure(settings: ProxySettings): void;
  /** Clears counts and timeline; restarts the PRNG from `seed` when given. */
  reset(seed?: number): void;
  close(): Promise<void>;
}

/** mulberry32: a small, fast, seedable PRNG; the same seed gives the same sequence on every platform. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The wave of each interval: 1 + the highest wave among intervals that ended before it started. A request
 * issued only after another one's answer is in a later wave; requests in flight together share one. The
 * highest wave is the length of the critical path in round trips.
 * @example
 * waveNumbers([{ start: 0, end: 50 }, { start: 1, end: 51 }, { start: 52, end: 100 }]); // [1, 1, 2]
 */
export function waveNumbers(entries: readonly { start: number; end: number }[]): number[] {
  const n = entries.length;
  const at = (i: number) => entries[i] as { start: number; end: number };
  const byStart = Array.from({ length: n }, (_, i) => i).sort((a, b) => at(a).start - at(b).start);
  const byEnd = Array.from({ length: n }, (_, i) => i).sort((a, b) => at(a).end - at(b).end);
  const wave = new Array<number>(n).fill(0);
  let j = 0;
  let highestDone = 0;
  for (const i of byStart) {
    while (j < n && at(byEnd[j] as number).end <= at(i).start) {
      highestDone = Math.max(highestDone, wave[byEnd[j] as number] as number);
      j++;
    }
    wave[i] = highestDone + 1;
  }
  return wave;
}

const sleep = (ms: number) => (ms > 0 ? new Promise<void>((r) => setTimeout(r, ms)) : Promise.resolve());

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** Service, operation and protocol of a request, from its SigV4 scope, `X-Amz-Target` or `Action=`. */
export function describeRequest(
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
): Pick<ProxiedRequest, 'service' | 'operation' | 'protocol'> {
  if (path.startsWith('/moto-api')) {
    return { service: 'moto-api', operation: `moto-api:${path.split('?')[0]}`, protocol: 'other' };
  }
  const scope = /Credential=[^/,\s]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(
    header(headers, 'authorization') ?? '',
  );
  const target = header(headers, 'x-amz-target');
  const contentType = header(headers, 'content-type') ?? '';
  if (target || contentType.startsWith('application/x-amz-json')) {
    const [prefix = '', op = ''] = (target ?? '').split('.');
    const service =
      scope?.[1] ??
      prefix
        .replace(/_\d+$/, '')
        .replace(/^Amazon/, '')
        .toLowerCase();
    return { service, operation: `${service}:${op || 'unknown'}`, protocol: 'json' };
  }
  const query = path.includes('?') ? new URLSearchParams(path.slice(path.indexOf('?') + 1)) : undefined;
  const form = contentType.startsWith('application/x-www-form-urlencoded')
    ? new URLSearchParams(body.toString('utf8'))
    : undefined;
  const action = form?.get('Action') ?? query?.get('Action') ?? undefined;
  const service = scope?.[1] ?? 'unknown';
  if (action) return { service, operation: `${service}:${action}`, protocol: 'query' };
  return { service, operation: `${service}:${method} ${path.split('?')[0]}`, protocol: 'other' };
}

const FAULT_ERRORS: Record<
  'throttle' | 'http500' | 'http503',
  { status: number; code: string; json: string }
> = {
  throttle: { status: 400, code: 'Throttling', json: 'ThrottlingException' },
  http500: { status: 500, code: 'InternalFailure', json: 'InternalFailure' },
  http503: { status: 503, code: 'ServiceUnavailable', json: 'ServiceUnavailable' },
};

/**
 * The error answer AWS gives for a fault, in the request's protocol: the query protocol's XML
 * `<ErrorResponse>` (IAM, SNS, STS: `Throttling`), or the JSON protocol's `{"__type": ...}` with
 * `x-amzn-ErrorType` (DynamoDB, SSM, SQS: `ThrottlingException`).
 */
export function faultResponse(
  kind: 'throttle' | 'http500' | 'http503',
  req: Pick<ProxiedRequest, 'protocol' | 'headers'>,
): ProxyResponse {
  const spec = FAULT_ERRORS[kind];
  const requestId = randomUUID();
  const message = kind === 'throttle' ? 'Rate exceeded' : 'Injected fault';
  if (req.protocol === 'json') {
    return {
      status: spec.status,
      headers: {
        'content-type': header(req.headers, 'content-type') ?? 'application/x-amz-json-1.0',
        'x-amzn-requestid': requestId,
        'x-amzn-errortype': spec.json,
      },
      body: JSON.stringify({ __type: spec.json, message }),
    };
  }
  const type = kind === 'throttle' ? 'Sender' : 'Receiver';
  return {
    status: spec.status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>${type}</Type><Code>${spec.code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

/**
 * Starts the proxy on 127.0.0.1.
 * @example
 * const proxy = await startFaultProxy({ upstream: moto.endpoint, latencyMs: 50, faultRate: 0.2, seed: 7 });
 * const clients = makeClients({ region: 'us-east-1', endpoint: proxy.endpoint, credentials });
 * ...
 * proxy.stats().faults.throttle; proxy.roundTripsBefore((e) => e.operation === 'iam:AttachUserPolicy');
 * await proxy.close();
 */
export async function startFaultProxy(options: ProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(options.upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let settings: Required<Omit<ProxySettings, 'intercept'>> & Pick<ProxySettings, 'intercept'> = {
    latencyMs: 0,
    faultRate: 0,
    faultWeights: DEFAULT_FAULT_WEIGHTS,
    faultLatencyMs: 250,
    faultable: (r) => r.service !== 'moto-api',
  };
  const apply = (s: ProxySettings) => {
    settings = {
      ...settings,
      ...Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)),
    } as typeof settings;
    if (s.faultRate !== undefined && (s.faultRate < 0 || s.faultRate > 1)) {
      throw new RangeError(`faultRate must be within 0..1, got ${s.faultRate}`);
    }
  };
  apply(options);

  let seed = options.seed ?? 1;
  let random = seededRandom(seed);
  let seq = 0;
  let timeline: TimelineEntry[] = [];
  let byOperation: Record<string, number> = {};
  let faults = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  let faultsByOperation: Record<string, Partial<Record<FaultKind, number>>> = {};
  const sockets = new Set<Socket>();

  const pickFault = (): FaultKind | undefined => {
    if (settings.faultRate <= 0 || random() >= settings.faultRate) return undefined;
    const weighted = FAULT_KINDS.map((k) => [k, Math.max(0, settings.faultWeights[k] ?? 0)] as const).filter(
      ([, w]) => w > 0,
    );
    const total = weighted.reduce((s, [, w]) => s + w, 0);
    if (total <= 0) return undefined;
    let x = random() * total;
    for (const [k, w] of weighted) {
      x -= w;
      if (x < 0) return k;
    }
    return weighted[weighted.length - 1]?.[0];
  };

  const forwardTo = (req: ProxiedRequest): Promise<ProxyResponse> =>
    new Promise((resolve, reject) => {
      const up = httpRequest(
        {
          protocol: upstream.protocol,
          hostname: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.path,
          // The Host header is kept as the SDK signed it: the emulator checks SigV4 when IAM auth is on.
          headers: { ...req.headers, 'content-length': String(req.body.length) },
          agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) {
              if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
            }
            resolve({ status: res.statusCode ?? 502, headers, body: Buffer.concat(chunks) });
          });
          res.on('error', reject);
        },
      );
      up.on('error', reject);
      up.end(req.body);
    });

  const handle = async (inc: IncomingMessage, out: ServerResponse) => {
    const start = performance.now();
    const mySeq = ++seq;
    const body = await readBody(inc);
    const method = inc.method ?? 'GET';
    const path = inc.url ?? '/';
    const req: ProxiedRequest = {
      method,
      path,
      headers: inc.headers,
      body,
      ...describeRequest(method, path, inc.headers, body),
    };
    byOperation[req.operation] = (byOperation[req.operation] ?? 0) + 1;
    const fault = settings.faultable(req) ? pickFault() : undefined;
    if (fault) {
      faults[fault]++;
      const f = faultsByOperation[req.operation] ?? {};
      f[fault] = (f[fault] ?? 0) + 1;
      faultsByOperation[req.operation] = f;
    }
    const record = (status: number) =>
      timeline.push({
        seq: mySeq,
        operation: req.operation,
        start,
        end: performance.now(),
        status,
        ...(fault ? { fault } : {}),
      });

    await sleep(settings.latencyMs + (fault === 'latency' ? settings.faultLatencyMs : 0));
    if (fault === 'reset') {
      record(0);
      inc.socket.destroy();
      return;
    }
    let answer: ProxyResponse;
    if (fault === 'throttle' || fault === 'http500' || fault === 'http503') {
      answer = faultResponse(fault, req);
    } else {
      try {
        const forward = () => forwardTo(req);
        answer = (await settings.intercept?.(req, forward)) ?? (await forward());
      } catch (err) {
        answer = {
          status: 502,
          headers: { 'content-type': 'text/plain' },
          body: `proxy: upstream failed: ${(err as Error).message}`,
        };
      }
    }
    if (fault === 'reset-after-forward') {
      record(0);
      inc.socket.destroy();
      return;
    }
    const payload = typeof answer.body === 'string' ? Buffer.from(answer.body) : answer.body;
    out.writeHead(answer.status, { ...answer.headers, 'content-length': String(payload.length) });
    out.end(payload, () => record(answer.status));
  };

  const server: Server = createServer((inc, out) => {
    handle(inc, out).catch((err: Error) => {
      if (!out.headersSent) {
        out.writeHead(500, { 'content-type': 'text/plain' });
        out.end(`proxy: ${err.message}`);
      } else {
        inc.socket.destroy();
      }
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const sorted = () => [...timeline].sort((a, b) => a.start - b.start || a.seq - b.seq);

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stats: () => ({
      requests: Object.values(byOperation).reduce((s, n) => s + n, 0),
      byOperation: { ...byOperation },
      faults: { ...faults },
      faultsByOperation: JSON.parse(JSON.stringify(faultsByOperation)),
    }),
    timeline: sorted,
    roundTripsBefore(match) {
      const entries = sorted();
      const waves = waveNumbers(entries);
      const i = entries.findIndex(match);
      return i < 0 ? undefined : (waves[i] as number) - 1;
    },
    waves: () => waveNumbers(timeline).reduce((m, w) => Math.max(m, w), 0),
    configure: apply,
    reset(newSeed?: number) {
      if (newSeed !== undefined) {
        seed = newSeed;
        random = seededRandom(seed);
      }
      timeline = [];
      byOperation = {};
      faults = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
      faultsByOperation = {};
    },
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
