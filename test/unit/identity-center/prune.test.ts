import {
  addRevokedIds,
  fitRevokedIds,
  INLINE_POLICY_MAX_CHARS,
  MAX_SESSION_MS,
  PRUNE_MARGIN_MS,
  prunableIds,
  revokedIdsIn,
} from '../../../src/identity-center';

const NOW = new Date('2026-11-30T12:00:00.000Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000).toISOString();
/** A valid Identity Store user id per index. */
const id = (n: number) => `${n.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
const TEAM =
  '{"Version":"2012-10-17","Statement":[{"Sid":"TeamBuckets","Effect":"Allow","Action":"s3:*","Resource":"*"}]}';

describe('Function: prunableIds', () => {
  it('keeps every id for the longest session plus the margin (13 h), then releases it', () => {
    const keep = MAX_SESSION_MS + PRUNE_MARGIN_MS;
    expect(keep).toBe(13 * 3_600_000);
    const candidates = [
      { userId: id(1), revokedAt: hoursAgo(12.99), holdsAccess: false },
      { userId: id(2), revokedAt: hoursAgo(13), holdsAccess: false },
    ];
    expect(prunableIds(candidates, NOW)).toEqual([id(2)]);
  });

  it('never releases an id that still holds an assignment or a membership, or whose age is unknown', () => {
    expect(
      prunableIds(
        [
          { userId: id(1), revokedAt: hoursAgo(100), holdsAccess: true },
          { userId: id(2), holdsAccess: false },
          { userId: id(3), revokedAt: 'not a date', holdsAccess: false },
        ],
        NOW,
      ),
    ).toEqual([]);
  });

  it('orders the released ids oldest revocation first', () => {
    const candidates = [20, 50, 30].map((h, i) => ({
      userId: id(i),
      revokedAt: hoursAgo(h),
      holdsAccess: false,
    }));
    expect(prunableIds(candidates, NOW)).toEqual([id(1), id(2), id(0)]);
  });
});

/** A policy whose managed statement names `count` ids (ids 1000.. in order). */
const withIds = (count: number) =>
  addRevokedIds(
    TEAM,
    Array.from({ length: count }, (_, i) => id(1000 + i)),
  );

describe('Function: fitRevokedIds', () => {
  it('adds the id without pruning when the policy fits', () => {
    const fit = fitRevokedIds(withIds(3), [id(1)], [id(1000)], INLINE_POLICY_MAX_CHARS);
    expect(fit).toMatchObject({ ok: true, pruned: [] });
    expect(fit.ok && revokedIdsIn(fit.text)).toContain(id(1));
  });

  it('fits exactly at the limit, and prunes the fewest oldest ids one character beyond it', () => {
    const merged = addRevokedIds(withIds(3), [id(1)]);
    expect(fitRevokedIds(withIds(3), [id(1)], [id(1000)], merged.length)).toMatchObject({
      ok: true,
      pruned: [],
    });
    const fit = fitRevokedIds(withIds(3), [id(1)], [id(1000), id(1001)], merged.length - 1);
    expect(fit).toMatchObject({ ok: true, pruned: [id(1000)] });
    expect(fit.ok && fit.text.length).toBeLessThanOrEqual(merged.length - 1);
    expect(fit.ok && revokedIdsIn(fit.text)).toEqual([id(1001), id(1002), id(1)]);
  });

  it('keeps a full statement under 32,768 characters by pruning only prunable ids', () => {
    const full = withIds(834);
    expect(full.length).toBe(INLINE_POLICY_MAX_CHARS);
    expect(addRevokedIds(full, [id(1)]).length).toBeGreaterThan(INLINE_POLICY_MAX_CHARS);
    const fit = fitRevokedIds(full, [id(1)], [id(1005), id(1003)], INLINE_POLICY_MAX_CHARS);
    expect(fit).toMatchObject({ ok: true, pruned: [id(1005)] });
    expect(fit.ok && fit.text.length).toBeLessThanOrEqual(INLINE_POLICY_MAX_CHARS);
    expect(fit.ok && fit.text).toContain('"Sid":"TeamBuckets"');
  });

  it('never prunes an id being added, nor one not in the statement, and says when nothing can make it fit', () => {
    const full = withIds(834);
    const fit = fitRevokedIds(full, [id(1)], [id(1), id(9)], INLINE_POLICY_MAX_CHARS);
    expect(fit.ok).toBe(false);
    expect(fit).toMatchObject({ pruned: [] });
    expect(!fit.ok && fit.length).toBeGreaterThan(INLINE_POLICY_MAX_CHARS);
  });
});
