import type { RestoreReport, RevocationReport, StepResult } from '../../src/engine/types';
import { table } from '../../src/notify';
import type { SweepSummary } from '../../src/sweep/types';
import type {
  DemoResult,
  DepartureAccount,
  DepartureFlow,
  DepartureIdentityCenter,
  IdentityCenterSeed,
  IncidentFlow,
  NotificationsFlow,
  ProbeAt,
  Proof,
  SeedSummary,
  SweepFlow,
} from './types';

/** The narration: plain aligned text, no colour, rendered from the same result `--json` prints. */

const RULE = '='.repeat(78);

function heading(title: string): string {
  return `\n${RULE}\n${title}\n${RULE}`;
}

function indent(text: string, by = '  '): string {
  return text
    .split('\n')
    .map((l) => (l ? by + l : l))
    .join('\n');
}

function proofs(list: readonly Proof[]): string {
  return table([
    ['proof', 'result', 'seen'],
    ...list.map((p) => [p.claim, p.ok ? 'PASS' : 'FAIL', p.evidence]),
  ]);
}

function proofLines(list: readonly Proof[]): string {
  return list.map((p) => `  [${p.ok ? 'PASS' : 'FAIL'}] ${p.claim}\n         ${p.evidence}`).join('\n');
}

function probeRows(probes: readonly ProbeAt[], withAccount = false): string {
  return table([
    [...(withAccount ? ['account'] : []), 'when', 'user', 'access key', 'real request with that key'],
    ...probes.map((p) => [
      ...(withAccount ? [p.accountId] : []),
      p.when,
      p.userName,
      p.accessKeyId,
      p.probe.line,
    ]),
  ]);
}

/** A step's name: its type, or for a restore the step it undoes (`undo deactivate-access-key`). */
const stepName = (step: StepResult) => {
  const undo = /^\d+-undo-(.+)$/.exec(step.id);
  return undo ? `undo ${undo[1]}` : step.type;
};

function stepRows(rows: readonly { user: string; step: StepResult }[]): string {
  return table([
    ['user', 'step', 'subject', 'outcome', 'detail'],
    ...rows.map(({ user, step }) => [
      user,
      stepName(step),
      step.subject,
      step.outcome,
      (step.error ?? step.detail ?? '').slice(0, 70),
    ]),
  ]);
}

function revocationSteps(report: RevocationReport): string {
  const rows = report.principals.flatMap((p) => p.steps.map((step) => ({ user: p.principal.name, step })));
  const verified = report.principals
    .map(
      (p) =>
        `${p.principal.name}: ${p.outcome}, verified ${p.verification ? (p.verification.ok ? 'yes' : 'NO') : 'n/a'}` +
        (p.verification ? ` (${p.verification.checks.length} checks re-read)` : ''),
    )
    .join('; ');
  const notes = [
    ...report.principals.flatMap((p) => p.notes.map((n) => `${p.principal.name}: ${n}`)),
    ...report.notes,
  ].map((n) => `engine note: ${n}`);
  return [
    stepRows(rows),
    '',
    `run ${report.runId}: ${report.outcome.toUpperCase()}   ${verified}`,
    ...notes,
  ].join('\n');
}

function restoreSteps(report: RestoreReport): string {
  const lines = [
    stepRows(report.steps.map((step) => ({ user: report.principal.name, step }))),
    '',
    `run ${report.runId}: ${report.outcome.toUpperCase()}   undoes ${report.undoes.join(', ')}   verified ${
      report.verification ? (report.verification.ok ? 'yes' : 'NO') : 'n/a'
    }`,
  ];
  for (const n of report.notRestored) lines.push(`not restored: ${n}`);
  for (const n of report.notes) lines.push(`engine note: ${n}`);
  return lines.join('\n');
}

export function renderIntro(): string {
  return [
    'aws-offboarding-revoker demo: the whole product on a local AWS emulator (moto), in under a minute.',
    'No AWS account is used: credentials, region and endpoint are set by the demo for the emulator only.',
  ].join('\n');
}

