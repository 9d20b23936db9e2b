import type { IdcDriftSweep, IdcRestoreReport, IdcRevocationReport } from '../identity-center';
import type { Notification } from './index';
import { restoreSeverity, revocationSeverity } from './severity';
import { describeTarget, table } from './text';

/** The Identity Center section of a report: the user, each step, each provisioning, the manual steps. */
export function identityCenterLines(r: IdcRevocationReport | IdcRestoreReport): string[] {
  const who = r.user ? `${r.user.userName} (${r.user.userId})` : 'no user found';
  const lines = ['', `Identity Center user ${who}: ${r.outcome}`];
  if (r.steps.length) {
    lines.push(
      table([
        ['step', 'subject', 'outcome', 'detail'],
        ...r.steps.map((s) => [s.id, s.subject, s.outcome, s.error ?? s.detail ?? '']),
      ]),
    );
  }
  for (const p of r.provisioning) {
    lines.push(
      `provisioning ${p.permissionSetArn}: ${p.status}${p.failureReason ? ` (${p.failureReason})` : ''}`,
    );
  }
  if (r.verification) lines.push(`verified: ${r.verification.ok ? 'yes' : 'NO'}`);
  if ('manualSteps' in r) for (const m of r.manualSteps) lines.push(`TO DO BY HAND: ${m}`);
  if ('notRestored' in r) for (const n of r.notRestored) lines.push(`not restored: ${n}`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines;
}

/** The notification of a lockdown of an Identity Center user (`identityCenterUser`). */
export function idcRevocationNotification(r: IdcRevocationReport): Notification {
  const name = r.user?.userName ?? describeTarget(r.target);
  return {
    subject: `[offboarding] ${r.trigger} ${r.outcome}${r.dryRun ? ' (dry run)' : ''}: Identity Center user ${name}`,
    text: [
      `Offboarding ${r.trigger}${r.dryRun ? ' (dry run)' : ''}: ${r.outcome.toUpperCase()}`,
      `target: ${describeTarget(r.target)}`,
      `requested by: ${r.requestedBy}   reason: ${r.reason}`,
      `run: ${r.runId}   at: ${r.at}`,
      ...identityCenterLines(r),
    ].join('\n'),
    json: r,
    attributes: {
      trigger: r.trigger,
      outcome: r.outcome,
      severity: revocationSeverity(r.trigger, r.outcome),
    },
  };
}

/** The notification of a restore of an Identity Center user. */
export function idcRestoreNotification(r: IdcRestoreReport): Notification {
  return {
    subject: `[offboarding] restore ${r.outcome}${r.dryRun ? ' (dry run)' : ''}: Identity Center user ${r.user.userName}`,
    text: [
      `Offboarding restore${r.dryRun ? ' (dry run)' : ''}: ${r.outcome.toUpperCase()}`,
      `requested by: ${r.requestedBy}   reason: ${r.reason}`,
      `run: ${r.runId}   at: ${r.at}   undoes: ${r.undoes.join(', ')} (${r.restored.trigger})`,
      ...r.keptInForce.map((k) => `kept in force: ${k}`),
      ...identityCenterLines(r),
    ].join('\n'),
    json: r,
    attributes: { trigger: 'restore', outcome: r.outcome, severity: restoreSeverity(r) },
  };
}

/**
 * The sweep's Identity Center drift notification: revoked users holding access again, re-revoked or (halted,
 * report mode) only reported. Sent only when there is something to say.
 */
export function idcDriftNotification(sweep: IdcDriftSweep, runId: string, at: string): Notification {
  const outcome = sweep.halted
    ? 'halted'
    : sweep.drifted.some((d) => d.action === 're-revoked')
      ? 'enforced'
      : 'reported';
  const lines = [
    `Key sweep, Identity Center drift: ${outcome.toUpperCase()}`,
    `run: ${runId}   at: ${at}   revoked users re-checked: ${sweep.checked}, holding access again: ${sweep.drifted.length}`,
    ...(sweep.halted
      ? [
          'halted: more drifted users than SWEEP_MAX_DRIFT; nothing was written. Check for a SCIM sync or an admin re-adding access.',
        ]
      : []),
    ...sweep.drifted.map(
      (d) =>
        `${d.userName} (${d.userId}, revoked by ${d.runId}): ${d.assignments.length} assignment(s), ${d.memberships.length} membership(s): ${d.action}${d.outcome ? ` (${d.outcome})` : ''}`,
    ),
    ...sweep.notes.map((n) => `note: ${n}`),
  ];
  return {
    subject: `[offboarding] sweep ${outcome}: ${sweep.drifted.length} Identity Center user(s) with access again`,
    text: lines.join('\n'),
    json: { kind: 'identity-center-drift', runId, at, ...sweep },
    attributes: {
      trigger: 'sweep',
      outcome,
      severity: sweep.drifted.length || sweep.halted || sweep.notes.length ? 'high' : 'info',
    },
  };
}
