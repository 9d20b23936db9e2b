import { InvalidRequestError, SignatureError } from '../../../src/errors';
import { logger } from '../../../src/logger';
import { oktaProvider } from '../../../src/webhooks/providers/okta';
import { cancellationsOf, departuresOf, NOW, request } from './support';

const SECRET = 'Bearer okta-hook-secret-1';
const NEXT = 'Bearer okta-hook-secret-2';

const event = (overrides: Record<string, unknown> = {}) => ({
  uuid: 'ab62c0bc-2837-11eb-9823-9fb8f750c5a9',
  published: '2026-01-31T18:41:59.862Z',
  eventType: 'user.lifecycle.deactivate',
  displayMessage: 'Deactivate Okta User',
  outcome: { result: 'SUCCESS', reason: null },
  actor: { id: '00u2di94bAMSEPvAY1d6', type: 'User', alternateId: 'admin@example.com' },
  target: [{ id: '00u3m90rxKjGQ0G6L1d6', type: 'User', alternateId: 'john.doe@example.com' }],
  ...overrides,
});
const hook = (...events: unknown[]) => ({ eventType: 'com.okta.event_hook', data: { events } });
const normalize = (payload: unknown) => oktaProvider.normalize(payload, request(''), NOW);
const departures = (payload: unknown) => departuresOf(normalize(payload));

