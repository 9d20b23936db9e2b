import { InvalidRequestError } from '../../../src/errors';
import { parseLockdown, parseRestore } from '../../../src/operator/requests';
import { oktaProvider } from '../../../src/webhooks/providers/okta';
import type { ProviderName } from '../../../src/webhooks/registry';
import type { WebhookRequest } from '../../../src/webhooks/types';
import { adminInputs } from '../../../tools/reliability/admin-inputs';
import { HOSTILE_KINDS, hostileRecipes } from '../../../tools/reliability/hostile';
import {
  acknowledgedDepartureIds,
  departureBody,
  IGNORED_STATUS,
  QUEUED_STATUS,
} from '../../../tools/reliability/webhook-events';

describe('Function: adminInputs', () => {
  it('generates only inputs the request parsers reject, so "InvalidRequestError every time" is a real claim', () => {
    const inputs = adminInputs(400, 3);

    expect(inputs).toHaveLength(400);
    for (const input of inputs) {
      const parse = input.handler === 'lockdown' ? parseLockdown : parseRestore;
      expect(() => parse(input.event)).toThrow(InvalidRequestError);
    }
  });

  it('gives the same inputs for the same seed', () => {
    expect(JSON.stringify(adminInputs(20, 5))).toBe(JSON.stringify(adminInputs(20, 5)));
  });
});

describe('Function: hostileRecipes', () => {
  it('takes every kind in turn, so a reduced run covers them all', () => {
    const kinds = Object.keys(HOSTILE_KINDS);

    const recipes = hostileRecipes(kinds.length, 1);

    expect(recipes.map((r) => r.kind)).toEqual(kinds);
  });

  it('never expects a request without a valid signature to be queued or answered 2xx', () => {
    const recipes = hostileRecipes(520, 2);

    const unsignedAccepted = recipes.filter((r) => !r.validlySigned && (r.queues || r.expected < 300));
    expect(unsignedAccepted).toEqual([]);
    expect(new Set(recipes.map((r) => r.expected))).toEqual(new Set([200, 202, 204, 400, 401, 404, 413]));
  });

  it("expects each provider's own success answers: queued 202 and ignored 204, Okta an empty 200 for both", () => {
    const recipes = hostileRecipes(520, 2);
    const success = recipes.filter((r) => r.expected < 300);

    for (const r of success) {
      const p = r.provider as ProviderName;
      expect([r.kind, p, r.expected]).toEqual([r.kind, p, (r.queues ? QUEUED_STATUS : IGNORED_STATUS)[p]]);
    }
    // Okta's 200 answers queued and ignored deliveries alike: both occur, told apart by `queues` only.
    const okta = success.filter((r) => r.provider === 'okta');
    expect(new Set(okta.map((r) => r.queues))).toEqual(new Set([true, false]));
    expect(new Set(okta.map((r) => r.expected))).toEqual(new Set([200]));
    // Every other 202 queues, every other 204 does not.
    for (const r of success.filter((x) => x.provider !== 'okta')) expect(r.queues).toBe(r.expected === 202);
  });
});

describe('Function: acknowledgedDepartureIds', () => {
  const now = new Date();
  const person = { employeeId: 'E-1', email: 'e.one@example.com' };

  it("derives an Okta empty 200's departure from the event sent, as the receiver's normalization names it", () => {
    const body = departureBody('okta', person, 'ab62c0bc-2837-11eb-9823-9fb8f750c5a9', now);
    const normalized = oktaProvider.normalize(JSON.parse(body), request(body), now);
    const receiverIds = normalized.kind === 'departures' ? normalized.departures.map((d) => d.id) : [];

    expect(acknowledgedDepartureIds('okta', { body }, { statusCode: 200 })).toEqual(receiverIds);
    expect(receiverIds).toEqual(['okta:ab62c0bc-2837-11eb-9823-9fb8f750c5a9']);
    const base64 = Buffer.from(body).toString('base64');
    expect(
      acknowledgedDepartureIds('okta', { body: base64, isBase64Encoded: true }, { statusCode: 200 }),
    ).toEqual(receiverIds);
  });

  it("reads the other providers' ids from the 202 body, never from the request", () => {
    const body = departureBody('hibob', person, 'x', now);
    const answer = { statusCode: 202, body: JSON.stringify({ queued: ['hibob:abc'] }) };

    expect(acknowledgedDepartureIds('hibob', { body }, answer)).toEqual(['hibob:abc']);
  });

  it.each([
    ['okta', { statusCode: 202, body: '{"queued":["okta:x"]}' }],
    ['okta', { statusCode: 200, body: '{"verification":"x"}' }],
    ['okta', { statusCode: 503, body: '{"message":"temporarily unavailable, retry later"}' }],
    ['okta', { statusCode: 204 }],
    ['standard', { statusCode: 200 }],
    ['standard', { statusCode: 204 }],
    ['bamboohr', { statusCode: 401, body: '{"message":"unauthorized"}' }],
  ])('acknowledges nothing for a %s answer %j', (provider, answer) => {
    const body = departureBody('okta', person, 'e1', now);

    expect(acknowledgedDepartureIds(provider, { body }, answer)).toBeUndefined();
  });
});

function request(body: string): WebhookRequest {
  return { method: 'POST', headers: {}, query: {}, body: Buffer.from(body) };
}
