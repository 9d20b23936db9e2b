import { randomBytes } from 'node:crypto';
import { ListAccessKeysCommand } from '@aws-sdk/client-iam';
import type { Context } from 'aws-lambda';
import type { Clients } from '../../src/clients';
import type { Config } from '../../src/config';
import type { RestoreReport, RevocationReport } from '../../src/engine/types';
import type { keySweep } from '../../src/sweep/sweep';
import type { SweepSummary } from '../../src/sweep/types';
import type { Moto } from '../local/moto';
import { drainInbox, type ReceivedNotification } from '../local/seed';
import { signatureHeaders } from '../testing/sign';
import { probeKey, readUserState, type UserState } from './aws';
import { BREAK_GLASS, type Company, JANE, keyOf, OPERATOR, SAM, SERVICE_USER } from './company';
import { type LocalHttpApi, lambdaContext } from './http';
import { deliverBatch, type SqsHandler } from './queue';
import type { SimulatedSessions } from './sessions';
import type {
  DepartureFlow,
  IncidentFlow,
  NotificationsFlow,
  ProbeAt,
  Proof,
  ReceivedNotificationView,
  SweepFlow,
} from './types';

/** The four flows of the demo, each returning what it did and the proofs it checked on the emulator. */

export type InvokeHandler = (event: unknown, context: Context) => Promise<unknown>;

/** The sweep's entry (`keySweep`): the demo passes its own clock, `offsetDays` ahead. */
export type SweepFunction = typeof keySweep;

export interface DemoContext {
  readonly moto: Moto;
  readonly region: string;
  readonly company: Company;
  readonly sessions: SimulatedSessions;
  /** Signed with the operator's key (the stack's role in a deployment). */
  readonly clients: Clients;
  /** The configuration the handlers loaded from the environment. */
  readonly config: Config;
  readonly notifications: NotificationLog;
}

/** Every notification the subscriber's queue received, in order, drained as the flows go. */
export class NotificationLog {
  readonly received: ReceivedNotification[] = [];
  constructor(
    private readonly clients: Pick<Clients, 'sqs'>,
    private readonly queueUrl: string,
  ) {}

  /** Reads what arrived since the last call. */
  async drain(): Promise<ReceivedNotification[]> {
    const fresh = await drainInbox(this.clients.sqs, this.queueUrl);
    this.received.push(...fresh);
    return fresh;
  }
}

const proof = (claim: string, ok: boolean, evidence: string): Proof => ({ claim, ok, evidence });

async function probe(ctx: DemoContext, when: string, userName: string, index = 0): Promise<ProbeAt> {
  const key = keyOf(ctx.company, userName, index);
  return {
    when,
    userName,
    accessKeyId: key.accessKeyId,
    probe: await probeKey(ctx.moto.endpoint, ctx.region, key),
  };
}

const statuses = (s: UserState) =>
  Object.entries(s.keys)
    .map(([id, status]) => `${id} ${status}`)
    .join(', ') || 'no keys';

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

async function post(url: string, body: string, headers: Record<string, string>) {
  const started = Date.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'demo-hr-system/1.0', ...headers },
    body,
  });
  return { status: res.status, body: await res.text(), ms: Date.now() - started };
}

/**
 * Flow 1: Jane's key works; HR's signed webhook reaches the real receiver over HTTP; the queued departure
 * reaches the real worker; every one of Jane's users is revoked; the same key is refused.
 */
