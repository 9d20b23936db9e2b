/** The deny: what it is called, what it says, its forms, and the one check of whether it is in place. */

/**
 * Name of the inline deny-all earlier versions put when a user's managed-policy quota was full. No longer
 * written (the deny group replaced it), still read as a deny in place and removed by restore.
 */
export const INLINE_DENY_POLICY_NAME = 'OffboardingDenyAll';
/** Name of the role's inline policy that denies sessions issued before the lockdown. */
export const ROLE_SESSION_DENY_POLICY_NAME = 'OffboardingRevokeOlderSessions';

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

/** The deny a user gets: the managed policy, or membership of the deny group when the policy quota is full. */
export interface DenyTarget {
  /** `DENY_POLICY_ARN`. */
  readonly policyArn: string;
  /** `DENY_GROUP_NAME` (the group has the deny policy attached); absent when there is no group fallback. */
  readonly groupName?: string;
}

/** What of a user tells whether the deny is in place. */
export interface DenyHolder {
  readonly attachedPolicyArns: readonly string[];
  /** Inline policy names (the legacy `OffboardingDenyAll`); absent when not read. */
  readonly inlinePolicyNames?: readonly string[];
  /** Names of the user's groups; absent when not read. */
  readonly groupNames?: readonly string[];
}

/** The deny of a configuration. */
export function denyTargetOf(config: {
  readonly denyPolicyArn: string;
  readonly denyGroupName?: string | undefined;
}): DenyTarget {
  return {
    policyArn: config.denyPolicyArn,
    ...(config.denyGroupName ? { groupName: config.denyGroupName } : {}),
  };
}

/** How the deny is in place on a user, or `undefined` when it is not. */
export function denyForm(user: DenyHolder, deny: DenyTarget): 'policy' | 'group' | 'inline' | undefined {
  if (user.attachedPolicyArns.includes(deny.policyArn)) return 'policy';
  if (deny.groupName && (user.groupNames ?? []).includes(deny.groupName)) return 'group';
  if ((user.inlinePolicyNames ?? []).includes(INLINE_DENY_POLICY_NAME)) return 'inline';
  return undefined;
}

/**
 * True when a user's deny is in place: the deny policy attached, membership of the deny group (which has the
 * deny policy attached), or the inline `OffboardingDenyAll` an earlier version put. The planner, verification,
 * restore's verification and the sweep's drift check all ask this one function.
 * @example
 * denyInPlace({ attachedPolicyArns: [], groupNames: ['offboarding-prod-denied'] },
 *   { policyArn: 'arn:aws:iam::aws:policy/AWSDenyAll', groupName: 'offboarding-prod-denied' }); // true
 */
export function denyInPlace(user: DenyHolder, deny: DenyTarget): boolean {
  return denyForm(user, deny) !== undefined;
}

/** A user snapshot as {@link denyInPlace} reads it. */
export function denyHolderOf(snapshot: {
  readonly attachedPolicies: readonly { readonly policyArn: string }[];
  readonly inlinePolicyNames: readonly string[];
  readonly groupNames?: readonly string[];
}): DenyHolder {
  return {
    attachedPolicyArns: snapshot.attachedPolicies.map((p) => p.policyArn),
    inlinePolicyNames: snapshot.inlinePolicyNames,
    ...(snapshot.groupNames ? { groupNames: snapshot.groupNames } : {}),
  };
}

/** AWS attaches these to users whose keys were exposed; the project never detaches them. */
export function isQuarantinePolicy(policyArn: string): boolean {
  return /:policy\/AWSCompromisedKeyQuarantine(V\d+)?$/.test(policyArn);
}
