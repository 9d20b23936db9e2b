import {
  type IAMClient,
  paginateListAccessKeys,
  paginateListAttachedUserPolicies,
  paginateListGroupsForUser,
  paginateListUserPolicies,
} from '@aws-sdk/client-iam';
import type { Config } from '../config';
import { type DenyTarget, denyInPlace, denyTargetOf, type RevokedIndexEntry, runRevocation } from '../engine';
import { describeError, isNoSuchEntity } from '../errors';
import { scheduleFollowUps } from '../follow-up';
import { publishOrNote, revocationNotification } from '../notify';
import { mapLimit } from '../util/concurrency';
import { collectPages } from '../util/paging';
import type { ReportUser } from './credential-report';
import { REQUESTED_BY } from './enforce';
import { userProtectionReason } from './protection';
import type { DriftEntry, SweepDeps } from './types';
import { ownerOf, pathOfUserArn, readUserTags } from './users';

/** IAM actions of the drift check of revoked users (the deny, the keys, the tags of a user with a finding). */
export const DRIFT_PERMISSIONS = [
  'iam:ListAttachedUserPolicies',
  'iam:ListGroupsForUser',
  'iam:ListUserPolicies',
  'iam:ListAccessKeys',
  'iam:ListUserTags',
] as const;

type DriftConfig = Pick<
  Config,
  | 'denyPolicyArn'
  | 'denyGroupName'
  | 'personTagKeys'
  | 'protectedPrincipals'
  | 'protectedTagKey'
  | 'projectRolePrefix'
  | 'maxConcurrency'
>;

/** What the drift check found: entries to act on (or protected), notes, and users that could not be checked. */
export interface DriftFindings {
  readonly entries: DriftEntry[];
  readonly notes: string[];
  /** Revoked users whose state could not be read (an error other than "deleted"). */
  readonly unchecked: number;
}

/** Thrown inside the check when the user no longer exists. */
class Deleted extends Error {}

/** Every item of a listing of the user; the user gone is {@link Deleted}. */
async function listOf<P, T>(
  pages: AsyncIterable<P>,
  pick: (page: P) => readonly T[] | undefined,
): Promise<T[]> {
  try {
    return await collectPages(pages, pick);
  } catch (err) {
    if (isNoSuchEntity(err)) throw new Deleted();
    throw err;
  }
}

/**
 * True when the deny is in place (the engine's one check, `denyInPlace`): `DENY_POLICY_ARN` attached
 * (ListAttachedUserPolicies); else, read together only then, membership of the deny group (ListGroupsForUser,
 * when `DENY_GROUP_NAME` is set) or the inline `OffboardingDenyAll` of an earlier version (ListUserPolicies).
 */
async function hasDeny(iam: IAMClient, userName: string, deny: DenyTarget): Promise<boolean> {
  const U = { UserName: userName };
  const attachedPolicyArns = (
    await listOf(paginateListAttachedUserPolicies({ client: iam }, U), (p) => p.AttachedPolicies)
  ).map((a) => a.PolicyArn ?? '');
  if (denyInPlace({ attachedPolicyArns }, deny)) return true;
  const [groups, inlinePolicyNames] = await Promise.all([
    deny.groupName
      ? listOf(paginateListGroupsForUser({ client: iam }, U), (p) => p.Groups)
      : Promise.resolve([]),
    listOf(paginateListUserPolicies({ client: iam }, U), (p) => p.PolicyNames),
  ]);
  const groupNames = groups.map((g) => g.GroupName ?? '');
  return denyInPlace({ attachedPolicyArns, inlinePolicyNames, groupNames }, deny);
}

/** Active keys: from the credential report row when the report was made after the revocation, else read. */
async function activeKeys(
  iam: IAMClient,
  entry: RevokedIndexEntry,
  row: ReportUser | undefined,
  generatedAt: Date | undefined,
): Promise<number> {
  const revokedAt = Date.parse(entry.at);
  if (row && generatedAt && generatedAt.getTime() >= revokedAt) {
    return row.keys.filter((k) => k.active).length;
  }
  // The report predates the revocation (it still shows the keys the engine has since deactivated), or the
  // user is not in it: one ListAccessKeys says how things stand now.
  const keys = await listOf(
    paginateListAccessKeys({ client: iam }, { UserName: entry.userName }),
    (p) => p.AccessKeyMetadata,
  );
  return keys.filter((k) => k.Status === 'Active').length;
}

