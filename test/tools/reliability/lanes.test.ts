import { FULL_CONFIG, lanesOf, REDUCED_CONFIG, SCENARIOS } from '../../../tools/reliability/run';

describe('reliability lanes (tools/reliability/run.ts lanesOf)', () => {
  it('runs the full configuration one scenario after another, in order', () => {
    expect(lanesOf(FULL_CONFIG)).toEqual([SCENARIOS]);
  });

  it('runs each scenario of the reduced configuration exactly once, scenario 4 after scenario 1', () => {
    const lanes = lanesOf(REDUCED_CONFIG);
    expect(lanes.length).toBe(2);
    expect([...lanes.flat()].sort()).toEqual([...SCENARIOS].sort());
    const withS1 = lanes.find((l) => l.includes('s1')) ?? [];
    expect(withS1.indexOf('s4')).toBeGreaterThan(withS1.indexOf('s1'));
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
