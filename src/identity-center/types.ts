import type { IdentitystoreClient } from '@aws-sdk/client-identitystore';
import type { SSOAdminClient } from '@aws-sdk/client-sso-admin';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Caller, RevocationMode, RunOutcome, Trigger, Verification } from '../engine';
import type { IdcStepResult, IdcUserRef } from './schema';

/**
 * What the Identity Center area needs, given by its caller: the clients (built in one place, src/clients.ts),
 * the settings (src/config.ts), the run's clock. Nothing here reads the environment.
 */
export interface IdcDeps {
  readonly identitystore: IdentitystoreClient;
  readonly ssoAdmin: SSOAdminClient;
  /** The state table's document client (`pk`/`sk` strings, TTL `expiresAt`). */
  readonly ddb: DynamoDBDocumentClient;
  /** `STATE_TABLE`. */
  readonly stateTable: string;
  /** `IDENTITY_STORE_ID` (`d-...`). */
  readonly identityStoreId: string;
  /** `SSO_INSTANCE_ARN` (`arn:aws:sso:::instance/ssoins-...`). */
  readonly instanceArn: string;
  /** `PROTECTED_PRINCIPALS`: names and globs; an Identity Center user whose userName matches is never touched. */
  readonly protectedPrincipals: readonly string[];
  /** `DRY_RUN`: plan only (a request's own `dryRun` also counts). */
  readonly dryRun: boolean;
  /** `MAX_CONCURRENCY`: parallel writes within one phase (default 4). */
  readonly maxConcurrency?: number;
  /** The run's clock, read once by the caller. */
  readonly now: Date;
  /** Waits, bounds and limits; tests shorten them. */
  readonly timing?: Partial<IdcTiming>;
}

/** Bounds of every wait, and the limits; each has a default (`timingOf`). */
export interface IdcTiming {
  /** How to wait (tests pass an instant one). */
  readonly sleep: (ms: number) => Promise<void>;
  /** Milliseconds since the epoch, for the lock's expiry (a lock outlives the run's `now`). */
  readonly clock: () => number;
  /** Between two polls of a provisioning or assignment status (default 2 s). */
  readonly pollMs: number;
  /** Polls before an IN_PROGRESS status is reported as still in progress (default 15: about 30 s). */
  readonly maxPolls: number;
  /** A permission set lock left by a crashed run expires after this (default 60 s). */
  readonly lockTtlMs: number;
  /** Attempts at taking a busy lock (default 40), waiting `lockRetryMs` doubled up to 2 s, with jitter. */
  readonly lockAttempts: number;
  readonly lockRetryMs: number;
  /** How long a revoked id stays in the statement at least (default 12 h + 1 h). */
  readonly keepRevokedMs: number;
  /** The inline policy's length limit (default 32,768). */
  readonly policyMaxChars: number;
}

/** How an Identity Center user is named: a person (departure), or the operator's `identityCenterUser`. */
export type IdcTarget =
  | { readonly email?: string; readonly userName?: string; readonly employeeId?: string }
  | { readonly identityCenterUser: string };

/** The status of one ProvisionPermissionSet (to ALL_PROVISIONED_ACCOUNTS), after the bounded wait. */
export interface ProvisioningStatus {
  readonly permissionSetArn: string;
  readonly status: 'SUCCEEDED' | 'FAILED' | 'IN_PROGRESS';
  readonly requestId?: string;
  readonly failureReason?: string;
}

/** The SSM session owners of an Identity Center user: `arn:...:sts::<acct>:assumed-role/AWSReservedSSO_*\/<userName>`. */
export interface IdcSessionOwner {
  /** Occurs in every such owner ARN: `:assumed-role/AWSReservedSSO_`. */
  readonly contains: string;
  /** Ends every such owner ARN: `/<userName>` (Identity Center names the role session after the user). */
  readonly suffix: string;
}

/** One Identity Center revocation: a departure's or a lockdown's, reported like the engine's principals. */
export interface IdcRevocationReport {
  readonly kind: 'identity-center-revocation';
  readonly runId: string;
  readonly trigger: Trigger;
  readonly mode: RevocationMode;
  readonly dryRun: boolean;
  readonly target: Readonly<Record<string, string>>;
  readonly reason: string;
  readonly requestedBy: string;
  readonly caller?: Caller;
  readonly at: string;
  readonly finishedAt: string;
  readonly outcome: RunOutcome;
  readonly user?: IdcUserRef & { readonly identityStoreId: string };
  readonly steps: readonly IdcStepResult[];
  readonly provisioning: readonly ProvisioningStatus[];
  readonly verification?: Verification;
  /** Whose SSM sessions the engine terminates in every target account and session region. */
  readonly sessionOwner?: IdcSessionOwner;
  /** What no API can do: the operator must do it (empty when nothing was revoked). */
  readonly manualSteps: readonly string[];
  readonly notes: readonly string[];
}

/** One Identity Center restore: the undo of one revocation run. */
export interface IdcRestoreReport {
  readonly kind: 'identity-center-restore';
  readonly runId: string;
  readonly dryRun: boolean;
  readonly target: Readonly<Record<string, string>>;
  readonly reason: string;
  readonly requestedBy: string;
  readonly caller?: Caller;
  readonly at: string;
  readonly finishedAt: string;
  readonly outcome: 'restored' | 'partial' | 'failed' | 'planned';
  readonly user: IdcUserRef & { readonly identityStoreId: string };
  readonly undoes: readonly string[];
  readonly restored: { readonly trigger: Trigger; readonly mode: RevocationMode };
  /** What the run changed that stays in force, and why (another unrestored run holds it). */
  readonly keptInForce: readonly string[];
  readonly steps: readonly IdcStepResult[];
  readonly provisioning: readonly ProvisioningStatus[];
  readonly verification?: Verification;
  readonly notRestored: readonly string[];
  readonly notes: readonly string[];
}
