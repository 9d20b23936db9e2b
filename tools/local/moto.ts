import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

/**
 * A local AWS emulator (Python moto's `moto_server`) for integration tests, the demo, the reliability
 * scenarios and the benchmarks. Never bundled into a Lambda handler.
 */

export const MOTO_INSTALL_HINT =
  'moto_server not found on PATH: install the local AWS emulator with `pip install "moto[server]"` (Python >= 3.9)';

/** Account moto uses for every request. */
export const MOTO_ACCOUNT_ID = '123456789012';

export class MotoNotInstalledError extends Error {
  constructor() {
    super(MOTO_INSTALL_HINT);
    this.name = 'MotoNotInstalledError';
  }
}

/** Returns the path of `moto_server` on PATH (or `MOTO_SERVER_BIN`), or undefined. */
export function findMotoServer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.MOTO_SERVER_BIN) return existsSync(env.MOTO_SERVER_BIN) ? env.MOTO_SERVER_BIN : undefined;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'moto_server');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Asks the OS for a free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface Moto {
  readonly endpoint: string;
  readonly port: number;
  /** Environment for an SDK client or a child process pointed at this emulator. */
  readonly env: Record<string, string>;
  /**
   * Turns on IAM authentication and policy evaluation for every later request (moto's `reset-auth`).
   * Before calling it, create the principal whose key the code under test will use.
   */
  enableIamEnforcement(): Promise<void>;
  /** The emulator's whole state (`/moto-api/data.json`). */
  data(): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  /** Loads AWS managed policies such as AWSDenyAll (default true). */
  managedPolicies?: boolean;
  region?: string;
  /** Milliseconds to wait for the server to answer (default 20000). */
  startTimeoutMs?: number;
  /** Listening port (default: a free one). */
  port?: number;
}

/**
 * Starts `moto_server` on a free loopback port and waits until it answers.
 * @example
 * const moto = await startMoto();
 * try { ... new IAMClient({ endpoint: moto.endpoint }) ... } finally { await moto.stop(); }
 */
export async function startMoto(options: StartMotoOptions = {}): Promise<Moto> {
  const bin = findMotoServer();
  if (!bin) throw new MotoNotInstalledError();
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(bin, ['-H', '127.0.0.1', '-p', String(port)], {
    env: {
      ...process.env,
      MOTO_IAM_LOAD_MANAGED_POLICIES: options.managedPolicies === false ? 'false' : 'true',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited = false;
  // If this process dies without calling stop(), do not leave the emulator running.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.on('exit', () => {
    exited = true;
    process.removeListener('exit', killOnExit);
  });

  const deadline = Date.now() + (options.startTimeoutMs ?? 20000);
  for (;;) {
    if (exited) throw new Error(`moto_server exited before it was ready: ${stderr.trim()}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not answer on ${endpoint} within the start timeout: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const region = options.region ?? 'us-east-1';
  return {
    endpoint,
    port,
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    async enableIamEnforcement() {
      const res = await fetch(`${endpoint}/moto-api/reset-auth`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain' },
        body: '0',
      });
      if (!res.ok) throw new Error(`moto reset-auth failed: HTTP ${res.status}`);
    },
    async data() {
      const res = await fetch(`${endpoint}/moto-api/data.json`);
      return (await res.json()) as Record<string, unknown>;
    },
    async stop() {
      if (exited) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => {
          if (!exited) child.kill('SIGKILL');
        }, 3000).unref();
      });
    },
  };
}