export function renderSeed(seed: SeedSummary): string {
  const users = table([
    ['account', 'IAM user', 'who', 'access keys', 'also'],
    ...seed.users.map((u) => [u.accountId, u.userName, u.who, u.keys.join(' '), u.extras.join(', ')]),
  ]);
  const sessions = table([
    ['SSM session', 'owner', 'target'],
    ...seed.sessions.map((s) => [s.sessionId, s.owner, s.target]),
  ]);
  return [
    heading('Setup: a small company on two local AWS accounts'),
    `emulator: moto_server at ${seed.endpoint} (region ${seed.region}), IAM enforcement ON after the seed:`,
    'every request below is authenticated and evaluated against IAM policies.',
    '',
    'accounts:',
    indent(table([['account', 'what'], ...seed.accounts.map((a) => [a.accountId, a.reachedAs])])),
    '',
    'what the stack would create:',
    indent(
      table([
        ['resource', 'name'],
        ['SNS topic (reports)', seed.stack.notifyTopicArn],
        ['  subscribed queue', seed.stack.inboxQueueUrl],
        ['DynamoDB state table', seed.stack.stateTable],
        ['departure queue', seed.stack.departureQueueUrl],
        ['  dead-letter queue', seed.stack.departureDlqUrl],
        ['account queue', seed.stack.accountQueueUrl],
        ['  dead-letter queue', seed.stack.accountDlqUrl],
        ['webhook secrets (SSM)', seed.stack.webhookSecretParameters.join(', ')],
      ]),
    ),
    '',
    indent(users),
    `  role: ${seed.role}`,
    '',
    ...identityCenterSeed(seed.identityCenter),
    '',
    indent(sessions),
    '',
    'settings:',
    indent(
      table([['variable', 'value'], ...Object.entries(seed.settings).map(([k, v]) => [k, v])]).replace(
        /^/,
        '',
      ),
    ),
    ...seed.settingNotes.map((n) => `  note: ${n}`),
    '',
    ...seed.simulated.map((s) => `SIMULATED: ${s}`),
    ...seed.gaps.map((s) => `NOT IN THE EMULATOR: ${s}`),
  ].join('\n');
}

function accountShare(a: DepartureAccount): string {
  const rows = a.records.flatMap((r) => r.steps.map((step) => ({ user: r.userName, step })));
  return [
    `account ${a.accountId} (${a.home ? 'own credentials' : a.reachedAs}): ${(a.outcome ?? 'not reported').toUpperCase()}`,
    rows.length ? indent(stepRows(rows)) : '  (no revocation record of this run)',
  ].join('\n');
}

/** `1 statement (TeamBuckets)`: a policy's statements by Sid. */
function statementsOf(policy: string): string {
  try {
    const doc = JSON.parse(policy) as { Statement?: { Sid?: string } | { Sid?: string }[] };
    const list = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
    return `${list.length} statement${list.length === 1 ? '' : 's'} (${list.map((st) => st.Sid ?? 'no Sid').join(', ')})`;
  } catch {
    return 'not JSON';
  }
}

function identityCenterSeed(idc: IdentityCenterSeed): string[] {
  return [
    `IAM Identity Center: instance ${idc.instanceArn}, identity store ${idc.identityStoreId}`,
    indent(
      table([['user (userName)', 'user id', 'who'], ...idc.users.map((u) => [u.userName, u.userId, u.who])]),
    ),
    `  group ${idc.group.name} (${idc.group.groupId}): ${idc.group.members.join(', ')}`,
    indent(
      table([
        ['permission set', 'assigned in', 'to', 'inline policy'],
        ...idc.permissionSets.map((p) => [
          p.name,
          p.accountId,
          p.via === 'direct' ? `${idc.users[0]?.userName ?? '?'} (direct)` : p.via,
          p.inlinePolicy ? statementsOf(p.inlinePolicy) : 'none',
        ]),
      ]),
    ),
  ];
}

