import type { PrincipalReport, RevocationReport, StepResult } from '../engine';
import type { IdcRevocationReport } from '../identity-center';
import { identityCenterLines } from './identity-center';
import type { Notification } from './index';
import { revocationSeverity } from './severity';
import { describeTarget, table } from './text';

export function stepRows(steps: readonly StepResult[]): string {
  return table([
    ['step', 'subject', 'outcome', 'detail'],
    ...steps.map((s) => [s.id, s.subject, s.outcome, s.error ?? s.detail ?? '']),
  ]);
}

function principalLines(p: PrincipalReport): string[] {
  const lines = ['', `${p.principal.kind} ${p.principal.name} (${p.principal.arn}): ${p.outcome}`];
  if (p.steps.length) lines.push(stepRows(p.steps));
  if (p.verification) {
    const failed = p.verification.checks.filter((c) => !c.ok);
    lines.push(
      `verified: ${p.verification.ok ? 'yes' : 'NO'} (${p.verification.checks.length} checks${
        failed.length
          ? `; failed: ${failed.map((c) => c.check + (c.detail ? ` [${c.detail}]` : '')).join('; ')}`
          : ''
      })`,
    );
  }
  if (p.sessions.length) {
    lines.push(
      `SSM sessions: ${p.sessions.map((s) => `${s.sessionId} on ${s.target ?? '?'} (${s.region})`).join(', ')}`,
      'note: processes started inside a session keep running on its target after it ends',
    );
  }
  for (const note of p.notes) lines.push(`note: ${note}`);
  return lines;
}

/** The notification of a revocation run (lockdown, departure, drift re-revocation, sweep deactivation). */
export function revocationNotification(
  report: RevocationReport & { readonly identityCenter?: IdcRevocationReport },
): Notification {
  const who = report.principals.map((p) => `${p.principal.kind} ${p.principal.name}`).join(', ');
  const lines = [
    `Offboarding ${report.trigger}${report.dryRun ? ' (dry run)' : ''}: ${report.outcome.toUpperCase()}`,
    `target: ${describeTarget(report.target)}${report.accountId ? `   account: ${report.accountId}` : ''}`,
    `requested by: ${report.requestedBy}   reason: ${report.reason}`,
    `run: ${report.runId}   at: ${report.at}`,
    ...(report.accounts
      ? [`accounts: ${report.accounts.map((a) => `${a.accountId} ${a.outcome}`).join(', ')}`]
      : []),
  ];
  if (!report.principals.length) lines.push('', 'no IAM principal matched the target');
  for (const p of report.principals) lines.push(...principalLines(p));
  if (report.identityCenter) lines.push(...identityCenterLines(report.identityCenter));
  for (const note of report.notes) lines.push(`note: ${note}`);
  return {
    subject: `[offboarding] ${report.trigger} ${report.outcome}${report.dryRun ? ' (dry run)' : ''}: ${who || describeTarget(report.target)}`,
    text: lines.join('\n'),
    json: report,
    attributes: {
      trigger: report.trigger,
      outcome: report.outcome,
      severity: revocationSeverity(report.trigger, report.outcome),
    },
  };
}
