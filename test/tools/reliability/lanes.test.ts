import { FULL_CONFIG, lanesOf, REDUCED_CONFIG, SCENARIOS } from '../../../tools/reliability/run';

describe('reliability lanes (tools/reliability/run.ts lanesOf)', () => {
  it('runs the full configuration one scenario after another, in order', () => {
    expect(lanesOf(FULL_CONFIG)).toEqual([SCENARIOS]);
  });

  it('runs the reduced configuration one scenario after another too (lanes timed out beside jest in CI)', () => {
    expect(lanesOf(REDUCED_CONFIG)).toEqual([SCENARIOS]);
  });

  it('accepts lanes that name each scenario exactly once', () => {
    const lanes = [
      ['s1', 's4', 's3'],
      ['keyfail', 's2'],
    ] as const;
    expect(lanesOf({ lanes })).toEqual(lanes);
  });

  it.each([
    ['a scenario left out', [['s1', 's4', 's3'], ['keyfail']]],
    [
      'a scenario twice',
      [
        ['s1', 's4', 's3', 's2'],
        ['keyfail', 's2'],
      ],
    ],
    ['an empty lane', [['s1', 's4', 's3'], ['keyfail', 's2'], []]],
  ] as const)('refuses lanes with %s, before anything runs', (_, lanes) => {
    expect(() => lanesOf({ lanes })).toThrow(/lanes must name each of s1, keyfail, s2, s3, s4 exactly once/);
  });
});
