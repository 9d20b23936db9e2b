import type { Coverage } from '../../src/accounts/coverage';
import type { RestoreReport, RevocationReport, RunOutcome, StepResult } from '../../src/engine/types';
import type { IdcStepResult } from '../../src/identity-center';
import type { SweepSummary } from '../../src/sweep/types';
import type { KeyProbe, UserState } from './aws';
import type { ProvisioningExchange } from './provisioning';
import type { StartSessionProbe } from './start-session';
import type { TimeFlow } from './time';

/** The demo's result: what `--json` prints, and what the narration is rendered from. */

/** One claim the demo set out to prove, and what it saw. */
export interface Proof {
  readonly claim: string;
  readonly ok: boolean;
  readonly evidence: string;
}

export interface ProbeAt {
  /** The account the key's user is in. */
  readonly accountId: string;
  readonly when: string;
  readonly userName: string;
  readonly accessKeyId: string;
  readonly probe: KeyProbe;
}

export interface SeedSummary {
  readonly endpoint: string;
  readonly region: string;
  readonly stack: {
    readonly notifyTopicArn: string;
    readonly inboxQueueUrl: string;
    readonly stateTable: string;
    readonly departureQueueUrl: string;
    readonly departureDlqUrl: string;
    readonly accountQueueUrl: string;
    readonly accountDlqUrl: string;
    readonly webhookSecretParameters: readonly string[];
  };
  /** The company's accounts: the stack's own, and the member account reached through its role. */
  readonly accounts: readonly { readonly accountId: string; readonly reachedAs: string }[];
  readonly users: readonly {
    readonly accountId: string;
    readonly userName: string;
    readonly who: string;
    readonly keys: readonly string[];
    readonly extras: readonly string[];
  }[];
  readonly role: string;
  readonly identityCenter: IdentityCenterSeed;
  readonly sessions: readonly { sessionId: string; owner: string; target: string }[];
  readonly settings: Readonly<Record<string, string>>;
  /** Why a setting differs from its default. */
  readonly settingNotes: readonly string[];
  readonly simulated: readonly string[];
  /** What the emulator lacks and is not simulated either. */
  readonly gaps: readonly string[];
}

/** A permission set of the demo's Identity Center instance and the one assignment that reaches Jane with it. */
export interface IdcSetSeed {
  readonly name: string;
  readonly arn: string;
  /** The account it is assigned in. */
  readonly accountId: string;
  /** `direct` (assigned to her user) or `group <name>` (assigned to a group she is a member of). */
  readonly via: string;
  /** Its inline policy before the departure (empty: none). */
  readonly inlinePolicy: string;
}

/** The Identity Center instance as seeded (in the stack's own account: the organization's instance). */
export interface IdentityCenterSeed {
  readonly instanceArn: string;
  readonly identityStoreId: string;
  readonly users: readonly { readonly userName: string; readonly userId: string; readonly who: string }[];
  readonly group: { readonly name: string; readonly groupId: string; readonly members: readonly string[] };
  readonly permissionSets: readonly IdcSetSeed[];
}

/** What an Identity Center user can use, read back from moto (assignments as `<account> <permission set>`). */
export interface IdcAccess {
  /** Her direct account assignments. */
  readonly direct: readonly string[];
  /** The groups she is a member of (names). */
  readonly groups: readonly string[];
  /** The seeded group's own assignments and members (userNames), whoever is in it. */
  readonly groupAssignments: readonly string[];
  readonly groupMembers: readonly string[];
}

/** A permission set after the departure, read back from moto. */
export interface IdcSetAfter {
  readonly name: string;
  readonly arn: string;
  readonly inlinePolicy: string;
  /** The ids of the `OffboardingRevokedUsers` statement (Deny `*` on `*`, `StringEquals identitystore:userId`). */
  readonly revokedIds: readonly string[];
  /** Its inline policy before still in it byte for byte (true when it had none). */
  readonly keptBefore: boolean;
}

/** The departure's Identity Center share: done by the revocation worker beside the fan-out, once. */
export interface DepartureIdentityCenter {
  readonly user: { readonly userName: string; readonly userId: string };
  readonly before: IdcAccess;
  readonly after: IdcAccess;
  readonly permissionSets: readonly IdcSetAfter[];
  /** The run's Identity Center record in the state table (`principal#idc-user#<userId>`). */
  readonly record: { readonly outcome: string | undefined; readonly steps: readonly IdcStepResult[] };
  /** The provisionings the handler requested, as the simulated status answered them. */
  readonly provisioning: readonly ProvisioningExchange[];
  /** The `identity-center` entry of the completion notification the subscriber received. */
  readonly completion:
    | {
        readonly outcome: string;
        readonly principals: readonly { readonly name: string; readonly arn: string }[];
        readonly notes: readonly string[];
      }
    | undefined;
}

