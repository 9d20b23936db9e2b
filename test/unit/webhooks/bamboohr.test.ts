import { createHmac } from 'node:crypto';
import { InvalidRequestError, SignatureError } from '../../../src/errors';
import {
  bamboohrProvider,
  parseBambooTimestamp,
  terminationEffectiveAt,
} from '../../../src/webhooks/providers/bamboohr';
import { cancellationsOf, departuresOf, NOW, request } from './support';

const SECRET = 'bamboo-private-key-1';
const NEXT = 'bamboo-private-key-2';
/** BambooHR's signature from its documentation: hex HMAC-SHA256 of the body then the timestamp. */
const sign = (secret: string, body: string, timestamp: string) =>
  createHmac('sha256', secret)
    .update(body + timestamp)
    .digest('hex');

const fieldBased = (employees: unknown[]) => JSON.stringify({ employees });
const terminated = {
  action: 'Updated',
  changedFields: ['Employment Status'],
  fields: { 'Employment Status': 'Terminated', 'Work Email': 'jane@example.com' },
  id: '12345',
  timestamp: '2026-01-31T18:42:00+0000',
};
const body = fieldBased([terminated]);
const unix = String(NOW.getTime() / 1000);
const signed = (b = body, timestamp = unix, secret = SECRET) =>
  request(b, { 'x-bamboohr-timestamp': timestamp, 'x-bamboohr-signature': sign(secret, b, timestamp) });
const normalize = (b: string, timestamp = unix) =>
  bamboohrProvider.normalize(JSON.parse(b), signed(b, timestamp), NOW);
const departures = (b: string) => departuresOf(normalize(b));

describe('Function: parseBambooTimestamp', () => {
  it.each([
    ['1769884920', 1769884920000],
    ['2026-01-31T18:42:00+0000', 1769884920000],
    ['2026-01-31T18:42:00+00:00', 1769884920000],
    ['2026-01-31T19:42:00+0100', 1769884920000],
    ['2026-01-31T18:42:00Z', 1769884920000],
  ])('reads %s', (value, ms) => {
    expect(parseBambooTimestamp(value)).toBe(ms);
  });

  it.each(['', 'now', '2026-01-31', '1e9', '-5'])('refuses %j', (value) => {
    expect(parseBambooTimestamp(value)).toBeUndefined();
  });
});

describe('Function: terminationEffectiveAt', () => {
  it.each([
    ['2026-02-03', '2026-02-04T00:00:00.000Z'],
    ['2026-12-31', '2027-01-01T00:00:00.000Z'],
    ['2026-02-03T18:00:00+0100', '2026-02-03T17:00:00.000Z'],
    ['2026-02-03T18:00:00Z', '2026-02-03T18:00:00.000Z'],
  ])('reads %s as taking effect at %s', (value, iso) => {
    expect(terminationEffectiveAt(value)).toBe(iso);
  });

  it.each([undefined, '', '0000-00-00', '2026-02-30', '02/03/2026', '1769884920', 'Friday'])(
    'reads %j as no time (revoked now)',
    (value) => {
      expect(terminationEffectiveAt(value)).toBeUndefined();
    },
  );
});

