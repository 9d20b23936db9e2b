import type { Coverage } from '../accounts/coverage';
import { count, type Linked, type NextStep, type Notification, named, notification } from './model';
import { revocationSeverity } from './severity';
import { REVOCATION_MEANING, restoreTarget } from './words';

const IDENTITY_CENTER = 'identity-center';
const isAccount = (id: string) => /^\d{12}$/.test(id);

/** One section per target: its outcome, then each principal it reached, its notes, or why it was not reached. */
function accountSections(c: Coverage) {
  const byId = new Map(c.accounts.map((a) => [a.accountId, a]));
  return c.targets.map((id) => {
    const a = byId.get(id);
    const name = id === IDENTITY_CENTER ? 'Identity Center' : `account ${id}`;
    if (!a) return { title: `${name}: not reported yet`, items: ['no result yet'] };
    const items = [
      ...(a.outcome === 'unreachable'
        ? [
            `why: ${a.error ?? 'unknown'}`,
            'retried through the account queue; the DLQ alarm fires if it never succeeds',
          ]
        : a.error
          ? [`error: ${a.error}`]
          : []),
      ...a.principals.map((p) => `${named(p.principal)} (${p.principal.arn}): ${p.outcome}`),
      ...a.notes.map((n) => `note: ${n}`),
    ];
    return {
      title: `${name}: ${a.outcome}${a.attempts > 1 ? ` (attempt ${a.attempts})` : ''}`,
      items: items.length ? items : ['no user of the person'],
    };
  });
}

/** The restore of each principal the departure revoked, with its account (at most 3; the rest in one line). */
function restoreSteps(c: Coverage): NextStep[] {
  const revoked = c.accounts.flatMap((a) =>
    a.principals.filter((p) => p.outcome === 'revoked' || p.outcome === 'partial').map((p) => ({ a, p })),
  );
  const steps: NextStep[] = revoked.slice(0, 3).map(
    ({ a, p }): NextStep =>
      a.accountId === IDENTITY_CENTER
        ? {
            text: `Only if the person stays (HR withdrew the departure), restore Identity Center user ${p.principal.name}`,
            restore: { target: { identityCenterUser: p.principal.name }, runId: c.runId },
          }
        : {
            text: `Only if the person stays (HR withdrew the departure), restore ${named(p.principal)} in account ${a.accountId}`,
            restore: {
              target: restoreTarget(p.principal),
              runId: c.runId,
              accountId: a.accountId,
            },
          },
  );
  if (revoked.length > 3)
    steps.push(
      `The ${revoked.length - 3} other users: the same restore with each one's name, accountId and runId.`,
    );
  return steps;
}

/**
 * The one notification of a departure over several accounts, sent when the last targeted account reports:
 * "Departure of <person>: revoked across N accounts", or `partial` naming each unreachable account and why.
 */
export function coverageNotification(c: Coverage): Notification {
  const n = c.targets.filter(isAccount).length;
  const accounts = c.accounts.filter((a) => isAccount(a.accountId));
  const reached = accounts.filter((a) => a.outcome !== 'unreachable').length;
  const withUsers = accounts.filter((a) => a.principals.length).length;
  const unreachable = c.unreachable.map((u) => u.accountId);
  const across = `across ${count(n, 'account')}${c.targets.includes(IDENTITY_CENTER) ? ' and Identity Center' : ''}`;
  // The outcome right after the person: a long identifier cannot push it out of the subject.
  const headline = `Departure of ${c.subject}: ${c.outcome} ${across}${
    unreachable.length ? `, ${unreachable.length} unreachable` : ''
  }`;
  const linked: Linked[] = c.accounts
    .flatMap((a) =>
      a.principals.map(
        (p): Linked =>
          a.accountId === IDENTITY_CENTER
            ? { kind: 'idc-user', userName: p.principal.name }
            : { kind: p.principal.kind, name: p.principal.name, arn: p.principal.arn },
      ),
    )
    .slice(0, 5);
  const steps: NextStep[] = [];
  if (unreachable.length)
    steps.push(
      'For each unreachable account, fix the cause above (is the member role deployed there, trusting this stack?); the account queue retries, then its DLQ: redrive it once fixed.',
    );
  if (c.accounts.some((a) => a.outcome === 'partial' || a.outcome === 'failed'))
    steps.push(
      'Fix the cause of each failed step, then lock the person down (lockdown with their email or employeeId).',
    );
  if (c.outcome === 'not-found')
    steps.push(
      'No account has a user of the person: check that their IAM users carry the person tags (PERSON_TAG_KEYS).',
    );
  steps.push(...restoreSteps(c));
  const single = accounts.length === 1 ? accounts[0]?.accountId : undefined;
  return notification({
    kind: 'departure-coverage',
    headline,
    summary: `${REVOCATION_MEANING[c.outcome]} Targeted ${count(n, 'account')}, reached ${reached}, unreachable ${unreachable.length}; the person has users in ${withUsers}.`,
    runId: c.runId,
    accountId: single,
    facts: [
      ['person', c.subject],
      ['started', c.startedAt],
      ['unreachable', unreachable.join(', ')],
    ],
    sections: accountSections(c),
    linked,
    nextSteps: steps,
    keywords: ['departure-coverage', ...(unreachable.length ? ['unreachable'] : [])],
    json: { kind: 'departure-coverage', ...c },
    attributes: {
      trigger: 'departure',
      outcome: c.outcome,
      severity: unreachable.length ? 'high' : revocationSeverity('departure', c.outcome),
    },
  });
}

/**
 * The alert of a work item that failed its last delivery: the account is left unreached and the item goes to
 * the account queue's DLQ (redrive it once the cause is fixed).
 */
export function accountDeadLetterNotification(item: {
  readonly id: string;
  readonly kind: string;
  readonly accountId: string;
  readonly attempts: number;
  readonly why: string;
}): Notification {
  return notification({
    kind: 'account-dead-letter',
    headline: `Account ${item.accountId} not reached: its ${item.kind} work item goes to the DLQ`,
    summary: `The ${item.kind} work item failed its last delivery (attempt ${item.attempts}): the account is left unreached.`,
    runId: item.id.split('@')[0],
    accountId: item.accountId,
    facts: [
      ['work item', item.id],
      ['why', item.why],
    ],
    sections: [],
    nextSteps: [
      'Fix the cause (is the member role deployed in that account, trusting this stack?).',
      "Then redrive the account queue's DLQ: the item runs again in that account.",
    ],
    keywords: ['account-dead-letter', item.kind],
    json: { ...item, kind: 'account-dead-letter', workKind: item.kind },
    attributes: { trigger: item.kind, outcome: 'dead-letter', severity: 'high' },
  });
}
