import { InvalidRequestError } from '../../../src/errors';
import { parseLockdown, parseRestore } from '../../../src/operator/requests';
import { adminInputs } from '../../../tools/reliability/admin-inputs';
import { HOSTILE_KINDS, hostileRecipes } from '../../../tools/reliability/hostile';

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

  it('never expects a 202 from a request without a valid signature', () => {
    const recipes = hostileRecipes(520, 2);

    const unsignedAccepted = recipes.filter((r) => !r.validlySigned && r.expected === 202);
    expect(unsignedAccepted).toEqual([]);
    expect(new Set(recipes.map((r) => r.expected))).toEqual(new Set([202, 204, 400, 401, 404, 413]));
  });
});
