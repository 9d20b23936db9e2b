import { GetAccessKeyLastUsedCommand, IAMClient } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { classifyKey, type KeyDates } from '../../../src/sweep/classify';
import { type ReportSlot, recheckKeys, sameSecond } from '../../../src/sweep/recheck';
import { FakeIam } from '../../support/fake-iam';

const NOW = new Date('2026-11-29T12:00:00.000Z');
const daysAgo = (d: number, ms = 0) => new Date(NOW.getTime() - d * 86_400_000 + ms);
const thresholds = { keyMaxAgeDays: 90, keyMaxIdleDays: 45, keyWarnDays: 14 };
const judge = (k: KeyDates) => classifyKey(k, {}, thresholds, NOW);
const iam = mockClient(IAMClient);
const client = new IAMClient({ region: 'us-east-1' });
let account: FakeIam;

/** A report slot as the credential report gives it (dates to the second). */
const slot = (n: 1 | 2, created: number, used: number | null): ReportSlot => {
  const key = { active: true, createdAt: daysAgo(created), lastUsedAt: used === null ? null : daysAgo(used) };
  return { slot: n, key, verdict: judge(key) };
};
/** IAM holds alice with these keys now, each last used 50 days ago. */
const listed = (...keys: { id: string; created: Date; status?: 'Active' | 'Inactive' }[]) =>
  account.addUser({
    userName: 'alice',
    keys: keys.map((k) => ({
      id: k.id,
      created: k.created,
      lastUsed: daysAgo(50),
      ...(k.status ? { status: k.status } : {}),
    })),
  });
const lastUseRead = () =>
  iam.commandCalls(GetAccessKeyLastUsedCommand).map((c) => c.args[0].input.AccessKeyId);

beforeEach(() => {
  iam.reset();
  account = new FakeIam().answer(iam);
});

describe('Function: recheckKeys', () => {
  it('matches a key to its report slot by creation second, milliseconds aside', async () => {
    listed({ id: 'AKIAIDLE', created: daysAgo(60, 734) });

    const [fresh] = await recheckKeys(client, 'alice', [slot(1, 60, 50)], judge);

    expect(fresh?.key).toMatchObject({ accessKeyId: 'AKIAIDLE', slot: 1, lastUseFrom: 'iam' });
    expect(fresh?.verdict.class).toBe('idle');
    expect(lastUseRead()).toEqual(['AKIAIDLE']);
  });

  it("reads no last use for the unflagged second key, and shows the report's", async () => {
    listed({ id: 'AKIAOLD', created: daysAgo(60) }, { id: 'AKIANEW', created: daysAgo(3) });

    const fresh = await recheckKeys(client, 'alice', [slot(1, 60, 50), slot(2, 3, 1)], judge);

    expect(lastUseRead()).toEqual(['AKIAOLD']);
    expect(fresh[1]?.key).toMatchObject({
      accessKeyId: 'AKIANEW',
      lastUsedAt: daysAgo(1),
      lastUseFrom: 'report',
    });
    expect(fresh[1]?.verdict.class).toBe('ok');
  });

  it('reads no last use for a key expired by age, even one the report flagged idle', async () => {
    // The report, a day old, flagged the key idle at 89 days; it is 90 days old at the re-read.
    listed({ id: 'AKIAAGED', created: daysAgo(90) });
    const key = { active: true, createdAt: daysAgo(90), lastUsedAt: daysAgo(50) };
    const flagged: ReportSlot = { slot: 1, key, verdict: classifyKey(key, {}, thresholds, daysAgo(1)) };
    expect(flagged.verdict.class).toBe('idle');

    const [fresh] = await recheckKeys(client, 'alice', [flagged], judge);

    expect(lastUseRead()).toEqual([]);
    expect(fresh?.verdict.class).toBe('expired');
  });

  it('judges a key the report does not know (created since) on its age alone, without reading its use', async () => {
    listed({ id: 'AKIANEWER', created: daysAgo(0) });

    const [fresh] = await recheckKeys(client, 'alice', [slot(1, 60, null)], judge);

    expect(lastUseRead()).toEqual([]);
    expect(fresh?.key).toMatchObject({ lastUseFrom: 'unknown' });
    expect(fresh?.verdict.class).toBe('ok');
  });

  it('reads the last use of both keys created in the same second when the report flags one of them by use', async () => {
    listed({ id: 'AKIAA', created: daysAgo(60) }, { id: 'AKIAB', created: daysAgo(60, 500) });

    const fresh = await recheckKeys(client, 'alice', [slot(1, 60, 50), slot(2, 60, 2)], judge);

    expect(lastUseRead().sort()).toEqual(['AKIAA', 'AKIAB']);
    expect(fresh.map((f) => f.key.slot)).toEqual([undefined, undefined]);
  });
});

describe('Function: sameSecond', () => {
  it.each([
    [new Date('2026-01-01T00:00:00.000Z'), new Date('2026-01-01T00:00:00.999Z'), true],
    [new Date('2026-01-01T00:00:00.999Z'), new Date('2026-01-01T00:00:01.000Z'), false],
    [undefined, new Date('2026-01-01T00:00:00.000Z'), false],
  ])('compares %s and %s: %s', (a, b, same) => {
    expect(sameSecond(a, b)).toBe(same);
  });
});
