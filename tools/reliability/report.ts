import type { ProxyFigures, WorkerFigures } from './common';
import type { ReliabilityResults } from './run';

/**
 * RELIABILITY.md from one run's results: every figure printed here was measured by that run.
 * Never bundled into a handler.
 */

const n = (x: number) => x.toLocaleString('en-US');
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const kv = (o: Record<string, number>) =>
  Object.entries(o)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${n(v)}`)
    .join(', ') || 'none';
/** `1 command`, `2 commands`. */
const count = (x: number, one: string, many = `${one}s`) => `${n(x)} ${x === 1 ? one : many}`;
const yes = (b: boolean) => (b ? 'yes' : '**NO**');
const row = (cells: readonly (string | number)[]) => `| ${cells.map(String).join(' | ')} |`;

function faults(p: ProxyFigures): string {
  const total = Object.values(p.faults).reduce((a, b) => a + b, 0);
  return `${n(total)} of ${n(p.requests)} requests (${((100 * total) / Math.max(1, p.requests)).toFixed(1)}%): ${kv(p.faults)}`;
}

function retries(p: ProxyFigures): string {
  const r = p.retries;
  return `${n(r.retries)} SDK retries over ${n(r.commands)} commands (${kv(r.retriesByService)}; highest attempt ${r.maxAttemptSeen}); ${count(r.gaveUp, 'command')} gave up on an injected fault${r.gaveUp ? ` (${kv(r.gaveUpByOperation)}), ${n(r.gaveUpAtMaxAttempts)} of them at the attempt limit` : ''}`;
}

function worker(w: WorkerFigures): string {
  return `${n(w.lambda.invocations)} invocations (longest ${s(w.lambda.maxDurationMs)}; ${n(w.lambda.coldStarts)} cold starts, longest init ${s(w.lambda.maxInitMs)}, ${n(w.lambda.timeouts)} killed at the timeout, ${n(w.lambda.crashes)} crashed, ${n(w.lambda.errors)} errors), ${n(w.batches)} batches, ${n(w.records)} records received, ${count(w.redeliveries, 'redelivery', 'redeliveries')} (highest receive count ${w.highestReceiveCount}), ${count(w.itemFailures, 'batch item failure')}, ${count(w.failedBatches, 'batch', 'batches')} failed whole${w.failedBatches ? ` (records: ${kv(w.batchFailures)})` : ''}`;
}

export function renderReport(r: ReliabilityResults): string {
  const d = r.departures;
  const dup = r.duplicates;
  const wf = r.writeFailure;
  const c = r.crash;
  const h = r.hostileWebhook;
  const a = r.malformedAdmin;
  const t = r.config.timing;
  const out: string[] = [];
  out.push(
    '# Reliability: figures from one run',
    '',
    `Written by \`npm run reliability\` (scripts/reliability.ts) from the run that started ${r.startedAt} and took ${s(r.durationMs)} on ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}, moto ${r.machine.moto}; seed ${r.config.seed}. How the scenarios work, the retry settings and their reasons: [docs/reliability.md](docs/reliability.md). A smaller configuration of the same scenarios runs in \`npm test\` (test/integration/reliability.test.ts) and asserts the same figures.`,
    '',
    'Every handler ran as its real module (`handlers/*.ts`) in its own Node process per execution environment, with its cold start, against moto_server with IAM enforcement on; AWS calls went through the fault proxy (tools/local/proxy.ts); the worker was fed by an SQS event source on a real moto queue (RedrivePolicy honoured by moto). Outcomes were read back from moto with an unfaulted operator client.',
    '',
    `Worker settings (serverless.yml scaled in time): function timeout ${s(t.timeoutMs)}, queue visibility ${t.visibilityTimeoutSeconds} s, maxReceiveCount ${t.maxReceiveCount}, batch size ${t.batchSize}, ${t.concurrency} concurrent environments (scenario 2: ${r.config.duplicatesConcurrency}).`,
    '',
    '## Summary',
    '',
    row(['figure', 'required', 'measured']),
    row(['---', '---', '---']),
    row([
      `departures lost of ${d.people} under ${r.config.faultRate * 100}% faults`,
      0,
      `**${d.lost}** (${d.outcomes.revoked} revoked and verified, ${d.outcomes.protected} protected-only left untouched, ${d.outcomes['dlq-notified']} in the DLQ with a failure notification${d.outcomes['partial-not-retried'] ? `; ${d.outcomes['partial-not-retried']} left partly revoked and not retried, see the always-failing key deactivation` : ''})`,
    ]),
    row([
      'the always-failing key deactivation: a key deactivation failing on all 5 SDK attempts ends revoked or in the DLQ',
      'yes',
      `**${wf.outcome === 'revoked' || wf.outcome === 'dlq-notified' ? 'yes' : 'no'}** (${wf.outcome})`,
    ]),
    row([
      `runs / notifications of ${dup.copies} duplicates`,
      '1 / 1',
      `**${dup.runs} / ${dup.notifications}**`,
    ]),
    row(['crash right after the deny completed by the retry', 'yes', `**${c.completed ? 'yes' : 'no'}**`]),
    row([
      `5xx / unsigned messages queued of ${h.requests} hostile webhook requests`,
      '0 / 0',
      `**${h.fiveXx} / ${h.unsignedQueued}** (${h.asExpected} of ${h.requests} answered the exact expected status)`,
    ]),
    row([
      `AWS writes from ${a.invocations} malformed lockdown/restore inputs`,
      0,
      `**${a.awsWrites}** (${a.awsRequests} AWS requests at all; ${a.invalidRequestErrors} InvalidRequestError)`,
    ]),
    row([
      `writes to protected principals (${r.protected.principals} seeded), all scenarios`,
      0,
      `**${r.protected.writes}**`,
    ]),
    '',
    `## 1. ${d.people} departures under ${r.config.faultRate * 100}% faults`,
    '',
    row(['load', 'faults injected', 'retries observed', 'outcome', 'lost']),
    row(['---', '---', '---', '---', '---']),
    row([
      `${d.people} people, ${d.users} IAM users (${d.protectedUsers} protected), one departure each from a drawn provider (standard, okta, bamboohr, hibob)`,
      faults(d.proxy),
      `${retries(d.proxy)}; HR senders: ${d.delivery.requests > d.people ? `${count(d.delivery.requests - d.people, 'redelivery', 'redeliveries')} (answers retried: ${kv(d.delivery.retriedAnswers)})` : 'none needed'}; worker: ${n(d.worker.redeliveries)} SQS redeliveries`,
      `${d.outcomes.revoked} revoked and verified, ${d.outcomes.protected} protected-only untouched, ${d.outcomes['dlq-notified']} in the DLQ with a failure notification, ${d.outcomes['protected-touched']} protected touched`,
      `**${d.lost}** (${d.outcomes['partial-not-retried']} partly revoked, notified and not retried; ${d.outcomes.lost} not revoked and not notified; ${d.outcomes['dlq-silent']} in the DLQ without a failure notification; ${d.outcomes.undelivered} never accepted; half-done silently: ${d.halfDoneSilently})`,
    ]),
    '',
    `- Webhook: ${n(d.delivery.requests)} requests, ${n(d.delivery.accepted)} departures accepted (202, Okta an empty 200), ${n(d.delivery.undelivered)} never accepted; ${count(d.queuedMoreThanOnce, 'departure')} queued twice (a SendMessageBatch retried after its answer was lost), absorbed by the worker's idempotency.`,
    `- Worker: ${worker(d.worker)}. Departures sent back to the queue, by error (worker log): ${kv(d.retriedErrors)}.`,
    `- Notifications received: ${kv(d.notifications)}; at most ${d.maxNotificationsPerDeparture} for one departure (${count(d.notifiedMoreThanOnce.length, 'departure')} notified more than once: ${d.notifiedMoreThanOnce.map((x) => x.outcomes.join(' + ')).join('; ') || 'none'}; sns:Publish answers lost after SNS had the message: ${d.publishesResetAfterForward}). DLQ: ${d.dlq}.`,
    `- Idempotency records: ${kv(d.idempotency.byStatus)}; saved without an in-progress expiry: ${d.idempotency.withoutInProgressExpiry}.`,
    '- "Verified revoked" means, read back from moto for every non-protected user of the person: the deny policy attached, no access key Active, no login profile, no MFA device, no SSM session connected (own and federated), and the user\'s own key answered `AccessDenied`; every protected user unchanged (keys Active, login profile, MFA, session, no `offboarding:` tag, own key allowed).',
    ...(d.failures.length
      ? [
          '',
          'Departures that did not end revoked:',
          '',
          ...d.failures.map(
            (f) =>
              `- ${f.person} (${f.departureId || 'not accepted'}): ${f.outcome}; notifications ${f.notifications.join(', ') || 'none'}; ${f.problems.join('; ')}`,
          ),
        ]
      : []),
    '',
    '## The always-failing key deactivation (scenario 1, made deterministic)',
    '',
    "What scenario 1 meets by chance (a write whose 5 attempts are all faulted), made deterministic: the proxy answers 503 to the first 5 `iam:UpdateAccessKey` requests for one of the user's two keys, later ones go through. No other fault.",
    '',
    row(['load', 'faults injected', 'retries observed', 'outcome', 'lost']),
    row(['---', '---', '---', '---', '---']),
    row([
      'one departure (user with 2 keys, login profile, MFA, an SSM session)',
      `${wf.injected} × 503 on one key's UpdateAccessKey`,
      `${wf.injected - 1} SDK retries; receive counts ${wf.receiveCounts.join(', ')}`,
      `${wf.outcome}: ${wf.problems.join('; ') || 'verified revoked'}; deny attached ${yes(wf.afterRun.denyAttached)}, own key ${wf.afterRun.ownKey}, tag offboarding:state=${wf.afterRun.tags['offboarding:state'] ?? 'none'}; notifications: ${wf.notifications.join(', ') || 'none'}; DLQ ${wf.dlq}`,
      wf.outcome === 'revoked' || wf.outcome === 'dlq-notified' ? 0 : 1,
    ]),
    '',
    ...(wf.outcome === 'revoked' || wf.outcome === 'dlq-notified'
      ? []
      : [
          "Diagnosis: the departure was neither verified revoked nor in the DLQ. The engine records a failed step and ends the user `partial`; the worker (src/departures/worker.ts `needsRetry`) must send such a departure back to the queue so the retry finishes it, or the DLQ keeps it after maxReceiveCount with each attempt's notification. Check that rule first.",
          '',
        ]),
    `## 2. One departure delivered ${dup.copies} times at once`,
    '',
    row(['load', 'faults injected', 'retries observed', 'outcome', 'lost']),
    row(['---', '---', '---', '---', '---']),
    row([
      `${dup.copies} concurrent signed deliveries of one standard departure; worker with ${r.config.duplicatesConcurrency} environments`,
      faults(dup.proxy),
      `${n(dup.worker.redeliveries)} SQS redeliveries (${n(dup.worker.itemFailures)} batch item failures while the first copy ran)`,
      `${dup.runs} revocation run (revocation records), ${dup.denyWrites} deny attachment served by IAM, ${dup.notifications} notification (${dup.notificationOutcomes.join(', ')}), revoked and verified: ${yes(dup.verified)}`,
      dup.verified ? 0 : 1,
    ]),
    '',
    `- Webhook answers: ${kv(dup.statuses)}; distinct departure ids: ${dup.departureIds}; messages queued: ${dup.queued}; DLQ: ${dup.dlq}.`,
    `- Worker: ${worker(dup.worker)}.`,
    '',
    '## 3. The worker killed right after the deny',
    '',
    row(['load', 'faults injected', 'retries observed', 'outcome', 'lost']),
    row(['---', '---', '---', '---', '---']),
    row([
      'one departure (user with 2 keys, login profile, MFA, an SSM session)',
      c.crashPoint,
      `receive counts ${c.receiveCounts.join(', ')}; redelivered ${s(c.redeliveredAfterMs)} after the crash`,
      `completed by the retry: ${yes(c.completed)}; runs: ${c.runs.join(', ')}; notifications: ${c.notifications.join(', ') || 'none'}`,
      c.completed ? 0 : 1,
    ]),
    '',
    `- Right after the crash, on moto: deny attached ${yes(c.afterCrash.denyAttached)}, ${c.afterCrash.activeKeys} keys still Active, login profile ${c.afterCrash.loginProfile ? 'still present' : 'gone'}, ${c.afterCrash.mfaDevices} MFA device, ${c.afterCrash.connectedSessions} session connected; own key ${c.afterCrash.ownKey}; idempotency record ${c.idempotencyAfterCrash}.`,
    `- The in-progress record expired ${s(c.inProgressExpiresAfterMs)} after the crash (its expiry is the Lambda context's getRemainingTimeInMillis at the start of the record, here counting down from the ${s(t.timeoutMs)} function timeout); the scenario waited it out: the message came back ${s(c.redeliveredAfterMs)} after the crash, when its ${t.visibilityTimeoutSeconds} s visibility timeout ran out.`,
    `- After the retry: deny attached ${yes(c.afterRetry.denyAttached)}, ${c.afterRetry.activeKeys} keys Active (${c.afterRetry.inactiveKeys} Inactive), login profile ${c.afterRetry.loginProfile ? '**present**' : 'gone'}, ${c.afterRetry.mfaDevices} MFA devices, ${c.afterRetry.connectedSessions} sessions connected, tag offboarding:state=${c.afterRetry.tags['offboarding:state'] ?? 'none'}; idempotency record ${c.idempotencyAfterRetry}; DLQ ${c.dlq}.`,
    `- Worker: ${worker(c.worker)}.`,
    '',
    '## 4. Hostile webhook requests and malformed admin inputs',
    '',
    row(['load', 'faults injected', 'retries observed', 'outcome', 'lost']),
    row(['---', '---', '---', '---', '---']),
    row([
      `${h.requests} generated requests (fast-check, seed ${r.config.seed}) through the real hr-webhook handler, real moto queue`,
      "none (any 5xx would be the code's own)",
      'none',
      `${h.asExpected} of ${h.requests} answered exactly the expected status; ${h.fiveXx} 5xx; ${h.queued} messages queued, ${h.unsignedQueued} of them without a valid signature; ${h.acceptedNotQueued} accepted but not queued`,
      0,
    ]),
    row([
      `${a.invocations} malformed invocations (${kv(a.byHandler)}) through the real handlers`,
      'none',
      'none',
      `${a.invalidRequestErrors} InvalidRequestError; ${a.awsRequests} AWS requests, ${a.awsWrites} writes`,
      '-',
    ]),
    '',
    row(['kind', 'requests', 'answers', 'as expected', '5xx']),
    row(['---', '---', '---', '---', '---']),
    ...Object.entries(h.byKind).map(([kind, k]) =>
      row([kind, k.requests, kv(k.statuses), k.asExpected, k.fiveXx]),
    ),
    '',
    ...(h.mismatches.length
      ? [
          'Requests answered other than expected:',
          '',
          ...h.mismatches.map(
            (m) => `- ${m.kind} (${m.provider}): ${m.variant}: expected ${m.expected}, got ${m.got}`,
          ),
          '',
        ]
      : []),
    `Malformed admin inputs by defect: ${kv(a.defects)}.${a.otherOutcomes.length ? ` Not rejected as InvalidRequestError: ${a.otherOutcomes.map((o) => `${o.handler} ${o.defect} -> ${o.got}`).join('; ')}.` : ''}`,
    '',
    '## 5. Protected principals',
    '',
    `Seeded: ${r.protected.principals} protected users and roles (tagged \`offboarding:protected=true\` or named in \`PROTECTED_PRINCIPALS\`), among the people of scenario 1 (a break-glass or root user beside an ordinary one, and people with only protected users) and two roles. A write counts when the proxy saw a write operation whose \`UserName\`, \`RoleName\`, \`AccessKeyId\` or SSM \`SessionId\` is one of theirs, faulted or not.`,
    '',
    row(['scenario', 'writes to protected principals']),
    row(['---', '---']),
    ...Object.entries(r.protected.writesByScenario).map(([k, v]) => row([k, v])),
    row(['IAM writes naming no user or role', r.protected.unattributedIamWrites]),
    '',
    `Valid lockdowns aimed at them (scenario 4): ${r.protectedLockdowns.attempts.map((x) => `${x.target} -> ${x.outcome}`).join('; ')}; writes to protected principals meanwhile: ${r.protectedLockdowns.protectedWrites}.`,
    '',
  );
  return out.join('\n');
}
