import type { Verification } from '../engine';
import { describeError } from '../errors';
import { mapLimit } from '../util/concurrency';
import { revokedIdsIn } from './policy';
import type { IdcStep, IdcStepResult, IdcUserRef } from './schema';
import { assignmentsOf, inlinePolicyOf, membershipsOf } from './snapshot';
import type { IdcDeps, ProvisioningStatus } from './types';

/**
 * Re-reads Identity Center after the writes (never "effective" from a write alone): the id in (or out of) each
 * managed statement, each provisioning settled SUCCEEDED, the assignments and memberships as the run left them.
 */

type Check = Verification['checks'][number];
type Reader = Pick<IdcDeps, 'identitystore' | 'ssoAdmin' | 'identityStoreId' | 'instanceArn'>;

const provisioned = (statuses: readonly ProvisioningStatus[]): Check[] =>
  statuses.map((p) => ({
    check: `provisioned ${p.permissionSetArn}`,
    ok: p.status === 'SUCCEEDED',
    ...(p.status === 'SUCCEEDED'
      ? {}
      : { detail: `${p.status}${p.failureReason ? `: ${p.failureReason}` : ''}` }),
  }));

/** Whether each permission set's managed statement names the user (`present`) or not. */
async function statementChecks(
  deps: Reader,
  userId: string,
  arns: readonly string[],
  present: boolean,
): Promise<Check[]> {
  return mapLimit(arns, 8, async (arn) => {
    const check = `id ${present ? 'in' : 'out of'} the deny of ${arn}`;
    try {
      return { check, ok: revokedIdsIn(await inlinePolicyOf(deps, arn)).includes(userId) === present };
    } catch (err) {
      return { check, ok: false, detail: describeError(err) };
    }
  });
}

const arnsOf = (plan: readonly IdcStep[], results: readonly IdcStepResult[], type: IdcStep['type']) => {
  const touched = new Set(
    results.filter((r) => r.outcome === 'done' || r.outcome === 'already').map((r) => r.id),
  );
  return plan.flatMap((s) =>
    s.type === type && touched.has(s.id) && 'permissionSetArn' in s ? [s.permissionSetArn] : [],
  );
};

/** A revocation holds when every denied set names the id, every provisioning SUCCEEDED, no assignment or membership is left. */
export async function verifyIdcRevocation(
  deps: Reader,
  user: IdcUserRef,
  plan: readonly IdcStep[],
  statuses: readonly ProvisioningStatus[],
): Promise<Verification> {
  const denied = plan.flatMap((s) => (s.type === 'deny-permission-set' ? [s.permissionSetArn] : []));
  const [deny, assignments, memberships] = await Promise.all([
    statementChecks(deps, user.userId, denied, true),
    assignmentsOf(deps, 'USER', user.userId),
    membershipsOf(deps, user.userId),
  ]);
  const checks: Check[] = [
    ...deny,
    ...provisioned(statuses),
    {
      check: 'no direct account assignment',
      ok: !assignments.length,
      ...(assignments.length ? { detail: `${assignments.length} left` } : {}),
    },
    {
      check: 'no group membership',
      ok: !memberships.length,
      ...(memberships.length ? { detail: `${memberships.length} left` } : {}),
    },
  ];
  return { ok: checks.every((c) => c.ok), checks };
}

/** A restore holds when each re-created membership and assignment exists, and each lifted set no longer names the id. */
export async function verifyIdcRestore(
  deps: Reader,
  user: IdcUserRef,
  plan: readonly IdcStep[],
  results: readonly IdcStepResult[],
  statuses: readonly ProvisioningStatus[],
): Promise<Verification> {
  const [lifted, assignments, memberships] = await Promise.all([
    statementChecks(deps, user.userId, arnsOf(plan, results, 'lift-deny-permission-set'), false),
    assignmentsOf(deps, 'USER', user.userId),
    membershipsOf(deps, user.userId),
  ]);
  const back = plan.flatMap((s): Check[] => {
    if (s.type === 'create-group-membership' && s.state !== 'skip')
      return [
        { check: `member of group ${s.groupId}`, ok: memberships.some((m) => m.groupId === s.groupId) },
      ];
    if (s.type === 'create-account-assignment' && s.state !== 'skip') {
      const ok = assignments.some(
        (a) => a.accountId === s.accountId && a.permissionSetArn === s.permissionSetArn,
      );
      return [{ check: `assigned ${s.accountId} ${s.permissionSetArn}`, ok }];
    }
    return [];
  });
  const checks = [...back, ...lifted, ...provisioned(statuses)];
  return { ok: checks.every((c) => c.ok), checks };
}

/** A verification whose re-reads failed is not a thrown run: it fails, saying why (the writes are done). */
export async function reRead(verify: () => Promise<Verification>): Promise<Verification> {
  try {
    return await verify();
  } catch (err) {
    return {
      ok: false,
      checks: [{ check: 're-read Identity Center', ok: false, detail: describeError(err) }],
    };
  }
}
