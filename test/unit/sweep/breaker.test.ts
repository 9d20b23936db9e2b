import { evaluateBreaker, evaluateDriftBreaker } from '../../../src/sweep/breaker';

const limits = { sweepMaxActions: 25, sweepMaxFraction: 0.2 };

describe('Function: evaluateBreaker', () => {
  it.each([
    ['nothing to do', 0, 10, false],
    ['exactly SWEEP_MAX_ACTIONS keys, a small fraction', 25, 1000, false],
    ['one key more than SWEEP_MAX_ACTIONS', 26, 1000, true],
    ['exactly SWEEP_MAX_FRACTION of active keys', 2, 10, false],
    ['more than SWEEP_MAX_FRACTION of active keys', 3, 10, true],
    ['one key out of one', 1, 1, true],
  ])('for %s trips = %s', (_label, would, active, tripped) => {
    expect(evaluateBreaker(would, active, limits).tripped).toBe(tripped);
  });

  it('says which limit tripped', () => {
    expect(evaluateBreaker(30, 1000, limits).reason).toBe(
      '30 keys would be deactivated, more than SWEEP_MAX_ACTIONS=25',
    );
    expect(evaluateBreaker(5, 10, limits).reason).toBe(
      '5 of 10 active keys (50%) would be deactivated, more than SWEEP_MAX_FRACTION=0.2',
    );
  });

  it('never trips with nothing to deactivate, even with SWEEP_MAX_ACTIONS 0', () => {
    expect(evaluateBreaker(0, 0, { sweepMaxActions: 0, sweepMaxFraction: 0 }).tripped).toBe(false);
  });
});

describe('Function: evaluateDriftBreaker', () => {
  it.each([
    ['no drift', 0, 5, false],
    ['exactly SWEEP_MAX_DRIFT users', 5, 5, false],
    ['one user more than SWEEP_MAX_DRIFT', 6, 5, true],
    ['one user with SWEEP_MAX_DRIFT 0', 1, 0, true],
    ['none with SWEEP_MAX_DRIFT 0', 0, 0, false],
  ])('for %s trips = %s', (_label, would, max, tripped) => {
    expect(evaluateDriftBreaker(would, { sweepMaxDrift: max }).tripped).toBe(tripped);
  });

  it('says why it tripped', () => {
    expect(evaluateDriftBreaker(6, { sweepMaxDrift: 5 })).toEqual({
      maxDrift: 5,
      wouldReRevoke: 6,
      tripped: true,
      reason: '6 revoked users drifted and would be re-revoked, more than SWEEP_MAX_DRIFT=5',
    });
  });
});
