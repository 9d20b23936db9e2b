import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ChildMessage, ParentMessage } from './lambda-protocol';

/**
 * A local stand-in for the Lambda service: runs a real handler module (`handlers/*.ts`) in execution
 * environments that are separate Node processes, at most `concurrency` at a time, each serving one
 * invocation at a time. An environment's first invocation pays its cold start (the module's top level builds
 * config and clients from the function's environment variables). Between invocations an environment is
 * frozen (SIGSTOP), as Lambda freezes it: work a handler left running after it returned resumes only during
 * the environment's next invocation. An invocation that runs past the timeout
 * is killed with its environment (SIGKILL), as Lambda does; {@link LambdaFunction.crashBusy} kills busy
 * environments on purpose (the crash scenario). Either way none of the handler's `catch`/`finally` runs.
 * Never bundled into a handler.
 */

export const REPO_ROOT = resolve(__dirname, '../..');
const RUNTIME = join(__dirname, 'lambda-runtime.ts');
const INIT_TIMEOUT_MS = 10_000;

/** Every live environment of this process, killed when it exits (a frozen one could not notice by itself). */
const LIVE = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of LIVE) child.kill('SIGKILL');
});

export type InvokeResult<T = unknown> = (
  | { readonly status: 'ok'; readonly value: T }
  | { readonly status: 'error'; readonly errorType: string; readonly errorMessage: string }
  | { readonly status: 'timeout' }
  | { readonly status: 'crashed'; readonly reason: string }
) & { readonly durationMs: number; readonly coldStart: boolean };

export interface LambdaFunctionOptions {
  readonly name: string;
  /** The handler file from the repository root, e.g. `handlers/revocation-worker.ts`. */
  readonly handler: string;
  /** The function's environment variables (nothing else of this process is passed on but PATH). */
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Most environments at once (the function's concurrency limit). */
  readonly concurrency: number;
  /** Appends the environments' stdout and stderr (the handler's logs) to this file; discarded otherwise. */
  readonly logFile?: string;
}

export interface LambdaStats {
  invocations: number;
  coldStarts: number;
  /** Invocations that threw (the handler's error, as Lambda reports `errorType`). */
  errors: number;
  timeouts: number;
  crashes: number;
  /** Longest invocation that returned (ok or error), cold start excluded. */
  maxDurationMs: number;
  /** Longest cold start (the handler module's init). */
  maxInitMs: number;
}

interface Pending {
  readonly resolve: (message: ChildMessage | { type: 'killed'; reason: string; timeout: boolean }) => void;
}

class Environment {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  busy = false;
  frozen = false;
  initMs = 0;
  served = 0;
  exited = false;
  readonly exit: Promise<void>;
  pending: Pending | undefined;
  #stderr = '';

  constructor(fn: LambdaFunctionOptions, log: WriteStream | undefined) {
    const tsx = pathToFileURL(require.resolve('tsx')).href;
    this.child = spawn(process.execPath, ['--import', tsx, RUNTIME], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        AWS_CONFIG_FILE: join(REPO_ROOT, '.tmp', 'reliability', 'no-such-aws-file'),
        AWS_SHARED_CREDENTIALS_FILE: join(REPO_ROOT, '.tmp', 'reliability', 'no-such-aws-file'),
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_LAMBDA_FUNCTION_NAME: fn.name,
        ...fn.env,
        RELIABILITY_HANDLER_MODULE: join(REPO_ROOT, fn.handler),
      },
      stdio: ['ignore', log ? 'pipe' : 'ignore', 'pipe', 'ipc'],
    });
    LIVE.add(this.child);
    if (log) this.child.stdout?.pipe(log, { end: false });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-4000);
      log?.write(chunk);
    });
    this.exit = new Promise((r) => {
      this.child.once('exit', () => {
        LIVE.delete(this.child);
        this.exited = true;
        this.pending?.resolve({ type: 'killed', reason: 'the environment exited', timeout: false });
        r();
      });
    });
    this.ready = new Promise((resolveReady, rejectReady) => {
      const onMessage = (m: ChildMessage) => {
        if (m.type === 'ready') {
          this.initMs = m.initMs;
          resolveReady();
        } else if (m.type === 'init-error') {
          rejectReady(new Error(`${fn.name} init failed: ${m.errorType}: ${m.errorMessage}`));
        } else if (m.type === 'result') {
          this.pending?.resolve(m);
        }
      };
      this.child.on('message', onMessage);
      void this.exit.then(() =>
        rejectReady(new Error(`${fn.name} environment exited during init: ${this.#stderr.trim()}`)),
      );
    });
  }

  /** Lambda freezes an environment between invocations: nothing in it runs until the next one. */
  freeze(): void {
    if (!this.exited && !this.frozen) {
      this.child.kill('SIGSTOP');
      this.frozen = true;
    }
  }

  thaw(): void {
    if (!this.exited && this.frozen) {
      this.child.kill('SIGCONT');
      this.frozen = false;
    }
  }

  kill(reason: string, timeout: boolean): Promise<void> {
    if (!this.exited) {
      this.pending?.resolve({ type: 'killed', reason, timeout });
      this.child.kill('SIGKILL');
    }
    return this.exit;
  }
}

export class LambdaFunction {
  readonly stats: LambdaStats = {
    invocations: 0,
    coldStarts: 0,
    errors: 0,
    timeouts: 0,
    crashes: 0,
    maxDurationMs: 0,
    maxInitMs: 0,
  };
  readonly #options: LambdaFunctionOptions;
  readonly #environments = new Set<Environment>();
  readonly #waiting: (() => void)[] = [];
  readonly #log: WriteStream | undefined = undefined;
  #nextId = 1;