export async function departureFlow(
  ctx: DemoContext,
  api: LocalHttpApi,
  worker: SqsHandler,
): Promise<DepartureFlow> {
  const [janeUser, adminUser] = JANE.users;
  const before = [await probe(ctx, 'before', janeUser), await probe(ctx, 'before', adminUser)];

  const now = new Date();
  const body = JSON.stringify({
    type: 'employee.departed',
    timestamp: now.toISOString(),
    data: {
      employeeId: JANE.employeeId,
      email: JANE.email,
      effectiveAt: now.toISOString(),
      reason: 'resigned',
    },
  });
  const url = `${api.url}/hr/standard`;
  const forgedHeaders = signatureHeaders(
    'standard',
    body,
    `whsec_${randomBytes(24).toString('base64')}`,
    now,
  );
  const forged = await post(url, body, forgedHeaders);
  const headers = signatureHeaders('standard', body, ctx.company.secrets.standard, now);
  const accepted = await post(url, body, headers);

  const deliveryStarted = Date.now();
  const delivery = await deliverBatch(
    ctx.clients.sqs,
    ctx.company.departureQueueUrl,
    ctx.region,
    worker,
    lambdaContext('revocation-worker', 60_000),
  );
  const deliveryMs = Date.now() - deliveryStarted;
  const fresh = await ctx.notifications.drain();
  const report = fresh
    .filter((n) => n.attributes.trigger === 'departure')
    .map((n) => parseJson<RevocationReport>(n.message))
    .find((r) => r?.kind === 'revocation');

  const after = [await probe(ctx, 'after', janeUser), await probe(ctx, 'after', adminUser)];
  const state = await Promise.all(JANE.users.map((u) => readUserState(ctx.clients.iam, u)));
  const sessionsAfter = ctx.sessions.all().map((s) => ({
    sessionId: s.sessionId,
    owner: s.owner,
    target: s.target,
    status: s.status,
  }));

  const departureIds = delivery.bodies.map((b) => parseJson<{ id?: string }>(b)?.id ?? '?');
  const queued = parseJson<{ queued?: string[] }>(accepted.body)?.queued ?? [];
  const deny = ctx.config.denyPolicyArn;
  const janeState = state[0];
  const janeSessions = sessionsAfter.filter(
    (s) => s.owner.endsWith('/jane.doe') || s.owner.endsWith(JANE.email),
  );
  const others = sessionsAfter.filter((s) => !janeSessions.includes(s));
  const proofs: Proof[] = [
    proof(
      "Jane's keys work before HR calls",
      before.every((p) => p.probe.allowed),
      before.map((p) => `${p.accessKeyId}: ${p.probe.line}`).join('; '),
    ),
    proof(
      'a webhook signed with the wrong secret is refused and queues nothing',
      forged.status === 401 && delivery.received === queued.length,
      `HTTP ${forged.status} ${forged.body}`,
    ),
    proof(
      'the signed webhook is accepted and queued',
      accepted.status === 202 && queued.length === 1,
      `HTTP ${accepted.status} ${accepted.body}`,
    ),
    proof(
      'the worker revokes every IAM user of the person',
      delivery.batchItemFailures.length === 0 &&
        report?.outcome === 'revoked' &&
        report.principals
          .map((p) => p.principal.name)
          .sort()
          .join(',') === [...JANE.users].sort().join(','),
      `worker: ${delivery.received} record(s), ${delivery.batchItemFailures.length} failure(s); run ${report?.runId ?? '?'}: ${
        report?.outcome ?? 'no report received'
      } (${report?.principals.map((p) => `${p.principal.name} ${p.outcome}`).join(', ') ?? ''})`,
    ),
    proof(
      'the same keys now get AccessDenied from the explicit deny (allow-all is still attached)',
      after.every((p) => !p.probe.allowed && p.probe.errorCode === 'AccessDenied') &&
        state.every((s) => s.attachedPolicies.includes(deny)),
      `${after.map((p) => `${p.accessKeyId}: ${p.probe.line}`).join('; ')}; attached: ${state
        .map((s) => `${s.userName} ${s.attachedPolicies.join(' ')}`)
        .join('; ')}`,
    ),
    proof(
      'every access key of the person is Inactive',
      state.every((s) => Object.values(s.keys).every((v) => v === 'Inactive')),
      state.map((s) => `${s.userName}: ${statuses(s)}`).join('; '),
    ),
    proof(
      "her SSM sessions (as jane.doe and as deployer/jane.doe@example.com) are terminated, Sam's is not",
      janeSessions.length === 2 &&
        janeSessions.every((s) => s.status === 'Terminated') &&
        others.every((s) => s.status === 'Connected'),
      sessionsAfter.map((s) => `${s.sessionId} ${s.status}`).join(', '),
    ),
    proof(
      'the users are tagged offboarding:state=revoked',
      janeState?.tags['offboarding:state'] === 'revoked',
      `offboarding:state=${janeState?.tags['offboarding:state'] ?? 'absent'} offboarding:run=${janeState?.tags['offboarding:run'] ?? 'absent'}`,
    ),
  ];
  return {
    person: { name: JANE.name, employeeId: JANE.employeeId, email: JANE.email, users: [...JANE.users] },
    probes: [...before, ...after],
    forged: { status: forged.status, body: forged.body },
    webhook: { url, webhookId: headers['webhook-id'] ?? '', ...accepted },
    delivery: {
      received: delivery.received,
      departureIds,
      batchItemFailures: delivery.batchItemFailures,
      ms: deliveryMs,
    },
    report,
    sessionsAfter,
    state,
    proofs,
  };
}

