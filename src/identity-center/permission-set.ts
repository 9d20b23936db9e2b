import {
  DeleteInlinePolicyFromPermissionSetCommand,
  PutInlinePolicyToPermissionSetCommand,
} from '@aws-sdk/client-sso-admin';
import { mapLimit } from '../util/concurrency';
import { InlinePolicyError } from './errors';
import { withPermissionSetLock } from './lock';
import { isEmptyPolicy, removeRevokedIds, revokedIdsIn, samePolicy } from './policy';
import { fitRevokedIds, oldEnough, type PruneCandidate, prunableIds } from './prune';
import { assignmentsOf, inlinePolicyOf, membershipsOf } from './snapshot';
import { revokedUserEntries } from './state';
import { timingOf } from './timing';
import type { IdcDeps } from './types';

/**
 * The deny in a permission set's inline policy: the read-modify-write of the managed statement, under the
 * permission set's lock, adding an id (revocation) or lifting it (restore). Provisioning is apart (provision.ts).
 */

/** sso-admin actions of adding an id to the managed statement. */
export const DENY_POLICY_PERMISSIONS = [
  'sso:GetInlinePolicyForPermissionSet',
  'sso:PutInlinePolicyToPermissionSet',
] as const;
/** Actions of pruning, reached only when the statement would exceed the limit: the revoked-id entries, access. */
export const PRUNE_PERMISSIONS = [
  'dynamodb:Query',
  'sso:ListAccountAssignmentsForPrincipal',
  'identitystore:ListGroupMembershipsForMember',
] as const;
/** sso-admin actions of lifting an id (the policy deleted when nothing else is left in it, as before the run). */
export const LIFT_POLICY_PERMISSIONS = [
  'sso:GetInlinePolicyForPermissionSet',
  'sso:PutInlinePolicyToPermissionSet',
  'sso:DeleteInlinePolicyFromPermissionSet',
] as const;

export interface PolicyChange {
  readonly outcome: 'done' | 'already';
  readonly detail: string;
  /** Ids pruned from the statement to make room. */
  readonly pruned: readonly string[];
}

type Writer = Pick<
  IdcDeps,
  'ssoAdmin' | 'identitystore' | 'identityStoreId' | 'instanceArn' | 'ddb' | 'stateTable' | 'now' | 'timing'
>;

/** Whether a user still holds access (an assignment or a membership); one that cannot be read counts as holding. */
async function holdsAccess(deps: Writer, userId: string): Promise<boolean> {
  try {
    const [assignments, memberships] = await Promise.all([
      assignmentsOf(deps, 'USER', userId),
      membershipsOf(deps, userId),
    ]);
    return assignments.length > 0 || memberships.length > 0;
  } catch {
    return true;
  }
}

/** The ids of the statement that may leave it now, oldest first (reads the entries, then the access of the old). */
async function prunableNow(deps: Writer, ids: readonly string[]): Promise<string[]> {
  const entries = await revokedUserEntries(deps);
  const revokedAt = new Map([...entries].map(([id, e]) => [id, e.at]));
  const timing = timingOf(deps);
  const old = oldEnough(revokedAt, ids, deps.now, timing.keepRevokedMs);
  const candidates: PruneCandidate[] = await mapLimit(old, 8, async (userId) => ({
    userId,
    revokedAt: revokedAt.get(userId),
    holdsAccess: await holdsAccess(deps, userId),
  }));
  return prunableIds(candidates, deps.now, timing.keepRevokedMs);
}

async function putPolicy(deps: Writer, permissionSetArn: string, text: string): Promise<void> {
  await deps.ssoAdmin.send(
    new PutInlinePolicyToPermissionSetCommand({
      InstanceArn: deps.instanceArn,
      PermissionSetArn: permissionSetArn,
      InlinePolicy: text,
    }),
  );
}

/**
 * Adds `userId` to the permission set's managed statement, under its lock: `already` when it is there; pruned of
 * old ids (12 h + margin, no access left) only when the policy would exceed the limit.
 * @throws InlinePolicyError when the policy is not JSON, or cannot fit even pruned (nothing written)
 */
export async function addToDeny(
  deps: Writer,
  permissionSetArn: string,
  userId: string,
  owner: string,
): Promise<PolicyChange> {
  const timing = timingOf(deps);
  return withPermissionSetLock(deps, permissionSetArn, owner, timing, async () => {
    const current = await inlinePolicyOf(deps, permissionSetArn);
    const ids = revokedIdsIn(current);
    if (ids.includes(userId))
      return { outcome: 'already', detail: 'the id is in the managed statement', pruned: [] };
    let fit = fitRevokedIds(current, [userId], [], timing.policyMaxChars);
    if (!fit.ok) fit = fitRevokedIds(current, [userId], await prunableNow(deps, ids), timing.policyMaxChars);
    if (!fit.ok) {
      throw new InlinePolicyError(
        `the inline policy would be ${fit.length} characters (limit ${timing.policyMaxChars}) even with ${fit.pruned.length} old ids pruned: not written`,
      );
    }
    await putPolicy(deps, permissionSetArn, fit.text);
    const pruned = fit.pruned.length
      ? `; pruned ${fit.pruned.length} ids revoked over 12 h ago with no access left`
      : '';
    return {
      outcome: 'done',
      detail: `${current ? 'merged into' : 'created'} the inline policy (${revokedIdsIn(fit.text).length} ids denied${pruned})`,
      pruned: fit.pruned,
    };
  });
}

/**
 * Lifts `userId` from the permission set's managed statement, under its lock. When what is left says what the
 * snapshot said, the snapshot's own text is put back (its bytes); when nothing is left, the inline policy is
 * deleted (the set had none); otherwise only the id leaves (other revocations since stay).
 */
export async function liftFromDeny(
  deps: Writer,
  permissionSetArn: string,
  userId: string,
  snapshotPolicy: string | null,
  owner: string,
): Promise<PolicyChange> {
  return withPermissionSetLock(deps, permissionSetArn, owner, timingOf(deps), async () => {
    const current = await inlinePolicyOf(deps, permissionSetArn);
    if (!revokedIdsIn(current).includes(userId)) {
      return { outcome: 'already', detail: 'the id is not in the managed statement', pruned: [] };
    }
    const left = removeRevokedIds(current, [userId]);
    if (isEmptyPolicy(left)) {
      await deps.ssoAdmin.send(
        new DeleteInlinePolicyFromPermissionSetCommand({
          InstanceArn: deps.instanceArn,
          PermissionSetArn: permissionSetArn,
        }),
      );
      return { outcome: 'done', detail: 'deleted the inline policy: nothing else was in it', pruned: [] };
    }
    const asBefore = snapshotPolicy !== null && samePolicy(left, snapshotPolicy);
    await putPolicy(deps, permissionSetArn, asBefore ? snapshotPolicy : (left as string));
    return {
      outcome: 'done',
      detail: asBefore
        ? 'the inline policy is back to its snapshot'
        : 'removed the id; other changes since the run stay',
      pruned: [],
    };
  });
}
