import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import type { ProviderName } from '../../src/webhooks/registry';
import { signatureHeaders } from '../testing/sign';
import { WEBHOOK_SECRETS } from './account';
import {
  departureBody,
  IGNORED_STATUS,
  type PersonRef,
  QUEUED_STATUS,
  type RawRequest,
} from './webhook-events';

/**
 * Hostile HR webhook requests, generated with fast-check from a seed, each with the answer the contract
 * (docs/webhooks.md) requires, fixed by construction rather than by asking the code under test: 404 unknown
 * provider, 413 over 256 KiB, 400 a method other than POST (GET only for Okta's handshake), 401 a missing,
 * wrong, tampered, stale or smuggled signature, 400 a verified body that is not the provider's payload, 204 a
 * verified event too old to trust, 202 a verified departure (Okta answers both of these 200 with an empty
 * body, as Okta documents: there `queues` alone says which). Only requests marked `validlySigned` may put
 * anything on the queue, and only those marked `queues` must. Never bundled into a handler.
 */

export type HostileKind =
  | 'bad-signature'
  | 'stale-timestamp'
  | 'old-unsigned-event'
  | 'huge-body'
  | 'deep-nesting'
  | 'wrong-encoding'
  | 'header-injection'
  | 'duplicate-headers'
  | 'giant-headers'
  | 'unknown-provider'
  | 'wrong-method'
  | 'malformed-payload'
  | 'valid-control';

export interface HostileRecipe {
  readonly kind: HostileKind;
  readonly variant: string;
  readonly provider: string;
  /** The status the contract requires. */
  readonly expected: number;
  /** The request carries a valid signature (or Okta secret) for its provider: only these may be queued. */
  readonly validlySigned: boolean;
  /**
   * The contract queues the request's departure (each event of it): a verified, well-formed, trusted
   * departure. For Okta the status cannot say so (an empty 200 answers queued and ignored events alike).
   */
  readonly queues: boolean;
  /** The request as sent at `now`; `token` makes its departure (if any) unique. */
  build(now: Date, token: string): RawRequest;
}

const PROVIDERS: readonly ProviderName[] = ['standard', 'okta', 'bamboohr', 'hibob'];
const MAX_BODY = 256 * 1024;
const DAY_S = 24 * 3600;

const person = (token: string): PersonRef => ({ employeeId: `H-${token}`, email: `h.${token}@example.com` });
const body = (p: ProviderName, token: string, now: Date) => departureBody(p, person(token), token, now);
const signed = (p: ProviderName, b: string, at: Date, token: string, secret: string = WEBHOOK_SECRETS[p]) =>
  signatureHeaders(p, b, secret, at, { webhookId: `msg_${token}` });
const post = (
  provider: string,
  headers: Record<string, string>,
  b: string,
  isBase64Encoded = false,
): RawRequest => ({
  provider,
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: b,
  isBase64Encoded,
});

/** The header that carries each provider's signature (or secret). */
const SIGNATURE_HEADER: Record<ProviderName, string> = {
  standard: 'webhook-signature',
  okta: 'authorization',
  bamboohr: 'x-bamboohr-signature',
  hibob: 'bob-signature',
};

const provider = fc.constantFrom(...PROVIDERS);
/** A secret that is not the stack's (for the standard provider, still a well-formed `whsec_`). */
const wrongSecret = (p: ProviderName) =>
  (p === 'standard'
    ? fc.uint8Array({ minLength: 24, maxLength: 32 }).map((b) => `whsec_${Buffer.from(b).toString('base64')}`)
    : fc.string({ minLength: 1, maxLength: 64 })
  ).filter((s) => s !== WEBHOOK_SECRETS[p]);

const recipe = (r: Omit<HostileRecipe, 'queues'> & { readonly queues?: boolean }): HostileRecipe => ({
  queues: false,
  ...r,
});
/** What a verified departure of `p` is answered, and that it is queued. */
const accepted = (p: ProviderName) => ({ expected: QUEUED_STATUS[p], queues: true }) as const;

