import { addRevokedIds, fitsLimit, removeRevokedIds, revokedIdsIn } from './policy';

/**
 * Keeping the managed statement under the inline policy limit. An id may leave the statement only when its
 * revocation is older than the longest permission-set session (12 h) plus a margin, so no role session issued
 * before the deny can still be alive, and when the user holds no access any more (no account assignment, no
 * group membership), so no new session can be issued either. Pure: the I/O that gathers the candidates lives
 * with the deny (permission-set.ts).
 */

/** The longest session a permission set can issue (12 hours), per AWS. */
export const MAX_SESSION_MS = 12 * 60 * 60 * 1000;
/** The margin beyond it before a revoked id may leave the statement. */
export const PRUNE_MARGIN_MS = 60 * 60 * 1000;

/** An id in the statement, with when it was revoked (the revoked-ids record) and whether it holds access now. */
export interface PruneCandidate {
  readonly userId: string;
  /** ISO time of the revocation that added it; absent: unknown (never pruned). */
  readonly revokedAt?: string;
  /** The user still has an assignment or a group membership (or it could not be read): never pruned. */
  readonly holdsAccess: boolean;
}

/**
 * The ids that may leave the statement, oldest revocation first: revoked longer than `keepForMs` before `now`
 * and holding no access. An id of unknown age is never pruned.
 * @example
 * prunableIds([{ userId: 'a', revokedAt: '2026-01-01T00:00:00Z', holdsAccess: false }], new Date('2026-01-02'), MAX_SESSION_MS + PRUNE_MARGIN_MS); // ['a']
 */
export function prunableIds(
  candidates: readonly PruneCandidate[],
  now: Date,
  keepForMs = MAX_SESSION_MS + PRUNE_MARGIN_MS,
): string[] {
  return candidates
    .filter((c) => c.revokedAt !== undefined && !c.holdsAccess)
    .map((c) => ({ id: c.userId, at: Date.parse(c.revokedAt as string) }))
    .filter((c) => Number.isFinite(c.at) && now.getTime() - c.at >= keepForMs)
    .sort((a, b) => a.at - b.at)
    .map((c) => c.id);
}

/** Ids old enough to be candidates at all (before their access is read): the only ones worth reading. */
export function oldEnough(
  revokedAt: ReadonlyMap<string, string>,
  ids: readonly string[],
  now: Date,
  keepForMs = MAX_SESSION_MS + PRUNE_MARGIN_MS,
): string[] {
  return prunableIds(
    ids.map((userId) => ({ userId, revokedAt: revokedAt.get(userId), holdsAccess: false })),
    now,
    keepForMs,
  );
}

export type Fit =
  | { readonly ok: true; readonly text: string; readonly pruned: readonly string[] }
  | { readonly ok: false; readonly length: number; readonly pruned: readonly string[] };

/**
 * The policy with `ids` added, pruned of the fewest `prunable` ids (oldest first, never one of `ids`) needed
 * to fit `limit` characters; or, when even pruning every one does not fit, the length it would have.
 * @example
 * fitRevokedIds(policy, ['new-id'], ['old-1', 'old-2'], 32_768); // { ok: true, text, pruned: [] } when it fits as is
 */
export function fitRevokedIds(
  text: string | null | undefined,
  ids: readonly string[],
  prunable: readonly string[],
  limit: number,
): Fit {
  const merged = addRevokedIds(text, ids);
  if (fitsLimit(merged, limit)) return { ok: true, text: merged, pruned: [] };
  const present = new Set(revokedIdsIn(merged));
  const order = prunable.filter((id) => present.has(id) && !ids.includes(id));
  // Each id removed saves at least its quotes and a comma: start at the fewest that can suffice.
  let saved = 0;
  let count = 0;
  while (count < order.length && saved < merged.length - limit)
    saved += (order[count++] as string).length + 3;
  for (; count <= order.length; count++) {
    const pruned = order.slice(0, count);
    const candidate = removeRevokedIds(merged, pruned) ?? '';
    if (fitsLimit(candidate, limit)) return { ok: true, text: candidate, pruned };
  }
  return { ok: false, length: (removeRevokedIds(merged, order) ?? '').length, pruned: order };
}
