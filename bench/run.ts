import './env';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { join, resolve } from 'node:path';
import { benchColdStart, type ColdStartResult } from './cold-start';
import { benchContainment, type ContainmentResult } from './containment';
import { type BenchResults, renderMarkdown } from './report';
import { benchSweepScale, type SweepScaleResult } from './sweep-scale';
import { checkTargets } from './targets';

/**
 * `npm run bench`: containment latency, sweep scale with its naive peer, person resolution and cold start,
 * in one run; writes BENCHMARKS.md and bench/results.json from that run.
 *   --quick               small sizes and fewer repetitions, written to .tmp/bench/ (not the published files)
 *   --only=a,b            run only some parts: containment, sweep, cold-start
 *   --render              measure nothing: write BENCHMARKS.md again from bench/results.json (the same run)
 */

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const wanted = (part: string) => !only || only.includes(part);
const root = resolve(__dirname, '..');
const started = performance.now();
const log = (line: string) => {
  console.log(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);
};

function motoVersion(): string {
  try {
    return execFileSync('python3', ['-c', 'import moto; print(moto.__version__)'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return 'unknown';
  }
}

/** 1-minute load average at the start of each part: other work on the machine skews wall times. */
const loads: Record<string, number> = {};
const noteLoad = (part: string) => {
  loads[part] = Math.round((loadavg()[0] ?? 0) * 100) / 100;
};

async function main(): Promise<void> {
  if (args.includes('--render')) {
    const results = JSON.parse(readFileSync(join(root, 'bench', 'results.json'), 'utf8')) as BenchResults;
    writeFileSync(join(root, 'BENCHMARKS.md'), renderMarkdown(results));
    log(`rendered BENCHMARKS.md from bench/results.json (run of ${results.generatedAt})`);
    return;
  }
  let containment: ContainmentResult | undefined;
  let sweep: SweepScaleResult | undefined;
  let coldStart: ColdStartResult | undefined;
  if (wanted('containment')) {
    log('containment latency');
    noteLoad('containment');
    containment = await benchContainment({ latencyMs: 50, repetitions: quick ? 2 : 5, log });
  }
  if (wanted('sweep')) {
    log('sweep scale and person resolution');
    noteLoad('sweep');
    sweep = await benchSweepScale({ sizes: quick ? [200, 500, 1000] : [1000, 5000, 10000], root, log });
  }
  if (wanted('cold-start')) {
    log('cold start');
    noteLoad('cold start');
    coldStart = await benchColdStart({ root, processes: quick ? 5 : 20, log });
  }
  const cpu = cpus();
  const results: BenchResults = {
    generatedAt: new Date().toISOString(),
    quick,
    wallSeconds: Math.round((performance.now() - started) / 1000),
    machine: {
      cpu: cpu[0]?.model.trim() ?? 'unknown',
      cores: cpu.length,
      memoryGiB: totalmem() / 1024 ** 3,
      node: process.version,
      os: `${type()} ${release()}`,
      moto: motoVersion(),
      loadAverage: { ...loads, end: Math.round((loadavg()[0] ?? 0) * 100) / 100 },
    },
    ...(containment ? { containment } : {}),
    ...(sweep ? { sweep } : {}),
    ...(coldStart ? { coldStart } : {}),
    targets: checkTargets({ containment, sweep, coldStart }),
  };
  const partial = quick || only !== undefined;
  const dir = partial ? join(root, '.tmp', 'bench') : root;
  mkdirSync(join(dir, 'bench'), { recursive: true });
  const md = join(dir, 'BENCHMARKS.md');
  const json = join(dir, 'bench', 'results.json');
  writeFileSync(md, renderMarkdown(results));
  writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
  for (const t of results.targets)
    log(`${t.met ? 'met   ' : 'MISSED'} ${t.area}: ${t.target}: ${t.measured}`);
  log(`wrote ${md} and ${json}${partial ? ' (partial run: not the published files)' : ''}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
