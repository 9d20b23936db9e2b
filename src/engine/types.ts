/** Types shared by the revocation engine: principals, snapshots, plans, results, reports. */

export type Trigger = 'departure' | 'lockdown' | 'sweep' | 'restore';

/** A departure closes everything (login profile, MFA); a lockdown keeps them unless asked. */
export type RevocationMode = 'departure' | 'lockdown';

export type StepOutcome = 'done' | 'already' | 'planned' | 'skipped' | 'failed';
export type RunOutcome = 'revoked' | 'partial' | 'failed' | 'protected' | 'not-found' | 'planned';
export type Severity = 'info' | 'warning' | 'high';

export type PrincipalKind = 'user' | 'role';

/**
 * Who asked for an operator run. Through the IAM-authorized HTTP API routes, `arn` is the caller's ARN as API
 * Gateway verified it (SigV4); a direct Lambda invoke carries no verified identity, and says so.
 */
export type Caller =
  | { readonly verified: true; readonly via: 'http-api'; readonly arn: string }
  | { readonly verified: false; readonly via: 'direct-invoke' };
export interface PrincipalRef {
  readonly kind: PrincipalKind;
  readonly name: string;
  readonly arn: string;
}

export interface AccessKeyInfo {
  readonly accessKeyId: string;
  readonly status: 'Active' | 'Inactive' | 'Expired';
  readonly createDate?: string;
  /** ISO date of last use; null when never used; undefined when not read. */
  readonly lastUsedDate?: string | null;
  readonly lastUsedService?: string;
  readonly lastUsedRegion?: string;
}

export interface SsmSessionInfo {
  readonly sessionId: string;
  readonly region: string;
  readonly owner: string;
  /** Instance id (or other target) the session is connected to. */
  readonly target?: string;
  readonly status?: string;
  readonly startDate?: string;
}

/** Sessions found in one region, or the error that stopped the scan there. */
export interface RegionSessions {
  readonly region: string;
  readonly sessions: readonly SsmSessionInfo[];
  readonly error?: string;
}

/**
 * Which SSM session owners belong to the principal: the exact principal ARN, assumed-role sessions of a
 * role (`arn:aws:sts::<acct>:assumed-role/<role>/`), or a person's federated sessions (`.../<email>`).
 */
export interface SessionOwnerMatch {
  readonly exact?: readonly string[];
  readonly prefixes?: readonly string[];
  readonly suffixes?: readonly string[];
  /**
   * Owners containing `contains` and ending with `suffix` (an Identity Center user's sessions:
   * `:assumed-role/AWSReservedSSO_` and `/<userName>`).
   */
  readonly containsAndEndsWith?: readonly { readonly contains: string; readonly suffix: string }[];
}

export interface UserSnapshot {
  readonly kind: 'user';
  readonly takenAt: string;
  readonly userName: string;
  readonly userId: string;
  readonly arn: string;
  readonly path: string;
  readonly attachedPolicies: readonly { policyName: string; policyArn: string }[];
  readonly inlinePolicyNames: readonly string[];
  /** The user's groups (ListGroupsForUser): read when a deny group is configured, absent otherwise. */
  readonly groupNames?: readonly string[];
  readonly accessKeys: readonly AccessKeyInfo[];
  readonly loginProfile: { createDate?: string; passwordResetRequired?: boolean } | null;
  readonly mfaDevices: readonly { serialNumber: string; enableDate?: string }[];
  readonly sshPublicKeys: readonly { sshPublicKeyId: string; status: string; uploadDate?: string }[];
  readonly signingCertificates: readonly { certificateId: string; status: string; uploadDate?: string }[];
  readonly serviceCredentials: readonly {
    serviceSpecificCredentialId: string;
    serviceName: string;
    status: string;
  }[];
  readonly tags: Readonly<Record<string, string>>;
  readonly sessionOwners: SessionOwnerMatch;
  readonly sessions: readonly RegionSessions[];
  /** What could not be read (e.g. an API the account or emulator lacks), said plainly. */
  readonly notes: readonly string[];
}

export interface RoleSnapshot {
  readonly kind: 'role';
  readonly takenAt: string;
  readonly roleName: string;
  readonly roleId: string;
  readonly arn: string;
  readonly path: string;
  readonly inlinePolicyNames: readonly string[];
  readonly attachedPolicies: readonly { policyName: string; policyArn: string }[];
  readonly tags: Readonly<Record<string, string>>;
  readonly sessionOwners: SessionOwnerMatch;
  readonly sessions: readonly RegionSessions[];
  readonly notes: readonly string[];
}

export type Snapshot = UserSnapshot | RoleSnapshot;

