import type { IdcDriftSweep, IdcRestoreReport, IdcRevocationReport } from '../identity-center';
import {
  callerArn,
  count,
  dry,
  type Linked,
  type NextStep,
  type Notification,
  notification,
  type Section,
} from './model';
import { restoreSeverity, revocationSeverity } from './severity';
import { describeTarget } from './text';
import { RESTORE_MEANING, REVOCATION_MEANING, stepItem, TRIGGER_NAME } from './words';

/** The Identity Center user of a report, to link. */
export const idcLinked = (r: { readonly user?: { readonly userName: string } } | undefined): Linked[] =>
  r?.user ? [{ kind: 'idc-user', userName: r.user.userName }] : [];

/** The Identity Center sections of a report: the user and each step, each provisioning, what stays or is lost. */
export function identityCenterSections(r: IdcRevocationReport | IdcRestoreReport): Section[] {
  const who = r.user ? `${r.user.userName} (${r.user.userId})` : 'no user found';
  const items = [
    ...r.steps.map(stepItem),
    ...r.provisioning.map(
      (p) =>
        `provisioning ${p.permissionSetArn}: ${p.status}${p.failureReason ? ` (${p.failureReason})` : ''}`,
    ),
    ...(r.verification ? [`verified: ${r.verification.ok ? 'yes' : 'NO'}`] : []),
    ...('manualSteps' in r ? r.manualSteps.map((m) => `TO DO BY HAND: ${m}`) : []),
    ...('notRestored' in r ? r.notRestored.map((n) => `not restored: ${n}`) : []),
    ...r.notes.map((n) => `note: ${n}`),
  ];
  return [{ title: `Identity Center user ${who}: ${r.outcome}`, items: items.length ? items : ['no step'] }];
}

/** The notification of a lockdown of an Identity Center user (`identityCenterUser`). */
export function idcRevocationNotification(r: IdcRevocationReport): Notification {
  const name = r.user ? `Identity Center user ${r.user.userName}` : describeTarget(r.target);
  const steps: NextStep[] = [];
  if (r.outcome === 'planned') steps.push('Run the lockdown again without dryRun to apply these steps.');
  if (r.outcome === 'partial' || r.outcome === 'failed')
    steps.push('Fix the cause of each failed step above, then send the same lockdown again.');
  for (const m of r.manualSteps) steps.push(`By hand: ${m}`);
  if (r.user && !r.dryRun && r.steps.some((s) => s.outcome === 'done'))
    steps.push({
      text: `If the ${r.trigger} was a mistake, restore Identity Center user ${r.user.userName}`,
      restore: { target: { identityCenterUser: r.user.userName }, runId: r.runId },
    });
  return notification({
    kind: r.kind,
    headline: `${TRIGGER_NAME[r.trigger]} of ${name}: ${r.outcome}${dry(r.dryRun)}`,
    summary: REVOCATION_MEANING[r.outcome],
    runId: r.runId,
    facts: [
      ['target', describeTarget(r.target)],
      ['identity store', r.user?.identityStoreId],
      ['requested by', r.requestedBy],
      ['caller', callerArn(r.caller)],
      ['reason', r.reason],
      ['at', r.at],
    ],
    sections: identityCenterSections(r),
    linked: idcLinked(r),
    nextSteps: steps,
    keywords: [r.kind, 'identity-center', ...(r.dryRun ? ['dry-run'] : [])],
    json: r,
    attributes: {
      trigger: r.trigger,
      outcome: r.outcome,
      severity: revocationSeverity(r.trigger, r.outcome),
    },
  });
}

/** The notification of a restore of an Identity Center user. */
export function idcRestoreNotification(r: IdcRestoreReport): Notification {
  const steps: NextStep[] = [];
  if (r.outcome === 'planned') steps.push('Run the restore again without dryRun to apply these steps.');
  if (r.outcome === 'partial' || r.outcome === 'failed')
    steps.push('Fix the cause of each failed step above, then send the same restore again.');
  if (r.restored.trigger === 'departure')
    steps.push('A departure was undone: confirm with HR that the person stays.');
  return notification({
    kind: r.kind,
    headline: `Restore of Identity Center user ${r.user.userName}: ${r.outcome}${dry(r.dryRun)}`,
    summary: `${RESTORE_MEANING[r.outcome]}${
      r.restored.trigger === 'departure' ? ' This restore undid a DEPARTURE: a leaver has access again.' : ''
    }`,
    runId: r.runId,
    facts: [
      ['undoes', `${r.undoes.join(', ')} (${r.restored.trigger})`],
      ['identity store', r.user.identityStoreId],
      ['requested by', r.requestedBy],
      ['caller', callerArn(r.caller)],
      ['reason', r.reason],
      ['at', r.at],
    ],
    sections: [...identityCenterSections(r), { title: 'Kept in force', items: r.keptInForce }],
    linked: idcLinked(r),
    nextSteps: steps,
    keywords: [r.kind, 'identity-center', ...(r.dryRun ? ['dry-run'] : [])],
    json: r,
    attributes: { trigger: 'restore', outcome: r.outcome, severity: restoreSeverity(r) },
  });
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
  const users = count(sweep.drifted.length, 'revoked Identity Center user');
  const steps: NextStep[] = [];
  if (sweep.halted)
    steps.push(
      'More users drifted than SWEEP_MAX_DRIFT: look for a SCIM sync or an admin re-adding access, then lock each user down.',
    );
  else if (outcome === 'reported' && sweep.drifted.length)
    steps.push('Report mode: lock each user down (identityCenterUser), or run the sweep in enforce mode.');
  if (sweep.notes.length) steps.push('Some users could not be re-checked: see the notes.');
  return notification({
    kind: 'identity-center-drift',
    headline: `Key sweep, Identity Center drift: ${users} with access again, ${outcome}`,
    summary: sweep.halted
      ? 'Halted: more drifted users than SWEEP_MAX_DRIFT; nothing was written.'
      : `${sweep.checked} revoked users re-checked; ${users} hold an assignment or a membership again.`,
    runId,
    facts: [
      ['at', at],
      ['re-checked', String(sweep.checked)],
    ],
    sections: [
      {
        title: 'Drifted users',
        items: sweep.drifted.map(
          (d) =>
            `${d.userName} (${d.userId}, revoked by ${d.runId}): ${count(d.assignments.length, 'assignment')}, ${count(d.memberships.length, 'membership')}: ${d.action}${d.outcome ? ` (${d.outcome})` : ''}`,
        ),
      },
      { title: 'Notes', items: sweep.notes },
    ],
    linked: sweep.drifted.slice(0, 5).map((d) => ({ kind: 'idc-user' as const, userName: d.userName })),
    nextSteps: steps,
    keywords: ['identity-center-drift', 'identity-center'],
    json: { kind: 'identity-center-drift', runId, at, ...sweep },
    attributes: {
      trigger: 'sweep',
      outcome,
      severity: sweep.drifted.length || sweep.halted || sweep.notes.length ? 'high' : 'info',
    },
  });
}