describe('Provider: okta', () => {
  describe('handshake', () => {
    it('answers the verification GET with the challenge', () => {
      const r = oktaProvider.handshake?.(
        request('', { 'x-okta-verification-challenge': 'YjkkIzwCkY7ZQvy3xoWIXf_I5RiB0uuUfkH0RwVk' }, 'GET'),
      );
      expect(r).toEqual({
        statusCode: 200,
        body: { verification: 'YjkkIzwCkY7ZQvy3xoWIXf_I5RiB0uuUfkH0RwVk' },
      });
    });

    it.each([
      ['missing', {}],
      ['blank', { 'x-okta-verification-challenge': '' }],
      ['not printable', { 'x-okta-verification-challenge': 'a\u0000b' }],
    ])('rejects a %s challenge as InvalidRequestError', (_label, headers) => {
      expect(() => oktaProvider.handshake?.(request('', headers, 'GET'))).toThrow(InvalidRequestError);
    });
  });

  describe('verify', () => {
    it('accepts the static Authorization secret', () => {
      expect(() =>
        oktaProvider.verify(request('{}', { authorization: SECRET }), [SECRET], NOW),
      ).not.toThrow();
    });

    it('accepts any of the current secrets', () => {
      expect(() =>
        oktaProvider.verify(request('{}', { authorization: NEXT }), [SECRET, NEXT], NOW),
      ).not.toThrow();
    });

    it.each([
      ['a missing header', {}],
      ['another secret', { authorization: 'Bearer guess' }],
      ['a prefix of the secret', { authorization: SECRET.slice(0, -1) }],
      ['the secret with a suffix', { authorization: `${SECRET}x` }],
    ])('rejects %s with SignatureError', (_label, headers) => {
      expect(() => oktaProvider.verify(request('{}', headers), [SECRET], NOW)).toThrow(SignatureError);
    });
  });

  describe('normalize', () => {
    it('turns a deactivation into a departure keyed by the event uuid, the login as email', () => {
      expect(departures(hook(event()))).toEqual([
        {
          id: 'okta:ab62c0bc-2837-11eb-9823-9fb8f750c5a9',
          provider: 'okta',
          person: { email: 'john.doe@example.com' },
          occurredAt: '2026-01-31T18:41:59.862Z',
          reason: 'Okta user.lifecycle.deactivate',
        },
      ]);
    });

    it.each(['user.lifecycle.deactivate', 'user.lifecycle.suspend', 'user.lifecycle.delete.initiated'])(
      'treats %s as a departure',
      (eventType) => {
        expect(departures(hook(event({ eventType })))).toHaveLength(1);
      },
    );

    it.each(['user.lifecycle.reactivate', 'user.lifecycle.unsuspend'])(
      'treats %s as a cancellation for the person, not a departure',
      (eventType) => {
        const r = normalize(hook(event({ eventType, uuid: 'back-1' })));
        expect(departuresOf(r)).toEqual([]);
        expect(cancellationsOf(r)).toEqual([
          {
            kind: 'cancellation',
            id: 'okta:back-1',
            provider: 'okta',
            cancelFor: { email: 'john.doe@example.com' },
            occurredAt: '2026-01-31T18:41:59.862Z',
            reason: `Okta ${eventType}`,
          },
        ]);
      },
    );

    it('skips a reactivation that failed or is not trusted, like a departure', () => {
      const r = normalize(
        hook(
          event({ eventType: 'user.lifecycle.reactivate', uuid: 'f', outcome: { result: 'FAILURE' } }),
          event({ eventType: 'user.lifecycle.reactivate', uuid: 'o', published: '2026-01-27T00:00:00.000Z' }),
        ),
      );
      expect(r.kind).toBe('ignored');
    });

    it('keeps each event of a batch, once per uuid', () => {
      const batch = hook(
        event(),
        event(),
        event({ uuid: 'u-2', target: [{ type: 'User', alternateId: 'ann@example.com' }] }),
        event({ uuid: 'u-3', eventType: 'user.session.start' }),
      );
      expect(departures(batch).map((d) => d.id)).toEqual([
        'okta:ab62c0bc-2837-11eb-9823-9fb8f750c5a9',
        'okta:u-2',
      ]);
    });

    it('skips an event more than 5 minutes ahead, with a warning, and keeps the rest of the batch', () => {
      const warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
      try {
        const batch = hook(
          event({ uuid: 'future', published: '2026-01-31T18:48:00.000Z' }),
          event({ uuid: 'skewed', published: '2026-01-31T18:46:00.000Z' }),
          event({ uuid: 'edge', published: '2026-01-31T18:47:00.000Z' }),
        );
        expect(departures(batch).map((d) => d.id)).toEqual(['okta:skewed', 'okta:edge']);
        expect(warn).toHaveBeenCalledWith('okta event ignored: in the future, not trusted', {
          uuid: 'future',
          published: '2026-01-31T18:48:00.000Z',
        });
      } finally {
        warn.mockRestore();
      }
    });

    it('names the person by login as employee id when the login is not an email', () => {
      const d = departures(hook(event({ target: [{ type: 'User', alternateId: 'jdoe' }] })));
      expect(d[0]?.person).toEqual({ employeeId: 'jdoe' });
    });

    it.each([
      ['a batch without departures', hook(event({ eventType: 'user.session.start' }))],
      ['a failed deactivation', hook(event({ outcome: { result: 'FAILURE' } }))],
      ['an event more than 3 days old', hook(event({ published: '2026-01-28T18:00:00.000Z' }))],
      ['an event 5 minutes and 1 second ahead', hook(event({ published: '2026-01-31T18:47:01.000Z' }))],
      ['an event a year ahead', hook(event({ published: '2027-01-31T18:42:00.000Z' }))],
      [
        'a departure without a User target',
        hook(event({ target: [{ type: 'AppInstance', alternateId: 'x' }] })),
      ],
      ['an empty batch', hook()],
    ])('ignores %s', (_label, payload) => {
      expect(normalize(payload).kind).toBe('ignored');
    });

    it.each([
      ['no data.events', { data: {} }],
      ['an event without uuid', hook({ ...event(), uuid: undefined })],
      ['a bad published time', hook(event({ published: 'yesterday' }))],
      ['a string', 'events'],
    ])('rejects %s as InvalidRequestError', (_label, payload) => {
      expect(() => normalize(payload)).toThrow(InvalidRequestError);
    });
  });
});
