import type { PlannedStep, StepResult, Verification } from './types';

/**
 * Gives a plan's steps their ids, `<nn>-<label><type>` in plan order (`01-attach-deny`, `01-undo-attach-deny`):
 * the one numbering of steps, for revocations, restores and key deactivations alike.
 */
export function numberSteps<S extends { readonly type: string }>(
  steps: readonly S[],
  label = '',
): (S & { readonly id: string })[] {
  return steps.map((s, i) => ({ ...s, id: `${String(i + 1).padStart(2, '0')}-${label}${s.type}` }));
}

/** `complete`: nothing failed and the re-read holds; `failed`: nothing succeeded; else `partial`. */
export type RollUp = 'complete' | 'partial' | 'failed';

/**
 * The one roll-up of a run's outcome from what failed and what succeeded (revocation, restore, sweep alike).
 * @example
 * rollUp(0, 3, true); // 'complete'
 * rollUp(1, 0); // 'failed'
 */
export function rollUp(failures: number, successes: number, verified = true): RollUp {
  if (failures === 0 && verified) return 'complete';
  if (failures > 0 && successes === 0) return 'failed';
  return 'partial';
}

/** {@link rollUp} over step results: `done` and `already` succeed, `failed` fails. */
export function rollUpSteps(results: readonly StepResult[], verification?: Verification): RollUp {
  const failures = results.filter((r) => r.outcome === 'failed').length;
  const successes = results.filter((r) => r.outcome === 'done' || r.outcome === 'already').length;
  return rollUp(failures, successes, verification?.ok !== false);
}

/** Steps that are the deny: executed first and alone, and undone after everything else. */
export function isDenyStep(s: Pick<PlannedStep, 'type'>): boolean {
  return s.type === 'attach-deny' || s.type === 'put-role-session-deny';
}
