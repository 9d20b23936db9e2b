import type { RestoreReport } from '../engine';
import { accountOfArn, callerArn, type NextStep, type Notification, named, notification } from './model';
import { restoreSeverity } from './severity';
import { RESTORE_MEANING, stepItem } from './words';

/** The notification of a restore. */
export function restoreNotification(r: RestoreReport): Notification {
  const departure = r.restored.trigger === 'departure';
  const steps: NextStep[] = [];
  if (r.outcome === 'planned') steps.push('Run the restore again without dryRun to apply these steps.');
  if (r.outcome === 'partial' || r.outcome === 'failed')
    steps.push('Fix the cause of each failed step above, then send the same restore again.');
  if (r.verification && !r.verification.ok)
    steps.push('A verification failed: look at the principal in the console (links above).');
  if (departure) steps.push('A departure was undone: confirm with HR that the person stays.');
  if (r.notRestored.length)
    steps.push('Some changes cannot come back (listed above): tell the person what to set up again.');
  return notification({
    kind: r.kind,
    headline: `Restore of ${named(r.principal)}: ${r.outcome}`,
    summary: `${RESTORE_MEANING[r.outcome]}${departure ? ' This restore undid a DEPARTURE: a leaver has access again.' : ''}`,
    runId: r.runId,
    accountId: r.accountId ?? accountOfArn(r.principal.arn),
    facts: [
      ['undoes', `${r.undoes.join(', ')} (${r.restored.trigger})`],
      ['requested by', r.requestedBy],
      ['caller', callerArn(r.caller)],
      ['reason', r.reason],
      ['at', r.at],
      ['verified', r.verification ? (r.verification.ok ? 'yes' : 'NO') : undefined],
    ],
    sections: [
      {
        title: `${named(r.principal)}: ${r.outcome}`,
        items: [`ARN: ${r.principal.arn}`, ...r.steps.map(stepItem)],
      },
      { title: 'Kept in force', items: r.keptInForce },
      { title: 'Not restored', items: r.notRestored },
      { title: 'Notes', items: r.notes },
    ],
    linked: [r.principal],
    nextSteps: steps,
    keywords: [r.kind, r.restored.trigger],
    json: r,
    attributes: { trigger: 'restore', outcome: r.outcome, severity: restoreSeverity(r) },
  });
}
