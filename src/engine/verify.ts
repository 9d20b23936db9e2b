import { GetRolePolicyCommand, paginateListAccessKeys } from '@aws-sdk/client-iam';
import type { Clients } from '../clients';
import { describeError, isNoSuchEntity } from '../errors';
import { collectPages } from '../util/paging';
import { type DenyTarget, denyForm, denyHolderOf, denyTargetOf, INLINE_DENY_POLICY_NAME } from './deny';
import { readUserSnapshot } from './snapshot';
import type { PlannedStep, StepResult, UserSnapshot, Verification } from './types';

/** IAM actions verification reads beyond the snapshot's (a role's session deny). */
export const VERIFY_PERMISSIONS = ['iam:GetRolePolicy'] as const;
/** IAM actions of verifying a key deactivation. */
export const VERIFY_KEYS_PERMISSIONS = ['iam:ListAccessKeys'] as const;

type Check = Verification['checks'][number];

function sessionChecks(plan: readonly PlannedStep[], results: readonly StepResult[]): Check[] {
  return plan
    .filter((s) => s.type === 'terminate-sessions')
    .map((s) => {
      const r = results.find((x) => x.id === s.id);
      const ok = r?.outcome === 'done' || r?.outcome === 'already';
      return {
        check: `no active SSM sessions in ${s.type === 'terminate-sessions' ? s.region : ''}`,
        ok,
        ...(ok ? {} : { detail: r?.error ?? 'not confirmed' }),
      };
    });
}

function done(check: string, ok: boolean, detail?: string): Check {
  return { check, ok, ...(detail && !ok ? { detail } : {}) };
}

/** The deny check of a re-read user: in place as the policy, the deny group or an earlier inline deny. */
function denyCheck(after: UserSnapshot, deny: DenyTarget): Check {
  const form = denyForm(denyHolderOf(after), deny);
  const named = {
    policy: 'deny policy attached',
    group: `deny in place: member of the deny group ${deny.groupName}`,
    inline: `deny in place: the inline ${INLINE_DENY_POLICY_NAME} of an earlier version`,
  };
  if (form) return done(named[form], true);
  const where = deny.groupName ? `, nor member of the deny group ${deny.groupName}` : '';
  return done('deny policy attached', false, `${deny.policyArn} not attached${where}`);
}

/**
 * Re-reads the user after the revocation and checks each post-condition: the deny in place (the policy, or
 * membership of the deny group `denyGroupName` when one is configured), no credential Active, the console
 * closed where planned, sessions confirmed gone (each session step re-describes).
 */
export async function verifyUser(
  iam: Clients['iam'],
  userName: string,
  plan: readonly PlannedStep[],
  results: readonly StepResult[],
  denyPolicyArn: string,
  now: Date,
  denyGroupName?: string,
): Promise<Verification> {
  const deny = denyTargetOf({ denyPolicyArn, denyGroupName });
  let after: UserSnapshot;
  try {
    after = await readUserSnapshot(iam, userName, now, { readGroups: !!deny.groupName });
  } catch (err) {
    return { ok: false, checks: [{ check: 're-read the user', ok: false, detail: describeError(err) }] };
  }
  const active = <T extends { status: string }>(xs: readonly T[]) => xs.filter((x) => x.status === 'Active');
  const checks: Check[] = [
    denyCheck(after, deny),
    done(
      'no active access keys',
      active(after.accessKeys).length === 0,
      active(after.accessKeys)
        .map((k) => k.accessKeyId)
        .join(', '),
    ),
  ];
  if (after.sshPublicKeys.length)
    checks.push(done('no active SSH public keys', active(after.sshPublicKeys).length === 0));
  if (after.signingCertificates.length) {
    checks.push(done('no active signing certificates', active(after.signingCertificates).length === 0));
  }
  if (after.serviceCredentials.length) {
    checks.push(
      done('no active service-specific credentials', active(after.serviceCredentials).length === 0),
    );
  }
  if (plan.some((s) => s.type === 'delete-login-profile' && s.state !== 'skip')) {
    checks.push(done('no console login profile', after.loginProfile === null));
  }
  const mfaPlanned = plan.filter((s) => s.type === 'deactivate-mfa' && s.state !== 'skip');
  if (mfaPlanned.length) checks.push(done('no MFA devices', after.mfaDevices.length === 0));
  checks.push(...sessionChecks(plan, results));
  return { ok: checks.every((c) => c.ok), checks };
}

/** Re-reads the role's session deny and checks its `aws:TokenIssueTime` is the run's `now`. */
export async function verifyRole(
  iam: Clients['iam'],
  roleName: string,
  plan: readonly PlannedStep[],
  results: readonly StepResult[],
): Promise<Verification> {
  const deny = plan.find((s) => s.type === 'put-role-session-deny');
  const checks: Check[] = [];
  if (deny && deny.type === 'put-role-session-deny') {
    try {
      const r = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: deny.policyName }));
      const doc = decodeURIComponent(r.PolicyDocument ?? '');
      checks.push(
        done(`session deny for tokens issued before ${deny.issuedBefore}`, doc.includes(deny.issuedBefore)),
      );
    } catch (err) {
      checks.push(
        done('session deny in place', false, isNoSuchEntity(err) ? 'policy missing' : describeError(err)),
      );
    }
  }
  checks.push(...sessionChecks(plan, results));
  return { ok: checks.every((c) => c.ok), checks };
}

/**
 * Re-reads a user's access keys (one ListAccessKeys) and checks each key the run deactivated is Inactive, or
 * gone. The verification of a key deactivation (the sweep's), like any other run's.
 */
export async function verifyKeys(
  iam: Clients['iam'],
  userName: string,
  keyIds: readonly string[],
): Promise<Verification> {
  try {
    const keys = await collectPages(
      paginateListAccessKeys({ client: iam }, { UserName: userName }),
      (p) => p.AccessKeyMetadata,
    );
    const checks = keyIds.map((id) => {
      const status = keys.find((k) => k.AccessKeyId === id)?.Status;
      return done(`access key ${id} not Active`, status !== 'Active', `still ${status}`);
    });
    return { ok: checks.every((c) => c.ok), checks };
  } catch (err) {
    return {
      ok: false,
      checks: [{ check: 're-read the access keys', ok: false, detail: describeError(err) }],
    };
  }
}