/** The departure's Identity Center share: before, the run's steps, provisioning, the policies, after. */
function identityCenterShare(idc: DepartureIdentityCenter, seed: IdentityCenterSeed): string[] {
  const names = (text: string) =>
    seed.permissionSets.reduce(
      (t, p) => t.split(p.arn).join(p.name),
      text.split(seed.group.groupId).join(seed.group.name),
    );
  const access = (a: DepartureIdentityCenter['before']) => [
    `    direct assignments: ${a.direct.join(', ') || 'none'}`,
    `    member of: ${a.groups.join(', ') || 'no group'}`,
    `    group ${seed.group.name}: assigned ${a.groupAssignments.join(', ') || 'nothing'}; members ${a.groupMembers.join(', ') || 'none'}`,
  ];
  return [
    `Identity Center user ${idc.user.userName} (${idc.user.userId}): revoked by the revocation worker itself,`,
    "once, beside the fan-out (the instance is the organization's), and reported as the run's identity-center target.",
    '  before (read from moto):',
    ...access(idc.before),
    `  the run's steps (its Identity Center record in the state table: ${(idc.record.outcome ?? 'no record').toUpperCase()}):`,
    indent(
      table([
        ['step', 'subject', 'outcome', 'detail'],
        ...idc.record.steps.map((s) => [
          s.type,
          names(s.subject),
          s.outcome,
          names(s.error ?? s.detail ?? ''),
        ]),
      ]),
      '    ',
    ),
    '  provisioning (status SIMULATED, see above):',
    ...idc.provisioning.map(
      (p) =>
        `    ${names(p.permissionSetArn)}: ProvisionPermissionSet -> IN_PROGRESS (moto said ${p.motoStatus}), ${p.polls} DescribePermissionSetProvisioningStatus poll(s) -> SUCCEEDED`,
    ),
    '  inline policies now (read from moto):',
    ...idc.permissionSets.flatMap((p) => [
      `    ${p.name}: ${p.revokedIds.length ? `OffboardingRevokedUsers denies [${p.revokedIds.join(', ')}]` : 'NO OffboardingRevokedUsers statement'}`,
      indent(p.inlinePolicy || '(none)', '      '),
    ]),
    '  after (read from moto):',
    ...access(idc.after),
  ];
}

