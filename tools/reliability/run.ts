import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  type Account,
  createScenarioStack,
  type ScenarioStack,
  seedPeople,
  seedProtectedRoles,
  startAccount,
} from './account';
import { retriedErrors, stackFunctions, type WorkerTiming } from './common';
import { CrashAfterDeny, type CrashResult, runCrash } from './crash';
import { type DeparturesResult, runDepartures } from './departures';
import { type DuplicatesResult, runDuplicates } from './duplicates';
import {
  type AdminResult,
  type HostileWebhookResult,
  type ProtectedLockdownResult,
  runHostileWebhook,
  runMalformedAdmin,
  runProtectedLockdowns,
} from './hostile-run';
import { LambdaFunction, REPO_ROOT } from './lambda';
import { FailKeyDeactivation, runWriteFailure, type WriteFailureResult } from './write-failure';

/**
 * The reliability suite: the scenarios of docs/reliability.md on one local account, each with its own stack
 * and fault proxy, run one after another. `npm run reliability` runs {@link FULL_CONFIG} and writes
 * RELIABILITY.md; `test/integration/reliability.test.ts` runs {@link REDUCED_CONFIG} and asserts the same
 * figures. Never bundled into a handler.
 */

/** The scenarios, in the order a run without lanes takes them (`keyfail`: the always-failing key deactivation). */
export const SCENARIOS = ['s1', 'keyfail', 's2', 's3', 's4'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** The lanes a configuration runs, checked: every scenario exactly once. */
export function lanesOf(config: Pick<ReliabilityConfig, 'lanes'>): readonly (readonly ScenarioName[])[] {
  const lanes = config.lanes ?? [SCENARIOS];
  const named = lanes.flat();
  const missing = SCENARIOS.filter((s) => !named.includes(s));
  if (missing.length || named.length !== SCENARIOS.length || lanes.some((l) => !l.length)) {
    throw new Error(
      `lanes must name each of ${SCENARIOS.join(', ')} exactly once, none empty: ${JSON.stringify(lanes)}`,
    );
  }
  return lanes;
}

export interface ReliabilityConfig {
  readonly seed: number;
  /** Fraction of AWS calls faulted in scenario 1. */
  readonly faultRate: number;
  readonly people: number;
  readonly duplicates: number;
  readonly hostileRequests: number;
  readonly adminInputs: number;
  readonly timing: WorkerTiming;
  /** Worker environments in scenario 2 (more than the deployment's 2, to race the copies harder). */
  readonly duplicatesConcurrency: number;
  readonly webhookConcurrency: number;
  readonly drainTimeoutMs: number;
  /**
   * Scenarios run in lanes at once, each lane's one after another; absent: all one after another, in the
   * order of {@link SCENARIOS}. Each scenario has its own stack, fault proxy and functions and its figures
   * are read from them, so what they prove is the same either way; lanes overlap the busy scenario 1 with
   * the ones that mostly wait for visibility timeouts. Each scenario must appear exactly once.
   */
  readonly lanes?: readonly (readonly ScenarioName[])[];
  /** Where the functions' logs go (one file per function); none when absent. */
  readonly logDir?: string;
}

/** Scaled from serverless.yml: timeout 120 s -> 30 s, visibility 900 s -> 40 s; maxReceiveCount, batch, concurrency as deployed. */
export const FULL_CONFIG: ReliabilityConfig = {
  seed: 7,
  faultRate: 0.2,
  people: 100,
  duplicates: 50,
  hostileRequests: 650,
  adminInputs: 200,
  timing: {
    timeoutMs: 30_000,
    visibilityTimeoutSeconds: 40,
    maxReceiveCount: 5,
    batchSize: 5,
    concurrency: 2,
  },
  duplicatesConcurrency: 5,
  webhookConcurrency: 4,
  drainTimeoutMs: 6 * 60_000,
};

/** The same scenarios, smaller and faster, for `npm test`. */
export const REDUCED_CONFIG: ReliabilityConfig = {
  seed: 11,
  faultRate: 0.2,
  people: 10,
  duplicates: 10,
  hostileRequests: 104,
  adminInputs: 40,
  timing: {
    timeoutMs: 8_000,
    visibilityTimeoutSeconds: 14,
    maxReceiveCount: 5,
    batchSize: 2,
    concurrency: 2,
  },
  duplicatesConcurrency: 3,
  webhookConcurrency: 3,
  drainTimeoutMs: 70_000,
  // One lane (no `lanes`): with two lanes beside jest's second worker, a clean-clone CI run saw the always-failing
  // key deactivation's webhook invocation time out (10 s) while scenario 1 ran beside it; three lanes did the same
  // alone. Lanes stay available for a quiet machine; `npm test` takes the scenarios one after another.
};

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly moto: string;
}

