import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Account, REGION, type ScenarioStack } from './account';
import { SqsEventSource } from './event-source';
import { type InvokeResult, LambdaFunction, type LambdaStats } from './lambda';
import type { FaultCounts, RetryFigures } from './observe';

/** Shared pieces of the scenarios: the functions under test, their timing, and the figures every one reports. */

/**
 * The worker's deployment (serverless.yml: timeout 120 s, queue visibility 900 s, maxReceiveCount 5,
 * batchSize 5, maximumConcurrency 2), scaled down in time so a scenario fits in minutes. What must hold is
 * kept: the visibility timeout exceeds the function timeout plus a cold start (Lambda refuses an event source
 * whose visibility is shorter than the timeout; a crashed run's in-progress idempotency record expires one
 * function timeout after the record started, which is after the environment's init, so a redelivery must
 * come later than init + timeout to never find it still in progress).
 */
export interface WorkerTiming {
  readonly timeoutMs: number;
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
  readonly batchSize: number;
  readonly concurrency: number;
}

export interface ProxyFigures {
  /** AWS requests that reached the fault proxy. */
  readonly requests: number;
  readonly faultRate: number;
  readonly faults: FaultCounts;
  readonly retries: RetryFigures;
}

export interface WorkerFigures {
  readonly lambda: LambdaStats;
  readonly batches: number;
  readonly records: number;
  readonly redeliveries: number;
  readonly itemFailures: number;
  readonly failedBatches: number;
  readonly highestReceiveCount: number;
  /** Records of batches that failed whole, by the invocation's error (timeout, crash, handler error). */
  readonly batchFailures: Record<string, number>;
}

export function proxyFigures(stack: ScenarioStack, faultRate: number): ProxyFigures {
  const stats = stack.proxy.stats();
  return { requests: stats.requests, faultRate, faults: stats.faults, retries: stack.proxy.retries() };
}

export function workerFigures(fn: LambdaFunction, source: SqsEventSource): WorkerFigures {
  const s = source.stats;
  return {
    lambda: { ...fn.stats },
    batches: s.batches,
    records: s.records,
    redeliveries: s.redeliveries,
    itemFailures: s.itemFailures,
    failedBatches: s.failedBatches,
    highestReceiveCount: s.highestReceiveCount,
    batchFailures: source.deliveries
      .filter((d) => d.result === 'batch-failed')
      .reduce<Record<string, number>>((acc, d) => {
        const key = d.error ?? d.invocation;
        acc[key] = (acc[key] ?? 0) + 1;
        return acc;
      }, {}),
  };
}

export interface Functions {
  /** The worker's log file, when logs are kept. */
  readonly workerLog?: string;
  readonly webhook: LambdaFunction;
  readonly worker: LambdaFunction;
  readonly source: SqsEventSource;
  close(): Promise<void>;
}

/** The hr-webhook and revocation-worker functions of a stack, and the worker's event source (not started). */
export function stackFunctions(
  account: Account,
  stack: ScenarioStack,
  timing: WorkerTiming,
  options: { webhookConcurrency: number; logDir?: string },
): Functions {
  const log = (name: string) =>
    options.logDir ? { logFile: join(options.logDir, `${stack.name}-${name}.log`) } : {};
  const webhook = new LambdaFunction({
    name: `${stack.name}-hr-webhook`,
    handler: 'handlers/hr-webhook.ts',
    env: stack.functionEnv(),
    // serverless.yml: 10 s, under the HTTP API's 30 s integration limit.
    timeoutMs: 10_000,
    concurrency: options.webhookConcurrency,
    ...log('hr-webhook'),
  });
  const worker = new LambdaFunction({
    name: `${stack.name}-revocation-worker`,
    handler: 'handlers/revocation-worker.ts',
    env: stack.functionEnv(),
    timeoutMs: timing.timeoutMs,
    concurrency: timing.concurrency,
    ...log('revocation-worker'),
  });
  const source = new SqsEventSource({
    sqs: account.clients.sqs,
    queueUrl: stack.queue.url,
    queueArn: stack.queue.arn,
    region: REGION,
    fn: worker,
    batchSize: timing.batchSize,
    concurrency: timing.concurrency,
    batchWindowSeconds: 1,
  });
  return {
    ...(options.logDir ? { workerLog: join(options.logDir, `${stack.name}-revocation-worker.log`) } : {}),
    webhook,
    worker,
    source,
    close: async () => {
      await source.stop();
      await Promise.all([webhook.close(), worker.close()]);
    },
  };
}

/** The status code of an API Gateway proxy result, or the invocation's failure. */
export function httpStatus(r: InvokeResult): number | string {
  if (r.status !== 'ok') return r.status === 'error' ? `error ${r.errorType}` : r.status;
  const code = (r.value as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof code === 'number' ? code : 'no status';
}

/** Runs `fn` over `items` with at most `limit` at once, keeping order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
) {
  const out = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  });
  await Promise.all(lanes);
  return out;
}

/**
 * Why the worker sent departures back to the queue, from its structured log ("departure will be retried"
 * lines): error class and code, counted. Read after the function is closed (the log is flushed).
 */
export function retriedErrors(logFile: string | undefined): Record<string, number> {
  if (!logFile || !existsSync(logFile)) return {};
  const out: Record<string, number> = {};
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes('departure will be retried')) continue;
    try {
      const entry = JSON.parse(line) as { error?: string };
      const key = (entry.error ?? 'unknown').split(':')[0]?.trim() || 'unknown';
      out[key] = (out[key] ?? 0) + 1;
    } catch {
      // not a JSON log line
    }
  }
  return out;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
