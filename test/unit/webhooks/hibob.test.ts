import { createHmac } from 'node:crypto';
import { InvalidRequestError, SignatureError } from '../../../src/errors';
import { logger } from '../../../src/logger';
import { hibobProvider } from '../../../src/webhooks/providers/hibob';
import { NOW, request } from './support';

const SECRET = 'hibob-secret-1';
const NEXT = 'hibob-secret-2';
/** Bob's signature from its documentation: base64 HMAC-SHA512 of the raw body. */
const sign = (secret: string, body: string) => createHmac('sha512', secret).update(body).digest('base64');

const payload = (overrides: Record<string, unknown> = {}) => ({
  companyId: 640123,
  type: 'employee.left',
  triggeredBy: '3332883804594373380',
  triggeredAt: '2026-01-31T00:00:00.000Z',
  version: 'v2',
  data: { employeeId: '3332883884017713238', email: 'jane@example.com' },
  ...overrides,
});
const body = JSON.stringify(payload());
const normalize = (p: unknown) => hibobProvider.normalize(p, request(''), NOW);
const departures = (p: unknown) => {
  const r = normalize(p);
  return r.kind === 'departures' ? r.departures : [];
};

describe('Provider: hibob', () => {
  describe('connectionTest', () => {
    it.each(['Ping test', '{"text":"Ping test"}'])('recognizes the ping %j, signed or not', (body) => {
      expect(hibobProvider.connectionTest?.(request(body))).toBe(true);
      expect(hibobProvider.connectionTest?.(request(body, { 'bob-signature': sign(SECRET, body) }))).toBe(
        true,
      );
    });

    it.each(['', 'Ping test ', 'Ping', '{"text":"Ping test"} ', '{ "text": "Ping test" }', body])(
      'does not take %j for the ping',
      (other) => {
        expect(hibobProvider.connectionTest?.(request(other))).toBe(false);
      },
    );
  });

  describe('verify', () => {
    it('accepts a body signed with the secret', () => {
      expect(() =>
        hibobProvider.verify(request(body, { 'bob-signature': sign(SECRET, body) }), [SECRET], NOW),
      ).not.toThrow();
    });

    it('accepts a signature by any of the current secrets', () => {
      expect(() =>
        hibobProvider.verify(request(body, { 'bob-signature': sign(NEXT, body) }), [SECRET, NEXT], NOW),
      ).not.toThrow();
    });

    it.each([
      ['a tampered body', request(`${body} `, { 'bob-signature': sign(SECRET, body) })],
      ['another secret', request(body, { 'bob-signature': sign('guess', body) })],
      ['a missing header', request(body, {})],
      [
        'a hex signature',
        request(body, { 'bob-signature': createHmac('sha512', SECRET).update(body).digest('hex') }),
      ],
    ])('rejects %s with SignatureError', (_label, req) => {
      expect(() => hibobProvider.verify(req, [SECRET], NOW)).toThrow(SignatureError);
    });
  });

  describe('normalize', () => {
    it('turns employee.left into a departure with the employee id and email', () => {
      const [d] = departures(payload());
      expect(d).toMatchObject({
        provider: 'hibob',
        person: { employeeId: '3332883884017713238', email: 'jane@example.com' },
        occurredAt: '2026-01-31T00:00:00.000Z',
        reason: 'HiBob employee.left',
      });
      expect(d?.id).toMatch(/^hibob:[0-9a-f]{40}$/);
    });

    it('gives the same event the same id (Bob retries resend it unchanged)', () => {
      expect(departures(payload())[0]?.id).toBe(departures(JSON.parse(body))[0]?.id);
    });

    it.each([
      ['type', { type: 'employee.deleted' }],
      ['triggeredAt', { triggeredAt: '2026-01-31T00:00:01.000Z' }],
      ['employee', { data: { employeeId: 'other' } }],
    ])('gives events differing by %s different ids', (_label, change) => {
      expect(departures(payload(change))[0]?.id).not.toBe(departures(payload())[0]?.id);
    });

    it('reads a triggeredAt without a zone as UTC', () => {
      expect(departures(payload({ triggeredAt: '2026-01-31T10:00:00.000000' }))[0]?.occurredAt).toBe(
        '2026-01-31T10:00:00.000Z',
      );
    });

    it.each([
      ['employee.inactivated (also used for leave)', payload({ type: 'employee.inactivated' })],
      ['employee.updated', payload({ type: 'employee.updated' })],
      ['an event more than 3 days old', payload({ triggeredAt: '2026-01-28T18:00:00.000Z' })],
      ['an event 5 minutes and 1 second ahead', payload({ triggeredAt: '2026-01-31T18:47:01.000Z' })],
      ['an event a year ahead', payload({ triggeredAt: '2027-01-31T18:42:00.000Z' })],
      ['an event ahead, written without a zone', payload({ triggeredAt: '2026-01-31T18:50:00' })],
    ])('ignores %s', (_label, p) => {
      expect(normalize(p).kind).toBe('ignored');
    });

    it('logs a warning naming the event when it ignores a time in the future', () => {
      const warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
      try {
        expect(normalize(payload({ triggeredAt: '2026-01-31T18:48:00.000Z' }))).toEqual({
          kind: 'ignored',
          reason: 'event time in the future, not trusted',
        });
        expect(warn).toHaveBeenCalledWith('hibob event ignored: in the future, not trusted', {
          type: 'employee.left',
          triggeredAt: '2026-01-31T18:48:00.000Z',
        });
      } finally {
        warn.mockRestore();
      }
    });

    it.each([
      ['4 minutes ahead (clock skew)', '2026-01-31T18:46:00.000Z'],
      ['exactly 5 minutes ahead', '2026-01-31T18:47:00.000Z'],
    ])('still accepts an event %s', (_label, triggeredAt) => {
      expect(departures(payload({ triggeredAt }))[0]?.occurredAt).toBe(triggeredAt);
    });

    it.each([
      ['no employee id', payload({ data: {} })],
      ['no triggeredAt', payload({ triggeredAt: undefined })],
      ['an unreadable triggeredAt', payload({ triggeredAt: 'midnight' })],
      ['no type', payload({ type: undefined })],
    ])('rejects %s as InvalidRequestError', (_label, p) => {
      expect(() => normalize(p)).toThrow(InvalidRequestError);
    });
  });
});