/** One unit of work, typed by action. The planner decides whether it is still to do. */
export type StepSpec =
  | {
      readonly type: 'attach-deny';
      readonly policyArn: string;
      /** The deny group (`DENY_GROUP_NAME`) the user joins when the managed-policy quota is full. */
      readonly groupName?: string;
    }
  | { readonly type: 'put-role-session-deny'; readonly policyName: string; readonly issuedBefore: string }
  | { readonly type: 'deactivate-access-key'; readonly accessKeyId: string }
  | { readonly type: 'deactivate-ssh-key'; readonly sshPublicKeyId: string }
  | { readonly type: 'deactivate-signing-certificate'; readonly certificateId: string }
  | { readonly type: 'deactivate-service-credential'; readonly serviceSpecificCredentialId: string }
  | { readonly type: 'delete-login-profile' }
  | { readonly type: 'deactivate-mfa'; readonly serialNumber: string }
  | {
      readonly type: 'terminate-sessions';
      readonly region: string;
      readonly owners: SessionOwnerMatch;
      readonly sessionIds: readonly string[];
    }
  | { readonly type: 'tag-principal'; readonly tags: Readonly<Record<string, string>> };

export type StepType = StepSpec['type'];

/**
 * A planned step: `todo` is executed, `already` needs no write (the snapshot shows it done),
 * `skip` is deliberately not done (e.g. a lockdown keeps the login profile) with the reason.
 */
export type PlannedStep = StepSpec & {
  readonly id: string;
  readonly state: 'todo' | 'already' | 'skip';
  readonly reason?: string;
};

export interface StepResult {
  readonly id: string;
  readonly type: StepType;
  /** What the step acts on: a key id, a serial number, a region... */
  readonly subject: string;
  readonly outcome: StepOutcome;
  readonly detail?: string;
  readonly error?: string;
  readonly durationMs?: number;
}

export interface Verification {
  readonly ok: boolean;
  readonly checks: readonly { check: string; ok: boolean; detail?: string }[];
}

export interface PrincipalReport {
  readonly principal: PrincipalRef;
  readonly outcome: RunOutcome;
  readonly steps: readonly StepResult[];
  readonly verification?: Verification;
  /** SSM sessions found (and terminated unless dry run), with the instances they reached. */
  readonly sessions: readonly SsmSessionInfo[];
  readonly notes: readonly string[];
  /** The person tags found on the principal (owner of a key), for reports. */
  readonly owner?: Readonly<Record<string, string>>;
}

export interface RevocationReport {
  readonly kind: 'revocation';
  readonly runId: string;
  readonly trigger: Trigger;
  readonly mode: RevocationMode;
  /** The account acted in, when it is not the function's own. */
  readonly accountId?: string;
  /**
   * A person's run over several accounts: each target account's outcome (`unreachable` when its member role
   * could not be assumed, with the error); the principals of every account are in `principals`.
   */
  readonly accounts?: readonly {
    readonly accountId: string;
    readonly outcome: RunOutcome | 'unreachable';
    readonly error?: string;
  }[];
  readonly dryRun: boolean;
  readonly target: Readonly<Record<string, string>>;
  readonly reason: string;
  readonly requestedBy: string;
  /** Who asked, verified or not (lockdown and restore); absent for triggers that are not a person's call. */
  readonly caller?: Caller;
  readonly at: string;
  readonly finishedAt: string;
  readonly outcome: RunOutcome;
  readonly principals: readonly PrincipalReport[];
  readonly notes: readonly string[];
}

export interface RestoreReport {
  readonly kind: 'restore';
  readonly runId: string;
  readonly trigger: 'restore';
  /** The account acted in, when it is not the function's own. */
  readonly accountId?: string;
  readonly target: Readonly<Record<string, string>>;
  readonly reason: string;
  readonly requestedBy: string;
  /** Who asked, verified or not (lockdown and restore); absent for triggers that are not a person's call. */
  readonly caller?: Caller;
  readonly at: string;
  readonly finishedAt: string;
  readonly outcome: 'restored' | 'partial' | 'failed' | 'planned';
  readonly principal: PrincipalRef;
  /** The run this restore undid (one run: the one named, else the latest unrestored lockdown). */
  readonly undoes: readonly string[];
  /** The trigger and mode of the run undone: restoring a departure is reported at high severity. */
  readonly restored: { readonly trigger: Trigger; readonly mode: RevocationMode };
  /** What the run changed that stays in force, and why (another unrestored run holds it). */
  readonly keptInForce: readonly string[];
  readonly steps: readonly StepResult[];
  readonly verification?: Verification;
  /** What this project changed but cannot bring back (a deleted login profile, terminated sessions...). */
  readonly notRestored: readonly string[];
  readonly notes: readonly string[];
}