/** Users whose keys flow 2 watches. */
const SWEEP_WATCH = [SAM.user, SERVICE_USER, BREAK_GLASS, OPERATOR] as const;

const DAY_MS = 86_400_000;

/**
 * The sweep's clock: half a second after Sam's first key turns `maxAgeDays` days old by IAM's own
 * `CreateDate`. His second key, created `SAM_KEY_GAP_MS` later, is then one day short of it. (The
 * credential report dates keys to the second, hence the gap of more than two seconds.)
 */
async function sweepClock(
  ctx: DemoContext,
  maxAgeDays: number,
): Promise<{ now: Date; old: string; fresh: string; createdAt: Record<string, number> }> {
  const listed = await ctx.clients.iam.send(new ListAccessKeysCommand({ UserName: SAM.user }));
  const keys = (listed.AccessKeyMetadata ?? [])
    .map((k) => ({ id: k.AccessKeyId ?? '', at: k.CreateDate?.getTime() ?? 0 }))
    .sort((a, b) => a.at - b.at);
  const [old, fresh] = keys;
  if (!old || !fresh || fresh.at - old.at < 2000) {
    throw new Error(
      `demo seed: Sam's two keys must be created more than 2 s apart (${JSON.stringify(keys)})`,
    );
  }
  return {
    now: new Date(old.at + maxAgeDays * DAY_MS + 500),
    old: old.id,
    fresh: fresh.id,
    createdAt: { [old.id]: old.at, [fresh.id]: fresh.at },
  };
}

/**
 * Flow 2: the key sweep with its clock moved to the day Sam's first key turns 90 (moto stamps keys with
 * the real time, so that is how a key becomes old): report mode changes nothing, enforce deactivates
 * exactly the key report named, and warns about the one that expires next.
 */
