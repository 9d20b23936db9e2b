import { GetAccessKeyLastUsedCommand, type IAMClient, paginateListAccessKeys } from '@aws-sdk/client-iam';
import { describeError } from '../errors';
import type { KeyDates } from './classify';

/** One key of a candidate user as IAM says it is now, by exact id. */
export interface FreshKey extends KeyDates {
  readonly accessKeyId: string;
  readonly status: string;
  /** Why the last use is unknown (the read failed), when it is. */
  readonly lastUseError?: string;
}

/**
 * Re-reads a candidate user's keys just before the sweep decides: ListAccessKeys (ids, status, creation) and
 * GetAccessKeyLastUsed for each Active key. The credential report can be hours old and names no key id; the
 * decision is made on this read, key by key. A failed last-use read leaves that key's last use unknown (it
 * can still be judged by age, never by idleness). IAM: `iam:ListAccessKeys`, `iam:GetAccessKeyLastUsed`.
 * @throws the ListAccessKeys error (e.g. NoSuchEntity when the user was deleted since the report).
 */
export async function recheckKeys(iam: IAMClient, userName: string): Promise<FreshKey[]> {
  const listed = [];
  for await (const page of paginateListAccessKeys({ client: iam }, { UserName: userName })) {
    listed.push(...(page.AccessKeyMetadata ?? []));
  }
  return Promise.all(
    listed.map(async (k): Promise<FreshKey> => {
      const base = {
        accessKeyId: k.AccessKeyId ?? '',
        status: k.Status ?? 'Active',
        active: k.Status === 'Active',
        createdAt: k.CreateDate,
      };
      if (!base.active) return { ...base, lastUsedAt: undefined };
      try {
        const r = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: base.accessKeyId }));
        return { ...base, lastUsedAt: r.AccessKeyLastUsed?.LastUsedDate ?? null };
      } catch (err) {
        return { ...base, lastUsedAt: undefined, lastUseError: describeError(err) };
      }
    }),
  );
}
