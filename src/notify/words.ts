import type { PrincipalRef, RestoreReport, RevocationReport, StepResult, Trigger } from '../engine';

/** The words the renderers share: how a step, a trigger and an outcome read in a report. */

/** A step on one line: id, subject, outcome, and the error or detail (whitespace collapsed by the renderer). */
export const stepItem = (s: Pick<StepResult, 'id' | 'subject' | 'outcome' | 'error' | 'detail'>) =>
  `${s.id} ${s.subject}: ${s.outcome}${s.error ? `: ${s.error}` : s.detail ? ` (${s.detail})` : ''}`;

/** What a revocation is called in a headline. */
export const TRIGGER_NAME: Readonly<Record<Trigger, string>> = {
  lockdown: 'Lockdown',
  departure: 'Departure',
  sweep: 'Sweep revocation',
  restore: 'Restore',
};

/** What the outcome of a revocation means, under its headline. */
export const REVOCATION_MEANING: Readonly<Record<RevocationReport['outcome'], string>> = {
  revoked: 'Every step succeeded: the access is revoked.',
  partial: 'Some steps failed: access may remain. Each error is below, on its own line.',
  failed: 'No step succeeded: the access remains.',
  protected:
    'The principal is protected (PROTECTED_PRINCIPALS, its tag, or the project): nothing was changed.',
  'not-found': 'No principal matched the target: nothing was changed.',
  planned: 'Dry run: nothing was changed. The steps below are what a real run would do.',
};

/** What the outcome of a restore means, under its headline. */
export const RESTORE_MEANING: Readonly<Record<RestoreReport['outcome'], string>> = {
  restored: 'Every step of the run was undone: the access is back.',
  partial: 'Some steps could not be undone: part of the access is still revoked. Each error is below.',
  failed: 'No step could be undone: the access is still revoked.',
  planned: 'Dry run: nothing was changed. The steps below are what a real restore would undo.',
};

/** A principal as the restore request names it. */
export const restoreTarget = (p: PrincipalRef): Record<string, string> =>
  p.kind === 'role' ? { roleName: p.name } : { userName: p.name };