/** One account's share of the departure, as the state table and that account's IAM show it afterwards. */
export interface DepartureAccount {
  readonly accountId: string;
  /** The stack's own account (its own credentials) rather than one reached through the member role. */
  readonly home: boolean;
  /** How the account worker reached it: `own credentials` or `assumed-role/<member role>/<session name>`. */
  readonly reachedAs: string;
  /** Jane's users seeded there. */
  readonly users: readonly string[];
  /** What the account reported in the run's coverage (undefined: it never reported). */
  readonly outcome: Coverage['accounts'][number]['outcome'] | undefined;
  /** The run's revocation record of each of her users there (undefined when none was written). */
  readonly records: readonly {
    readonly userName: string;
    readonly arn: string | undefined;
    readonly outcome: RunOutcome | undefined;
    readonly steps: readonly StepResult[];
  }[];
  /** Her users there, read in that account afterwards (the member account through its role). */
  readonly state: readonly UserState[];
}

export interface DepartureFlow {
  readonly person: {
    name: string;
    employeeId: string;
    email: string;
    /** Her users per account. */
    users: Readonly<Record<string, readonly string[]>>;
  };
  /** The departure id: the run id in every account. */
  readonly runId: string;
  readonly probes: readonly ProbeAt[];
  readonly forged: { readonly status: number; readonly body: string };
  readonly webhook: {
    readonly url: string;
    readonly webhookId: string;
    readonly status: number;
    readonly body: string;
    readonly ms: number;
  };
  /** The departure queue handed to the revocation worker. */
  readonly delivery: {
    readonly received: number;
    readonly departureIds: readonly string[];
    readonly batchItemFailures: readonly string[];
    readonly ms: number;
  };
  /** The account queue handed to the account worker: the work items the fan-out queued. */
  readonly fanOut: {
    readonly targets: readonly string[];
    readonly received: number;
    readonly items: readonly { readonly id: string; readonly kind: string; readonly accountId: string }[];
    readonly batchItemFailures: readonly string[];
    readonly ms: number;
    /** Messages left afterwards (visible or in flight) on the account queue and on its DLQ. */
    readonly leftOnQueue: number;
    readonly leftOnDlq: number;
  };
  readonly accounts: readonly DepartureAccount[];
  readonly identityCenter: DepartureIdentityCenter;
  /** The departure notifications the subscriber received: the one completion notification, if all went well. */
  readonly completion: {
    readonly count: number;
    readonly subject: string | undefined;
    readonly coverage: (Coverage & { readonly kind: string }) | undefined;
  };
  readonly sessionsAfter: readonly { sessionId: string; owner: string; target: string; status: string }[];
  /**
   * `ssm:StartSession` on the bastion signed with her key (jane.doe, the stack's account), before and after:
   * moto authorizes before it answers, so an allowed request gets "not implemented" (no Session Manager) and
   * a denied one `AccessDenied` (tools/demo/start-session.ts).
   */
  readonly startSession: {
    readonly target: string;
    readonly before: StartSessionProbe;
    readonly after: StartSessionProbe;
  };
  readonly proofs: readonly Proof[];
}

export interface SweepFlow {
  /** The account swept: the stack's own (its share of a sweep over `targets`). */
  readonly accountId: string;
  /** The accounts the scheduled handler would fan the sweep out to (`TARGET_ACCOUNTS`). */
  readonly targets: readonly string[];
  /** How far ahead of the real time the sweep's clock ran, in days (one decimal). */
  readonly offsetDays: number;
  readonly clock: string;
  readonly report: SweepSummary;
  readonly enforce: SweepSummary;
  /** Key statuses after report mode, and after enforce mode. */
  readonly afterReport: readonly UserState[];
  readonly afterEnforce: readonly UserState[];
  readonly expectedDeactivated: readonly string[];
  readonly expectedWarned: readonly string[];
  readonly deactivated: readonly string[];
  readonly warned: readonly string[];
  readonly proofs: readonly Proof[];
}

export interface IncidentFlow {
  readonly accessKeyId: string;
  readonly userName: string;
  readonly probes: readonly ProbeAt[];
  readonly lockdown: RevocationReport;
  readonly restore: RestoreReport;
  readonly afterLockdown: UserState;
  readonly afterRestore: UserState;
  readonly proofs: readonly Proof[];
}

export interface ReceivedNotificationView {
  readonly subject: string;
  readonly trigger: string;
  readonly outcome: string;
  readonly severity: string;
  readonly runId: string;
  readonly kind: string;
}

export interface NotificationsFlow {
  readonly received: readonly ReceivedNotificationView[];
  readonly proofs: readonly Proof[];
}

export interface DemoResult {
  readonly ok: boolean;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly seed: SeedSummary;
  readonly flows: {
    readonly departure?: DepartureFlow;
    readonly sweep?: SweepFlow;
    readonly incident?: IncidentFlow;
    readonly notifications?: NotificationsFlow;
    /** Flow 5: a departure scheduled ahead, fired, and its CloudTrail follow-up (tools/demo/time.ts). */
    readonly time?: TimeFlow;
  };
  /** Every proof of every flow, in order. */
  readonly proofs: readonly Proof[];
  readonly error?: string;
}