export async function sweepFlow(ctx: DemoContext, sweep: SweepFunction): Promise<SweepFlow> {
  const { now, old, fresh, createdAt } = await sweepClock(ctx, ctx.config.keyMaxAgeDays);
  const deps = { config: ctx.config, clients: ctx.clients, now };
  const poll = { initialDelayMs: 50, maxPolls: 10 };
  const read = () => Promise.all(SWEEP_WATCH.map((u) => readUserState(ctx.clients.iam, u)));

  const beforeState = await read();
  const report = await sweep({ mode: 'report' }, deps, { poll });
  const afterReport = await read();
  const enforce = await sweep({ mode: 'enforce' }, deps, { poll });
  const afterEnforce = await read();
  await ctx.notifications.drain();

  // Report mode re-reads no key, so it names a key by its creation date (the credential report's): the id
  // of Sam's key created in that second.
  const idOf = (k: SweepSummary['keys'][number]) =>
    k.accessKeyId ??
    Object.keys(createdAt).find(
      (id) =>
        k.createdAt !== undefined &&
        Math.floor((createdAt[id] ?? 0) / 1000) === Math.floor(Date.parse(k.createdAt) / 1000),
    ) ??
    '?';
  const ids = (s: SweepSummary, action: string) =>
    s.keys
      .filter((k) => k.action === action)
      .map(idOf)
      .sort();
  const deactivated = ids(enforce, 'deactivated');
  const warned = ids(enforce, 'warned');
  const reported = ids(report, 'reported');
  const stateOf = (states: readonly UserState[], user: string) => states.find((s) => s.userName === user);
  const unchanged = JSON.stringify(beforeState) === JSON.stringify(afterReport);
  const sam = stateOf(afterEnforce, SAM.user);
  const breakGlass = stateOf(afterEnforce, BREAK_GLASS);
  const ci = stateOf(afterEnforce, SERVICE_USER);
  const protectedKeys = [BREAK_GLASS, OPERATOR].flatMap((u) =>
    Object.keys(stateOf(afterEnforce, u)?.keys ?? {}),
  );
  const same = (a: readonly string[], b: readonly string[]) => a.join(',') === b.join(',');
  const proofs: Proof[] = [
    proof(
      "report mode names Sam's old key, warns about his new one, and changes nothing",
      report.outcome === 'reported' &&
        same(reported, [old]) &&
        same(ids(report, 'warned'), [fresh]) &&
        unchanged,
      `outcome ${report.outcome}; would deactivate ${reported.join(', ') || 'nothing'}; warned ${
        ids(report, 'warned').join(', ') || 'nothing'
      }; IAM unchanged: ${unchanged ? 'yes' : 'NO'}`,
    ),
    proof(
      "enforce deactivates exactly Sam's old key; his new key is warned and stays Active",
      enforce.outcome === 'enforced' &&
        same(deactivated, [old]) &&
        same(warned, [fresh]) &&
        sam?.keys[old] === 'Inactive' &&
        sam?.keys[fresh] === 'Active',
      `outcome ${enforce.outcome}; deactivated ${deactivated.join(', ') || 'nothing'}; warned ${
        warned.join(', ') || 'nothing'
      }; IAM: ${sam ? statuses(sam) : '?'}`,
    ),
    proof(
      'the protected break-glass user is untouched',
      !!breakGlass &&
        Object.values(breakGlass.keys).every((v) => v === 'Active') &&
        breakGlass.attachedPolicies.length === 0 &&
        !protectedKeys.some((id) => deactivated.includes(id)),
      `${breakGlass ? statuses(breakGlass) : '?'}; attached policies: ${breakGlass?.attachedPolicies.length ?? '?'}; keys counted protected: ${enforce.counts.protected}`,
    ),
    proof(
      'the exempt service user keeps its key',
      !!ci &&
        Object.values(ci.keys).every((v) => v === 'Active') &&
        enforce.exemptions.some((e) => e.user === SERVICE_USER && e.status === 'active'),
      `${ci ? statuses(ci) : '?'}; exemption: ${enforce.exemptions
        .map((e) => `${e.user} ${e.status} until ${e.until ?? '?'}`)
        .join('; ')}`,
    ),
    proof(
      "Jane's revoked users are re-checked and have not drifted",
      enforce.drift.length === 0,
      enforce.drift.length
        ? enforce.drift.map((d) => `${d.user}: ${d.findings.join('; ')}`).join('; ')
        : 'no Active key, deny still attached',
    ),
  ];
  return {
    offsetDays: Math.round(((now.getTime() - Date.now()) / DAY_MS) * 10) / 10,
    clock: now.toISOString(),
    report,
    enforce,
    afterReport,
    afterEnforce,
    expectedDeactivated: [old],
    expectedWarned: [fresh],
    deactivated,
    warned,
    proofs,
  };
}

/**
 * Flow 3: an incident. The service user's key is reported leaked: lockdown by access key id, then restore
 * from the saved record, and the key works again.
 */
