import {
  ACTIONABLE,
  classifyKey,
  daysBetween,
  type KeyDates,
  parseExemption,
  type UserStanding,
} from '../../../src/sweep/classify';

const NOW = new Date('2026-11-29T12:00:00.000Z');
const T = { keyMaxAgeDays: 90, keyMaxIdleDays: 45, keyWarnDays: 14 };
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);
const key = (created: number | undefined, used: number | null | undefined, active = true): KeyDates => ({
  active,
  createdAt: created === undefined ? undefined : daysAgo(created),
  lastUsedAt: used === null ? null : used === undefined ? undefined : daysAgo(used),
});
const exemptUntil = (until: string): UserStanding => ({
  exemption: { status: until >= '2026-11-29' ? 'active' : 'expired', until, reason: 'vendor migration' },
});

describe('Function: classifyKey', () => {
  it.each([
    // [label, key, standing, expected class]
    ['a key exactly at the maximum age', key(90, 1), {}, 'expired'],
    ['a key one day under the maximum age, used yesterday', key(89, 1), {}, 'due'],
    ['an old key that is also idle (expiry comes first)', key(200, 100), {}, 'expired'],
    ['a key unused for exactly the idle limit', key(60, 45), {}, 'idle'],
    ['a key unused for one day under the idle limit', key(60, 44), {}, 'ok'],
    ['a never-used key created at the idle limit', key(45, null), {}, 'never-used'],
    ['a never-used key created one day under the idle limit', key(44, null), {}, 'ok'],
    ['a key entering the warning window', key(76, 2), {}, 'due'],
    ['a key one day before the warning window', key(75, 2), {}, 'ok'],
    ['a fresh key', key(3, 0), {}, 'ok'],
    ['an inactive old key', key(300, 200, false), {}, 'inactive'],
    [
      'an old key of a protected user',
      key(300, null),
      { protectedBy: 'tagged offboarding:protected=true' },
      'protected',
    ],
    ['an old key of a user exempt until later', key(300, null), exemptUntil('2026-12-31'), 'exempt'],
    ['an old key of a user exempt through today', key(300, null), exemptUntil('2026-11-29'), 'exempt'],
    ['an old key of a user whose exemption expired', key(300, null), exemptUntil('2026-11-28'), 'expired'],
    [
      'an old key of a user with an invalid exemption',
      key(300, null),
      { exemption: { status: 'invalid', problem: 'bad date' } },
      'expired',
    ],
    ['a key whose creation date is unknown', key(undefined, null), {}, 'ok'],
    ['an old key whose last use is unknown (still expired by age)', key(120, undefined), {}, 'expired'],
    ['a young key whose last use is unknown (never judged idle)', key(60, undefined), {}, 'ok'],
  ] as const)('classifies %s', (_label, k, standing, expected) => {
    expect(classifyKey(k, standing as UserStanding, T, NOW).class).toBe(expected);
  });

  it('reports age and idle days, idle counted from creation for a never-used key', () => {
    expect(classifyKey(key(50, null), {}, T, NOW)).toMatchObject({ ageDays: 50, idleDays: 50 });
    expect(classifyKey(key(50, 10), {}, T, NOW)).toMatchObject({ ageDays: 50, idleDays: 10 });
  });

  it('never warns when KEY_WARN_DAYS is 0', () => {
    expect(classifyKey(key(89, 1), {}, { ...T, keyWarnDays: 0 }, NOW).class).toBe('ok');
  });

  it('says how many days are left for a due key', () => {
    expect(classifyKey(key(89, 1), {}, T, NOW).reason).toBe('expires in 1 day');
  });

  it('acts on expired, idle and never-used keys only', () => {
    expect([...ACTIONABLE].sort()).toEqual(['expired', 'idle', 'never-used']);
  });
});

describe('Function: daysBetween', () => {
  it('counts whole days and treats a date after now as age 0', () => {
    expect(daysBetween(new Date(NOW.getTime() - 86_400_000 * 2 + 1), NOW)).toBe(1);
    expect(daysBetween(new Date(NOW.getTime() + 86_400_000), NOW)).toBe(0);
  });
});

describe('Function: parseExemption', () => {
  const tags = (until?: string, reason?: string) => ({
    ...(until !== undefined ? { 'offboarding:exempt-until': until } : {}),
    ...(reason !== undefined ? { 'offboarding:exempt-reason': reason } : {}),
  });

  it.each([
    ['no exemption tag', tags(undefined, 'why'), undefined],
    ['a future date with a reason', tags('2027-01-31', 'vendor'), { status: 'active', until: '2027-01-31' }],
    ['today with a reason (inclusive)', tags('2026-11-29', 'vendor'), { status: 'active' }],
    ['yesterday with a reason', tags('2026-11-28', 'vendor'), { status: 'expired', until: '2026-11-28' }],
    ['a date without a reason', tags('2027-01-31'), { status: 'invalid' }],
    ['a blank reason', tags('2027-01-31', '  '), { status: 'invalid' }],
    ['a date in another format', tags('31/01/2027', 'vendor'), { status: 'invalid' }],
    ['an impossible date', tags('2027-02-30', 'vendor'), { status: 'invalid' }],
    ['a timestamp instead of a date', tags('2027-01-31T00:00:00Z', 'vendor'), { status: 'invalid' }],
  ])('reads %s', (_label, t, expected) => {
    const e = parseExemption(t, NOW);
    if (expected === undefined) expect(e).toBeUndefined();
    else expect(e).toMatchObject(expected);
  });

  it('names the problem of an invalid exemption', () => {
    expect(parseExemption(tags('soon', 'vendor'), NOW)).toEqual({
      status: 'invalid',
      problem: 'offboarding:exempt-until="soon" is not a YYYY-MM-DD date',
    });
  });
});