const badSignature: fc.Arbitrary<HostileRecipe> = fc.oneof(
  provider.chain((p) =>
    wrongSecret(p).map((secret) =>
      recipe({
        kind: 'bad-signature',
        variant: 'signed with a wrong secret',
        provider: p,
        expected: 401,
        validlySigned: false,
        build: (now, t) => {
          const b = body(p, t, now);
          return post(p, signed(p, b, now, t, secret), b);
        },
      }),
    ),
  ),
  // Okta signs no body: its secret alone authenticates, so a changed body is not a bad signature there.
  fc.constantFrom<ProviderName>('standard', 'bamboohr', 'hibob').map((p) =>
    recipe({
      kind: 'bad-signature',
      variant: 'body changed after signing',
      provider: p,
      expected: 401,
      validlySigned: false,
      build: (now, t) => {
        const b = body(p, t, now);
        return post(p, signed(p, b, now, t), b.replace(`h.${t}@`, `x.${t}@`));
      },
    }),
  ),
  fc
    .tuple(provider, provider)
    .filter(([p, q]) => p !== q)
    .map(([p, q]) =>
      recipe({
        kind: 'bad-signature',
        variant: `signed the ${q} way`,
        provider: p,
        expected: 401,
        validlySigned: false,
        build: (now, t) => {
          const b = body(p, t, now);
          return post(p, signed(q, b, now, t), b);
        },
      }),
    ),
  fc.tuple(provider, fc.constantFrom('none', 'empty', 'random')).chain(([p, how]) =>
    fc.base64String({ minLength: 4, maxLength: 120 }).map((random) =>
      recipe({
        kind: 'bad-signature',
        variant: `${how} signature`,
        provider: p,
        expected: 401,
        validlySigned: false,
        build: (now, t) => {
          const b = body(p, t, now);
          const headers: Record<string, string> = { ...signed(p, b, now, t) };
          const name = SIGNATURE_HEADER[p];
          if (how === 'none') delete headers[name];
          else headers[name] = how === 'empty' ? '' : p === 'standard' ? `v1,${random}` : random;
          return post(p, headers, b);
        },
      }),
    ),
  ),
);

const staleTimestamp: fc.Arbitrary<HostileRecipe> = fc
  .tuple(
    fc.constantFrom<ProviderName>('standard', 'bamboohr'),
    fc.integer({ min: 301, max: 30 * DAY_S }),
    fc.constantFrom(-1, 1),
  )
  .map(([p, seconds, sign]) =>
    recipe({
      kind: 'stale-timestamp',
      variant: `signed ${seconds} s ${sign < 0 ? 'ago (replay)' : 'ahead'}`,
      provider: p,
      expected: 401,
      validlySigned: false,
      build: (now, t) => {
        const b = body(p, t, now);
        return post(p, signed(p, b, new Date(now.getTime() + sign * seconds * 1000), t), b);
      },
    }),
  );

const oldUnsignedEvent: fc.Arbitrary<HostileRecipe> = fc
  .tuple(
    fc.constantFrom<ProviderName>('okta', 'hibob'),
    fc.integer({ min: 3 * DAY_S + 60, max: 365 * DAY_S }),
  )
  .map(([p, age]) =>
    recipe({
      kind: 'old-unsigned-event',
      variant: `event ${Math.round(age / DAY_S)} days old, correctly signed now (replay)`,
      provider: p,
      expected: IGNORED_STATUS[p],
      validlySigned: true,
      build: (now, t) => {
        const b = body(p, t, new Date(now.getTime() - age * 1000));
        return post(p, signed(p, b, now, t), b);
      },
    }),
  );

const padded = (p: ProviderName, t: string, now: Date, bytes: number, char = 'x') => {
  const base = JSON.parse(body(p, t, now)) as Record<string, unknown>;
  const size = Buffer.byteLength(JSON.stringify({ ...base, pad: '' }));
  const unit = Buffer.byteLength(char);
  return JSON.stringify({ ...base, pad: char.repeat(Math.max(0, Math.ceil((bytes - size) / unit))) });
};

