import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { GenerateCredentialReportCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { Context, SQSRecord } from 'aws-lambda';
import { accountAccess } from '../src/accounts/access';
import { departureFanOut, sweepFanOut } from '../src/accounts/fanout';
import { parseWorkItem } from '../src/accounts/work';
import { accountWorker } from '../src/accounts/worker';
import { type Clients, makeClients } from '../src/clients';
import type { Config } from '../src/config';
import type { DepartureMessage } from '../src/departures/message';
import { departureWorker } from '../src/departures/worker';
import { runRevocation } from '../src/engine';
import { keySweepAcrossAccounts, runSweep } from '../src/sweep/sweep';
import { createMemberRole, createOrganizationAccounts, forAccount } from '../tools/local/accounts';
import { type CallLog, instrument } from '../tools/local/instrument';
import { MOTO_ACCOUNT_ID, type Moto, startMoto } from '../tools/local/moto';
import { chain, FakeSessionManager, noServiceCredentials } from '../tools/local/moto-gaps';
import {
  type FaultProxy,
  type Interceptor,
  type ProxiedRequest,
  startFaultProxy,
  waveNumbers,
} from '../tools/local/proxy';
import { createLocalStack, createUser, drainInbox, type Inbox } from '../tools/local/seed';
import { toRecord } from '../tools/local/sqs-record';
import { awsPaging } from './aws-paging';
import { seedDepartingUser } from './containment';
import { type SeedBatch, seedBatchInAccount } from './seed-account';
import { median, round } from './stats';

/**
 * The organization benchmarks: a departure fanned out over 1, 10 and 50 member accounts, and the key sweep
 * over 20 member accounts of 1000 users each, on one moto_server (one process: every account's state) behind
 * the fault proxy adding `latencyMs` to every AWS call.
 *
 * What runs is the project's own code, as Lambda would run it: the departure worker (`departureWorker` with
 * `departureFanOut`) or the key sweep's fan-out (`keySweepAcrossAccounts` with `sweepFanOut`) queues one work
 * item per account on a real (moto) SQS queue; a stand-in for the SQS event source mapping (batchSize 1)
 * receives them from moto directly (not through the proxy: those are Lambda's calls, not the function's) and
 * invokes `accountWorker(...).process` once per item, each invocation with clients of its own (a cold
 * container: own SDK clients, own member-role cache, own GetCallerIdentity), all at once (`concurrent`, as
 * SQS scaling would), at most N at once (`capped`, the event source's maximumConcurrency: serverless.yml sets
 * 10) or one after another (`sequential`, the same work account after account).
 *
 * Attribution: each container signs with an access key id of its own (moto maps an unknown key to its
 * default account, the central one here), and the member role's credentials are mapped to their account
 * from the AssumeRole answers; an interceptor in the proxy ({@link callTagger}) records every request with
 * the container that sent it and the account it acted on. The SDK's own command log
 * (tools/local/instrument.ts) is kept per container as a cross-check: commands sent = requests the proxy saw.
 */

const REGION = 'us-east-1';
const SECRET = 'testing';
export const MEMBER_ROLE = 'offboarding-member';

// ---------------------------------------------------------------------------------------------------------
// Attribution in the proxy

/** One AWS request as the tagger saw it. */
export interface TaggedCall {
  /** The signing access key of a container (`BENCH...`), or of a member-role session (mapped to `container`). */
  readonly container: string;
  /** The account the request acted on: a member account (assumed credentials) or the central one. */
  readonly account: string;
  readonly operation: string;
  /** Which records a DynamoDB request touched (`idempotency`, `coverage:run`, `state`...), else absent. */
  readonly detail?: string;
  /** Arrival at the interceptor (after the proxy's added latency), and the end of the answer from moto. */
  readonly at: number;
  readonly end: number;
  /**
   * The proxy's round trip to moto for the request, and moto's own time producing the answer (its
   * `x-bench-moto-ms`, bench/moto_server.py); both 0 when the proxy answered (SSM sessions, service credentials).
   */
  readonly upstreamMs: number;
  readonly motoMs: number;
  readonly status: number;
}

const formParams = (req: ProxiedRequest): URLSearchParams => new URLSearchParams(req.body.toString('utf8'));

/** The partition kind a state-table request touches: `idempotency`, `coverage:run`, `coverage:account`, `state`. */
function dynamoDetail(req: ProxiedRequest): string | undefined {
  if (req.service !== 'dynamodb') return undefined;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(req.body.toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const strings: string[] = [];
  const collect = (v: unknown) => {
    if (typeof v === 'string') strings.push(v);
    else if (v && typeof v === 'object') for (const x of Object.values(v)) collect(x);
  };
  collect(body.Key ?? body.Item ?? body.ExpressionAttributeValues ?? body.RequestItems);
  const pk = strings.find((s) => /^(idempotency|coverage|principal|index|account|dry-run)#/.test(s));
  if (!pk) return undefined;
  if (pk.startsWith('coverage#')) {
    const sk = strings.find((s) => s === 'run' || s.startsWith('account#'));
    return req.operation === 'dynamodb:Query' ? 'coverage' : `coverage:${sk === 'run' ? 'run' : 'account'}`;
  }
  if (pk.startsWith('idempotency#')) return 'idempotency';
  if (pk.startsWith('dry-run#')) return 'dry-run';
  return 'state';
}

/**
 * The proxy's interceptor: records every request ({@link TaggedCall}) with the container whose key signed it
 * and the account it acted on (each member-role session's key is learnt from the AssumeRole answer), and
 * hands it to that account's interceptor (`inner(account)`: Session Manager is per account in AWS).
 */
export function callTagger(inner: (account: string) => Interceptor, central: string) {
  const sessions = new Map<string, { container: string; account: string }>();
  let calls: TaggedCall[] = [];
  const intercept: Interceptor = async (req, forward) => {
    const at = performance.now();
    const key = /Credential=([^/,\s]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
    const session = sessions.get(key);
    const account = session?.account ?? central;
    let upstreamMs = 0;
    const timed = async () => {
      const t = performance.now();
      try {
        return await forward();
      } finally {
        upstreamMs += performance.now() - t;
      }
    };
    const answer = (await inner(account)(req, timed)) ?? (await timed());
    if (req.operation === 'sts:AssumeRole' && answer.status === 200) {
      const account = formParams(req).get('RoleArn')?.split(':')[4] ?? '';
      const id = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(answer.body.toString())?.[1];
      if (id) sessions.set(id, { container: session?.container ?? key, account });
    }
    const detail = dynamoDetail(req);
    calls.push({
      container: session?.container ?? key,
      account,
      operation: req.operation,
      ...(detail ? { detail } : {}),
      at,
      end: performance.now(),
      upstreamMs,
      motoMs: Number(answer.headers['x-bench-moto-ms'] ?? 0) || 0,
      status: answer.status,
    });
    return answer;
  };
  return {
    intercept,
    calls: () => calls,
    reset: () => {
      calls = [];
    },
  };
}

export type CallTagger = ReturnType<typeof callTagger>;

// ---------------------------------------------------------------------------------------------------------
// The bed

export interface OrgBed {
  readonly moto: Moto;
  readonly proxy: FaultProxy;
  readonly tagger: CallTagger;
  /** Session Manager of an account (moto has none): one fake per account, as SSM is per account. */
  sessions(accountId: string): FakeSessionManager;
  /** The central account (moto's default): the functions, the state table, the topic, the queues. */
  readonly central: string;
  /** Member accounts of the organization, in creation order, each with the member role. */
  readonly members: readonly string[];
  /** Config of the central functions (TARGET_ACCOUNTS is set per run). */
  readonly config: Config;
  readonly inbox: Inbox;
  readonly accountQueue: { readonly url: string; readonly arn: string };
  /** Clients straight to moto (no proxy): seeding, the event source, the inbox. */
  readonly setup: Clients;
  /** An IAM client straight to moto acting in `accountId` (seeding). */
  iamIn(accountId: string): IAMClient;
  /** Seconds each step of setting up took. */
  readonly setupSeconds: Record<string, number>;
  latencyMs: number;
  close(): Promise<void>;
}

/** The benchmark moto server (moto's own plus bench routes): bench/moto_server.py. */
async function startBenchMoto(): Promise<Moto> {
  const saved = process.env.MOTO_SERVER_BIN;
  process.env.MOTO_SERVER_BIN = join(__dirname, 'moto_server.py');
  try {
    return await startMoto();
  } finally {
    if (saved === undefined) delete process.env.MOTO_SERVER_BIN;
    else process.env.MOTO_SERVER_BIN = saved;
  }
}

/**
 * moto, the proxy (fake Session Manager, empty service credentials, IAM paging as AWS), the central stack
 * (state table, topic with inbox, account queue) and an organization of `accounts` member accounts, each with
 * the member role and `colleagues` users (tagged as people, one key each).
 */
export async function startOrgBed(options: {
  accounts: number;
  colleagues?: number;
  latencyMs?: number;
  log?: (line: string) => void;
}): Promise<OrgBed> {
  const log = options.log ?? (() => {});
  const setupSeconds: Record<string, number> = {};
  const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const r = await fn();
    setupSeconds[what] = round((performance.now() - t) / 1000, 1);
    return r;
  };
  const moto = await startBenchMoto();
  const paging = awsPaging();
  const fakes = new Map<string, { ssm: FakeSessionManager; intercept: Interceptor }>();
  const perAccount = (accountId: string) => {
    let f = fakes.get(accountId);
    if (!f) {
      const ssm = new FakeSessionManager();
      f = { ssm, intercept: chain(ssm.intercept, noServiceCredentials, paging) };
      fakes.set(accountId, f);
    }
    return f;
  };
  const tagger = callTagger((account) => perAccount(account).intercept, MOTO_ACCOUNT_ID);
  const proxy = await startFaultProxy({ upstream: moto.endpoint, intercept: tagger.intercept });
  try {
    const direct = {
      region: REGION,
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: SECRET },
    };
    const setup = makeClients(direct);
    const iams = new Map<string, IAMClient>();
    const iamIn = (accountId: string) => {
      let iam = iams.get(accountId);
      if (!iam) {
        iam = forAccount(new IAMClient({ ...direct, maxAttempts: 3 }), accountId);
        iams.set(accountId, iam);
      }
      return iam;
    };
    const stack = await createLocalStack(setup);
    const queue = await setup.sqs.send(
      new CreateQueueCommand({ QueueName: 'offboarding-accounts', Attributes: { VisibilityTimeout: '900' } }),
    );
    const url = queue.QueueUrl ?? '';
    const arn =
      (await setup.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })))
        .Attributes?.QueueArn ?? '';
    const members = await timed('accounts', () =>
      createOrganizationAccounts(
        moto,
        Array.from({ length: options.accounts }, (_, i) => `member-${String(i + 1).padStart(2, '0')}`),
      ),
    );
    log(`organization: ${members.length} member accounts in ${setupSeconds.accounts} s`);
    await timed('member roles and colleagues', async () => {
      for (const [n, id] of members.entries()) {
        const iam = iamIn(id);
        await createMemberRole(iam, MEMBER_ROLE, MOTO_ACCOUNT_ID);
        for (let c = 1; c <= (options.colleagues ?? 5); c++) {
          const name = `colleague-${c}`;
          await createUser(iam, name, {
            tags: { 'employee-id': `C-${n}-${c}`, email: `${name}.${n}@example.com` },
            keys: 1,
          });
          perAccount(id).ssm.open(`arn:aws:iam::${id}:user/${name}`, `i-0colleague${c}`);
        }
      }
    });
    return {
      moto,
      proxy,
      tagger,
      sessions: (accountId) => perAccount(accountId).ssm,
      central: MOTO_ACCOUNT_ID,
      members,
      config: { ...stack.config, memberRoleName: MEMBER_ROLE, accountQueueUrl: url },
      inbox: stack.inbox,
      accountQueue: { url, arn },
      setup,
      iamIn,
      setupSeconds,
      latencyMs: options.latencyMs ?? 50,
      async close() {
        await proxy.close();
        await moto.stop();
      },
    };
  } catch (err) {
    await proxy.close();
    await moto.stop();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Containers and the event source

let containerSeq = 0;

/** A cold Lambda container: clients of its own through the proxy, signed with a key naming it. */
interface Container {
  readonly id: string;
  readonly clients: Clients;
  /** The SDK's command logs (tools/local/instrument.ts): its own clients, then each member session's. */
  readonly logs: CallLog[];
}

function container(bed: OrgBed, role: string): Container {
  const id = `BENCH${role.toUpperCase()}${String(++containerSeq).padStart(5, '0')}`;
  const options = {
    region: REGION,
    endpoint: bed.proxy.endpoint,
    credentials: { accessKeyId: id, secretAccessKey: SECRET },
  };
  const logs: CallLog[] = [];
  // The member sessions' clients are the ones src builds (makeClients' withCredentials), logged as they come.
  const inner = makeClients(options);
  const clients = makeClients(options, {
    withCredentials: (credentials) => {
      const scoped = inner.withCredentials(credentials);
      logs.push(instrument([scoped.iam, scoped.organizations]));
      const ssm = new Map<string, ReturnType<typeof scoped.ssm>>();
      return {
        ...scoped,
        ssm: (region: string) => {
          let c = ssm.get(region);
          if (!c) {
            c = scoped.ssm(region);
            logs.push(instrument([c]));
            ssm.set(region, c);
          }
          return c;
        },
      };
    },
  });
  logs.unshift(
    instrument([clients.iam, clients.sns, clients.sqs, clients.ddb, clients.sts, clients.organizations]),
  );
  return { id, clients, logs };
}

const lambdaContext = (name: string): Context =>
  ({
    functionName: name,
    awsRequestId: `bench-${++containerSeq}`,
    getRemainingTimeInMillis: () => 900_000,
  }) as unknown as Context;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One invocation of the account worker, for one work item. */
interface Invocation {
  readonly accountId: string;
  readonly container: string;
  readonly commands: number;
  readonly start: number;
  readonly end: number;
  readonly outcome: string;
}

/**
 * How the account worker is invoked: every work item at once (`concurrent`, SQS scaling without a cap), at most
 * `limit` at a time (`capped`: the event source's maximumConcurrency), or one after another (`sequential`).
 */
export type Concurrency =
  | { readonly mode: 'concurrent' }
  | { readonly mode: 'capped'; readonly limit: number }
  | { readonly mode: 'sequential' };

const limitOf = (c: Concurrency): number =>
  c.mode === 'concurrent' ? Number.POSITIVE_INFINITY : c.mode === 'sequential' ? 1 : c.limit;

/**
 * The SQS event source mapping, batchSize 1: receives the account queue's messages (from moto directly) and
 * invokes `invoke` once per message, at most `limit` invocations at a time (a receive only when a slot is
 * free, as Lambda's maximumConcurrency); deletes each message handled. Resolves when `expected` messages were
 * handled; throws the first invocation's failure.
 */
async function eventSource(
  bed: OrgBed,
  expected: number,
  limit: number,
  invoke: (record: SQSRecord) => Promise<void>,
  timeoutMs = 600_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const all: Promise<void>[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let received = 0;
  const handle = async (record: SQSRecord) => {
    await invoke(record);
    await bed.setup.sqs.send(
      new DeleteMessageCommand({ QueueUrl: bed.accountQueue.url, ReceiptHandle: record.receiptHandle }),
    );
  };
  while (received < expected && failure === undefined) {
    if (Date.now() > deadline)
      throw new Error(`event source: ${received} of ${expected} work items received`);
    if (inFlight.size >= limit) {
      await Promise.race(inFlight);
      continue;
    }
    const r = await bed.setup.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: bed.accountQueue.url,
        MaxNumberOfMessages: Math.min(10, limit - inFlight.size),
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = r.Messages ?? [];
    if (!messages.length) {
      await sleep(5);
      continue;
    }
    received += messages.length;
    for (const m of messages) {
      const p: Promise<void> = handle(toRecord(m, bed.accountQueue.arn, REGION)).then(
        () => {
          inFlight.delete(p);
        },
        (err: unknown) => {
          inFlight.delete(p);
          failure ??= err;
        },
      );
      inFlight.add(p);
      all.push(p);
    }
  }
  await Promise.all(all);
  if (failure !== undefined) throw failure;
}

/** Invokes a fresh account worker (its own container) for one record; records what it did. */
function accountInvoker(
  bed: OrgBed,
  config: Config,
  invocations: Invocation[],
  outcomes: Map<string, string>,
) {
  return async (record: SQSRecord) => {
    const item = parseWorkItem(record.body);
    const c = container(bed, 'acct');
    const worker = accountWorker({
      config,
      clients: c.clients,
      // The project's engine and sweep, observed: what each account ended with.
      revoke: async (request, deps) => {
        const r = await runRevocation(request, deps);
        outcomes.set(deps.accountId ?? bed.central, r.outcome);
        return r;
      },
      sweep: async (input, deps, options) => {
        const s = await runSweep(input, deps, options);
        outcomes.set(deps.accountId ?? bed.central, JSON.stringify(sweepFigures(s)));
        return s;
      },
    });
    const start = performance.now();
    const response = await worker.process({ Records: [record] }, lambdaContext('account-worker'));
    const end = performance.now();
    if (response.batchItemFailures.length) {
      throw new Error(`work item ${item.id} failed (outcome ${outcomes.get(item.accountId) ?? 'none'})`);
    }
    invocations.push({
      accountId: item.accountId,
      container: c.id,
      commands: c.logs.reduce((s, l) => s + l.calls.length, 0),
      start,
      end,
      outcome: outcomes.get(item.accountId) ?? 'none',
    });
  };
}

const sweepFigures = (s: Awaited<ReturnType<typeof runSweep>>) => ({
  outcome: s.outcome,
  users: s.users,
  activeKeys: s.activeKeys,
  candidateUsers: s.candidates.users,
  candidateKeys: s.candidates.keys,
  deactivated: s.keys.filter((k) => k.action === 'deactivated').length,
});

// ---------------------------------------------------------------------------------------------------------
// CPU of moto and of this process

/** moto_server's pid (its command line names the port), from /proc; undefined off Linux. */
function motoPid(moto: Moto): number | undefined {
  try {
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
        if (cmd.some((a) => a.includes('moto_server')) && cmd.includes(String(moto.port))) return Number(d);
      } catch {
        // gone meanwhile
      }
    }
  } catch {
    // no /proc
  }
  return undefined;
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat (clock ticks of 1/100 s). */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Load on the two processes over a run: moto's CPU in cores, this process's CPU and event-loop use. */
export interface RunLoad {
  /** moto's CPU seconds / wall seconds (1.0 = one core busy the whole time; moto's Python runs one at a time). */
  readonly motoCores?: number;
  /** This process's (the functions', the proxy's) CPU seconds / wall seconds. */
  readonly nodeCores: number;
  /** Share of the wall time node's event loop was busy. */
  readonly nodeEventLoop: number;
  /** Median and 90th percentile of moto's own time per request (ms, x-bench-moto-ms). */
  readonly motoMsMedian: number;
  readonly motoMsP90: number;
  /** Median and 90th percentile of the proxy's round trip to moto (ms): moto's time plus waiting for it. */
  readonly upstreamMsMedian: number;
  readonly upstreamMsP90: number;
  /** The machine's 1-minute load average at the start and at the end of the run (other work included). */
  readonly loadAverage: readonly [number, number];
}

function loadMeter(bed: OrgBed) {
  const pid = motoPid(bed.moto);
  const t0 = performance.now();
  const moto0 = cpuSeconds(pid);
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const load0 = round(loadavg()[0] ?? 0, 2);
  return (): RunLoad => {
    const wall = (performance.now() - t0) / 1000;
    const moto1 = cpuSeconds(pid);
    const cpu = process.cpuUsage(cpu0);
    const forwarded = bed.tagger.calls().filter((c) => c.upstreamMs > 0);
    const upstream = forwarded.map((c) => c.upstreamMs).sort((a, b) => a - b);
    const motoMs = forwarded.map((c) => c.motoMs).sort((a, b) => a - b);
    const p90 = (xs: number[]) => round(xs[Math.floor(xs.length * 0.9)] ?? Number.NaN, 1);
    return {
      ...(moto0 !== undefined && moto1 !== undefined ? { motoCores: round((moto1 - moto0) / wall, 2) } : {}),
      nodeCores: round((cpu.user + cpu.system) / 1e6 / wall, 2),
      nodeEventLoop: round(performance.eventLoopUtilization(elu0).utilization, 2),
      motoMsMedian: round(median(motoMs), 1),
      motoMsP90: p90(motoMs),
      upstreamMsMedian: round(median(upstream), 1),
      upstreamMsP90: p90(upstream),
      loadAverage: [load0, round(loadavg()[0] ?? 0, 2)],
    };
  };
}

// ---------------------------------------------------------------------------------------------------------
// Calls per account

/** What one account's work item cost, by where the calls went. */
export interface AccountCalls {
  readonly accountId: string;
  /** Every call of the work item: in the member account, STS, the state table, SNS. */
  readonly total: number;
  /** The same less the completion notification's bookkeeping (coverage claim, SNS Publish), which only the last account(s) make. */
  readonly work: number;
  /** Calls per operation (`iam:GetUser`, `dynamodb:UpdateItem coverage:account`...). */
  readonly byOperation: Record<string, number>;
  /** Operations in the member account, in the order they reached the proxy. */
  readonly memberOrder: readonly string[];
  /**
   * Sequential round trips of the work item's own calls (its container's, waves) completed before its deny
   * was sent: the critical path inside the account worker, whatever else runs meanwhile. -1 without a deny.
   */
  readonly roundTripsBeforeDeny: number;
}

const WRITE = /:(Attach|Detach|Put|Delete|Update|Create|Tag|Untag|Deactivate|Enable|Remove|Add|Terminate)/;
const opName = (c: TaggedCall) => (c.detail ? `${c.operation} ${c.detail}` : c.operation);
/** The completion notification's bookkeeping: the coverage claim and the SNS Publish. */
const COMPLETION_OPS = new Set(['sns:Publish', 'dynamodb:UpdateItem coverage:run']);
const isCompletion = (c: TaggedCall) => COMPLETION_OPS.has(opName(c));

/** The calls of each invocation's container, grouped per account. */
function callsPerAccount(
  calls: readonly TaggedCall[],
  invocations: readonly Invocation[],
  latencyMs: number,
): AccountCalls[] {
  return invocations.map((inv) => {
    const mine = calls.filter((c) => c.container === inv.container).sort((a, b) => a.at - b.at);
    // The proxy adds the latency before the interceptor sees a request: it was sent that much earlier.
    const waves = waveNumbers(mine.map((c) => ({ start: c.at - latencyMs, end: c.end })));
    const deny = mine.findIndex((c) => c.operation === 'iam:AttachUserPolicy');
    const byOperation: Record<string, number> = {};
    for (const c of mine) byOperation[opName(c)] = (byOperation[opName(c)] ?? 0) + 1;
    return {
      accountId: inv.accountId,
      total: mine.length,
      work: mine.filter((c) => !isCompletion(c)).length,
      byOperation,
      memberOrder: mine.filter((c) => c.account === inv.accountId).map((c) => c.operation),
      roundTripsBeforeDeny: deny < 0 ? -1 : (waves[deny] as number) - 1,
    };
  });
}

/** True when the first write in the member account is the deny (AttachUserPolicy). */
export const denyFirst = (a: Pick<AccountCalls, 'memberOrder'>): boolean =>
  a.memberOrder.find((op) => WRITE.test(op)) === 'iam:AttachUserPolicy';

/** min / median / max of numbers. */
const spread = (xs: readonly number[]) => ({
  min: Math.min(...xs),
  median: median(xs),
  max: Math.max(...xs),
});

// ---------------------------------------------------------------------------------------------------------
// Departure over accounts

export interface AccountTiming {
  readonly accountId: string;
  /** When its account worker was invoked, its deny attached, its invocation returned (ms after the departure). */
  readonly invokedMs: number;
  readonly denyMs: number;
  readonly doneMs: number;
  readonly outcome: string;
  readonly calls: number;
  readonly workCalls: number;
  readonly denyFirst: boolean;
  /** Round trips of its own calls before its deny ({@link AccountCalls.roundTripsBeforeDeny}). */
  readonly roundTripsBeforeDeny: number;
}

export interface OrgDepartureRun {
  readonly accounts: number;
  readonly mode: Concurrency['mode'];
  /** At most this many account workers at once (absent: no cap). */
  readonly maxConcurrency?: number;
  /** The departure worker's invocation (coverage recorded, work items queued). */
  readonly fanOutMs: number;
  readonly denyFirstMs: number;
  readonly denyMedianMs: number;
  /** Every account's deny attached: the last AttachUserPolicy answered. */
  readonly denyAllMs: number;
  /** Every account complete: the last account worker returned (coverage recorded, notification sent). */
  readonly completeMs: number;
  /** Sequential round trips (proxy waves) before the first deny, fan-out included. */
  readonly roundTripsBeforeFirstDeny: number;
  /** Round trips of each account worker's own calls before its deny: min and max over the accounts. */
  readonly workerRoundTripsBeforeDeny: { readonly min: number; readonly max: number };
  /** Round trips of the departure worker (the fan-out), and of them the SendMessageBatch calls (10 items each). */
  readonly fanOutRoundTrips: number;
  readonly fanOutBatches: number;
  /** Every AWS call the proxy saw for the run (the event source's own receives and deletes are not proxied). */
  readonly calls: number;
  readonly fanOutCalls: Record<string, number>;
  /** Calls of one account's work item: spread over the accounts, and its operations (the median account's). */
  readonly perAccount: { readonly min: number; readonly median: number; readonly max: number };
  readonly perAccountWork: { readonly min: number; readonly median: number; readonly max: number };
  readonly perAccountByOperation: Record<string, number>;
  /** One account's work-item calls by operation, completion bookkeeping apart (the same in every account when constant). */
  readonly perAccountWorkByOperation: Record<string, number>;
  /** The completion bookkeeping over all accounts: coverage claims tried, notifications published. */
  readonly completion: { readonly claims: number; readonly publishes: number };
  /** Work-item calls by operation, summed over the accounts. */
  readonly byOperation: Record<string, number>;
  readonly everyDenyFirst: boolean;
  /** Coverage notifications received (must be 1) and what the notification said. */
  readonly notifications: number;
  readonly coverageOutcome: string;
  /** SDK commands (instrument) = proxy requests, per container: no retry, nothing unattributed. */
  readonly commandsMatchRequests: boolean;
  readonly load: RunLoad;
  readonly timings: readonly AccountTiming[];
}

let departureSeq = 0;

/** Seeds the person's user in each account (a fresh user name per run), with no latency. */
export async function seedPerson(bed: OrgBed, userName: string, accounts: readonly string[]): Promise<void> {
  for (const id of accounts) {
    await seedDepartingUser(bed.iamIn(id), bed.sessions(id), userName, id);
  }
}

/**
 * One departure of a person with a user in each of `accounts`: seeded, then handed to the departure worker
 * (TARGET_ACCOUNTS = those accounts), fanned out, every account worker run; measured through the proxy.
 * Throws when an account does not end `revoked` with its sessions closed, or the run is not notified once.
 */
export async function runOrgDeparture(
  bed: OrgBed,
  accounts: readonly string[],
  concurrency: Concurrency,
): Promise<OrgDepartureRun> {
  const userName = `leaver-${++departureSeq}`;
  await seedPerson(bed, userName, accounts);
  await drainInbox(bed.setup.sqs, bed.inbox.queueUrl);
  const config: Config = { ...bed.config, targetAccounts: { kind: 'list', accountIds: [...accounts] } };
  const message: DepartureMessage = {
    id: `standard:bench-${userName}-${Date.now()}`,
    provider: 'standard',
    person: { employeeId: `E-${userName}`, email: `${userName}@example.com` },
    occurredAt: new Date().toISOString(),
    receivedAt: new Date().toISOString(),
  };
  const record = {
    messageId: message.id,
    body: JSON.stringify(message),
    attributes: { ApproximateReceiveCount: '1' },
  } as unknown as SQSRecord;
  const d = container(bed, 'dep');
  const worker = departureWorker({
    config,
    clients: d.clients,
    fanOut: departureFanOut({
      config,
      clients: d.clients,
      access: accountAccess({ config, clients: d.clients }),
    }),
  });
  const invocations: Invocation[] = [];
  const outcomes = new Map<string, string>();

  bed.proxy.configure({ latencyMs: bed.latencyMs });
  bed.proxy.reset();
  bed.tagger.reset();
  const meter = loadMeter(bed);
  const t0 = performance.now();
  const source = eventSource(
    bed,
    accounts.length,
    limitOf(concurrency),
    accountInvoker(bed, config, invocations, outcomes),
  );
  const response = await worker.process({ Records: [record] }, lambdaContext('revocation-worker'));
  const t1 = performance.now();
  if (response.batchItemFailures.length) throw new Error(`departure ${message.id} failed in the fan-out`);
  await source;
  const load = meter();
  bed.proxy.configure({ latencyMs: 0 });

  const calls = bed.tagger.calls();
  const timeline = bed.proxy.timeline();
  const perAccount = callsPerAccount(calls, invocations, bed.latencyMs);
  const denies = new Map<string, number>();
  for (const c of calls) {
    if (c.operation === 'iam:AttachUserPolicy' && c.account !== bed.central) {
      if (denies.has(c.account)) throw new Error(`two denies in ${c.account}`);
      denies.set(c.account, c.end - t0);
    }
  }
  for (const id of accounts) {
    if (!denies.has(id)) throw new Error(`no deny in ${id}`);
    if (outcomes.get(id) !== 'revoked') throw new Error(`${id} ended ${outcomes.get(id) ?? 'without a run'}`);
    if (bed.sessions(id).activeOf(`arn:aws:iam::${id}:user/${userName}`).length)
      throw new Error(`sessions left in ${id}`);
  }
  const notes = (await drainInbox(bed.setup.sqs, bed.inbox.queueUrl)).filter((n) =>
    n.subject?.includes('across'),
  );
  const byContainer = new Map<string, number>();
  for (const c of calls) byContainer.set(c.container, (byContainer.get(c.container) ?? 0) + 1);
  const commandsMatchRequests =
    invocations.every((i) => byContainer.get(i.container) === i.commands) &&
    byContainer.get(d.id) === d.logs.reduce((s, l) => s + l.calls.length, 0) &&
    calls.length === timeline.length;
  const fanOut = calls.filter((x) => x.container === d.id);
  const fanOutCalls: Record<string, number> = {};
  for (const c of fanOut) fanOutCalls[opName(c)] = (fanOutCalls[opName(c)] ?? 0) + 1;
  const byOperation: Record<string, number> = {};
  for (const a of perAccount) {
    for (const [op, n] of Object.entries(a.byOperation)) byOperation[op] = (byOperation[op] ?? 0) + n;
  }
  const work = perAccount.map((a) => a.work);
  const medianAccount = [...perAccount].sort((a, b) => a.total - b.total)[Math.floor(perAccount.length / 2)];
  const denyTimes = [...denies.values()].sort((a, b) => a - b);
  const timings = invocations
    .map((inv): AccountTiming => {
      const a = perAccount.find((p) => p.accountId === inv.accountId) as AccountCalls;
      return {
        accountId: inv.accountId,
        invokedMs: round(inv.start - t0),
        denyMs: round(denies.get(inv.accountId) ?? Number.NaN),
        doneMs: round(inv.end - t0),
        outcome: inv.outcome,
        calls: a.total,
        workCalls: a.work,
        denyFirst: denyFirst(a),
        roundTripsBeforeDeny: a.roundTripsBeforeDeny,
      };
    })
    .sort((a, b) => a.invokedMs - b.invokedMs);
  return {
    accounts: accounts.length,
    mode: concurrency.mode,
    ...(concurrency.mode === 'concurrent' ? {} : { maxConcurrency: limitOf(concurrency) }),
    fanOutMs: t1 - t0,
    denyFirstMs: denyTimes[0] ?? Number.NaN,
    denyMedianMs: median(denyTimes),
    denyAllMs: denyTimes[denyTimes.length - 1] ?? Number.NaN,
    completeMs: Math.max(...invocations.map((i) => i.end)) - t0,
    roundTripsBeforeFirstDeny:
      bed.proxy.roundTripsBefore((e) => e.operation === 'iam:AttachUserPolicy') ?? -1,
    workerRoundTripsBeforeDeny: {
      min: Math.min(...perAccount.map((a) => a.roundTripsBeforeDeny)),
      max: Math.max(...perAccount.map((a) => a.roundTripsBeforeDeny)),
    },
    fanOutRoundTrips: waveNumbers(fanOut.map((c) => ({ start: c.at - bed.latencyMs, end: c.end }))).reduce(
      (m, w) => Math.max(m, w),
      0,
    ),
    fanOutBatches: fanOut.filter((c) => c.operation === 'sqs:SendMessageBatch').length,
    calls: timeline.length,
    fanOutCalls,
    perAccount: spread(perAccount.map((a) => a.total)),
    perAccountWork: spread(work),
    perAccountByOperation: medianAccount?.byOperation ?? {},
    perAccountWorkByOperation: Object.fromEntries(
      Object.entries(medianAccount?.byOperation ?? {}).filter(([op]) => !COMPLETION_OPS.has(op)),
    ),
    completion: {
      claims: byOperation['dynamodb:UpdateItem coverage:run'] ?? 0,
      publishes: byOperation['sns:Publish'] ?? 0,
    },
    byOperation,
    everyDenyFirst: perAccount.every(denyFirst),
    notifications: notes.length,
    coverageOutcome: notes[0]?.attributes.outcome ?? 'none',
    commandsMatchRequests,
    load,
    timings,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Sweep over accounts

/** Discovery: the credential report (in the member account) and the revoked-users index (central table). */
const DISCOVERY = new Set([
  'iam:GenerateCredentialReport',
  'iam:GetCredentialReport',
  'dynamodb:Query state',
]);

export interface SweepAccountRun {
  readonly accountId: string;
  readonly calls: number;
  readonly discovery: number;
  readonly assumeRole: number;
  readonly byOperation: Record<string, number>;
  readonly ms: number;
  readonly figures: ReturnType<typeof sweepFigures>;
}

export interface OrgSweepRun {
  readonly mode: 'report' | 'enforce';
  readonly accounts: number;
  readonly fanOutMs: number;
  readonly completeMs: number;
  readonly fanOutCalls: Record<string, number>;
  readonly calls: number;
  readonly perAccount: { readonly min: number; readonly median: number; readonly max: number };
  readonly discoveryPerAccount: { readonly min: number; readonly median: number; readonly max: number };
  readonly assumeRolePerAccount: { readonly min: number; readonly max: number };
  /** An account's calls by operation (the median account by total). */
  readonly perAccountByOperation: Record<string, number>;
  readonly accountMs: { readonly min: number; readonly median: number; readonly max: number };
  readonly commandsMatchRequests: boolean;
  readonly load: RunLoad;
  readonly runs: readonly SweepAccountRun[];
}

/** Seeds `users` users (the sweep benchmark's mix of keys) in each member account; pre-generates its report. */
export async function seedSweepAccounts(
  bed: OrgBed,
  users: number,
  log: (line: string) => void = () => {},
): Promise<SeedBatch[]> {
  const out: SeedBatch[] = [];
  for (const id of bed.members) {
    const batch = await seedBatchInAccount(bed.moto.endpoint, id, 0, users);
    // The report exists before the measured runs, as in the single-account sweep benchmark.
    await bed.iamIn(id).send(new GenerateCredentialReportCommand({}));
    out.push(batch);
    log(
      `account ${id}: ${batch.users} users, ${batch.keys} keys in ${((batch.apiMs + batch.backdateMs) / 1000).toFixed(1)} s`,
    );
  }
  return out;
}

/**
 * The key sweep over every member account (TARGET_ACCOUNTS=organization, the central account excluded): the
 * sweep function's fan-out (ListAccounts, one work item per account), then one account worker per account.
 */
export async function runOrgSweep(
  bed: OrgBed,
  mode: 'report' | 'enforce',
  concurrency: Concurrency = { mode: 'concurrent' },
): Promise<OrgSweepRun> {
  const config: Config = {
    ...bed.config,
    targetAccounts: { kind: 'organization' },
    excludedAccounts: [bed.central],
  };
  const k = container(bed, 'sweep');
  const fanOut = sweepFanOut({
    config,
    clients: k.clients,
    access: accountAccess({ config, clients: k.clients }),
  });
  const invocations: Invocation[] = [];
  const outcomes = new Map<string, string>();
  bed.proxy.configure({ latencyMs: bed.latencyMs });
  bed.proxy.reset();
  bed.tagger.reset();
  const meter = loadMeter(bed);
  const t0 = performance.now();
  const source = eventSource(
    bed,
    bed.members.length,
    limitOf(concurrency),
    accountInvoker(bed, config, invocations, outcomes),
  );
  const summary = await keySweepAcrossAccounts({ mode }, fanOut, new Date());
  const t1 = performance.now();
  await source;
  const load = meter();
  bed.proxy.configure({ latencyMs: 0 });
  await drainInbox(bed.setup.sqs, bed.inbox.queueUrl);
  if (summary.accounts.length !== bed.members.length) {
    throw new Error(`the sweep targeted ${summary.accounts.length} accounts, not ${bed.members.length}`);
  }
  const calls = bed.tagger.calls();
  const perAccount = callsPerAccount(calls, invocations, bed.latencyMs);
  const runs = perAccount.map((a): SweepAccountRun => {
    const inv = invocations.find((i) => i.accountId === a.accountId) as Invocation;
    const figures = JSON.parse(inv.outcome) as ReturnType<typeof sweepFigures>;
    const expected = mode === 'report' ? 'reported' : 'enforced';
    if (figures.outcome !== expected) throw new Error(`sweep of ${a.accountId} ended ${figures.outcome}`);
    return {
      accountId: a.accountId,
      calls: a.total,
      discovery: Object.entries(a.byOperation)
        .filter(([op]) => DISCOVERY.has(op))
        .reduce((s, [, n]) => s + n, 0),
      assumeRole: a.byOperation['sts:AssumeRole'] ?? 0,
      byOperation: a.byOperation,
      ms: round(inv.end - inv.start),
      figures,
    };
  });
  const byContainer = new Map<string, number>();
  for (const c of calls) byContainer.set(c.container, (byContainer.get(c.container) ?? 0) + 1);
  const fanOutCalls: Record<string, number> = {};
  for (const c of calls.filter((x) => x.container === k.id))
    fanOutCalls[opName(c)] = (fanOutCalls[opName(c)] ?? 0) + 1;
  const medianRun = [...runs].sort((a, b) => a.calls - b.calls)[Math.floor(runs.length / 2)];
  return {
    mode,
    accounts: runs.length,
    fanOutMs: t1 - t0,
    completeMs: Math.max(...invocations.map((i) => i.end)) - t0,
    fanOutCalls,
    calls: calls.length,
    perAccount: spread(runs.map((r) => r.calls)),
    discoveryPerAccount: spread(runs.map((r) => r.discovery)),
    assumeRolePerAccount: {
      min: Math.min(...runs.map((r) => r.assumeRole)),
      max: Math.max(...runs.map((r) => r.assumeRole)),
    },
    perAccountByOperation: medianRun?.byOperation ?? {},
    accountMs: spread(runs.map((r) => r.ms)),
    commandsMatchRequests:
      invocations.every((i) => byContainer.get(i.container) === i.commands) &&
      byContainer.get(k.id) === k.logs.reduce((s, l) => s + l.calls.length, 0),
    load,
    runs,
  };
}

// ---------------------------------------------------------------------------------------------------------
// The benchmark

const CONCURRENT: Concurrency = { mode: 'concurrent' };

/**
 * The account worker's event source cap in serverless.yml (`maximumConcurrency` of the account queue's SQS
 * event, at the time of writing): the capped run shows what the deployed template does at the largest size.
 */
export const ACCOUNT_WORKER_MAX_CONCURRENCY = 50;

export interface DepartureSize {
  readonly accounts: number;
  /** Medians over the concurrent runs. */
  readonly denyAllMs: number;
  readonly completeMs: number;
  readonly denyFirstMs: number;
  readonly fanOutMs: number;
  readonly roundTripsBeforeFirstDeny: number;
  /** Calls of one account's work item: min / max over every account of the concurrent runs. */
  readonly callsPerAccount: { readonly min: number; readonly max: number };
  /** The same less the completion bookkeeping, over every run at this size (sequential and capped too). */
  readonly workCallsPerAccount: { readonly min: number; readonly max: number };
  readonly runs: readonly OrgDepartureRun[];
  /** The same departure with the accounts handled one after another (when measured at this size). */
  readonly sequential?: OrgDepartureRun;
  /** The same departure with at most `maxConcurrency` account workers at once (the largest size). */
  readonly capped?: OrgDepartureRun;
}

export interface OrganizationResult {
  readonly latencyMs: number;
  readonly repetitions: number;
  readonly departure: {
    readonly sizes: readonly DepartureSize[];
    /** At the largest size: every deny attached / the single-account time (medians, concurrent). */
    readonly denyRatio: number;
    readonly completeRatio: number;
    readonly setupSeconds: Record<string, number>;
  };
  readonly sweep?: {
    readonly accounts: number;
    readonly usersPerAccount: number;
    readonly keysPerAccount: number;
    readonly seedSeconds: number;
    readonly report: OrgSweepRun;
    readonly enforce: OrgSweepRun;
    readonly setupSeconds: Record<string, number>;
  };
  readonly wallSeconds: number;
  readonly note: string;
}

const slim = (r: OrgDepartureRun): OrgDepartureRun => ({ ...r, byOperation: {} });

/**
 * The departure over `sizes` accounts (`repetitions` concurrent runs each, interleaved, after one warm-up run
 * per size; one sequential run at each size in `sequentialSizes`), then the sweep over `sweepAccounts`
 * accounts of `sweepUsers` users (report mode, then enforce mode), on a moto of its own.
 */
export async function benchOrganization(
  options: {
    sizes?: readonly number[];
    repetitions?: number;
    sequentialSizes?: readonly number[];
    /** One more run at the largest size with at most this many account workers at once (0: none). */
    cappedAt?: number;
    sweepAccounts?: number;
    sweepUsers?: number;
    latencyMs?: number;
    log?: (line: string) => void;
  } = {},
): Promise<OrganizationResult> {
  const started = performance.now();
  const sizes = options.sizes ?? [1, 10, 50];
  const repetitions = options.repetitions ?? 3;
  const sequentialSizes = options.sequentialSizes ?? [10, 50];
  const cappedAt = options.cappedAt ?? ACCOUNT_WORKER_MAX_CONCURRENCY;
  const latencyMs = options.latencyMs ?? 50;
  const log = options.log ?? (() => {});
  const largest = Math.max(...sizes);

  const bed = await startOrgBed({ accounts: largest, latencyMs, log });
  let departure: OrganizationResult['departure'];
  try {
    const describe = (r: OrgDepartureRun) =>
      `${r.accounts} accounts ${r.mode}${r.maxConcurrency && r.mode === 'capped' ? ` ${r.maxConcurrency}` : ''}: fan-out ${r.fanOutMs.toFixed(0)} ms, denies ${r.denyFirstMs.toFixed(0)}..${r.denyAllMs.toFixed(0)} ms, complete ${r.completeMs.toFixed(0)} ms, ${r.calls} calls (${r.perAccount.min}-${r.perAccount.max} per account), worker round trips to deny ${r.workerRoundTripsBeforeDeny.min}-${r.workerRoundTripsBeforeDeny.max}, moto ${r.load.motoCores ?? '?'} cores, ${r.load.motoMsMedian} ms/call median (round trip ${r.load.upstreamMsMedian}), node ${r.load.nodeCores} cores, loop ${r.load.nodeEventLoop}`;
    for (const n of sizes)
      log(`warm-up: ${describe(await runOrgDeparture(bed, bed.members.slice(0, n), CONCURRENT))}`);
    const runs = new Map<number, OrgDepartureRun[]>(sizes.map((n) => [n, []]));
    for (let i = 1; i <= repetitions; i++) {
      for (const n of sizes) {
        const r = await runOrgDeparture(bed, bed.members.slice(0, n), CONCURRENT);
        runs.get(n)?.push(r);
        log(`#${i} ${describe(r)}`);
      }
    }
    const sequential = new Map<number, OrgDepartureRun>();
    for (const n of sequentialSizes.filter((s) => sizes.includes(s))) {
      const r = await runOrgDeparture(bed, bed.members.slice(0, n), { mode: 'sequential' });
      sequential.set(n, r);
      log(describe(r));
    }
    let capped: OrgDepartureRun | undefined;
    if (cappedAt > 0 && cappedAt < largest) {
      capped = await runOrgDeparture(bed, bed.members.slice(0, largest), { mode: 'capped', limit: cappedAt });
      log(describe(capped));
    }
    const summarize = (n: number): DepartureSize => {
      const rs = runs.get(n) ?? [];
      const seq = sequential.get(n);
      const cap = n === largest ? capped : undefined;
      const every = [...rs, ...(seq ? [seq] : []), ...(cap ? [cap] : [])];
      return {
        accounts: n,
        denyAllMs: median(rs.map((r) => r.denyAllMs)),
        completeMs: median(rs.map((r) => r.completeMs)),
        denyFirstMs: median(rs.map((r) => r.denyFirstMs)),
        fanOutMs: median(rs.map((r) => r.fanOutMs)),
        roundTripsBeforeFirstDeny: median(rs.map((r) => r.roundTripsBeforeFirstDeny)),
        callsPerAccount: {
          min: Math.min(...rs.map((r) => r.perAccount.min)),
          max: Math.max(...rs.map((r) => r.perAccount.max)),
        },
        workCallsPerAccount: {
          min: Math.min(...every.map((r) => r.perAccountWork.min)),
          max: Math.max(...every.map((r) => r.perAccountWork.max)),
        },
        runs: rs.map(slim),
        ...(seq ? { sequential: slim(seq) } : {}),
        ...(cap ? { capped: slim(cap) } : {}),
      };
    };
    const bySize = sizes.map(summarize);
    const one = bySize.find((s) => s.accounts === Math.min(...sizes)) as DepartureSize;
    const most = bySize.find((s) => s.accounts === largest) as DepartureSize;
    departure = {
      sizes: bySize,
      denyRatio: most.denyAllMs / one.denyAllMs,
      completeRatio: most.completeMs / one.completeMs,
      setupSeconds: bed.setupSeconds,
    };
  } finally {
    await bed.close();
  }

  let sweep: OrganizationResult['sweep'];
  const sweepAccounts = options.sweepAccounts ?? 20;
  if (sweepAccounts > 0) {
    const users = options.sweepUsers ?? 1000;
    const sbed = await startOrgBed({ accounts: sweepAccounts, colleagues: 0, latencyMs, log });
    try {
      const t = performance.now();
      const batches = await seedSweepAccounts(sbed, users);
      const seedSeconds = round((performance.now() - t) / 1000, 1);
      log(`sweep: seeded ${sweepAccounts} x ${users} users in ${seedSeconds} s`);
      const report = await runOrgSweep(sbed, 'report');
      log(
        `sweep report over ${report.accounts} accounts: ${report.calls} calls, ${report.perAccount.min}-${report.perAccount.max} per account, discovery ${report.discoveryPerAccount.max} + assume-role ${report.assumeRolePerAccount.max}, done ${report.completeMs.toFixed(0)} ms`,
      );
      const enforce = await runOrgSweep(sbed, 'enforce');
      log(
        `sweep enforce over ${enforce.accounts} accounts: ${enforce.calls} calls, ${enforce.perAccount.min}-${enforce.perAccount.max} per account, discovery ${enforce.discoveryPerAccount.max} + assume-role ${enforce.assumeRolePerAccount.max}, done ${enforce.completeMs.toFixed(0)} ms`,
      );
      sweep = {
        accounts: sweepAccounts,
        usersPerAccount: users,
        keysPerAccount: batches[0]?.keys ?? 0,
        seedSeconds,
        report,
        enforce,
        setupSeconds: sbed.setupSeconds,
      };
    } finally {
      await sbed.close();
    }
  }
  return {
    latencyMs,
    repetitions,
    departure,
    ...(sweep ? { sweep } : {}),
    wallSeconds: Math.round((performance.now() - started) / 1000),
    note: ORG_NOTE,
  };
}

export const ORG_NOTE =
  'One moto_server process holds every account (moto keeps per-account state and picks the account from the ' +
  "signing key: the member role's session keys act in the member account). moto checks no trust policy: " +
  'AssumeRole into the member role always succeeds. The event source stand-in receives from moto directly and ' +
  'invokes at once: SQS and Lambda add their own delivery and scaling time in AWS (Lambda starts 5 pollers ' +
  'and adds concurrency as the queue backs up), not modelled here. Every invocation runs in this one Node ' +
  'process, each with clients of its own.';
