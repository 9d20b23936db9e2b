import type { EngineDeps } from '../engine/revoke';
import type { RunOutcome, Severity } from '../engine/types';
import type { BreakerVerdict } from './breaker';
import type { KeyClass, Thresholds } from './classify';
import type { SweepMode } from './input';

/** The sweep needs what the engine needs (drift is re-revoked through it). */
export type SweepDeps = EngineDeps;

/**
 * The run's outcome: `reported` (report mode), `planned` (enforce under dry run), `enforced` (every action
 * succeeded, or there was none), `partial` / `failed` (some / all actions failed), `halted` (the breaker
 * tripped: nothing was deactivated).
 */
export type SweepOutcome = 'reported' | 'planned' | 'enforced' | 'partial' | 'failed' | 'halted';

/**
 * What the sweep did to a key: `deactivated`; `already` (inactive or gone when written); `planned` (dry run);
 * `reported` (report mode: enforce would deactivate it); `warned` (due); `failed`; `halted` (breaker).
 */
export type KeyAction = 'deactivated' | 'already' | 'planned' | 'reported' | 'warned' | 'failed' | 'halted';

/** A key the sweep acted on, would act on, or warns about. */
export interface SweptKey {
  readonly user: string;
  /** The exact key id (from the re-read); absent only when the breaker halted before any re-read. */
  readonly accessKeyId?: string;
  /** The credential report's slot, when the key is known only from the report. */
  readonly slot?: 1 | 2;
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

/** A user tagged `offboarding:state=revoked` who no longer is: an Active key, or the deny gone. */
export interface DriftEntry {
  readonly user: string;
  readonly arn: string;
  readonly owner: Readonly<Record<string, string>>;
  readonly findings: readonly string[];
  /** `re-revoked` through the engine, or why not. */
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
  /** Keys per class (users tagged revoked are counted under `drift`, not here). */
  readonly counts: Readonly<Record<KeyClass, number>>;
  readonly activeKeys: number;
  readonly users: number;
  readonly keys: readonly SweptKey[];
  readonly exemptions: readonly ExemptionEntry[];
  readonly drift: readonly DriftEntry[];
  readonly breaker: BreakerVerdict;
  /** Why nothing was deactivated, when the breaker tripped. */
  readonly haltReason?: string;
  readonly notes: readonly string[];
}