export interface ProtectedFigures {
  /** Protected principals seeded (users and roles). */
  readonly principals: number;
  /** Writes the proxies saw naming a protected principal (user/role name, its key or session id), per scenario. */
  readonly writesByScenario: Record<string, number>;
  readonly writes: number;
  /** IAM writes naming no user or role (IAM would apply them to the caller). */
  readonly unattributedIamWrites: number;
}

export interface ReliabilityResults {
  readonly startedAt: string;
  readonly durationMs: number;
  readonly machine: Machine;
  readonly config: ReliabilityConfig;
  readonly departures: DeparturesResult;
  readonly writeFailure: WriteFailureResult;
  readonly duplicates: DuplicatesResult;
  readonly crash: CrashResult;
  readonly hostileWebhook: HostileWebhookResult;
  readonly malformedAdmin: AdminResult;
  readonly protectedLockdowns: ProtectedLockdownResult;
  readonly protected: ProtectedFigures;
}

function machine(): Machine {
  const moto = spawnSync('python3', ['-c', 'import moto; print(moto.__version__)'], { encoding: 'utf8' });
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    moto: moto.status === 0 ? moto.stdout.trim() : 'unknown',
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Runs every scenario; `progress` receives one line per step. */
export async function runReliability(
  config: ReliabilityConfig,
  progress: (line: string) => void = () => undefined,
): Promise<ReliabilityResults> {
  const lanes = lanesOf(config);
  const started = Date.now();
  if (config.logDir) mkdirSync(config.logDir, { recursive: true });
  mkdirSync(join(REPO_ROOT, '.tmp', 'reliability'), { recursive: true });
  const account: Account = await startAccount();
  const stacks: ScenarioStack[] = [];
  try {
    progress('seeding the account');
    const people = await seedPeople(account, 's1', config.people, config.seed);
    const [keyFailure] = await seedPeople(account, 'keyfail', 1, config.seed);
    const [duplicated] = await seedPeople(account, 's2', 1, config.seed);
    const [crashed] = await seedPeople(account, 's3', 1, config.seed);
    const roles = await seedProtectedRoles(account, 's4');
    if (!keyFailure || !duplicated || !crashed) throw new Error('seeding failed');

    const queue = (faultRate: number) => ({
      faultRate,
      seed: config.seed,
      visibilityTimeoutSeconds: config.timing.visibilityTimeoutSeconds,
      maxReceiveCount: config.timing.maxReceiveCount,
    });
    const fnOptions = (concurrency = config.webhookConcurrency) => ({
      webhookConcurrency: concurrency,
      ...(config.logDir ? { logDir: config.logDir } : {}),
    });

    // Each scenario on its own stack (tables, queues, fault proxy), its functions closed when it ends.
    const scenario1 = async (): Promise<DeparturesResult> => {
      progress(`scenario 1: ${config.people} departures, ${config.faultRate * 100}% of AWS calls faulted`);
      const s1 = await createScenarioStack(account, 's1', queue(config.faultRate));
      stacks.push(s1);
      const f1 = stackFunctions(account, s1, config.timing, fnOptions());
      let departures: DeparturesResult;
      try {
        departures = await runDepartures(account, s1, f1, people, {
          faultRate: config.faultRate,
          seed: config.seed,
          webhookConcurrency: config.webhookConcurrency,
          drainTimeoutMs: config.drainTimeoutMs,
        });
      } finally {
        await f1.close();
      }
      progress(`scenario 1 done in ${seconds(departures.durationMs)}`);
      return { ...departures, retriedErrors: retriedErrors(f1.workerLog) };
    };

    const keyFailureScenario = async (): Promise<WriteFailureResult> => {
      progress('the always-failing key deactivation: one access key deactivation fails on every SDK attempt');
      const at = Date.now();
      // maxAttempts of the IAM client (src/clients.ts): the first command gives up, later ones go through.
      const failure = new FailKeyDeactivation(5);
      const keyFailStack = await createScenarioStack(account, 'keyfail', {
        ...queue(0),
        intercept: failure.intercept,
      });
      stacks.push(keyFailStack);
      const keyFailFunctions = stackFunctions(
        account,
        keyFailStack,
        { ...config.timing, concurrency: 1 },
        fnOptions(1),
      );
      try {
        return await runWriteFailure(account, keyFailStack, keyFailFunctions, keyFailure, failure, {
          drainTimeoutMs: config.drainTimeoutMs,
        });
      } finally {
        await keyFailFunctions.close();
        progress(`the always-failing key deactivation done in ${seconds(Date.now() - at)}`);
      }
    };

    const scenario2 = async (): Promise<DuplicatesResult> => {
      progress(`scenario 2: one departure delivered ${config.duplicates} times at once`);
      const s2 = await createScenarioStack(account, 's2', queue(0));
      stacks.push(s2);
      const f2 = stackFunctions(
        account,
        s2,
        { ...config.timing, concurrency: config.duplicatesConcurrency },
        fnOptions(config.duplicatesConcurrency),
      );
      try {
        const duplicates = await runDuplicates(account, s2, f2, duplicated, {
          copies: config.duplicates,
          faultRate: 0,
          drainTimeoutMs: config.drainTimeoutMs,
        });
        progress(`scenario 2 done in ${seconds(duplicates.durationMs)}`);
        return duplicates;
      } finally {
        await f2.close();
      }
    };

    const scenario3 = async (): Promise<CrashResult> => {
      progress('scenario 3: the worker killed right after the deny');
      const at = Date.now();
      const crash = new CrashAfterDeny(crashed.users[0]?.userName ?? '');
      const s3 = await createScenarioStack(account, 's3', { ...queue(0), intercept: crash.intercept });
      stacks.push(s3);
      const f3 = stackFunctions(account, s3, { ...config.timing, concurrency: 1 }, fnOptions(1));
      try {
        return await runCrash(account, s3, f3, crashed, crash, {
          crashTimeoutMs: 60_000,
          drainTimeoutMs: config.drainTimeoutMs,
        });
      } finally {
        await f3.close();
        progress(`scenario 3 done in ${seconds(Date.now() - at)}`);
      }
    };

    const scenario4 = async () => {
      progress(
        `scenario 4: ${config.hostileRequests} hostile webhook requests, ${config.adminInputs} malformed admin inputs`,
      );
      const at = Date.now();
      const s4 = await createScenarioStack(account, 's4', queue(0));
      stacks.push(s4);
      const f4 = stackFunctions(account, s4, config.timing, fnOptions(1));
      const admin = (name: 'lockdown' | 'restore') =>
        new LambdaFunction({
          name: `s4-${name}`,
          handler: `handlers/${name}.ts`,
          env: s4.functionEnv(),
          // serverless.yml: 300 s; nothing here should take more than a few.
          timeoutMs: 30_000,
          concurrency: 1,
          ...(config.logDir ? { logFile: join(config.logDir, `s4-${name}.log`) } : {}),
        });
      const lockdown = admin('lockdown');
      const restore = admin('restore');
      try {
        const hostileWebhook = await runHostileWebhook(account, s4, f4.webhook, {
          requests: config.hostileRequests,
          seed: config.seed,
        });
        const malformedAdmin = await runMalformedAdmin(
          s4,
          { lockdown, restore },
          { inputs: config.adminInputs, seed: config.seed },
        );
        const protectedLockdowns = await runProtectedLockdowns(account, s4, lockdown, {
          users: people.filter((p) => p.users.some((u) => u.protection !== 'none')).slice(0, 4),
          roles,
        });
        return { hostileWebhook, malformedAdmin, protectedLockdowns };
      } finally {
        await Promise.all([f4.close(), lockdown.close(), restore.close()]);
        progress(`scenario 4 done in ${seconds(Date.now() - at)}`);
      }
    };

    const results: Partial<{
      s1: DeparturesResult;
      keyfail: WriteFailureResult;
      s2: DuplicatesResult;
      s3: CrashResult;
      s4: Awaited<ReturnType<typeof scenario4>>;
    }> = {};
    const run: Record<ScenarioName, () => Promise<void>> = {
      s1: async () => {
        results.s1 = await scenario1();
      },
      keyfail: async () => {
        results.keyfail = await keyFailureScenario();
      },
      s2: async () => {
        results.s2 = await scenario2();
      },
      s3: async () => {
        results.s3 = await scenario3();
      },
      s4: async () => {
        results.s4 = await scenario4();
      },
    };
    // Every lane runs to its end before a failure is thrown: no scenario is left running on a closed stack.
    const settled = await Promise.allSettled(
      lanes.map(async (lane) => {
        for (const name of lane) await run[name]();
      }),
    );
    for (const lane of settled) if (lane.status === 'rejected') throw lane.reason;
    const { s1: departures, keyfail: writeFailure, s2: duplicates, s3: crashResult, s4: hostile } = results;
    if (!departures || !writeFailure || !duplicates || !crashResult || !hostile) {
      throw new Error('a scenario did not run');
    }
    const { hostileWebhook, malformedAdmin, protectedLockdowns } = hostile;

    const writesByScenario = Object.fromEntries(
      stacks.map((s) => [s.name, s.proxy.writesOn(account.protectedIds).length]),
    );
    return {
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      machine: machine(),
      config,
      departures,
      writeFailure,
      duplicates,
      crash: crashResult,
      hostileWebhook,
      malformedAdmin,
      protectedLockdowns,
      protected: {
        principals: account.protectedNames.size,
        writesByScenario,
        writes: Object.values(writesByScenario).reduce((a, b) => a + b, 0),
        unattributedIamWrites: stacks.reduce((n, s) => n + s.proxy.unattributedIamWrites().length, 0),
      },
    };
  } finally {
    await Promise.all(stacks.map((s) => s.close()));
    await account.stop();
  }
}