const hugeBody: fc.Arbitrary<HostileRecipe> = fc.oneof(
  fc
    .tuple(provider, fc.integer({ min: 1, max: 512 * 1024 }), fc.boolean(), fc.boolean())
    .map(([p, over, sign, base64]) =>
      recipe({
        kind: 'huge-body',
        variant: `${over} bytes over 256 KiB${sign ? ', signed' : ''}${base64 ? ', base64' : ''}`,
        provider: p,
        expected: 413,
        validlySigned: false,
        build: (now, t) => {
          const b = padded(p, t, now, MAX_BODY + over);
          const headers = sign ? signed(p, b, now, t) : {};
          return base64 ? post(p, headers, Buffer.from(b).toString('base64'), true) : post(p, headers, b);
        },
      }),
    ),
  fc.tuple(provider, fc.integer({ min: 1, max: 4096 })).map(([p, over]) =>
    recipe({
      kind: 'huge-body',
      variant: `fewer characters than the limit but ${over}+ bytes over it (multi-byte UTF-8), signed`,
      provider: p,
      expected: 413,
      validlySigned: false,
      build: (now, t) => {
        const b = padded(p, t, now, MAX_BODY + over, 'é');
        return post(p, signed(p, b, now, t), b);
      },
    }),
  ),
  fc.integer({ min: 0, max: 4096 }).map((under) =>
    recipe({
      kind: 'huge-body',
      variant: `${under} bytes under the limit, signed (accepted)`,
      provider: 'standard',
      ...accepted('standard'),
      validlySigned: true,
      build: (now, t) => {
        const b = padded('standard', t, now, MAX_BODY - under);
        return post('standard', signed('standard', b, now, t), b);
      },
    }),
  ),
);

const nestedArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const nestedObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

const deepNesting: fc.Arbitrary<HostileRecipe> = fc.oneof(
  fc.tuple(provider, fc.integer({ min: 500, max: 100_000 })).map(([p, depth]) =>
    recipe({
      kind: 'deep-nesting',
      variant: `arrays nested ${depth} deep as the whole body, signed`,
      provider: p,
      expected: 400,
      validlySigned: true,
      build: (now, t) => {
        const b = nestedArrays(depth);
        return post(p, signed(p, b, now, t), b);
      },
    }),
  ),
  fc
    .tuple(fc.constantFrom<ProviderName>('standard', 'hibob'), fc.integer({ min: 100, max: 40_000 }))
    .map(([p, depth]) =>
      recipe({
        kind: 'deep-nesting',
        variant: `an object nested ${depth} deep in an unknown field of a departure, signed (accepted)`,
        provider: p,
        ...accepted(p),
        validlySigned: true,
        build: (now, t) => {
          const b = body(p, t, now).replace(/"data":\{/, `"data":{"extra":${nestedObject(depth)},`);
          return post(p, signed(p, b, now, t), b);
        },
      }),
    ),
  // 6 bytes a level: at most 40,000 levels stay under the size limit (checked before the signature).
  fc.tuple(provider, fc.integer({ min: 500, max: 40_000 })).map(([p, depth]) =>
    recipe({
      kind: 'deep-nesting',
      variant: `an object nested ${depth} deep, unsigned`,
      provider: p,
      expected: 401,
      validlySigned: false,
      build: () => post(p, {}, nestedObject(depth)),
    }),
  ),
);

/**
 * A body that is not UTF-8, signed over its raw bytes: verified, then not JSON (400), except for the standard
 * provider, whose reference library (`standardwebhooks`, Webhook.sign) signs the body's UTF-8 decoding
 * (`payload.toString()`), so invalid bytes become U+FFFD and the raw-byte signature does not match (401).
 * Refused either way; the difference is the library's, recorded in docs/reliability.md.
 */
const notUtf8Expected = (p: ProviderName) => (p === 'standard' ? 401 : 400);

const wrongEncoding: fc.Arbitrary<HostileRecipe> = fc.oneof(
  // Okta's secret does not cover the body: with a valid secret the garbled body is a 400, not a 401.
  ...(
    [
      ['isBase64Encoded set on a plain body', (b: string) => [b, true] as const],
      [
        'base64 body without isBase64Encoded',
        (b: string) => [Buffer.from(b).toString('base64'), false] as const,
      ],
    ] as const
  ).map(([variant, encode]) =>
    provider.map((p) =>
      recipe({
        kind: 'wrong-encoding',
        variant,
        provider: p,
        expected: p === 'okta' ? 400 : 401,
        validlySigned: p === 'okta',
        build: (now, t) => {
          const b = body(p, t, now);
          const [sent, flagged] = encode(b);
          return post(p, signed(p, b, now, t), sent, flagged);
        },
      }),
    ),
  ),
  provider.map((p) =>
    recipe({
      kind: 'wrong-encoding',
      variant: 'UTF-16LE body with a BOM, signed over its bytes',
      provider: p,
      expected: notUtf8Expected(p),
      validlySigned: true,
      build: (now, t) => {
        const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(body(p, t, now), 'utf16le')]);
        return post(p, signatureHeadersOfBytes(p, bytes, now, t), bytes.toString('base64'), true);
      },
    }),
  ),
  fc.tuple(provider, fc.uint8Array({ minLength: 1, maxLength: 2048 })).map(([p, random]) =>
    recipe({
      kind: 'wrong-encoding',
      variant: `${random.length + 1} bytes that are not UTF-8, signed over them`,
      provider: p,
      expected: notUtf8Expected(p),
      validlySigned: true,
      build: (now, t) => {
        const bytes = Buffer.concat([Buffer.from([0xff]), Buffer.from(random)]);
        return post(p, signatureHeadersOfBytes(p, bytes, now, t), bytes.toString('base64'), true);
      },
    }),
  ),
  provider.map((p) =>
    recipe({
      kind: 'wrong-encoding',
      variant: 'base64 body with isBase64Encoded, signed over the decoded bytes (accepted)',
      provider: p,
      ...accepted(p),
      validlySigned: true,
      build: (now, t) => {
        const b = body(p, t, now);
        return post(p, signed(p, b, now, t), Buffer.from(b).toString('base64'), true);
      },
    }),
  ),
);