export function renderDeparture(f: DepartureFlow, seed: IdentityCenterSeed): string {
  const before = f.probes.filter((p) => p.when === 'before');
  const after = f.probes.filter((p) => p.when === 'after');
  const coverage = f.completion.coverage;
  return [
    heading(
      `Flow 1: HR says ${f.person.name} left (signed webhook -> receiver -> queue -> worker -> each account, Identity Center)`,
    ),
    `${f.person.name} (${f.person.employeeId}, ${f.person.email}) has IAM users in two accounts:`,
    ...Object.entries(f.person.users).map(([account, users]) => `  ${account}: ${users.join(', ')}`),
    `and an Identity Center user, ${f.identityCenter.user.userName}, with a permission set in each of them.`,
    '',
    'Before: her keys work, in both accounts.',
    indent(probeRows(before, true)),
    '',
    `A webhook signed with the wrong secret: POST ${f.webhook.url} -> HTTP ${f.forged.status} ${f.forged.body}`,
    `HR's signed webhook (Standard Webhooks, id ${f.webhook.webhookId}):`,
    `  POST ${f.webhook.url} -> HTTP ${f.webhook.status} ${f.webhook.body} (${f.webhook.ms} ms)`,
    `The departure queue delivers ${f.delivery.received} record(s) to the revocation worker: ${
      f.delivery.batchItemFailures.length
    } failure(s) (${f.delivery.ms} ms).`,
    `TARGET_ACCOUNTS lists ${f.fanOut.targets.join(' and ')}: it fans out, one work item per account:`,
    indent(
      table([['work item', 'kind', 'account'], ...f.fanOut.items.map((i) => [i.id, i.kind, i.accountId])]),
    ),
    `The account queue delivers ${f.fanOut.received} record(s) to the account worker: ${
      f.fanOut.batchItemFailures.length
    } failure(s) (${f.fanOut.ms} ms); left on the queue ${f.fanOut.leftOnQueue}, on its DLQ ${f.fanOut.leftOnDlq}.`,
    '',
    `What each account's share did (the run's records in the state table, run ${f.runId}):`,
    ...f.accounts.map((a) => indent(accountShare(a))),
    '',
    ...identityCenterShare(f.identityCenter, seed),
    '',
    `Notifications of the departure: ${f.completion.count}`,
    ...(coverage
      ? [
          `  ${f.completion.subject ?? '(no subject)'}`,
          `  coverage: ${coverage.complete ? 'complete' : 'INCOMPLETE'}, targeted ${coverage.targets.join(', ')}; ${coverage.accounts
            .map(
              (a) => `${a.accountId} ${a.outcome} (${a.principals.map((p) => p.principal.name).join(', ')})`,
            )
            .join('; ')}`,
          ...coverage.accounts.flatMap((a) => a.notes.map((n) => `  ${a.accountId} note: ${n}`)),
        ]
      : ['  (no completion notification was received)']),
    '',
    'After: the same keys.',
    indent(probeRows(after, true)),
    '  moto words every refusal "not authorized"; her allow-all policy is still attached, so only the',
    '  explicit deny can be refusing her.',
    '',
    `Opening a new SSM session with her key (ssm:StartSession --target ${f.startSession.target}):`,
    `  before: ${f.startSession.before.line}`,
    `  after:  ${f.startSession.after.line}`,
    '  moto has no Session Manager, but it checks IAM before it looks for the action: a request IAM allows',
    '  gets moto\'s "not implemented" (500), a denied one AccessDenied (403), as AWS would refuse it.',
    '',
    indent(
      table([
        ['SSM session', 'owner', 'status'],
        ...f.sessionsAfter.map((s) => [s.sessionId, s.owner, s.status]),
      ]),
    ),
    '',
    proofLines(f.proofs),
  ].join('\n');
}

function sweepKeys(s: SweepSummary): string {
  if (!s.keys.length) return '  (no key flagged)';
  return indent(
    table([
      ['user', 'access key', 'class', 'age', 'last used', 'owner', 'action'],
      ...s.keys.map((k) => [
        k.user,
        k.accessKeyId ?? `slot ${k.slot ?? '?'}`,
        k.class,
        k.ageDays === undefined ? '?' : `${k.ageDays} d`,
        k.lastUsed === 'never' || k.lastUsed === 'unknown' ? k.lastUsed : k.lastUsed.slice(0, 10),
        Object.values(k.owner).join(' / ') || '-',
        k.action,
      ]),
    ]),
  );
}

