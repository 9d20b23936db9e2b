import { KEY_CLASSES } from '../sweep/classify';
import type { SweepMode } from '../sweep/input';
import type { SweepSummary } from '../sweep/types';
import { count, type NextStep, type Notification, notification } from './model';
import { severityOf } from './severity';

const owner = (o: Readonly<Record<string, string>>) =>
  Object.values(o).filter(Boolean).join(' / ') || 'no person tags';

/** What the outcome of a sweep means, under its headline. */
const SWEEP_MEANING: Readonly<Record<SweepSummary['outcome'], string>> = {
  reported: 'Report mode: nothing was deactivated. The keys below are what enforce mode would act on.',
  planned: 'Dry run: nothing was deactivated. The keys below are what a real run would act on.',
  enforced: 'Every action succeeded.',
  partial: 'Some actions failed: keys may still be active. Each error is below.',
  failed: 'No action succeeded: the keys are still active.',
  halted: 'Halted by a circuit breaker: nothing was deactivated and no one re-revoked.',
};

const keyItem = (k: SweepSummary['keys'][number]) =>
  `${k.user} ${k.accessKeyId ?? `report slot ${k.slot ?? '?'}${k.createdAt ? ` (created ${k.createdAt.slice(0, 10)})` : ''}`}: ${k.class}, ${
    k.ageDays === undefined ? 'age unknown' : `${k.ageDays} days old`
  }, last used ${k.lastUsed}, owner ${owner(k.owner)}: ${k.action}${k.detail ? ` (${k.detail})` : ''}`;

function nextSteps(s: SweepSummary): NextStep[] {
  const steps: NextStep[] = [];
  if (s.haltReason)
    steps.push(
      'Check why so many keys or users qualify (the halt reason above); if expected, raise SWEEP_MAX_ACTIONS, SWEEP_MAX_FRACTION or SWEEP_MAX_DRIFT for one run.',
    );
  if (s.outcome === 'partial' || s.outcome === 'failed')
    steps.push('Fix the cause of each failed key above; the next sweep tries again.');
  if (s.keys.some((k) => k.class === 'due'))
    steps.push('Tell the owners of the keys due soon to rotate them before they expire.');
  if (s.exemptions.some((e) => e.status !== 'active'))
    steps.push('Fix or remove the expired and invalid exemption tags listed above.');
  const deactivated = [...new Set(s.keys.filter((k) => k.action === 'deactivated').map((k) => k.user))];
  for (const user of deactivated.slice(0, 3))
    steps.push({
      text: `If a key of ${user} must work again, restore ${user}`,
      restore: {
        target: { userName: user },
        runId: s.runId,
        ...(s.accountId ? { accountId: s.accountId } : {}),
      },
    });
  if (deactivated.length > 3)
    steps.push(
      `The ${deactivated.length - 3} other users: the same restore with each one's name and runId ${s.runId}.`,
    );
  return steps;
}

/**
 * The sweep's one notification: counts per class; each key acted on or warned about with its user, id, age,
 * last use and owner; exemptions; drift; the halt reason; the summary as JSON.
 */
export function sweepNotification(s: SweepSummary): Notification {
  const deactivated = s.keys.filter((k) => k.action === 'deactivated').length;
  const due = s.keys.filter((k) => k.class === 'due').length;
  const flagged = s.keys.length - due;
  const what = s.haltReason
    ? `${count(flagged, 'key')} qualify`
    : `${deactivated ? `${deactivated} deactivated` : `${flagged} flagged`}, ${due} due${s.drift.length ? `, ${s.drift.length} drift` : ''}`;
  return notification({
    kind: 'sweep',
    headline: `Key sweep (${s.mode}${s.dryRun ? ', dry run' : ''})${s.accountId ? ` of ${s.accountId}` : ''}: ${s.outcome}, ${what}`,
    summary: `${SWEEP_MEANING[s.outcome]}${s.haltReason ? ` Why: ${s.haltReason}` : ''}`,
    runId: s.runId,
    accountId: s.accountId,
    facts: [
      ['at', s.at],
      [
        'credential report',
        `${s.credentialReport.generatedAt ?? 'generated at an unknown time'}${
          s.credentialReport.ageHours !== undefined
            ? ` (${s.credentialReport.ageHours} h before the run)`
            : ''
        }`,
      ],
      [
        'thresholds',
        `expired at ${s.thresholds.keyMaxAgeDays} days, idle at ${s.thresholds.keyMaxIdleDays} days, warned ${s.thresholds.keyWarnDays} days ahead`,
      ],
      [
        'counted',
        `${s.users} users, ${s.activeKeys} active keys, ${s.candidates.users} candidate users (${s.candidates.keys} keys), ${s.revokedUsers} revoked users checked`,
      ],
      ['keys by class', KEY_CLASSES.map((c) => `${c} ${s.counts[c]}`).join(', ')],
      [
        'breakers',
        s.haltReason
          ? `SWEEP_MAX_ACTIONS=${s.breaker.maxActions}, SWEEP_MAX_FRACTION=${s.breaker.maxFraction}, SWEEP_MAX_DRIFT=${s.driftBreaker.maxDrift}`
          : undefined,
      ],
    ],
    sections: [
      { title: 'Keys', items: s.keys.map(keyItem) },
      {
        title: 'Exemptions',
        items: s.exemptions.map((e) =>
          e.status === 'invalid'
            ? `${e.user}: INVALID, not applied (${e.problem})`
            : `${e.user}: ${e.status === 'expired' ? 'EXPIRED' : 'until'} ${e.until}: ${e.reason}`,
        ),
      },
      {
        title: 'Drift (revoked users no longer revoked)',
        items: s.drift.map(
          (d) =>
            `${d.user} (${owner(d.owner)}): ${d.findings.join('; ')}: ${d.action}${d.outcome ? ` ${d.outcome}` : ''}${
              d.runId ? ` (run ${d.runId})` : ''
            }${d.detail ? `: ${d.detail}` : ''}`,
        ),
      },
      { title: 'Notes', items: s.notes },
    ],
    linked: s.drift.slice(0, 5).map((d) => ({ kind: 'user' as const, name: d.user, arn: d.arn })),
    nextSteps: nextSteps(s),
    keywords: ['sweep', s.mode, ...(s.dryRun ? ['dry-run'] : [])],
    json: s,
    attributes: { trigger: 'sweep', outcome: s.outcome, severity: s.severity },
  });
}

/** The alert when the sweep could not even discover (e.g. the credential report never became ready). */
export function sweepFailureNotification(f: {
  runId: string;
  mode: SweepMode;
  dryRun: boolean;
  at: string;
  error: string;
}): Notification {
  return notification({
    kind: 'sweep',
    headline: `Key sweep (${f.mode}${f.dryRun ? ', dry run' : ''}) failed: nothing was swept`,
    summary: 'The sweep could not list the keys: no key was checked, deactivated or warned about.',
    runId: f.runId,
    facts: [
      ['at', f.at],
      ['error', f.error],
    ],
    sections: [],
    nextSteps: [
      'Fix the error above (IAM permissions, the credential report), then run the sweep again (invoke keySweep).',
    ],
    keywords: ['sweep', f.mode],
    json: { kind: 'sweep', trigger: 'sweep', outcome: 'failed', ...f },
    attributes: { trigger: 'sweep', outcome: 'failed', severity: severityOf('failed') },
  });
}
