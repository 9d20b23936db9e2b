import { GetAccessKeyLastUsedCommand, type IAMClient, paginateListAccessKeys } from '@aws-sdk/client-iam';
import { describeError } from '../errors';
import { collectPages } from '../util/paging';
import type { KeyDates, KeyVerdict } from './classify';

/** IAM actions of a candidate's key re-read (its keys by exact id, the last use of keys flagged by use). */
export const RECHECK_PERMISSIONS = ['iam:ListAccessKeys', 'iam:GetAccessKeyLastUsed'] as const;

/** A key slot of a user's credential report row, with the class the report's dates give it. */
export interface ReportSlot {
  readonly slot: 1 | 2;
  readonly key: KeyDates;
  readonly verdict: KeyVerdict;
}

/** One key of a candidate user as IAM says it is now, by exact id. */
export interface FreshKey extends KeyDates {
  readonly accessKeyId: string;
  readonly status: string;
  /** The report slot this key is (same creation second), when exactly one matches. */
  readonly slot?: 1 | 2;
  /**
   * Where `lastUsedAt` comes from: `iam` (GetAccessKeyLastUsed, now), `report` (the credential report's
   * `last_used_date`, shown only: the class did not depend on it), or `unknown`.
   */
  readonly lastUseFrom: 'iam' | 'report' | 'unknown';
  /** Why the last use is unknown (the read failed), when it is. */
  readonly lastUseError?: string;
}

/** Classes that depend on the last use of a key: only these justify a GetAccessKeyLastUsed. */
const NEEDS_LAST_USE = new Set(['idle', 'never-used']);
/** Classes settled without the last use (age, status or the user's standing decide). */
const SETTLED_WITHOUT_USE = new Set(['expired', 'inactive', 'protected', 'exempt']);

/** A user's access keys (ListAccessKeys, every page). */
const listKeys = (iam: IAMClient, userName: string) =>
  collectPages(paginateListAccessKeys({ client: iam }, { UserName: userName }), (p) => p.AccessKeyMetadata);

/** True when two dates fall in the same second (the report's `last_rotated` has no milliseconds). */
export function sameSecond(a: Date | undefined, b: Date | undefined): boolean {
  return !!a && !!b && Math.floor(a.getTime() / 1000) === Math.floor(b.getTime() / 1000);
}

/**
 * Re-reads a candidate user's keys just before the sweep acts: ListAccessKeys (ids, status, creation), and
 * GetAccessKeyLastUsed only for a key whose class depends on its last use. The credential report names no key
 * id: a listed key is the report's slot with the same creation second (`access_key_N_last_rotated` is the
 * key's CreateDate). Each key is judged on the fresh status and creation date first; the last use is read
 * only when the key is still neither expired nor inactive AND the report flagged it idle or never used. So a
 * key expired by age, a key flagged only as due, the unflagged second key of a user and a key created after
 * the report cost no GetAccessKeyLastUsed (they are judged on age alone: never idle without a read). A failed
 * last-use read leaves the last use unknown (judged by age, never by idleness).
 * IAM: `iam:ListAccessKeys`, `iam:GetAccessKeyLastUsed`.
 * @param judge classifies a key with the user's standing, thresholds and clock.
 * @throws the ListAccessKeys error (e.g. NoSuchEntity when the user was deleted since the report).
 * @example
 * const fresh = await recheckKeys(clients.iam, 'alice', slots, (k) => classifyKey(k, standing, config, now));
 */
export async function recheckKeys(
  iam: IAMClient,
  userName: string,
  slots: readonly ReportSlot[],
  judge: (key: KeyDates) => KeyVerdict,
): Promise<{ key: FreshKey; verdict: KeyVerdict }[]> {
  const listed = await listKeys(iam, userName);
  return Promise.all(
    listed.map(async (k): Promise<{ key: FreshKey; verdict: KeyVerdict }> => {
      const createdAt = k.CreateDate;
      const active = k.Status === 'Active';
      const matches = slots.filter((s) => sameSecond(s.key.createdAt, createdAt));
      const only = matches.length === 1 ? matches[0] : undefined;
      const base = {
        accessKeyId: k.AccessKeyId ?? '',
        status: k.Status ?? 'Active',
        active,
        createdAt,
        ...(only ? { slot: only.slot } : {}),
      };
      const byAge = judge({ active, createdAt, lastUsedAt: undefined });
      const flaggedByUse = matches.some((s) => NEEDS_LAST_USE.has(s.verdict.class));
      if (SETTLED_WITHOUT_USE.has(byAge.class) || !flaggedByUse) {
        // Shown with the report's last use when the report names this key; not read, not judged on.
        const fromReport = only ? only.key.lastUsedAt : undefined;
        return {
          key: {
            ...base,
            lastUsedAt: fromReport,
            lastUseFrom: fromReport === undefined ? 'unknown' : 'report',
          },
          verdict: byAge,
        };
      }
      try {
        const r = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: base.accessKeyId }));
        const lastUsedAt = r.AccessKeyLastUsed?.LastUsedDate ?? null;
        return {
          key: { ...base, lastUsedAt, lastUseFrom: 'iam' },
          verdict: judge({ active, createdAt, lastUsedAt }),
        };
      } catch (err) {
        return {
          key: { ...base, lastUsedAt: undefined, lastUseFrom: 'unknown', lastUseError: describeError(err) },
          verdict: byAge,
        };
      }
    }),
  );
}

/**
 * The ids of a user's keys by credential-report slot (same creation second), from ListAccessKeys alone: how
 * keys reported or warned about without a re-read are named in the summary. A slot that matches no key, or
 * more than one, is left out.
 * IAM: `iam:ListAccessKeys`.
 */
export async function keyIdsBySlot(
  iam: IAMClient,
  userName: string,
  slots: readonly ReportSlot[],
): Promise<Map<1 | 2, string>> {
  const listed = await listKeys(iam, userName);
  const ids = new Map<1 | 2, string>();
  for (const s of slots) {
    const matches = listed.filter((k) => sameSecond(s.key.createdAt, k.CreateDate));
    if (matches.length === 1 && matches[0]?.AccessKeyId) ids.set(s.slot, matches[0].AccessKeyId);
  }
  return ids;
}