/**
 * Re-checks every user of the revoked index (the engine writes an entry with each user's revocation record
 * and restore deletes it): an Active key (from the credential report row, no call, when the report was made
 * after the revocation; otherwise one ListAccessKeys), and the deny (one ListAttachedUserPolicies; one
 * ListUserPolicies, and one ListGroupsForUser when a deny group is configured, more only when the managed deny
 * is not attached). Tags (ListUserTags) are read only for a
 * user with a finding: the owner for the report, and protection. A user of the index who no longer exists is
 * noted, not an error. Entries come back `protected` or, until acted on, `failed`.
 * IAM: `iam:ListAttachedUserPolicies`, `iam:ListGroupsForUser`, `iam:ListUserPolicies`, `iam:ListAccessKeys`,
 * `iam:ListUserTags`.
 * @example
 * const { entries } = await checkRevokedUsers(clients.iam, await listRevokedUsers(store), rows, report.generatedAt, config);
 */
export async function checkRevokedUsers(
  iam: IAMClient,
  revoked: readonly RevokedIndexEntry[],
  rows: ReadonlyMap<string, ReportUser>,
  generatedAt: Date | undefined,
  config: DriftConfig,
): Promise<DriftFindings> {
  const notes: string[] = [];
  let unchecked = 0;
  const checked = await mapLimit(revoked, config.maxConcurrency, async (entry) => {
    const name = entry.userName;
    const row = rows.get(name);
    try {
      const [active, deny] = await Promise.all([
        activeKeys(iam, entry, row, generatedAt),
        hasDeny(iam, name, denyTargetOf(config)),
      ]);
      const findings: string[] = [];
      if (active) findings.push(`${active} Active access key${active > 1 ? 's' : ''}`);
      if (!deny) findings.push(`deny policy ${config.denyPolicyArn} not attached`);
      if (!findings.length) return undefined;
      const tags = await readUserTags(iam, name);
      if (!tags) throw new Deleted();
      const arn = row?.arn ?? '';
      const protectedBy = userProtectionReason(
        { userName: name, arn, path: arn ? pathOfUserArn(arn) : '/', tags },
        config,
      );
      const drift: DriftEntry = {
        user: name,
        arn,
        owner: ownerOf(tags, config.personTagKeys),
        findings,
        mode: entry.mode,
        action: protectedBy ? 'protected' : 'failed',
        ...(protectedBy ? { detail: `protected: ${protectedBy}` } : {}),
      };
      return drift;
    } catch (err) {
      if (err instanceof Deleted) {
        notes.push(
          `${name} is in the revoked-users index but no longer exists in IAM (deleted): not checked`,
        );
      } else {
        unchecked++;
        notes.push(`${name} (revoked) could not be checked: ${describeError(err)}`);
      }
      return undefined;
    }
  });
  return { entries: checked.filter((d): d is DriftEntry => d !== undefined), notes, unchecked };
}

/**
 * Re-revokes a drifted user through the engine (trigger `sweep`), in the mode of the revocation that was
 * undone (the index entry's `mode`). The engine snapshots, re-attaches the deny, deactivates every key and
 * verifies; its report is published on its own: the alert.
 */
export async function reRevoke(d: DriftEntry, deps: SweepDeps): Promise<DriftEntry> {
  try {
    const r = await runRevocation(
      {
        trigger: 'sweep',
        mode: d.mode ?? 'lockdown',
        target: { userName: d.user },
        reason: `key sweep drift: ${d.findings.join('; ')}`,
        requestedBy: REQUESTED_BY,
      },
      deps,
    );
    // The CloudTrail follow-ups of the re-revocation (FOLLOW_UP_MINUTES after it).
    (r.notes as string[]).push(...(await scheduleFollowUps(deps, r)));
    await publishOrNote(deps.clients, deps.config, revocationNotification(r), r.notes as string[]);
    return { ...d, action: 're-revoked', outcome: r.outcome, runId: r.runId };
  } catch (err) {
    return { ...d, action: 'failed', detail: describeError(err) };
  }
}
