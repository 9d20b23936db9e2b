import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GenerateCredentialReportCommand } from '@aws-sdk/client-iam';
import { build } from 'esbuild';
import { makeClients } from '../src/clients';
import { startMoto } from '../tools/local/moto';
import { chain, noServiceCredentials } from '../tools/local/moto-gaps';
import { type FaultProxy, startFaultProxy } from '../tools/local/proxy';
import { createLocalStack } from '../tools/local/seed';
import { awsPaging } from './aws-paging';
import { emailOf, type SeedBatch, seedBatch, userName } from './seed-account';
import { median } from './stats';
import type { ChildResult, ChildTask } from './sweep-child';

/**
 * Sweep scale: the key sweep, its naive peer and person resolution on 1k, 5k and 10k IAM users in moto,
 * each task in a child process of its own (bundled, plain node) for its peak RSS, every AWS call counted by
 * the proxy. The proxy pages IAM lists as AWS does (bench/aws-paging.ts): moto would answer ListUsers and
 * GetAccountAuthorizationDetails in one page whatever the size. Sizes are cumulative: each size adds users
 * to the previous ones (seeding timed apart), then runs, in order: the sweep in report mode (at the largest
 * size, again with a capped V8 heap), the naive peer, the sweep in enforce mode (it deactivates that
 * batch's actionable keys), person resolution, one GetCredentialReport alone (through the SDK's XML parse,
 * then as the sweep reads it).
 */

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/**
 * Which calls are discovery, reads about one user (a candidate's tags and keys, a revoked user's deny),
 * writes and the notification.
 */
const PHASE: Readonly<Record<string, 'discovery' | 'recheck' | 'write' | 'notify'>> = {
  'iam:GenerateCredentialReport': 'discovery',
  'iam:GetCredentialReport': 'discovery',
  'dynamodb:Query': 'discovery',
  'iam:GetAccountAuthorizationDetails': 'discovery',
  'iam:ListUserTags': 'recheck',
  'iam:ListAccessKeys': 'recheck',
  'iam:GetAccessKeyLastUsed': 'recheck',
  'iam:ListAttachedUserPolicies': 'recheck',
  'iam:ListUserPolicies': 'recheck',
  'iam:UpdateAccessKey': 'write',
  'dynamodb:BatchWriteItem': 'write',
  'dynamodb:PutItem': 'write',
  'dynamodb:UpdateItem': 'write',
  'sns:Publish': 'notify',
};

export interface TaskRun {
  readonly task: ChildTask;
  readonly wallMs: number;
  readonly maxRssKiB: number;
  readonly baselineRssKiB: number;
  readonly calls: number;
  readonly byOperation: Record<string, number>;
  /** Median duration of each operation's requests as the proxy saw them (moto's time plus the proxy's). */
  readonly medianMsByOperation: Record<string, number>;
  /** Node flags of the child, when any. */
  readonly nodeFlags: readonly string[];
  readonly result: unknown;
}

export interface SweepRun extends TaskRun {
  readonly discoveryCalls: number;
  readonly recheckCalls: number;
  readonly writeCalls: number;
  readonly notifyCalls: number;
  readonly otherCalls: number;
  /**
   * Keys the credential report flags (expired, idle, never used, due), before tags are read: those of
   * protected and exempt users too (the sweep's `candidates.keys`).
   */
  readonly candidateKeys: number;
  readonly candidateUsers: number;
  /** Keys the sweep listed as acted on (or to act on) or warned about: candidates less protected and exempt. */
  readonly listedKeys: number;
}

export interface SizeResult {
  readonly users: number;
  readonly keys: number;
  readonly seeding: SeedBatch;
  readonly sweepReport: SweepRun;
  readonly sweepEnforce: SweepRun;
  readonly naive: TaskRun;
  readonly resolve: TaskRun;
  /** One GetCredentialReport through the SDK in a process of its own: what parsing the report costs. */
  readonly credentialReport: TaskRun;
  /** The same call as the sweep makes it (content read from the raw body, `readContentRaw`). */
  readonly credentialReportRaw?: TaskRun;
  /** The report-mode sweep again with V8's old generation capped (largest size only), or why it failed. */
  readonly sweepCappedHeap?: TaskRun | { readonly failed: string };
  /** naive / sweep (report mode): calls and wall time. */
  readonly callRatio: number;
  readonly timeRatio: number;
}

