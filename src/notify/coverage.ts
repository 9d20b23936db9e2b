import type { Coverage } from '../accounts/coverage';
import type { Notification } from './index';
import { revocationSeverity } from './severity';

/** One section per account: its outcome, then each principal it reached, its notes, or why it was not reached. */
function accountLines(c: Coverage): string[] {
  const lines: string[] = [];
  const byId = new Map(c.accounts.map((a) => [a.accountId, a]));
  for (const id of c.targets) {
    const a = byId.get(id);
    if (!a) {
      lines.push('', `account ${id}: not reported yet`);
      continue;
    }
    const attempts = a.attempts > 1 ? ` (attempt ${a.attempts})` : '';
    lines.push(
      '',
      `${id === 'identity-center' ? 'Identity Center' : `account ${id}`}: ${a.outcome}${attempts}`,
    );
    if (a.outcome === 'unreachable') {
      lines.push(
        `  why: ${a.error ?? 'unknown'}`,
        '  retried through the account queue; the DLQ alarm fires if it never succeeds',
      );
    } else if (a.error) lines.push(`  error: ${a.error}`);
    for (const p of a.principals)
      lines.push(`  ${p.principal.kind} ${p.principal.name} (${p.principal.arn}): ${p.outcome}`);
    for (const note of a.notes) lines.push(`  note: ${note}`);
  }
  return lines;
}

/**
 * The one notification of a departure over several accounts, sent when the last targeted account reports:
 * "complete across N accounts", or `partial` naming each unreachable account and why.
 */
export function coverageNotification(c: Coverage): Notification {
  const n = c.targets.filter((t) => /^\d{12}$/.test(t)).length;
  const accounts = c.accounts.filter((a) => /^\d{12}$/.test(a.accountId));
  const reached = accounts.filter((a) => a.outcome !== 'unreachable').length;
  const withUsers = accounts.filter((a) => a.principals.length).length;
  const unreachable = c.unreachable.map((u) => u.accountId);
  const idc = c.targets.includes('identity-center') ? ' and Identity Center' : '';
  const headline =
    c.outcome === 'revoked' || c.outcome === 'not-found' || c.outcome === 'planned'
      ? `departure complete across ${n} account${n === 1 ? '' : 's'}${idc}: ${c.outcome}`
      : `departure ${c.outcome} across ${n} account${n === 1 ? '' : 's'}${idc}${unreachable.length ? `: ${unreachable.length} unreachable` : ''}`;
  const lines = [
    `Offboarding ${headline}`,
    `person: ${c.subject}`,
    `run: ${c.runId}   started: ${c.startedAt}`,
    `coverage: targeted ${n}, reached ${reached}, unreachable ${unreachable.length}${unreachable.length ? ` (${unreachable.join(', ')})` : ''}; the person has users in ${withUsers}`,
    ...accountLines(c),
  ];
  return {
    subject: `[offboarding] ${headline}`,
    text: lines.join('\n'),
    json: { kind: 'departure-coverage', ...c },
    attributes: {
      trigger: 'departure',
      outcome: c.outcome,
      severity: unreachable.length ? 'high' : revocationSeverity('departure', c.outcome),
    },
  };
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
  return {
    subject: `[offboarding] account ${item.accountId} not reached: ${item.kind} work item to the DLQ`,
    text: [
      `The ${item.kind} work item ${item.id} failed its last delivery (attempt ${item.attempts}) and goes to the account queue's DLQ.`,
      `account: ${item.accountId}`,
      `why: ${item.why}`,
      'next: fix the cause (is the member role deployed in that account, trusting this stack?), then redrive the DLQ.',
    ].join('\n'),
    json: { ...item, kind: 'account-dead-letter', workKind: item.kind },
    attributes: { trigger: item.kind, outcome: 'dead-letter', severity: 'high' },
  };
}