describe('Provider: bamboohr', () => {
  describe('verify', () => {
    it('accepts a body signed with a unix timestamp', () => {
      expect(() => bamboohrProvider.verify(signed(), [SECRET], NOW)).not.toThrow();
    });

    it('accepts a body signed with an ISO 8601 timestamp', () => {
      expect(() =>
        bamboohrProvider.verify(signed(body, '2026-01-31T18:40:00+0000'), [SECRET], NOW),
      ).not.toThrow();
    });

    it('accepts an upper-case hex signature', () => {
      const r = signed();
      const upper = request(body, {
        ...r.headers,
        'x-bamboohr-signature': (r.headers['x-bamboohr-signature'] ?? '').toUpperCase(),
      });
      expect(() => bamboohrProvider.verify(upper, [SECRET], NOW)).not.toThrow();
    });

    it('accepts a signature by any of the current secrets', () => {
      expect(() => bamboohrProvider.verify(signed(body, unix, NEXT), [SECRET, NEXT], NOW)).not.toThrow();
    });

    it.each([
      ['a tampered body', request(body.replace('12345', '12346'), signed().headers)],
      ['another secret', signed(body, unix, 'guess')],
      ['a missing signature', request(body, { 'x-bamboohr-timestamp': unix })],
      ['a missing timestamp', request(body, { 'x-bamboohr-signature': sign(SECRET, body, unix) })],
      ['a timestamp 301 s old', signed(body, String(NOW.getTime() / 1000 - 301))],
      ['a timestamp 301 s ahead', signed(body, String(NOW.getTime() / 1000 + 301))],
      ['an unreadable timestamp', signed(body, 'soon')],
    ])('rejects %s with SignatureError', (_label, req) => {
      expect(() => bamboohrProvider.verify(req, [SECRET], NOW)).toThrow(SignatureError);
    });
  });

  describe('normalize', () => {
    it('turns Employment Status: Terminated into a departure with the work email', () => {
      const [d] = departures(body);
      expect(d).toMatchObject({
        provider: 'bamboohr',
        person: { employeeId: '12345', email: 'jane@example.com' },
        occurredAt: '2026-01-31T18:42:00.000Z',
      });
      expect(d?.id).toMatch(/^bamboohr:[0-9a-f]{40}$/);
    });

    it('carries the Termination Date as the effective time (the end of that day, UTC)', () => {
      const withDate = { ...terminated, fields: { ...terminated.fields, 'Termination Date': '2026-02-03' } };
      expect(departures(fieldBased([withDate]))[0]?.effectiveAt).toBe('2026-02-04T00:00:00.000Z');
      const camel = { id: '1', fields: { employmentStatus: 'Terminated', terminationDate: '2026-02-05' } };
      expect(departures(fieldBased([camel]))[0]?.effectiveAt).toBe('2026-02-06T00:00:00.000Z');
    });

    it('carries no effective time without a readable Termination Date (revoked now)', () => {
      expect(departures(body)[0]).not.toHaveProperty('effectiveAt');
      const empty = { ...terminated, fields: { ...terminated.fields, 'Termination Date': '0000-00-00' } };
      expect(departures(fieldBased([empty]))[0]).not.toHaveProperty('effectiveAt');
    });

    it('turns Employment Status changed back to Active into a cancellation for the employee', () => {
      const back = { ...terminated, fields: { ...terminated.fields, 'Employment Status': 'Active' } };
      const r = normalize(fieldBased([back]));
      expect(departuresOf(r)).toEqual([]);
      const [c] = cancellationsOf(r);
      expect(c).toMatchObject({
        kind: 'cancellation',
        provider: 'bamboohr',
        cancelFor: { employeeId: '12345', email: 'jane@example.com' },
        reason: 'BambooHR Employment Status: back to Active',
      });
      expect(c?.id).toMatch(/^bamboohr:[0-9a-f]{40}$/);
      expect(c?.id).not.toBe(departures(body)[0]?.id);
    });

    it('gives a retried delivery (new signed timestamp, same body) the same id', () => {
      const first = normalize(body, unix);
      const retry = normalize(body, String(NOW.getTime() / 1000 + 300));
      expect(retry).toEqual(first);
    });

    it('gives two terminations of the same employee at different times different ids', () => {
      const [a] = departures(body);
      const [b] = departures(fieldBased([{ ...terminated, timestamp: '2026-03-01T00:00:00+0000' }]));
      expect(a?.id).not.toBe(b?.id);
    });

    it('treats a deleted employee as a departure', () => {
      const d = departures(fieldBased([{ action: 'Deleted', id: 7, fields: {} }]));
      expect(d[0]?.person).toEqual({ employeeId: '7' });
    });

    it('reads the camel-case field aliases', () => {
      const d = departures(
        fieldBased([{ id: '1', fields: { employmentStatus: 'terminated', workEmail: 'a@example.com' } }]),
      );
      expect(d[0]?.person).toEqual({ employeeId: '1', email: 'a@example.com' });
    });

    it('treats the event-based employee.deleted as a departure', () => {
      const b = JSON.stringify({
        type: 'employee.deleted',
        timestamp: '2026-01-31T18:42:00+0000',
        data: { companyId: '1', employeeId: '67890' },
      });
      expect(departures(b)[0]?.person).toEqual({ employeeId: '67890' });
    });

    it.each([
      [
        'an active employee whose status did not change',
        fieldBased([
          { ...terminated, changedFields: ['Work Email'], fields: { 'Employment Status': 'Active' } },
        ]),
      ],
      [
        'event-based employee.updated',
        JSON.stringify({ type: 'employee.updated', data: { employeeId: '1' } }),
      ],
      [
        'event-based employee.created',
        JSON.stringify({ type: 'employee.created', data: { employeeId: '1' } }),
      ],
    ])('ignores %s', (_label, b) => {
      expect(normalize(b).kind).toBe('ignored');
    });

    it.each([
      ['an employee without id', fieldBased([{ fields: { 'Employment Status': 'Terminated' } }])],
      ['employees that is not a list', JSON.stringify({ employees: {} })],
      ['employee.deleted without employeeId', JSON.stringify({ type: 'employee.deleted', data: {} })],
      ['neither format', JSON.stringify({ hello: 'world' })],
    ])('rejects %s as InvalidRequestError', (_label, b) => {
      expect(() => normalize(b)).toThrow(InvalidRequestError);
    });
  });
});