export interface SweepScaleResult {
  readonly sizes: readonly SizeResult[];
  readonly pageSize: { readonly max: number; readonly default: number };
  readonly note: string;
}

/** Bundles the child (SDK inside, as deployed) to `.tmp/bench/sweep-child.js`. */
async function bundleChild(root: string): Promise<string> {
  const outfile = join(root, '.tmp', 'bench', 'sweep-child.js');
  mkdirSync(join(root, '.tmp', 'bench'), { recursive: true });
  await build({
    entryPoints: [join(root, 'bench', 'sweep-child.ts')],
    outfile,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    mainFields: ['module', 'main'],
    logLevel: 'silent',
  });
  return outfile;
}

/** Old-generation cap of the extra sweep run at the largest size (MiB), leaving room within 256 MiB. */
export const CAPPED_OLD_SPACE_MIB = 192;

function runChild(
  bundle: string,
  env: Record<string, string>,
  outFile: string,
  nodeFlags: readonly string[] = [],
): Promise<ChildResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, bundle], {
      env: { PATH: process.env.PATH ?? '', ...env, BENCH_OUT: outFile },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-4000);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) {
        reject(new Error(`${env.BENCH_TASK} child exited ${code}: ${stderr}`));
        return;
      }
      resolvePromise(JSON.parse(readFileSync(outFile, 'utf8')) as ChildResult);
    });
  });
}

function medianDurations(proxy: FaultProxy): Record<string, number> {
  const byOp: Record<string, number[]> = {};
  for (const e of proxy.timeline()) {
    const list = byOp[e.operation] ?? [];
    list.push(e.end - e.start);
    byOp[e.operation] = list;
  }
  return Object.fromEntries(Object.entries(byOp).map(([op, d]) => [op, Math.round(median(d) * 10) / 10]));
}

function phaseCounts(byOperation: Record<string, number>) {
  const out = { discovery: 0, recheck: 0, write: 0, notify: 0, other: 0 };
  for (const [op, n] of Object.entries(byOperation)) out[PHASE[op] ?? 'other'] += n;
  return out;
}

