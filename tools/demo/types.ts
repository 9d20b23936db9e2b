import type { RestoreReport, RevocationReport } from '../../src/engine/types';
import type { SweepSummary } from '../../src/sweep/types';
import type { KeyProbe, UserState } from './aws';

/** The demo's result: what `--json` prints, and what the narration is rendered from. */

/** One claim the demo set out to prove, and what it saw. */
export interface Proof {
  readonly claim: string;
  readonly ok: boolean;
  readonly evidence: string;
}

export interface ProbeAt {
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
    readonly webhookSecretParameters: readonly string[];
  };
  readonly users: readonly {
    readonly userName: string;
    readonly who: string;
    readonly keys: readonly string[];
    readonly extras: readonly string[];
  }[];
  readonly role: string;
  readonly sessions: readonly { sessionId: string; owner: string; target: string }[];
  readonly settings: Readonly<Record<string, string>>;
  /** Why a setting differs from its default. */
  readonly settingNotes: readonly string[];
  readonly simulated: readonly string[];
  /** What the emulator lacks and is not simulated either. */
  readonly gaps: readonly string[];
}

export interface DepartureFlow {
  readonly person: { name: string; employeeId: string; email: string; users: readonly string[] };
  readonly probes: readonly ProbeAt[];
  readonly forged: { readonly status: number; readonly body: string };
  readonly webhook: {
    readonly url: string;
    readonly webhookId: string;
    readonly status: number;
    readonly body: string;
    readonly ms: number;
  };
  readonly delivery: {
    readonly received: number;
    readonly departureIds: readonly string[];
    readonly batchItemFailures: readonly string[];
    readonly ms: number;
  };
  readonly report: RevocationReport | undefined;
  readonly sessionsAfter: readonly { sessionId: string; owner: string; target: string; status: string }[];
  readonly state: readonly UserState[];
  readonly proofs: readonly Proof[];
}

export interface SweepFlow {
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
  };
  /** Every proof of every flow, in order. */
  readonly proofs: readonly Proof[];
  readonly error?: string;
}