/**
 * Signature headers over raw bytes: the providers sign bytes, `signatureHeaders` takes text, so the bytes
 * go through latin1 (one char per byte) where the HMAC would see other bytes: compute it here instead.
 */
function signatureHeadersOfBytes(
  p: ProviderName,
  bytes: Buffer,
  now: Date,
  t: string,
): Record<string, string> {
  const seconds = String(Math.floor(now.getTime() / 1000));
  switch (p) {
    case 'standard': {
      const key = Buffer.from(WEBHOOK_SECRETS.standard.replace(/^whsec_/, ''), 'base64');
      const id = `msg_${t}`;
      const mac = createHmac('sha256', key)
        .update(Buffer.concat([Buffer.from(`${id}.${seconds}.`), bytes]))
        .digest('base64');
      return { 'webhook-id': id, 'webhook-timestamp': seconds, 'webhook-signature': `v1,${mac}` };
    }
    case 'okta':
      return { authorization: WEBHOOK_SECRETS.okta };
    case 'bamboohr':
      return {
        'x-bamboohr-timestamp': seconds,
        'x-bamboohr-signature': createHmac('sha256', WEBHOOK_SECRETS.bamboohr)
          .update(Buffer.concat([bytes, Buffer.from(seconds)]))
          .digest('hex'),
      };
    case 'hibob':
      return { 'bob-signature': createHmac('sha512', WEBHOOK_SECRETS.hibob).update(bytes).digest('base64') };
  }
}

/** Inserts `what` strictly inside `value` (never at an end, where trimming could remove it). */
const inside = (value: string, what: string, at: number) => {
  const i = 1 + (at % Math.max(1, value.length - 1));
  return `${value.slice(0, i)}${what}${value.slice(i)}`;
};

