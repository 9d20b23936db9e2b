import { createHmac } from 'node:crypto';
import { InvalidRequestError, SignatureError, TransientError } from '../../../src/errors';
import { standardProvider } from '../../../src/webhooks/providers/standard';
import { OTHER_STANDARD_SECRET, request, STANDARD_SECRET } from './support';

/** The Standard Webhooks signature, computed from the spec (not with the library under test). */
function sign(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

const body = JSON.stringify({
  type: 'employee.departed',
  timestamp: '2026-01-31T18:42:00Z',
  data: { employeeId: 'E-1042', email: 'jane@example.com', reason: 'resigned' },
});
const nowSeconds = () => Math.floor(Date.now() / 1000);
const headers = (overrides: Record<string, string> = {}, secret = STANDARD_SECRET, payload = body) => {
  const ts = nowSeconds();
  return {
    'webhook-id': 'msg_1',
    'webhook-timestamp': String(ts),
    'webhook-signature': sign(secret, 'msg_1', ts, payload),
    ...overrides,
  };
};
const now = new Date();

describe('Provider: standard', () => {
  describe('verify', () => {
    it('accepts a body signed with the secret', () => {
      expect(() => standardProvider.verify(request(body, headers()), [STANDARD_SECRET], now)).not.toThrow();
    });

    it('accepts a signature by any of the current secrets', () => {
      const h = headers({}, OTHER_STANDARD_SECRET);
      expect(() =>
        standardProvider.verify(request(body, h), [STANDARD_SECRET, OTHER_STANDARD_SECRET], now),
      ).not.toThrow();
    });

    it('accepts a header listing several signatures when one matches', () => {
      const h = headers();
      h['webhook-signature'] = `v1,AAAA ${h['webhook-signature']}`;
      expect(() => standardProvider.verify(request(body, h), [STANDARD_SECRET], now)).not.toThrow();
    });

    it.each([
      ['a tampered body', request(body.replace('E-1042', 'E-1043'), headers())],
      ['another secret', request(body, headers({}, OTHER_STANDARD_SECRET))],
      ['a missing signature', request(body, headers({ 'webhook-signature': '' }))],
      ['a missing id', request(body, { ...headers(), 'webhook-id': '' })],
      ['a changed id', request(body, { ...headers(), 'webhook-id': 'msg_2' })],
      [
        'a timestamp 6 minutes old',
        (() => {
          const ts = nowSeconds() - 360;
          return request(body, {
            'webhook-id': 'msg_1',
            'webhook-timestamp': String(ts),
            'webhook-signature': sign(STANDARD_SECRET, 'msg_1', ts, body),
          });
        })(),
      ],
      [
        'a timestamp 6 minutes ahead',
        (() => {
          const ts = nowSeconds() + 360;
          return request(body, {
            'webhook-id': 'msg_1',
            'webhook-timestamp': String(ts),
            'webhook-signature': sign(STANDARD_SECRET, 'msg_1', ts, body),
          });
        })(),
      ],
    ])('rejects %s with SignatureError', (_label, req) => {
      expect(() => standardProvider.verify(req, [STANDARD_SECRET], now)).toThrow(SignatureError);
    });

    describe("the specification's test vector, at the injected clock", () => {
      // Published with the Standard Webhooks specification and its reference libraries.
      const VECTOR = {
        secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
        timestamp: 1614265330,
        body: '{"test": 2432232314}',
        signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
      };
      const vectorRequest = (overrides: Record<string, string> = {}) =>
        request(VECTOR.body, {
          'webhook-id': VECTOR.id,
          'webhook-timestamp': String(VECTOR.timestamp),
          'webhook-signature': VECTOR.signature,
          ...overrides,
        });
      const at = (offsetSeconds: number) => new Date((VECTOR.timestamp + offsetSeconds) * 1000);

      it('is the signature the spec computes (checked independently of the library)', () => {
        expect(sign(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
      });

      it.each([0, 300, -300, 299.999])('verifies %d s from its timestamp', (offset) => {
        expect(() => standardProvider.verify(vectorRequest(), [VECTOR.secret], at(offset))).not.toThrow();
      });

      it.each([
        ['301 s later', 301],
        ['301 s earlier', -301],
        ['at the machine clock', (Date.now() - VECTOR.timestamp * 1000) / 1000],
      ])('is rejected %s', (_label, offset) => {
        expect(() => standardProvider.verify(vectorRequest(), [VECTOR.secret], at(offset))).toThrow(
          SignatureError,
        );
      });

      it.each([
        ['a body changed by one digit', request('{"test": 2432232315}', vectorRequest().headers)],
        ['another id', vectorRequest({ 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJel' })],
        ['a timestamp one second off', vectorRequest({ 'webhook-timestamp': String(VECTOR.timestamp + 1) })],
        ['a timestamp with trailing garbage', vectorRequest({ 'webhook-timestamp': `${VECTOR.timestamp}x` })],
        [
          'the signature without its version',
          vectorRequest({ 'webhook-signature': VECTOR.signature.slice(3) }),
        ],
        ['a v2 signature', vectorRequest({ 'webhook-signature': VECTOR.signature.replace('v1,', 'v2,') })],
      ])('rejects %s at its own timestamp', (_label, req) => {
        expect(() => standardProvider.verify(req, [VECTOR.secret], at(0))).toThrow(SignatureError);
      });

      it('verifies among other signatures and secrets (rotation)', () => {
        const req = vectorRequest({
          'webhook-signature': `v1,AAAA ${VECTOR.signature}`,
        });
        expect(() =>
          standardProvider.verify(req, [OTHER_STANDARD_SECRET, VECTOR.secret], at(10)),
        ).not.toThrow();
      });
    });

    it('skips a malformed secret line and still verifies with a good one', () => {
      expect(() =>
        standardProvider.verify(request(body, headers()), ['whsec_!!not base64!!', STANDARD_SECRET], now),
      ).not.toThrow();
    });

    it('reports a parameter without any usable secret as transient (our misconfiguration)', () => {
      expect(() => standardProvider.verify(request(body, headers()), ['whsec_'], now)).toThrow(
        TransientError,
      );
    });
  });

  describe('normalize', () => {
    it('turns employee.departed into one departure keyed by webhook-id', () => {
      const r = standardProvider.normalize(JSON.parse(body), request(body, headers()), now);
      expect(r).toEqual({
        kind: 'departures',
        departures: [
          {
            id: 'standard:msg_1',
            provider: 'standard',
            person: { employeeId: 'E-1042', email: 'jane@example.com' },
            occurredAt: '2026-01-31T18:42:00Z',
            reason: 'resigned',
          },
        ],
      });
    });

    it('uses effectiveAt as the time of the departure when given', () => {
      const payload = {
        type: 'employee.departed',
        timestamp: '2026-01-31T18:42:00Z',
        data: { email: 'jane@example.com', effectiveAt: '2026-01-31T17:00:00Z' },
      };
      const r = standardProvider.normalize(payload, request('', headers()), now);
      expect(r.kind === 'departures' && r.departures[0]?.occurredAt).toBe('2026-01-31T17:00:00Z');
    });

    it('carries effectiveAt (as UTC) for the worker to schedule, occurredAt unchanged', () => {
      const payload = {
        type: 'employee.departed',
        timestamp: '2026-01-31T18:42:00Z',
        data: { email: 'jane@example.com', effectiveAt: '2026-02-03T19:00:00+01:00' },
      };
      const r = standardProvider.normalize(payload, request('', headers()), now);
      expect(r.kind === 'departures' && r.departures[0]).toMatchObject({
        occurredAt: '2026-02-03T19:00:00+01:00',
        effectiveAt: '2026-02-03T18:00:00.000Z',
      });
    });

    it('carries no effectiveAt when the sender gives none (revoked now)', () => {
      const r = standardProvider.normalize(JSON.parse(body), request(body, headers()), now);
      expect(r.kind === 'departures' && r.departures[0]).not.toHaveProperty('effectiveAt');
    });

    it('turns employee.departure_cancelled into a cancellation for the person, keyed by webhook-id', () => {
      const payload = {
        type: 'employee.departure_cancelled',
        timestamp: '2026-02-01T09:00:00Z',
        data: { employeeId: 'E-1042', reason: 'stays after all' },
      };
      const r = standardProvider.normalize(
        payload,
        request('', { ...headers(), 'webhook-id': 'msg_2' }),
        now,
      );
      expect(r).toEqual({
        kind: 'departures',
        departures: [
          {
            kind: 'cancellation',
            id: 'standard:msg_2',
            provider: 'standard',
            cancelFor: { employeeId: 'E-1042' },
            occurredAt: '2026-02-01T09:00:00Z',
            reason: 'stays after all',
          },
        ],
      });
    });

    it('rejects a cancellation that names no person', () => {
      const payload = { type: 'employee.departure_cancelled', timestamp: '2026-02-01T09:00:00Z', data: {} };
      expect(() => standardProvider.normalize(payload, request('', headers()), now)).toThrow(
        InvalidRequestError,
      );
    });

    it('hashes a webhook-id that is not safe as an IAM tag value, the same way every time', () => {
      const h = { ...headers(), 'webhook-id': 'msg 1/<script>' };
      const first = standardProvider.normalize(JSON.parse(body), request(body, h), now);
      const again = standardProvider.normalize(JSON.parse(body), request(body, h), now);
      const id = first.kind === 'departures' ? first.departures[0]?.id : undefined;
      expect(id).toMatch(/^standard:[0-9a-f]{40}$/);
      expect(again).toEqual(first);
    });

    it('ignores other event types', () => {
      const r = standardProvider.normalize({ type: 'employee.hired', data: {} }, request(''), now);
      expect(r.kind).toBe('ignored');
    });

    it.each([
      ['no person', { type: 'employee.departed', timestamp: '2026-01-31T18:42:00Z', data: {} }],
      [
        'a bad email',
        { type: 'employee.departed', timestamp: '2026-01-31T18:42:00Z', data: { email: 'x y' } },
      ],
      ['no timestamp', { type: 'employee.departed', data: { email: 'a@b.c' } }],
      ['no type', { data: { email: 'a@b.c' } }],
      ['an array', []],
    ])('rejects a departure with %s as InvalidRequestError', (_label, payload) => {
      expect(() => standardProvider.normalize(payload, request('', headers()), now)).toThrow(
        InvalidRequestError,
      );
    });
  });
});
