import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { build } from 'esbuild';
import { median } from './stats';

/**
 * Cold start: each handler bundled with esbuild the way the deployment does (minified, platform node,
 * target node22, `mainFields: module,main`, CommonJS), once with the AWS SDK inside the bundle and once
 * with `@aws-sdk/*` external (provided by the Lambda runtime; here resolved from node_modules), then
 * loaded in `processes` fresh `node` processes each: the module load time is the `require()` of the
 * bundle, measured inside the process (Node's own start-up is reported apart).
 */

export type SdkMode = 'bundled' | 'external';

export interface BundleResult {
  readonly handler: string;
  readonly sdk: SdkMode;
  readonly bytes: number;
  /** Median `require()` time of the bundle in a fresh process. */
  readonly loadMsMedian: number;
  readonly loadMsMin: number;
  readonly loadMsMax: number;
  /** Median time from process start to the `require()` call (Node itself, not the bundle). */
  readonly nodeStartMsMedian: number;
  /** Median CPU time (user + system) of the `require()`: less sensitive than wall time to a busy machine. */
  readonly loadCpuMsMedian: number;
  readonly processes: number;
  /** The largest contributors to the bundle (npm package or source folder), bytes in the output. */
  readonly topInputs: readonly { readonly input: string; readonly bytes: number }[];
}

export interface ColdStartResult {
  readonly outDir: string;
  readonly bundles: readonly BundleResult[];
}

/** What every handler reads at cold start (required variables, a region, dummy credentials). */
const HANDLER_ENV: Record<string, string> = {
  NOTIFY_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:offboarding',
  STATE_TABLE: 'offboarding-state',
  DEPARTURE_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/departures',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'WARN',
  POWERTOOLS_SERVICE_NAME: 'offboarding',
};

const PROBE = `
const t0 = performance.now();
const c0 = process.cpuUsage();
const m = require(process.argv[1]);
const c = process.cpuUsage(c0);
const t1 = performance.now();
if (typeof m.handler !== 'function') { console.error('no handler export'); process.exit(2); }
process.stdout.write(JSON.stringify({ startMs: t0, loadMs: t1 - t0, cpuMs: (c.user + c.system) / 1000 }));
`;

/** Bundles one handler; returns its size and its largest contributors. */
export async function bundleHandler(
  entry: string,
  outFile: string,
  sdk: SdkMode,
): Promise<{ bytes: number; topInputs: BundleResult['topInputs'] }> {
  const r = await build({
    entryPoints: [entry],
    outfile: outFile,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    mainFields: ['module', 'main'],
    external: sdk === 'external' ? ['@aws-sdk/*'] : [],
    logLevel: 'silent',
    metafile: true,
  });
  const byInput: Record<string, number> = {};
  for (const output of Object.values(r.metafile.outputs)) {
    for (const [file, input] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1];
      const key = pkg ?? file.split('/').slice(0, 2).join('/');
      byInput[key] = (byInput[key] ?? 0) + input.bytesInOutput;
    }
  }
  const topInputs = Object.entries(byInput)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([input, bytes]) => ({ input, bytes }));
  return { bytes: statSync(outFile).size, topInputs };
}

/** Loads a bundle in `n` fresh node processes, one after another. */
export function measureLoad(
  file: string,
  n: number,
): { loadMs: number[]; startMs: number[]; cpuMs: number[] } {
  const loadMs: number[] = [];
  const startMs: number[] = [];
  const cpuMs: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = spawnSync(process.execPath, ['-e', PROBE, file], {
      env: { PATH: process.env.PATH ?? '', ...HANDLER_ENV },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`loading ${file} failed (${r.status}): ${r.stderr}`);
    const out = JSON.parse(r.stdout) as { startMs: number; loadMs: number; cpuMs: number };
    loadMs.push(out.loadMs);
    startMs.push(out.startMs);
    cpuMs.push(out.cpuMs);
  }
  return { loadMs, startMs, cpuMs };
}

/** Every `handlers/*.ts`. */
export function handlerEntries(root: string): string[] {
  return readdirSync(join(root, 'handlers'))
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map((f) => join(root, 'handlers', f));
}

export async function benchColdStart(
  options: { root?: string; processes?: number; log?: (line: string) => void } = {},
): Promise<ColdStartResult> {
  const root = resolve(options.root ?? '.');
  const processes = options.processes ?? 20;
  const log = options.log ?? (() => {});
  // Under the repository, so an external @aws-sdk resolves from its node_modules.
  const outDir = join(root, '.tmp', 'bench');
  const bundles: BundleResult[] = [];
  for (const sdk of ['bundled', 'external'] as const) {
    mkdirSync(join(outDir, sdk), { recursive: true });
    for (const entry of handlerEntries(root)) {
      const handler = basename(entry, '.ts');
      const outFile = join(outDir, sdk, `${handler}.js`);
      const { bytes, topInputs } = await bundleHandler(entry, outFile, sdk);
      const { loadMs, startMs, cpuMs } = measureLoad(outFile, processes);
      const result: BundleResult = {
        handler,
        sdk,
        bytes,
        loadMsMedian: median(loadMs),
        loadMsMin: Math.min(...loadMs),
        loadMsMax: Math.max(...loadMs),
        nodeStartMsMedian: median(startMs),
        loadCpuMsMedian: median(cpuMs),
        processes,
        topInputs,
      };
      bundles.push(result);
      log(
        `cold start ${handler} (SDK ${sdk}): ${(bytes / 1024).toFixed(0)} KiB, load median ${result.loadMsMedian.toFixed(1)} ms (CPU ${result.loadCpuMsMedian.toFixed(1)} ms)`,
      );
    }
  }
  return { outDir: relative(root, outDir), bundles };
}