const headerInjection: fc.Arbitrary<HostileRecipe> = fc.oneof(
  fc
    .tuple(provider, fc.constantFrom('\r\n', '\r\nx-injected: 1\r\n', '\n', '\u0000'), fc.nat())
    .map(([p, what, at]) =>
      recipe({
        kind: 'header-injection',
        variant: `${JSON.stringify(what)} inside the signature header`,
        provider: p,
        expected: 401,
        validlySigned: false,
        build: (now, t) => {
          const b = body(p, t, now);
          const headers = signed(p, b, now, t);
          const name = SIGNATURE_HEADER[p];
          return post(p, { ...headers, [name]: inside(headers[name] ?? '', what, at) }, b);
        },
      }),
    ),
  fc
    .tuple(provider, fc.constantFrom('x-forwarded-for', 'user-agent', 'content-type', 'x-amzn-trace-id'))
    .map(([p, carrier]) =>
      recipe({
        kind: 'header-injection',
        variant: `signature smuggled through CRLF in ${carrier}`,
        provider: p,
        expected: 401,
        validlySigned: false,
        build: (now, t) => {
          const b = body(p, t, now);
          const headers = signed(p, b, now, t);
          const name = SIGNATURE_HEADER[p];
          const { [name]: real, ...rest } = headers;
          return post(p, { ...rest, [carrier]: `203.0.113.7\r\n${name}: ${real}` }, b);
        },
      }),
    ),
  provider.map((p) =>
    recipe({
      kind: 'header-injection',
      variant: 'CRLF in the signature header name',
      provider: p,
      expected: 401,
      validlySigned: false,
      build: (now, t) => {
        const b = body(p, t, now);
        const headers = signed(p, b, now, t);
        const name = SIGNATURE_HEADER[p];
        const { [name]: real, ...rest } = headers;
        return post(p, { ...rest, [`${name}\r\nx-injected`]: real ?? '' }, b);
      },
    }),
  ),
);

const duplicateHeaders: fc.Arbitrary<HostileRecipe> = fc.oneof(
  fc.tuple(provider, fc.base64String({ minLength: 8, maxLength: 88 })).map(([p, forged]) =>
    recipe({
      kind: 'duplicate-headers',
      variant: 'signature header twice, forged first (API Gateway joins them with a comma)',
      provider: p,
      expected: 401,
      validlySigned: false,
      build: (now, t) => {
        const b = body(p, t, now);
        const headers = signed(p, b, now, t);
        const name = SIGNATURE_HEADER[p];
        const fake = p === 'standard' ? `v1,${forged}` : forged;
        return post(p, { ...headers, [name]: `${fake},${headers[name]}` }, b);
      },
    }),
  ),
  fc.tuple(provider, fc.base64String({ minLength: 8, maxLength: 88 })).map(([p, forged]) =>
    recipe({
      kind: 'duplicate-headers',
      variant: 'signature header in two letter cases, both forged',
      provider: p,
      expected: 401,
      validlySigned: false,
      build: (now, t) => {
        const b = body(p, t, now);
        const headers = signed(p, b, now, t);
        const name = SIGNATURE_HEADER[p];
        const upper = name.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
        return post(p, { ...headers, [upper]: `v1,${forged}`, [name]: forged }, b);
      },
    }),
  ),
);

const giantHeaders: fc.Arbitrary<HostileRecipe> = fc.oneof(
  fc.tuple(provider, fc.integer({ min: 16 * 1024, max: 128 * 1024 })).map(([p, size]) =>
    recipe({
      kind: 'giant-headers',
      variant: `a ${size}-byte unrelated header beside a valid signature (accepted)`,
      provider: p,
      ...accepted(p),
      validlySigned: true,
      build: (now, t) => {
        const b = body(p, t, now);
        return post(p, { ...signed(p, b, now, t), 'x-padding': 'a'.repeat(size) }, b);
      },
    }),
  ),
  fc.tuple(provider, fc.integer({ min: 16 * 1024, max: 128 * 1024 })).map(([p, size]) =>
    recipe({
      kind: 'giant-headers',
      variant: `a ${size}-byte signature header`,
      provider: p,
      expected: 401,
      validlySigned: false,
      build: (now, t) => {
        const b = body(p, t, now);
        return post(p, { ...signed(p, b, now, t), [SIGNATURE_HEADER[p]]: `v1,${'A'.repeat(size)}` }, b);
      },
    }),
  ),
  fc.integer({ min: 1024, max: 64 * 1024 }).map((size) =>
    recipe({
      kind: 'giant-headers',
      variant: `a ${size}-character webhook-id, signed (accepted, id hashed)`,
      provider: 'standard',
      ...accepted('standard'),
      validlySigned: true,
      build: (now, t) => {
        const b = body('standard', t, now);
        return post('standard', signed('standard', b, now, `${t}${'x'.repeat(size)}`), b);
      },
    }),
  ),
  fc.tuple(provider, fc.integer({ min: 200, max: 2000 })).map(([p, count]) =>
    recipe({
      kind: 'giant-headers',
      variant: `${count} extra headers beside a valid signature (accepted)`,
      provider: p,
      ...accepted(p),
      validlySigned: true,
      build: (now, t) => {
        const b = body(p, t, now);
        const extra = Object.fromEntries(
          Array.from({ length: count }, (_, i) => [`x-extra-${i}`, String(i)]),
        );
        return post(p, { ...extra, ...signed(p, b, now, t) }, b);
      },
    }),
  ),
);