export async function incidentFlow(
  ctx: DemoContext,
  lockdown: InvokeHandler,
  restore: InvokeHandler,
): Promise<IncidentFlow> {
  const key = keyOf(ctx.company, SERVICE_USER, 0);
  const before = await probe(ctx, 'before lockdown', SERVICE_USER);
  const locked = (await lockdown(
    {
      target: { accessKeyId: key.accessKeyId },
      reason: 'INC-2041: access key seen in a public repository',
      requestedBy: 'secops@example.com',
    },
    lambdaContext('lockdown'),
  )) as RevocationReport;
  const afterLock = await probe(ctx, 'after lockdown', SERVICE_USER);
  const afterLockdown = await readUserState(ctx.clients.iam, SERVICE_USER);
  const restored = (await restore(
    {
      target: { userName: SERVICE_USER },
      reason: 'INC-2041 closed: false positive, the published string was a revoked test key',
      requestedBy: 'secops@example.com',
    },
    lambdaContext('restore'),
  )) as RestoreReport;
  const afterRest = await probe(ctx, 'after restore', SERVICE_USER);
  const afterRestore = await readUserState(ctx.clients.iam, SERVICE_USER);
  await ctx.notifications.drain();

  const deny = ctx.config.denyPolicyArn;
  const proofs: Proof[] = [
    proof('the key works before the incident', before.probe.allowed, before.probe.line),
    proof(
      'lockdown by access key id finds its user and denies the key',
      locked.outcome === 'revoked' &&
        locked.principals[0]?.principal.name === SERVICE_USER &&
        !afterLock.probe.allowed &&
        afterLock.probe.errorCode === 'AccessDenied' &&
        afterLockdown.attachedPolicies.includes(deny) &&
        afterLockdown.keys[key.accessKeyId] === 'Inactive',
      `run ${locked.runId}: ${locked.outcome} on ${locked.principals.map((p) => p.principal.name).join(', ')}; ${afterLock.probe.line}; ${statuses(afterLockdown)}`,
    ),
    proof(
      'restore undoes the lockdown and the same key works again',
      restored.outcome === 'restored' &&
        afterRest.probe.allowed &&
        afterRestore.keys[key.accessKeyId] === 'Active' &&
        !afterRestore.attachedPolicies.includes(deny),
      `run ${restored.runId}: ${restored.outcome} (undoes ${restored.undoes.join(', ')}); ${afterRest.probe.line}; ${statuses(afterRestore)}`,
    ),
  ];
  return {
    accessKeyId: key.accessKeyId,
    userName: SERVICE_USER,
    probes: [before, afterLock, afterRest],
    lockdown: locked,
    restore: restored,
    afterLockdown,
    afterRestore,
    proofs,
  };
}

/** What a subscriber learns from one notification: its subject, attributes and the run it reports. */
export function viewNotification(n: ReceivedNotification): ReceivedNotificationView {
  const json = parseJson<{ runId?: string; kind?: string }>(n.message);
  return {
    subject: n.subject ?? '',
    trigger: n.attributes.trigger ?? '',
    outcome: n.attributes.outcome ?? '',
    severity: n.attributes.severity ?? '',
    runId: json?.runId ?? '',
    kind: json?.kind ?? '',
  };
}

/** Flow 4: the notifications as the topic's subscriber (a queue) received them: one per run. */
export async function notificationsFlow(
  ctx: DemoContext,
  runIds: readonly string[],
): Promise<NotificationsFlow> {
  await ctx.notifications.drain();
  const received = ctx.notifications.received.map(viewNotification);
  const got = received.map((n) => n.runId);
  const expected = ['departure', 'sweep', 'sweep', 'lockdown', 'restore'];
  const triggers = received.map((n) => n.trigger);
  const proofs: Proof[] = [
    proof(
      'the subscriber received one notification per run, with filterable attributes',
      [...triggers].sort().join(',') === [...expected].sort().join(',') &&
        runIds.every((id) => got.includes(id)) &&
        received.every((n) => n.outcome !== '' && n.severity !== ''),
      `${received.length} received: ${received.map((n) => `${n.trigger}/${n.outcome}/${n.severity}`).join(', ')}`,
    ),
  ];
  return { received, proofs };
}
