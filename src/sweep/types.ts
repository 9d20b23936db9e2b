import type { Clients } from '../clients';
import type { EngineDeps, RevocationMode, RunOutcome, Severity } from '../engine';
import type { BreakerVerdict, DriftBreakerVerdict } from './breaker';
import type { KeyClass, Thresholds } from './classify';
import type { SweepMode } from './input';

/** The sweep needs what the engine needs (it writes through it), and SNS for its reports. */
export type SweepDeps = Omit<EngineDeps, 'clients'> & {
  /** `scheduler`: the CloudTrail follow-ups of a drift re-revocation (none without it, with a note). */
  readonly clients: Pick<Clients, 'iam' | 'ssm' | 'ddb' | 'sns'> & Partial<Pick<Clients, 'scheduler'>>;
};

/**
 * The run's outcome: `reported` (report mode), `planned` (enforce under dry run), `enforced` (every action
 * succeeded, or there was none), `partial` / `failed` (some / all actions failed), `halted` (the key breaker
 * or the drift breaker tripped: nothing was deactivated and no drifted user re-revoked).
 */
export type SweepOutcome = 'reported' | 'planned' | 'enforced' | 'partial' | 'failed' | 'halted';

/**
 * What the sweep did to a key: `deactivated`; `already` (inactive or gone when written); `planned` (dry run);
 * `reported` (report mode: enforce would deactivate it); `warned` (due); `failed`; `halted` (the run halted).
 */
export type KeyAction = 'deactivated' | 'already' | 'planned' | 'reported' | 'warned' | 'failed' | 'halted';

/** A key the sweep acted on, would act on, or warns about. */
export interface SweptKey {
  readonly user: string;
  /**
   * The exact key id, from the re-read. Absent when the key is known only from the credential report (which
   * names no key id): report mode, a user with only a warning, a halted run, a failed read.
   */
  readonly accessKeyId?: string;
  /** The credential report's slot (`access_key_1` / `access_key_2`), when the key is known from the report. */
  readonly slot?: 1 | 2;
  /** ISO creation date: with the user, it names the key when the id is absent. */
  readonly createdAt?: string;
  readonly class: KeyClass;
  readonly ageDays?: number;
  /** ISO date of last use, `never`, or `unknown`. */
  readonly lastUsed: string;
  /** The person tags (`PERSON_TAG_KEYS`) of the user: whom to tell. */
  readonly owner: Readonly<Record<string, string>>;
  readonly action: KeyAction;
  readonly reason: string;
  readonly detail?: string;
}

/** An exemption tag the sweep found, valid or not. */
export interface ExemptionEntry {
  readonly user: string;
  readonly status: 'active' | 'expired' | 'invalid';
  readonly until?: string;
  readonly reason?: string;
  readonly problem?: string;
}

/** A user of the revoked-users index who no longer is revoked: an Active key, or the deny gone. */
export interface DriftEntry {
  readonly user: string;
  readonly arn: string;
  readonly owner: Readonly<Record<string, string>>;
  readonly findings: readonly string[];
  /** The mode of the revocation that drifted (the index entry's): the re-revocation uses it. */
  readonly mode?: RevocationMode;
  /** `re-revoked` through the engine, or why not (`halted`: the key breaker or the drift breaker tripped). */
  readonly action: 're-revoked' | 'planned' | 'reported' | 'halted' | 'protected' | 'failed';
  /** The engine's outcome and run id when re-revoked. */
  readonly outcome?: RunOutcome;
  readonly runId?: string;
  readonly detail?: string;
}

export interface SweepSummary {
  readonly kind: 'sweep';
  readonly runId: string;
  readonly trigger: 'sweep';
  /** The account swept, when it is not the function's own (an organization sweep's share). */
  readonly accountId?: string;
  readonly mode: SweepMode;
  readonly dryRun: boolean;
  readonly at: string;
  readonly finishedAt: string;
  readonly outcome: SweepOutcome;
  readonly severity: Severity;
  readonly thresholds: Thresholds;
  readonly credentialReport: {
    readonly generatedAt?: string;
    /** Hours between the report's generation and the run's clock. */
    readonly ageHours?: number;
  };
  /**
   * Keys per class (users of the revoked-users index are checked under `drift`, not here). `protected` and
   * `exempt` count only candidates' keys: tags are read for candidates only.
   */
  readonly counts: Readonly<Record<KeyClass, number>>;
  /** Active access keys in the credential report (the breaker's denominator). */
  readonly activeKeys: number;
  /** IAM users in the credential report (root excluded). */
  readonly users: number;
  /**
   * Users with a key the report flags (expired, idle, never used or due, before their tags are read), and
   * those keys: the only users the sweep makes a call about, with the revoked users.
   */
  readonly candidates: { readonly users: number; readonly keys: number };
  /** Users in the revoked-users index, each re-checked for drift. */
  readonly revokedUsers: number;
  readonly keys: readonly SweptKey[];
  readonly exemptions: readonly ExemptionEntry[];
  readonly drift: readonly DriftEntry[];
  readonly breaker: BreakerVerdict;
  /** The drift breaker (`SWEEP_MAX_DRIFT`): the drifted users the sweep would re-revoke, against the limit. */
  readonly driftBreaker: DriftBreakerVerdict;
  /** Why nothing was written, when the key breaker or the drift breaker tripped (both reasons when both did). */
  readonly haltReason?: string;
  readonly notes: readonly string[];
}
