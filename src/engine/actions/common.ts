import { isNoSuchEntity } from '../../errors';
import type { ActionOutcome } from './action';

/** Runs an IAM write; a `NoSuchEntity` means the thing is gone already, which is the goal of a revocation. */
export async function writeOrAlready(
  write: () => Promise<unknown>,
  goneDetail: string,
): Promise<ActionOutcome> {
  try {
    await write();
    return { outcome: 'done' };
  } catch (err) {
    if (isNoSuchEntity(err)) return { outcome: 'already', detail: goneDetail };
    throw err;
  }
}

/** Name of the inline deny used when the user's managed-policy quota is full. */
export const INLINE_DENY_POLICY_NAME = 'OffboardingDenyAll';
/** Name of the role's inline policy that denies sessions issued before the lockdown. */
export const ROLE_SESSION_DENY_POLICY_NAME = 'OffboardingRevokeOlderSessions';

export const DENY_ALL_DOCUMENT = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'OffboardingDenyAll', Effect: 'Deny', Action: '*', Resource: '*' }],
});

/** AWS's "revoke active sessions" pattern: deny everything signed by a token issued before `issuedBefore`. */
export function revokeOlderSessionsDocument(issuedBefore: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OffboardingRevokeOlderSessions',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { DateLessThan: { 'aws:TokenIssueTime': issuedBefore } },
      },
    ],
  });
}

/** AWS attaches these to users whose keys were exposed; the project never detaches them. */
export function isQuarantinePolicy(policyArn: string): boolean {
  return /:policy\/AWSCompromisedKeyQuarantine(V\d+)?$/.test(policyArn);
}
