import type { RestoreReport } from '../engine';
import type { Notification } from './index';
import { stepRows } from './revocation';
import { restoreSeverity } from './severity';

/** The notification of a restore. */
export function restoreNotification(report: RestoreReport): Notification {
  const lines = [
    `Offboarding restore: ${report.outcome.toUpperCase()}`,
    `${report.principal.kind} ${report.principal.name} (${report.principal.arn})`,
    `requested by: ${report.requestedBy}   reason: ${report.reason}`,
    `run: ${report.runId}   at: ${report.at}   undoes: ${report.undoes.join(', ')}${report.accountId ? `   account: ${report.accountId}` : ''}`,
    '',
    stepRows(report.steps),
  ];
  if (report.restored.trigger === 'departure') {
    lines.push(
      '',
      `WARNING: this restore undid a DEPARTURE (run ${report.undoes.join(', ')}): a leaver has access again`,
    );
  }
  if (report.verification) lines.push(`verified: ${report.verification.ok ? 'yes' : 'NO'}`);
  for (const n of report.keptInForce) lines.push(`kept in force: ${n}`);
  for (const n of report.notRestored) lines.push(`not restored: ${n}`);
  for (const n of report.notes) lines.push(`note: ${n}`);
  return {
    subject: `[offboarding] restore ${report.outcome}: ${report.principal.kind} ${report.principal.name}`,
    text: lines.join('\n'),
    json: report,
    attributes: { trigger: 'restore', outcome: report.outcome, severity: restoreSeverity(report) },
  };
}
