import { KEY_CLASSES } from '../sweep/classify';
import type { SweepMode } from '../sweep/input';
import type { SweepSummary } from '../sweep/types';
import type { Notification } from './index';
import { severityOf } from './severity';
import { safeSubject, table } from './text';

const owner = (o: Readonly<Record<string, string>>) =>
  Object.values(o).filter(Boolean).join(' / ') || '(no person tags)';

/**
 * The sweep's one notification: a human summary (counts per class; each key acted on or warned about with
 * its user, id, age, last use and owner; exemptions; drift; the halt reason) and the summary as JSON, with
 * attributes `trigger=sweep`, `outcome`, `severity`.
 */
export function sweepNotification(s: SweepSummary): Notification {
  const deactivated = s.keys.filter((k) => k.action === 'deactivated').length;
  const due = s.keys.filter((k) => k.class === 'due').length;
  const flagged = s.keys.length - due;
  const lines = [
    `Key sweep (${s.mode}${s.dryRun ? ', dry run' : ''})${s.accountId ? ` of account ${s.accountId}` : ''}: ${s.outcome.toUpperCase()}`,
    `run: ${s.runId}   at: ${s.at}`,
    `credential report generated: ${s.credentialReport.generatedAt ?? 'unknown'}${
      s.credentialReport.ageHours !== undefined ? ` (${s.credentialReport.ageHours} h before the run)` : ''
    }`,
    `thresholds: expired at ${s.thresholds.keyMaxAgeDays} days, idle at ${s.thresholds.keyMaxIdleDays} days, warned ${s.thresholds.keyWarnDays} days ahead`,
    `users: ${s.users}   active keys: ${s.activeKeys}   candidates: ${s.candidates.users} users (${s.candidates.keys} keys flagged by the report)   revoked users checked: ${s.revokedUsers}`,
    `keys by class: ${KEY_CLASSES.map((c) => `${c} ${s.counts[c]}`).join(', ')}`,
  ];
  if (s.haltReason) {
    lines.push(
      '',
      `HALTED, nothing deactivated and no one re-revoked: ${s.haltReason}`,
      `(breakers: SWEEP_MAX_ACTIONS=${s.breaker.maxActions}, SWEEP_MAX_FRACTION=${s.breaker.maxFraction}, SWEEP_MAX_DRIFT=${s.driftBreaker.maxDrift})`,
    );
  }
  if (s.keys.length) {
    lines.push(
      '',
      table([
        ['user', 'key', 'class', 'age (days)', 'last used', 'owner', 'action'],
        ...s.keys.map((k) => [
          k.user,
          k.accessKeyId ??
            `report slot ${k.slot ?? '?'}${k.createdAt ? ` (created ${k.createdAt.slice(0, 19).replace('T', ' ')})` : ''}`,
          k.class,
          k.ageDays === undefined ? '?' : String(k.ageDays),
          k.lastUsed,
          owner(k.owner),
          k.detail ? `${k.action} (${k.detail})` : k.action,
        ]),
      ]),
    );
  }
  if (s.exemptions.length) {
    lines.push('', 'exemptions:');
    for (const e of s.exemptions) {
      lines.push(
        e.status === 'invalid'
          ? `  ${e.user}: INVALID, not applied (${e.problem})`
          : `  ${e.user}: ${e.status === 'expired' ? 'EXPIRED' : 'until'} ${e.until}: ${e.reason}`,
      );
    }
  }
  if (s.drift.length) {
    lines.push('', 'drift (users of the revoked-users index):');
    for (const d of s.drift) {
      lines.push(
        `  ${d.user} (${owner(d.owner)}): ${d.findings.join('; ')} -> ${d.action}${d.outcome ? ` ${d.outcome}` : ''}${
          d.runId ? ` (run ${d.runId})` : ''
        }${d.detail ? `: ${d.detail}` : ''}`,
      );
    }
  }
  for (const n of s.notes) lines.push(`note: ${n}`);
  const what = s.haltReason
    ? `halted, ${flagged} keys qualify`
    : `${deactivated ? `${deactivated} deactivated` : `${flagged} flagged`}, ${due} due${s.drift.length ? `, ${s.drift.length} drift` : ''}`;
  return {
    subject: safeSubject(
      `[offboarding] sweep ${s.outcome} (${s.mode}${s.dryRun ? ', dry run' : ''})${s.accountId ? ` in ${s.accountId}` : ''}: ${what}`,
    ),
    text: lines.join('\n'),
    json: s,
    attributes: { trigger: 'sweep', outcome: s.outcome, severity: s.severity },
  };
}

/** The alert when the sweep could not even discover (e.g. the credential report never became ready). */
export function sweepFailureNotification(f: {
  runId: string;
  mode: SweepMode;
  dryRun: boolean;
  at: string;
  error: string;
}): Notification {
  return {
    subject: safeSubject(`[offboarding] sweep failed (${f.mode}): nothing was swept`),
    text: [
      `Key sweep (${f.mode}${f.dryRun ? ', dry run' : ''}): FAILED`,
      `run: ${f.runId}   at: ${f.at}`,
      '',
      f.error,
    ].join('\n'),
    json: { kind: 'sweep', trigger: 'sweep', outcome: 'failed', ...f },
    attributes: { trigger: 'sweep', outcome: 'failed', severity: severityOf('failed') },
  };
}