export function renderSweep(f: SweepFlow): string {
  const counts = (s: SweepSummary) =>
    Object.entries(s.counts)
      .filter(([, n]) => n > 0)
      .map(([c, n]) => `${c} ${n}`)
      .join(', ');
  const status = (s: SweepFlow['afterEnforce']) =>
    indent(
      table([
        ['IAM user', 'access keys now'],
        ...s.map((u) => [
          u.userName,
          Object.entries(u.keys)
            .map(([id, st]) => `${id} ${st}`)
            .join(', '),
        ]),
      ]),
    );
  const lines = [
    heading(
      `Flow 2: the scheduled key sweep, on the day Sam's first key turns ${f.enforce.thresholds.keyMaxAgeDays}`,
    ),
    "The emulator stamps keys with the real time, so the sweep's clock is moved instead:",
    `it runs as if it were ${f.clock} (${f.offsetDays} days from now), when Sam's first key is`,
    `${f.enforce.thresholds.keyMaxAgeDays} days old and his second, created a few seconds later, is one day short of it`,
    `(limits: ${f.enforce.thresholds.keyMaxAgeDays} days old, ${f.enforce.thresholds.keyMaxIdleDays} days idle, warned ${f.enforce.thresholds.keyWarnDays} days ahead).`,
    ...(f.targets.length > 1
      ? [
          `TARGET_ACCOUNTS lists ${f.targets.join(' and ')}: the scheduled handler would queue one sweep per`,
          "account for the account worker, whose clock is the real time. This flow runs the stack's own account's",
          `share (${f.accountId}) itself: the same sweep, with the function's own clients and the clock moved.`,
        ]
      : []),
    '',
    `Report mode (run ${f.report.runId}): ${f.report.outcome.toUpperCase()}; keys by class: ${counts(f.report)}`,
    sweepKeys(f.report),
    '  nothing changed:',
    status(f.afterReport),
    '',
    `Enforce mode (run ${f.enforce.runId}): ${f.enforce.outcome.toUpperCase()}; keys by class: ${counts(f.enforce)}`,
    sweepKeys(f.enforce),
    `  breaker: ${f.enforce.breaker.wouldDeactivate} of ${f.enforce.activeKeys} active keys to deactivate, limits ${f.enforce.breaker.maxActions} keys and ${f.enforce.breaker.maxFraction} of active keys: ${
      f.enforce.breaker.tripped ? 'TRIPPED' : 'not tripped'
    }`,
    ...f.enforce.exemptions.map(
      (e) =>
        `  exemption: ${e.user} ${e.status}${e.until ? ` until ${e.until}` : ''}${e.reason ? `: ${e.reason}` : ''}`,
    ),
    `  drift among revoked users: ${f.enforce.drift.length ? f.enforce.drift.map((d) => d.user).join(', ') : 'none'}`,
    ...f.enforce.notes.map((n) => `  sweep note: ${n}`),
    '  (moto reports every credential report as generated in 2015, hence the age note.)',
    '  after enforce:',
    status(f.afterEnforce),
    '',
    proofLines(f.proofs),
  ];
  return lines.join('\n');
}

export function renderIncident(f: IncidentFlow): string {
  return [
    heading(`Flow 3: incident: access key ${f.accessKeyId} reported leaked`),
    `lockdown {"target":{"accessKeyId":"${f.accessKeyId}"}} (direct invoke of the lockdown handler)`,
    indent(revocationSteps(f.lockdown)),
    '',
    `restore {"target":{"userName":"${f.userName}"}} (direct invoke of the restore handler)`,
    indent(restoreSteps(f.restore)),
    '',
    indent(probeRows(f.probes)),
    '',
    proofLines(f.proofs),
  ].join('\n');
}

export function renderNotifications(f: NotificationsFlow): string {
  return [
    heading('Flow 4: the notifications, as the topic subscriber received them'),
    indent(
      table([
        ['#', 'trigger', 'outcome', 'severity', 'subject'],
        ...f.received.map((n, i) => [String(i + 1), n.trigger, n.outcome, n.severity, n.subject]),
      ]),
    ),
    '  (attributes trigger/outcome/severity let a subscription filter; the body is the JSON report.)',
    '',
    proofLines(f.proofs),
  ].join('\n');
}

export function renderSummary(result: DemoResult): string {
  const failed = result.proofs.filter((p) => !p.ok);
  return [
    heading(
      `Summary: ${result.proofs.length - failed.length} of ${result.proofs.length} proofs passed in ${(result.durationMs / 1000).toFixed(1)} s`,
    ),
    proofs(
      result.proofs.map((p) => ({
        ...p,
        evidence: p.evidence.length > 60 ? `${p.evidence.slice(0, 57)}...` : p.evidence,
      })),
    ),
    ...(result.error ? ['', `ERROR: ${result.error}`] : []),
    '',
    result.ok
      ? 'Everything above ran against the emulator; the emulator and the local HTTP server are stopped.'
      : 'The demo did not prove everything it set out to: see FAIL above.',
  ].join('\n');
}
