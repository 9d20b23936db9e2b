import {
  GetAccessKeyLastUsedCommand,
  type IAMClient,
  paginateListAccessKeys,
  paginateListUsers,
} from '@aws-sdk/client-iam';

/**
 * The naive peer of the sweep benchmark, written the way AWS's access-key rotation sample and similar
 * scripts work: list every user (ListUsers, default page size), list each user's keys (ListAccessKeys), read
 * each key's last use (GetAccessKeyLastUsed), one call after another, and classify by age and idleness.
 * It reads no tags, so it honours neither exemptions nor protected principals: a correct per-user peer would
 * add a ListUserTags call per user, so these counts are its lower bound. It writes nothing (report mode).
 */
export interface NaiveAudit {
  readonly users: number;
  readonly keys: number;
  readonly activeKeys: number;
  /** Active keys at least `maxAgeDays` old or unused (by creation when never used) for `maxIdleDays`. */
  readonly flagged: number;
}

const DAY_MS = 86_400_000;

export async function naiveKeyAudit(
  iam: IAMClient,
  now: Date,
  thresholds: { maxAgeDays: number; maxIdleDays: number } = { maxAgeDays: 90, maxIdleDays: 45 },
): Promise<NaiveAudit> {
  let users = 0;
  let keys = 0;
  let activeKeys = 0;
  let flagged = 0;
  for await (const page of paginateListUsers({ client: iam }, {})) {
    for (const user of page.Users ?? []) {
      users++;
      for await (const keyPage of paginateListAccessKeys({ client: iam }, { UserName: user.UserName })) {
        for (const key of keyPage.AccessKeyMetadata ?? []) {
          keys++;
          const last = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.AccessKeyId }));
          if (key.Status !== 'Active') continue;
          activeKeys++;
          const created = key.CreateDate?.getTime() ?? now.getTime();
          const used = last.AccessKeyLastUsed?.LastUsedDate?.getTime() ?? created;
          const ageDays = (now.getTime() - created) / DAY_MS;
          const idleDays = (now.getTime() - used) / DAY_MS;
          if (ageDays >= thresholds.maxAgeDays || idleDays >= thresholds.maxIdleDays) flagged++;
        }
      }
    }
  }
  return { users, keys, activeKeys, flagged };
}
