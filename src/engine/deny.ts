/** The deny: what it is called, what it says, and the one check of whether it is in place. */

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

/**
 * True when a user's deny is in place: the managed deny policy attached, or the inline fallback put. The
 * planner, verification, restore's verification and the sweep's drift check all ask this one function.
 * @example
 * denyInPlace(['arn:aws:iam::aws:policy/AWSDenyAll'], [], 'arn:aws:iam::aws:policy/AWSDenyAll'); // true
 */
export function denyInPlace(
  attachedPolicyArns: readonly string[],
  inlinePolicyNames: readonly string[],
  denyPolicyArn: string,
): boolean {
  return attachedPolicyArns.includes(denyPolicyArn) || inlinePolicyNames.includes(INLINE_DENY_POLICY_NAME);
}

/** AWS attaches these to users whose keys were exposed; the project never detaches them. */
export function isQuarantinePolicy(policyArn: string): boolean {
  return /:policy\/AWSCompromisedKeyQuarantine(V\d+)?$/.test(policyArn);
}