const KNOWN = new Set<string>(PROVIDERS);
const unknownName = fc
  .oneof(
    fc.constantFrom(
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      'Standard',
      'OKTA',
      'standard ',
      ' okta',
      'standard/../okta',
      'okta%2F..',
      'workday',
      'personio',
      '',
    ),
    fc.string({ maxLength: 40 }),
  )
  .filter((n) => !KNOWN.has(n));

const unknownProvider: fc.Arbitrary<HostileRecipe> = fc
  .tuple(unknownName, fc.constantFrom('POST', 'GET'))
  .map(([name, method]) =>
    recipe({
      kind: 'unknown-provider',
      variant: `${method} /hr/${JSON.stringify(name)}`,
      provider: name,
      expected: 404,
      validlySigned: false,
      build: (now, t) => {
        const b = body('standard', t, now);
        return { ...post(name, signed('standard', b, now, t), b), method };
      },
    }),
  );

const wrongMethod: fc.Arbitrary<HostileRecipe> = fc.oneof(
  fc
    .tuple(provider, fc.constantFrom('PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE'))
    .map(([p, method]) =>
      recipe({
        kind: 'wrong-method',
        variant: `${method} with a valid signature`,
        provider: p,
        expected: 400,
        validlySigned: true,
        build: (now, t) => {
          const b = body(p, t, now);
          return { ...post(p, signed(p, b, now, t), b), method };
        },
      }),
    ),
  fc.constantFrom<ProviderName>('standard', 'bamboohr', 'hibob').map((p) =>
    recipe({
      kind: 'wrong-method',
      variant: 'GET on a provider without a handshake',
      provider: p,
      expected: 400,
      validlySigned: false,
      build: () => ({ provider: p, method: 'GET', headers: {}, body: '', isBase64Encoded: false }),
    }),
  ),
  fc
    .oneof(
      fc.constant(undefined),
      fc.constant(''),
      fc.string({ minLength: 513, maxLength: 600, unit: fc.constantFrom('a', 'b') }),
      fc
        .tuple(fc.string({ maxLength: 10 }), fc.constantFrom(' ', '\t', '\r\n', '\u0000', 'é'))
        .map(([a, c]) => `x${a}${c}y`),
    )
    .map((challenge) =>
      recipe({
        kind: 'wrong-method',
        variant: `Okta handshake GET with ${challenge === undefined ? 'no' : 'an invalid'} challenge`,
        provider: 'okta',
        expected: 400,
        validlySigned: false,
        build: () => ({
          provider: 'okta',
          method: 'GET',
          headers: (challenge === undefined ? {} : { 'x-okta-verification-challenge': challenge }) as Record<
            string,
            string
          >,
          body: '',
          isBase64Encoded: false,
        }),
      }),
    ),
);

