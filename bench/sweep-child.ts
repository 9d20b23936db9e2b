import { writeFileSync } from 'node:fs';
import { GetCredentialReportCommand } from '@aws-sdk/client-iam';
import { makeClients } from '../src/clients';
import { loadConfig } from '../src/config';
import { usersOfPerson } from '../src/engine/resolve';
import { readContentRaw } from '../src/sweep/report-content';
import { runSweep } from '../src/sweep/sweep';
import { naiveKeyAudit } from './naive-sweep';

/**
 * One measured task in a process of its own, so that its peak RSS is its own: bundled by esbuild and run
 * by plain `node` (see sweep-scale.ts). Input from the environment:
 * `BENCH_TASK` = `sweep-report` | `sweep-enforce` | `naive` | `resolve` | `credential-report` (one
 * GetCredentialReport through the SDK's XML parse, nothing else: what its response alone costs) |
 * `credential-report-raw` (the same call as the sweep makes it, its content read from the raw body),
 * `BENCH_ENDPOINT` (the proxy),
 * `BENCH_NOW` (the sweep's clock), `BENCH_EMAIL` (resolve), `BENCH_OUT` (where to write the result), and
 * the project's own variables (`STATE_TABLE`, `NOTIFY_TOPIC_ARN`, `AWS_REGION`...).
 */

export type ChildTask =
  | 'sweep-report'
  | 'sweep-enforce'
  | 'naive'
  | 'resolve'
  | 'credential-report'
  | 'credential-report-raw';

export interface ChildResult {
  readonly task: ChildTask;
  readonly wallMs: number;
  /** RSS after start-up (node, the bundle, the SDK), before the task. */
  readonly baselineRssKiB: number;
  /** Peak RSS of the process (`process.resourceUsage().maxRSS`). */
  readonly maxRssKiB: number;
  readonly result: unknown;
}

async function main(): Promise<void> {
  const baselineRssKiB = Math.round(process.memoryUsage().rss / 1024);
  const env = process.env;
  const task = env.BENCH_TASK as ChildTask;
  const config = loadConfig(env);
  const clients = makeClients({
    region: config.region,
    endpoint: env.BENCH_ENDPOINT,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const now = new Date(env.BENCH_NOW ?? Date.now());
  const t0 = performance.now();
  let result: unknown;
  if (task === 'sweep-report' || task === 'sweep-enforce') {
    const s = await runSweep(
      { mode: task === 'sweep-report' ? 'report' : 'enforce' },
      { config, clients, now },
      { poll: { initialDelayMs: 1000 } },
    );
    const actions: Record<string, number> = {};
    for (const k of s.keys) actions[`${k.class}:${k.action}`] = (actions[`${k.class}:${k.action}`] ?? 0) + 1;
    result = {
      outcome: s.outcome,
      users: s.users,
      activeKeys: s.activeKeys,
      counts: s.counts,
      actions,
      candidateUsers: s.candidates.users,
      candidateKeys: s.candidates.keys,
      revokedUsers: s.revokedUsers,
      breaker: { tripped: s.breaker.tripped, wouldDeactivate: s.breaker.wouldDeactivate },
      notes: s.notes.length,
    };
  } else if (task === 'naive') {
    result = await naiveKeyAudit(clients.iam, now, {
      maxAgeDays: config.keyMaxAgeDays,
      maxIdleDays: config.keyMaxIdleDays,
    });
  } else if (task === 'resolve') {
    const users = await usersOfPerson(clients.iam, { email: env.BENCH_EMAIL ?? '' }, config.personTagKeys);
    result = { found: users.map((u) => u.userName) };
  } else if (task === 'credential-report' || task === 'credential-report-raw') {
    const command = new GetCredentialReportCommand({});
    const r = await clients.iam.send(task === 'credential-report' ? command : readContentRaw(command));
    result = {
      heapUsedAfterMiB: Math.round(process.memoryUsage().heapUsed / 1048576),
      contentBytes: r.Content?.length ?? 0,
    };
  } else {
    throw new Error(`unknown BENCH_TASK ${String(task)}`);
  }
  const out: ChildResult = {
    task,
    wallMs: performance.now() - t0,
    baselineRssKiB,
    maxRssKiB: process.resourceUsage().maxRSS,
    result,
  };
  writeFileSync(env.BENCH_OUT ?? 'bench-child.json', JSON.stringify(out));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
