import { randomBytes } from 'node:crypto';
import { type IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import type { Context } from 'aws-lambda';
import { sessionNameOf } from '../../src/accounts/access';
import { type Coverage, IDENTITY_CENTER_TARGET, readCoverage } from '../../src/accounts/coverage';
import type { Clients } from '../../src/clients';
import type { Config } from '../../src/config';
import { principalHistory, storeOf } from '../../src/engine/state';
import type { RestoreReport, RevocationReport } from '../../src/engine/types';
import type { keySweep } from '../../src/sweep/sweep';
import type { SweepSummary } from '../../src/sweep/types';
import type { Moto } from '../local/moto';
import { drainInbox, type ReceivedNotification } from '../local/seed';
import { signatureHeaders } from '../testing/sign';
import { probeKey, readUserState, type UserState } from './aws';
import {
  BASTION,
  BREAK_GLASS,
  type Company,
  HOME_ACCOUNT,
  JANE,
  keyOf,
  OPERATOR,
  SAM,
  SERVICE_USER,
} from './company';
import { type LocalHttpApi, lambdaContext } from './http';
import {
  completionEntry,
  type IdcReader,
  idcUserOf,
  identityCenterProofs,
  readIdcAccess,
  readIdcRecord,
  readPermissionSets,
} from './identity-center';
import type { SimulatedProvisioning } from './provisioning';
import { deliverBatch, queueDepth, type SqsHandler } from './queue';
import type { SimulatedSessions } from './sessions';
import { probeStartSession } from './start-session';
import type {
  DepartureAccount,
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
  /** IAM of the member account, signed by its member role (assumed with the operator's key). */
  readonly memberIam: IAMClient;
  /** The Identity Center instance as seeded, and its clients signed with the operator's key. */
  readonly identityCenter: IdcReader;
  /** The simulated provisioning status (moto has none), with what it answered. */
  readonly provisioning: SimulatedProvisioning;
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

async function probe(
  ctx: DemoContext,
  when: string,
  userName: string,
  index = 0,
  accountId = HOME_ACCOUNT,
): Promise<ProbeAt> {
  const key = keyOf(ctx.company, userName, index, accountId);
  return {
    accountId,
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

/** The account ids of the target list (`TARGET_ACCOUNTS`), sorted as the fan-out sorts them. */
function targetsOf(config: Config): string[] {
  const t = config.targetAccounts;
  return t.kind === 'list' ? [...t.accountIds].sort() : [];
}

/** The run's revocation record of each user (the account's own partitions in the state table). */
async function recordsOf(ctx: DemoContext, accountId: string, users: readonly string[], runId: string) {
  const store = storeOf({
    config: ctx.config,
    clients: ctx.clients,
    ...(accountId === HOME_ACCOUNT ? {} : { accountId }),
  });
  return Promise.all(
    users.map(async (userName) => {
      const history = await principalHistory(store, { kind: 'user', name: userName, arn: '' });
      const record = history.revocations.find((r) => r.runId === runId);
      return {
        userName,
        arn: record?.principal.arn,
        outcome: record?.outcome,
        steps: record?.results ?? [],
      };
    }),
  );
}

/**
 * Each account's share as it shows afterwards: the run's records (state table) and her users in that
 * account's IAM (the member account read through its role).
 */
function readShares(
  ctx: DemoContext,
  usersByAccount: Readonly<Record<string, readonly string[]>>,
  runId: string,
): Promise<Omit<DepartureAccount, 'outcome'>[]> {
  return Promise.all(
    Object.entries(usersByAccount).map(async ([accountId, users]) => {
      const home = accountId === HOME_ACCOUNT;
      const iam = home ? ctx.clients.iam : ctx.memberIam;
      const [records, state] = await Promise.all([
        recordsOf(ctx, accountId, users, runId),
        Promise.all(users.map((u) => readUserState(iam, u))),
      ]);
      return {
        accountId,
        home,
        reachedAs: home
          ? 'own credentials'
          : `assumed-role/${ctx.config.memberRoleName}/${sessionNameOf(runId)}`,
        users,
        records,
        state,
      };
    }),
  );
}

/**
 * Flow 1: Jane's keys work in both accounts; HR's signed webhook reaches the real receiver over HTTP; the
 * queued departure reaches the real revocation worker, which fans it out (one work item per target account);
 * the account queue reaches the real account worker, which revokes her users in each account (the member
 * account through its role) and sends one completion notification; the same keys are refused. Her Identity
 * Center user is revoked by the revocation worker beside the fan-out: read back from moto before and after.
 */
export async function departureFlow(
  ctx: DemoContext,
  api: LocalHttpApi,
  worker: SqsHandler,
  accountWorker: SqsHandler,
): Promise<DepartureFlow> {
  const { company } = ctx;
  const member = company.member.accountId;
  const janeUsers: Record<string, readonly string[]> = {
    [HOME_ACCOUNT]: [...JANE.users],
    [member]: company.member.users.map((u) => u.userName),
  };
  const probeJane = (when: string) =>
    Promise.all(
      Object.entries(janeUsers).flatMap(([accountId, users]) =>
        users.map((u) => probe(ctx, when, u, 0, accountId)),
      ),
    );
  const janeIdc = idcUserOf(ctx.identityCenter.seed, JANE.email);
  const startSession = () =>
    probeStartSession(ctx.moto.endpoint, ctx.region, keyOf(company, JANE.users[0]), BASTION);
  const [before, idcBefore, startBefore] = await Promise.all([
    probeJane('before'),
    readIdcAccess(ctx.identityCenter, janeIdc.userId),
    startSession(),
  ]);

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
  const headers = signatureHeaders('standard', body, company.secrets.standard, now);
  const accepted = await post(url, body, headers);
  const queued = parseJson<{ queued?: string[] }>(accepted.body)?.queued ?? [];
  const runId = queued[0] ?? '';

  const deliveryStarted = Date.now();
  const delivery = await deliverBatch(
    ctx.clients.sqs,
    company.departureQueueUrl,
    ctx.region,
    worker,
    lambdaContext('revocation-worker', 60_000),
  );
  const deliveryMs = Date.now() - deliveryStarted;

  const fanOutStarted = Date.now();
  const accountDelivery = await deliverBatch(
    ctx.clients.sqs,
    company.accountQueueUrl,
    ctx.region,
    accountWorker,
    lambdaContext('account-worker', 900_000),
  );
  const fanOutMs = Date.now() - fanOutStarted;
  const [leftOnQueue, leftOnDlq] = await Promise.all([
    queueDepth(ctx.clients.sqs, company.accountQueueUrl),
    queueDepth(ctx.clients.sqs, company.accountDlqUrl),
  ]);
  const items = accountDelivery.bodies.map((b) => {
    const item = parseJson<{ id?: string; kind?: string; accountId?: string }>(b);
    return { id: item?.id ?? '?', kind: item?.kind ?? '?', accountId: item?.accountId ?? '?' };
  });

  const fresh = await ctx.notifications.drain();
  const departures = fresh.filter((n) => n.attributes.trigger === 'departure');
  const coverage = departures
    .map((n) => parseJson<Coverage & { kind: string }>(n.message))
    .find((c) => c?.kind === 'departure-coverage');

  // Read at once (each read is independent): what each account reported, as the state table keeps it (the
  // notification says it only once all have), the same keys again, and each account's records and IAM.
  // Her Identity Center user, read back from moto, and the run's Identity Center record.
  const [recorded, after, read, idcAfter, permissionSets, idcRecord, startAfter] = await Promise.all([
    readCoverage({ ddb: ctx.clients.ddb, table: ctx.config.stateTable }, runId),
    probeJane('after'),
    readShares(ctx, janeUsers, runId),
    readIdcAccess(ctx.identityCenter, janeIdc.userId),
    readPermissionSets(ctx.identityCenter),
    readIdcRecord(ctx.config, ctx.clients.ddb, janeIdc, runId),
    startSession(),
  ]);
  const identityCenter = {
    user: { userName: janeIdc.userName, userId: janeIdc.userId },
    before: idcBefore,
    after: idcAfter,
    permissionSets,
    record: idcRecord,
    provisioning: ctx.provisioning.all(),
    completion: completionEntry(coverage),
  };
  const accounts: DepartureAccount[] = read.map((a) => ({
    ...a,
    outcome: recorded?.accounts.find((r) => r.accountId === a.accountId)?.outcome,
  }));
  const sessionsAfter = ctx.sessions.all().map((s) => ({
    sessionId: s.sessionId,
    owner: s.owner,
    target: s.target,
    status: s.status,
  }));

  const targets = targetsOf(ctx.config);
  const departureIds = delivery.bodies.map((b) => parseJson<{ id?: string }>(b)?.id ?? '?');
  const deny = ctx.config.denyPolicyArn;
  const states = accounts.flatMap((a) => a.state);
  const janeSessions = sessionsAfter.filter(
    (s) => s.owner.endsWith('/jane.doe') || s.owner.endsWith(JANE.email),
  );
  const others = sessionsAfter.filter((s) => !janeSessions.includes(s));
  const probesIn = (list: readonly ProbeAt[], accountId: string) =>
    list.filter((p) => p.accountId === accountId);
  const refused = (list: readonly ProbeAt[]) =>
    list.length > 0 && list.every((p) => !p.probe.allowed && p.probe.errorCode === 'AccessDenied');
  const probeLines = (list: readonly ProbeAt[]) =>
    list.map((p) => `${p.accessKeyId}: ${p.probe.line}`).join('; ');
  const homeAccount = accounts.find((a) => a.home);
  const memberAccount = accounts.find((a) => a.accountId === member);
  const attached = (a: DepartureAccount | undefined) =>
    a?.state.map((s) => `${s.userName} ${s.attachedPolicies.join(' ') || 'none'}`).join('; ') ?? '?';
  const sorted = (xs: readonly string[]) => [...xs].sort().join(',');
  const proofs: Proof[] = [
    proof(
      "Jane's keys work before HR calls, in both accounts",
      before.every((p) => p.probe.allowed) &&
        sorted([...new Set(before.map((p) => p.accountId))]) === sorted(targets),
      before.map((p) => `${p.accountId} ${p.userName} ${p.accessKeyId}: ${p.probe.line}`).join('; '),
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
      'the revocation worker fans the departure out: one work item per target account',
      delivery.received === 1 &&
        delivery.batchItemFailures.length === 0 &&
        departureIds[0] === runId &&
        targets.length === 2 &&
        items.length === targets.length &&
        sorted(items.map((i) => i.accountId)) === sorted(targets) &&
        items.every((i) => i.kind === 'departure' && i.id === `${runId}@${i.accountId}`),
      `revocation worker: ${delivery.received} record(s), ${delivery.batchItemFailures.length} failure(s); account queue: ${
        items.map((i) => `${i.kind} ${i.id}`).join(', ') || 'nothing'
      }`,
    ),
    proof(
      'the account worker handles both work items; nothing is left on the account queue or its DLQ',
      accountDelivery.received === targets.length &&
        accountDelivery.batchItemFailures.length === 0 &&
        leftOnQueue === 0 &&
        leftOnDlq === 0,
      `account worker: ${accountDelivery.received} record(s), ${accountDelivery.batchItemFailures.length} failure(s); left on the queue ${leftOnQueue}, on its DLQ ${leftOnDlq}`,
    ),
    proof(
      "each account's share revokes her users there, recorded under that account",
      accounts.length === targets.length &&
        accounts.every(
          (a) =>
            a.outcome === 'revoked' &&
            sorted(
              recorded?.accounts
                .find((c) => c.accountId === a.accountId)
                ?.principals.map((p) => p.principal.name) ?? [],
            ) === sorted(a.users) &&
            a.records.every(
              (r) => r.outcome === 'revoked' && r.arn === `arn:aws:iam::${a.accountId}:user/${r.userName}`,
            ),
        ),
      accounts
        .map(
          (a) =>
            `${a.accountId}: ${a.outcome ?? 'no report'} (${a.records
              .map((r) => `${r.arn ?? `no record for ${r.userName}`} ${r.outcome ?? ''}`.trim())
              .join(', ')})`,
        )
        .join('; '),
    ),
    proof(
      `in ${HOME_ACCOUNT}: the same keys now get AccessDenied from the explicit deny (allow-all is still attached)`,
      refused(probesIn(after, HOME_ACCOUNT)) &&
        !!homeAccount &&
        homeAccount.state.every((s) => s.attachedPolicies.includes(deny)),
      `${probeLines(probesIn(after, HOME_ACCOUNT))}; attached: ${attached(homeAccount)}`,
    ),
    proof(
      `in ${member}: her key there is refused too, the deny attached (read in that account through its role)`,
      refused(probesIn(after, member)) &&
        !!memberAccount &&
        memberAccount.state.length > 0 &&
        memberAccount.state.every((s) => s.attachedPolicies.includes(deny)),
      `${probeLines(probesIn(after, member))}; attached: ${attached(memberAccount)}`,
    ),
    proof(
      'every access key of the person is Inactive, in both accounts',
      accounts.length === targets.length &&
        states.length > 0 &&
        states.every(
          (s) => Object.keys(s.keys).length > 0 && Object.values(s.keys).every((v) => v === 'Inactive'),
        ),
      accounts.flatMap((a) => a.state.map((s) => `${a.accountId} ${s.userName}: ${statuses(s)}`)).join('; '),
    ),
    proof(
      "her SSM sessions in both accounts are terminated, Sam's is not",
      janeSessions.length === 3 &&
        janeSessions.every((s) => s.status === 'Terminated') &&
        others.length > 0 &&
        others.every((s) => s.status === 'Connected'),
      sessionsAfter.map((s) => `${s.sessionId} ${s.status}`).join(', '),
    ),
    proof(
      `her key cannot open a new SSM session: ssm:StartSession on ${BASTION} gets AccessDenied (before: past IAM)`,
      !startBefore.refused && startBefore.answer === 'not implemented' && startAfter.refused,
      `before: ${startBefore.line}; after: ${startAfter.line}`,
    ),
    proof(
      'her users are tagged offboarding:state=revoked with the run, in both accounts',
      states.length > 0 &&
        states.every((s) => s.tags['offboarding:state'] === 'revoked' && s.tags['offboarding:run'] === runId),
      accounts
        .flatMap((a) =>
          a.state.map(
            (s) =>
              `${a.accountId} ${s.userName}: offboarding:state=${s.tags['offboarding:state'] ?? 'absent'} offboarding:run=${s.tags['offboarding:run'] ?? 'absent'}`,
          ),
        )
        .join('; '),
    ),
    proof(
      `one completion notification: "revoked across ${targets.length} accounts and Identity Center"`,
      departures.length === 1 &&
        !!departures[0]?.subject?.includes(
          `: revoked across ${targets.length} accounts and Identity Center`,
        ) &&
        coverage?.runId === runId &&
        coverage.complete &&
        coverage.outcome === 'revoked' &&
        sorted(coverage.targets) === sorted([...targets, IDENTITY_CENTER_TARGET]) &&
        !!identityCenter.completion?.principals.some(
          (p) => p.name === janeIdc.userName && p.arn.includes(janeIdc.userId),
        ),
      `${departures.length} departure notification(s): ${departures.map((n) => n.subject ?? '(no subject)').join(' | ') || 'none'}${
        coverage
          ? `; coverage ${coverage.complete ? 'complete' : 'INCOMPLETE'}, outcome ${coverage.outcome}`
          : ''
      }`,
    ),
    ...identityCenterProofs(ctx.identityCenter.seed, identityCenter, ctx.provisioning.all()),
  ];
  return {
    person: { name: JANE.name, employeeId: JANE.employeeId, email: JANE.email, users: janeUsers },
    runId,
    probes: [...before, ...after],
    forged: { status: forged.status, body: forged.body },
    webhook: { url, webhookId: headers['webhook-id'] ?? '', ...accepted },
    delivery: {
      received: delivery.received,
      departureIds,
      batchItemFailures: delivery.batchItemFailures,
      ms: deliveryMs,
    },
    fanOut: {
      targets,
      received: accountDelivery.received,
      items,
      batchItemFailures: accountDelivery.batchItemFailures,
      ms: fanOutMs,
      leftOnQueue,
      leftOnDlq,
    },
    accounts,
    identityCenter,
    completion: { count: departures.length, subject: departures[0]?.subject, coverage },
    sessionsAfter,
    startSession: { target: BASTION, before: startBefore, after: startAfter },
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
 * exactly the key report named, and warns about the one that expires next. With several target accounts the
 * scheduled handler queues one sweep per account for the account worker, whose clock is the real time; the
 * demo runs the stack's own account's share itself (`keySweep` with the function's own clients, what the
 * account worker runs there), with its clock moved.
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
    accountId: HOME_ACCOUNT,
    targets: targetsOf(ctx.config),
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
