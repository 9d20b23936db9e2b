import type { PrincipalReport, RevocationReport } from '../engine';
import type { IdcRevocationReport } from '../identity-center';
import { idcLinked, identityCenterSections } from './identity-center';
import {
  accountOfArn,
  callerArn,
  count,
  dry,
  type Linked,
  listed,
  type NextStep,
  type Notification,
  named,
  notification,
  type Section,
} from './model';
import { revocationSeverity } from './severity';
import { describeTarget } from './text';
import { REVOCATION_MEANING, restoreTarget, stepItem, TRIGGER_NAME } from './words';

function principalSection(p: PrincipalReport): Section {
  const items = [`ARN: ${p.principal.arn}`, ...p.steps.map(stepItem)];
  if (p.verification) {
    const failed = p.verification.checks.filter((c) => !c.ok);
    items.push(
      `verified: ${p.verification.ok ? 'yes' : 'NO'} (${count(p.verification.checks.length, 'check')}${
        failed.length
          ? `; failed: ${failed.map((c) => c.check + (c.detail ? ` [${c.detail}]` : '')).join('; ')}`
          : ''
      })`,
    );
  }
  for (const s of p.sessions) items.push(`SSM session ${s.sessionId} on ${s.target ?? '?'} (${s.region})`);
  if (p.sessions.length)
    items.push('processes started inside a session keep running on its target after it ends');
  items.push(...p.notes.map((n) => `note: ${n}`));
  return { title: `${named(p.principal)}: ${p.outcome}`, items };
}

/** What to do after a revocation: apply a dry run, fix failures, undo a mistake, check the target. */
function nextSteps(r: RevocationReport, idc?: IdcRevocationReport): NextStep[] {
  const steps: NextStep[] = [];
  const name = r.trigger === 'lockdown' ? 'lockdown' : r.trigger === 'departure' ? 'departure' : 'revocation';
  if (r.outcome === 'planned') steps.push(`Run the ${name} again without dryRun to apply these steps.`);
  if (r.outcome === 'partial' || r.outcome === 'failed')
    steps.push(
      r.trigger === 'lockdown'
        ? 'Fix the cause of each failed step above, then send the same lockdown again: steps already done stay done.'
        : 'Fix the cause of each failed step above, then lock the person down (lockdown with their email or employeeId): steps already done stay done.',
    );
  if (r.principals.some((p) => p.verification && !p.verification.ok))
    steps.push('A verification failed: look at the principal in the console (links above).');
  if (r.outcome === 'not-found')
    steps.push(
      r.trigger === 'lockdown'
        ? 'Check the target: the user or role name, the access key id, or the person tags on the IAM users.'
        : "A leaver's access was not found: check that their IAM users carry the person tags (PERSON_TAG_KEYS).",
    );
  if (r.outcome === 'protected')
    steps.push(
      'If it must be revoked anyway, take it out of PROTECTED_PRINCIPALS or remove its offboarding:protected tag, then run again.',
    );
  for (const m of idc?.manualSteps ?? []) steps.push(`By hand: ${m}`);
  const undoable = r.dryRun ? [] : r.principals.filter((p) => p.steps.some((s) => s.outcome === 'done'));
  const when =
    r.trigger === 'lockdown'
      ? 'If the lockdown was a mistake'
      : r.trigger === 'departure'
        ? 'Only if the person stays (HR withdrew the departure)'
        : 'If this revocation was wrong';
  for (const p of undoable.slice(0, 3)) {
    const accountId = r.accountId ?? (r.accounts ? accountOfArn(p.principal.arn) : undefined);
    steps.push({
      text: `${when}, restore ${named(p.principal)}${accountId ? ` in account ${accountId}` : ''}`,
      restore: { target: restoreTarget(p.principal), runId: r.runId, ...(accountId ? { accountId } : {}) },
    });
  }
  if (undoable.length > 3)
    steps.push(
      `The ${undoable.length - 3} other principals: the same restore with each one's name and runId ${r.runId}.`,
    );
  return steps;
}

/** The notification of a revocation run (lockdown, departure, drift re-revocation, sweep deactivation). */
export function revocationNotification(
  report: RevocationReport & { readonly identityCenter?: IdcRevocationReport },
): Notification {
  const r = report;
  const idc = r.identityCenter;
  const who = listed([
    ...r.principals.map((p) => named(p.principal)),
    ...(idc?.user ? [`Identity Center user ${idc.user.userName}`] : []),
  ]);
  const linked: Linked[] = [
    ...r.principals
      .slice(0, 5)
      .map((p) => ({ kind: p.principal.kind, name: p.principal.name, arn: p.principal.arn })),
    ...idcLinked(idc),
  ];
  const accounts = r.accounts ?? [];
  return notification({
    kind: r.kind,
    headline: `${TRIGGER_NAME[r.trigger]} of ${who || describeTarget(r.target)}: ${r.outcome}${dry(r.dryRun)}`,
    summary: REVOCATION_MEANING[r.outcome],
    runId: r.runId,
    accountId: r.accountId ?? (accounts.length ? undefined : accountOfArn(r.principals[0]?.principal.arn)),
    facts: [
      ['target', describeTarget(r.target)],
      ['accounts', accounts.map((a) => `${a.accountId} ${a.outcome}`).join(', ')],
      ['requested by', r.requestedBy],
      ['caller', callerArn(r.caller)],
      ['reason', r.reason],
      ['at', r.at],
    ],
    sections: [
      ...(r.principals.length
        ? []
        : [{ title: 'Principals', items: ['no IAM principal matched the target'] }]),
      {
        title: 'Unreachable accounts',
        items: accounts
          .filter((a) => a.outcome === 'unreachable')
          .map((a) => `${a.accountId}: ${a.error ?? '?'}`),
      },
      ...r.principals.map(principalSection),
      ...(idc ? identityCenterSections(idc) : []),
      { title: 'Notes', items: r.notes },
    ],
    linked,
    nextSteps: nextSteps(r, idc),
    keywords: [r.kind, ...(r.dryRun ? ['dry-run'] : [])],
    json: r,
    attributes: {
      trigger: r.trigger,
      outcome: r.outcome,
      severity: revocationSeverity(r.trigger, r.outcome),
    },
  });
}