/** Verified bodies that are not the provider's payload. */
const NOT_A_PAYLOAD: Record<ProviderName, readonly ((now: Date, t: string) => unknown)[]> = {
  standard: [
    (now) => ({ type: 'employee.departed', timestamp: now.toISOString(), data: {} }),
    (now) => ({ type: 'employee.departed', timestamp: now.toISOString(), data: { email: 'not an email' } }),
    (_now, t) => ({ type: 'employee.departed', timestamp: 'yesterday', data: { employeeId: `H-${t}` } }),
    (now) => ({ type: 'employee.departed', timestamp: now.toISOString(), data: 'H-1' }),
    () => ({ data: {} }),
  ],
  okta: [
    () => ({ data: { events: 'user.lifecycle.deactivate' } }),
    (now) => ({
      data: { events: [{ published: now.toISOString(), eventType: 'user.lifecycle.deactivate' }] },
    }),
    () => ({ events: [] }),
  ],
  bamboohr: [
    () => ({ employees: 'H-1' }),
    () => ({ type: 'employee.deleted', data: {} }),
    () => ({ employees: [{ action: 'Deleted' }] }),
  ],
  hibob: [
    (now) => ({ type: 'employee.left', triggeredAt: now.toISOString(), data: {} }),
    (_now, t) => ({ type: 'employee.left', triggeredAt: 'not a time', data: { employeeId: `H-${t}` } }),
    () => ({ type: 'employee.left' }),
  ],
};

const malformedPayload: fc.Arbitrary<HostileRecipe> = fc.oneof(
  provider.chain((p) =>
    fc.nat({ max: (NOT_A_PAYLOAD[p]?.length ?? 1) - 1 }).map((i) =>
      recipe({
        kind: 'malformed-payload',
        variant: `verified ${p} body of the wrong shape (#${i + 1})`,
        provider: p,
        expected: 400,
        validlySigned: true,
        build: (now, t) => {
          const b = JSON.stringify((NOT_A_PAYLOAD[p][i] as (now: Date, t: string) => unknown)(now, t));
          return post(p, signed(p, b, now, t), b);
        },
      }),
    ),
  ),
  fc
    .tuple(
      provider,
      fc.oneof(
        fc.integer(),
        fc.string({ maxLength: 40 }),
        fc.constant(null),
        fc.boolean(),
        fc.array(fc.integer()),
      ),
    )
    .map(([p, value]) =>
      recipe({
        kind: 'malformed-payload',
        variant: `verified JSON ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}`,
        provider: p,
        expected: 400,
        validlySigned: true,
        build: (now, t) => {
          const b = JSON.stringify(value);
          return post(p, signed(p, b, now, t), b);
        },
      }),
    ),
  provider.map((p) =>
    recipe({
      kind: 'malformed-payload',
      variant: 'verified body cut short (not JSON)',
      provider: p,
      expected: 400,
      validlySigned: true,
      build: (now, t) => {
        const b = body(p, t, now).slice(0, -3);
        return post(p, signed(p, b, now, t), b);
      },
    }),
  ),
);

const validControl: fc.Arbitrary<HostileRecipe> = provider.map((p) =>
  recipe({
    kind: 'valid-control',
    variant: 'a correctly signed departure (control: the queue is reachable)',
    provider: p,
    ...accepted(p),
    validlySigned: true,
    build: (now, t) => {
      const b = body(p, t, now);
      return post(p, signed(p, b, now, t), b);
    },
  }),
);

export const HOSTILE_KINDS: Readonly<Record<HostileKind, fc.Arbitrary<HostileRecipe>>> = {
  'bad-signature': badSignature,
  'stale-timestamp': staleTimestamp,
  'old-unsigned-event': oldUnsignedEvent,
  'huge-body': hugeBody,
  'deep-nesting': deepNesting,
  'wrong-encoding': wrongEncoding,
  'header-injection': headerInjection,
  'duplicate-headers': duplicateHeaders,
  'giant-headers': giantHeaders,
  'unknown-provider': unknownProvider,
  'wrong-method': wrongMethod,
  'malformed-payload': malformedPayload,
  'valid-control': validControl,
};

/**
 * `count` recipes from `seed`, the kinds taken in turn so each appears `count / kinds` times (a reduced run
 * still covers every kind).
 */
export function hostileRecipes(count: number, seed: number): HostileRecipe[] {
  const kinds = Object.values(HOSTILE_KINDS);
  const per = Math.ceil(count / kinds.length);
  const samples = kinds.map((arb, i) => fc.sample(arb, { numRuns: per, seed: seed + i }));
  const out: HostileRecipe[] = [];
  for (let j = 0; out.length < count; j++) {
    for (const s of samples) {
      const r = s[j];
      if (r && out.length < count) out.push(r);
    }
  }
  return out;
}