export async function benchSweepScale(
  options: { sizes?: readonly number[]; root?: string; log?: (line: string) => void } = {},
): Promise<SweepScaleResult> {
  const root = resolve(options.root ?? '.');
  const sizes = options.sizes ?? [1000, 5000, 10000];
  const log = options.log ?? (() => {});
  const bundle = await bundleChild(root);

  const savedBin = process.env.MOTO_SERVER_BIN;
  process.env.MOTO_SERVER_BIN = join(root, 'bench', 'moto_server.py');
  const moto = await startMoto().finally(() => {
    if (savedBin === undefined) delete process.env.MOTO_SERVER_BIN;
    else process.env.MOTO_SERVER_BIN = savedBin;
  });
  const pageSize = { max: 1000, default: 100 };
  const proxy = await startFaultProxy({
    upstream: moto.endpoint,
    intercept: chain(
      noServiceCredentials,
      awsPaging({ maxPageSize: pageSize.max, defaultPageSize: pageSize.default }),
    ),
  });
  try {
    // Seeding goes to moto directly; only the measured tasks go through the proxy.
    const setup = makeClients({ region: REGION, endpoint: moto.endpoint, credentials: CREDENTIALS });
    const { config } = await createLocalStack(setup);
    // The report exists before the measured runs (a daily run may add one poll and its wait).
    await setup.iam.send(new GenerateCredentialReportCommand({}));

    const results: SizeResult[] = [];
    let seeded = 0;
    let keys = 0;
    for (const size of sizes) {
      const seeding = await seedBatch(setup.iam, moto.endpoint, seeded, size);
      keys += seeding.keys;
      log(
        `seeded users ${seeded}..${size - 1}: ${seeding.apiCalls} IAM calls in ${(seeding.apiMs / 1000).toFixed(1)} s, backdated ${seeding.keys} keys in ${seeding.backdateMs.toFixed(0)} ms`,
      );
      seeded = size;
      const env = {
        ...moto.env,
        BENCH_ENDPOINT: proxy.endpoint,
        BENCH_NOW: new Date().toISOString(),
        BENCH_EMAIL: emailOf(Math.floor(size / 2)),
        NOTIFY_TOPIC_ARN: config.notifyTopicArn,
        STATE_TABLE: config.stateTable,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_SERVICE_NAME: 'offboarding',
      };
      const run = async (task: ChildTask, nodeFlags: readonly string[] = []): Promise<TaskRun> => {
        proxy.reset();
        const r = await runChild(
          bundle,
          { ...env, BENCH_TASK: task },
          join(root, '.tmp', 'bench', `${task}.json`),
          nodeFlags,
        );
        const byOperation = proxy.stats().byOperation;
        const calls = Object.values(byOperation).reduce((s, n) => s + n, 0);
        log(
          `${size} users, ${task}${nodeFlags.length ? ` ${nodeFlags.join(' ')}` : ''}: ${calls} calls, ${(r.wallMs / 1000).toFixed(2)} s, peak RSS ${(r.maxRssKiB / 1024).toFixed(0)} MiB`,
        );
        return { ...r, calls, byOperation, medianMsByOperation: medianDurations(proxy), nodeFlags };
      };
      const sweepRun = async (task: 'sweep-report' | 'sweep-enforce'): Promise<SweepRun> => {
        const r = await run(task);
        const phases = phaseCounts(r.byOperation);
        const res = r.result as {
          actions: Record<string, number>;
          candidateUsers: number;
          candidateKeys: number;
        };
        return {
          ...r,
          discoveryCalls: phases.discovery,
          recheckCalls: phases.recheck,
          writeCalls: phases.write,
          notifyCalls: phases.notify,
          otherCalls: phases.other,
          candidateKeys: res.candidateKeys,
          candidateUsers: res.candidateUsers,
          listedKeys: Object.values(res.actions).reduce((s, n) => s + n, 0),
        };
      };
      const sweepReport = await sweepRun('sweep-report');
      // The same state as the report run above: before enforce changes it.
      let sweepCappedHeap: SizeResult['sweepCappedHeap'];
      if (size === sizes[sizes.length - 1]) {
        try {
          sweepCappedHeap = await run('sweep-report', [`--max-old-space-size=${CAPPED_OLD_SPACE_MIB}`]);
        } catch (err) {
          sweepCappedHeap = { failed: (err as Error).message.split('\n').slice(0, 3).join(' ') };
          log(`${size} users, capped sweep failed: ${sweepCappedHeap.failed}`);
        }
      }
      const naive = await run('naive');
      const sweepEnforce = await sweepRun('sweep-enforce');
      const resolved = await run('resolve');
      const found = (resolved.result as { found: string[] }).found;
      if (found.length !== 1 || found[0] !== userName(Math.floor(size / 2))) {
        throw new Error(`person resolution found ${JSON.stringify(found)}`);
      }
      const credentialReport = await run('credential-report');
      const credentialReportRaw = await run('credential-report-raw');
      results.push({
        users: size,
        keys,
        seeding,
        sweepReport,
        sweepEnforce,
        naive,
        resolve: resolved,
        credentialReport,
        credentialReportRaw,
        ...(sweepCappedHeap ? { sweepCappedHeap } : {}),
        callRatio: naive.calls / sweepReport.calls,
        timeRatio: naive.wallMs / sweepReport.wallMs,
      });
    }
    return {
      sizes: results,
      pageSize,
      note:
        'moto answers ListUsers and GetAccountAuthorizationDetails in one page; the proxy pages them as AWS ' +
        `does (MaxItems default ${pageSize.default}, at most ${pageSize.max}, every page full): the naive peer and ` +
        'person resolution list users; the sweep lists none. moto also builds the credential report from its ' +
        'live state at each GetCredentialReport (AWS serves a snapshot).',
    };
  } finally {
    await proxy.close();
    await moto.stop();
  }
}
