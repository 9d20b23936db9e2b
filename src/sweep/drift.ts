import type { Config } from '../config';
import { INLINE_DENY_POLICY_NAME } from '../engine/actions/common';
import { runRevocation } from '../engine/revoke';
import { describeError } from '../errors';
import type { CredentialReport } from './credential-report';
import { REQUESTED_BY } from './enforce';
import { type InventoryUser, ownerOf } from './inventory';
import { userProtectionReason } from './protection';
import type { DriftEntry, SweepDeps } from './types';

/** Tag the engine sets on a revoked principal (`tag-principal`); restore sets it to `restored`. */
export const STATE_TAG = 'offboarding:state';
const TRIGGER_TAG = 'offboarding:trigger';

export const isRevoked = (u: InventoryUser) => u.tags[STATE_TAG] === 'revoked';

function hasDeny(user: InventoryUser, denyPolicyArn: string): boolean {
  return (
    user.attachedPolicyArns.includes(denyPolicyArn) ||
    user.inlinePolicyNames.includes(INLINE_DENY_POLICY_NAME)
  );
}

/**
 * Users tagged `offboarding:state=revoked` who are not revoked any more, from what discovery already read
 * (no call): an Active key in the credential report, or the deny (`DENY_POLICY_ARN`, or the inline fallback)
 * missing from the authorization details. Pure. Entries come back `protected` or, until acted on, `failed`.
 */
export function findDrift(
  inventory: ReadonlyMap<string, InventoryUser>,
  report: CredentialReport,
  config: Pick<
    Config,
    'denyPolicyArn' | 'personTagKeys' | 'protectedPrincipals' | 'protectedTagKey' | 'projectRolePrefix'
  >,
): { entries: DriftEntry[]; notes: string[] } {
  const byName = new Map(report.users.map((u) => [u.userName, u]));
  const entries: DriftEntry[] = [];
  const notes: string[] = [];
  for (const user of inventory.values()) {
    if (!isRevoked(user)) continue;
    const r = byName.get(user.userName);
    const findings: string[] = [];
    const active = r ? r.keys.filter((k) => k.active).length : 0;
    if (active) findings.push(`${active} Active access key${active > 1 ? 's' : ''}`);
    if (!hasDeny(user, config.denyPolicyArn))
      findings.push(`deny policy ${config.denyPolicyArn} not attached`);
    if (!r)
      notes.push(
        `${user.userName} is tagged revoked but not in the credential report: keys not checked this run`,
      );
    if (!findings.length) continue;
    const protectedBy = userProtectionReason(user, config);
    entries.push({
      user: user.userName,
      arn: user.arn,
      owner: ownerOf(user.tags, config.personTagKeys),
      findings,
      action: protectedBy ? 'protected' : 'failed',
      ...(protectedBy ? { detail: `protected: ${protectedBy}` } : {}),
    });
  }
  return { entries, notes };
}

/**
 * Re-revokes a drifted user through the engine (trigger `sweep`), in the mode of the revocation that was
 * undone (`offboarding:trigger`; lockdown when unknown). The engine snapshots, re-attaches the deny,
 * deactivates every key, verifies, and sends its own report: the alert.
 */
export async function reRevoke(
  d: DriftEntry,
  inventory: ReadonlyMap<string, InventoryUser>,
  deps: SweepDeps,
): Promise<DriftEntry> {
  try {
    const r = await runRevocation(
      {
        trigger: 'sweep',
        mode: inventory.get(d.user)?.tags[TRIGGER_TAG] === 'departure' ? 'departure' : 'lockdown',
        target: { userName: d.user },
        reason: `key sweep drift: ${d.findings.join('; ')}`,
        requestedBy: REQUESTED_BY,
      },
      deps,
    );
    return { ...d, action: 're-revoked', outcome: r.outcome, runId: r.runId };
  } catch (err) {
    return { ...d, action: 'failed', detail: describeError(err) };
  }
}