  constructor(options: LambdaFunctionOptions) {
    this.#options = options;
    if (options.logFile) {
      mkdirSync(dirname(options.logFile), { recursive: true });
      const log = createWriteStream(options.logFile, { flags: 'a' });
      // Logs are for reading afterwards: losing one must not stop a run.
      log.on('error', () => undefined);
      this.#log = log;
    }
  }

  get name(): string {
    return this.#options.name;
  }

  /** Environments currently alive. */
  get environments(): number {
    return this.#environments.size;
  }

  async #acquire(): Promise<{ env: Environment; cold: boolean }> {
    for (;;) {
      for (const env of this.#environments) {
        if (!env.busy && !env.exited) {
          env.busy = true;
          return { env, cold: false };
        }
      }
      if (this.#environments.size < this.#options.concurrency) {
        const env = new Environment(this.#options, this.#log);
        env.busy = true;
        this.#environments.add(env);
        void env.exit.then(() => this.#forget(env));
        this.stats.coldStarts++;
        return { env, cold: true };
      }
      await new Promise<void>((r) => this.#waiting.push(r));
    }
  }

  #forget(env: Environment): void {
    this.#environments.delete(env);
    this.#waiting.shift()?.();
  }

  #release(env: Environment): void {
    // Work the handler left running (e.g. after middy's early timeout) resumes only in the next invocation.
    env.freeze();
    env.busy = false;
    env.pending = undefined;
    this.#waiting.shift()?.();
  }

  /**
   * Invokes the function once: waits for a free environment (or starts one), runs the handler with a
   * context whose remaining time counts down to `timeoutMs` from now (cold start included, as in Lambda).
   */
  async invoke<T = unknown>(event: unknown): Promise<InvokeResult<T>> {
    this.stats.invocations++;
    const { env, cold } = await this.#acquire();
    const started = Date.now();
    let sentAt = started;
    const durationMs = () => Date.now() - started;
    let timer: NodeJS.Timeout | undefined;
    try {
      const answer = await new Promise<ChildMessage | { type: 'killed'; reason: string; timeout: boolean }>(
        (resolveAnswer) => {
          env.pending = { resolve: resolveAnswer };
          // Lambda bounds the init phase by itself (10 s) and the invocation by the function timeout.
          timer = setTimeout(() => void env.kill('init timeout', true), INIT_TIMEOUT_MS);
          env.ready.then(
            () => {
              clearTimeout(timer);
              if (cold) this.stats.maxInitMs = Math.max(this.stats.maxInitMs, env.initMs);
              env.thaw();
              sentAt = Date.now();
              const deadline = Date.now() + this.#options.timeoutMs;
              timer = setTimeout(() => void env.kill('timeout', true), this.#options.timeoutMs);
              const message: ParentMessage = {
                type: 'invoke',
                id: this.#nextId++,
                requestId: randomUUID(),
                deadline,
                event,
              };
              env.child.send(message);
            },
            (err: Error) =>
              resolveAnswer({
                type: 'result',
                id: 0,
                ok: false,
                errorType: 'InitError',
                errorMessage: err.message,
              }),
          );
        },
      );
      if (answer.type === 'killed') {
        if (answer.timeout) {
          this.stats.timeouts++;
          return { status: 'timeout', durationMs: durationMs(), coldStart: cold };
        }
        this.stats.crashes++;
        return { status: 'crashed', reason: answer.reason, durationMs: durationMs(), coldStart: cold };
      }
      this.stats.maxDurationMs = Math.max(this.stats.maxDurationMs, Date.now() - sentAt);
      if (answer.type === 'result' && answer.ok) {
        return { status: 'ok', value: answer.value as T, durationMs: durationMs(), coldStart: cold };
      }
      this.stats.errors++;
      const failed = answer as { errorType?: string; errorMessage?: string };
      if (failed.errorType === 'InitError') void env.kill('init failed', false);
      return {
        status: 'error',
        errorType: failed.errorType ?? 'Error',
        errorMessage: failed.errorMessage ?? '',
        durationMs: durationMs(),
        coldStart: cold,
      };
    } finally {
      clearTimeout(timer);
      if (env.exited) this.#forget(env);
      else this.#release(env);
    }
  }

  /** Kills every environment that is running an invocation (SIGKILL) and waits until they are gone. */
  async crashBusy(reason: string): Promise<number> {
    const busy = [...this.#environments].filter((e) => e.busy && !e.exited);
    await Promise.all(busy.map((e) => e.kill(reason, false)));
    return busy.length;
  }

  /** Starts environments ahead of invocations (provisioned concurrency), so cold starts are not timed. */
  async warm(count = this.#options.concurrency): Promise<void> {
    const started: Environment[] = [];
    for (let i = this.#environments.size; i < Math.min(count, this.#options.concurrency); i++) {
      const env = new Environment(this.#options, this.#log);
      this.#environments.add(env);
      void env.exit.then(() => this.#forget(env));
      this.stats.coldStarts++;
      started.push(env);
    }
    await Promise.all(started.map((e) => e.ready));
    for (const e of started) e.freeze();
  }

  /** Stops every environment. */
  async close(): Promise<void> {
    await Promise.all([...this.#environments].map((e) => e.kill('closed', false)));
    await new Promise<void>((r) => (this.#log ? this.#log.end(() => r()) : r()));
  }
}
