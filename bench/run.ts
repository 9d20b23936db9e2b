import './env';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { join, resolve } from 'node:path';
import { benchColdStart, type ColdStartResult } from './cold-start';
import { benchContainment, type ContainmentResult } from './containment';
import { benchOrganization, type OrganizationResult } from './organization';
import { type BenchResults, renderMarkdown } from './report';
import { benchSweepScale, type SweepScaleResult } from './sweep-scale';
import { checkTargets } from './targets';

/**
 * `npm run bench`: containment latency, sweep scale with its naive peer, person resolution, cold start and
 * the organization (departure over 1/10/50 accounts, sweep over 20 accounts), in one run; writes BENCHMARKS.md
 * and bench/results.json from that run.
 *   --quick               small sizes and fewer repetitions, written to .tmp/bench/ (not the published files)
 *   --only=a,b            run only some parts: containment, sweep, cold-start, organization
 *   --merge               with --only: put the parts measured into the published bench/results.json (the other
 *                         parts' figures kept as they are, the run of each part said in BENCHMARKS.md) and write
 *                         BENCHMARKS.md from it
 *   --render              measure nothing: write BENCHMARKS.md again from bench/results.json (the same run)
 */

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const merge = args.includes('--merge');
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
  let organization: OrganizationResult | undefined;
  if (merge && (quick || !only)) throw new Error('--merge takes --only=<parts> and not --quick');
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
  if (wanted('organization')) {
    log('organization: departure over accounts, sweep over accounts');
    noteLoad('organization');
    organization = await benchOrganization(
      quick
        ? {
            sizes: [1, 3, 10],
            repetitions: 1,
            sequentialSizes: [10],
            cappedAt: 5,
            sweepAccounts: 3,
            sweepUsers: 200,
            log,
          }
        : { log },
    );
  }
  const cpu = cpus();
  const measured: BenchResults = {
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
    ...(organization ? { organization } : {}),
    targets: checkTargets({ containment, sweep, coldStart, organization }),
  };
  const results = merge ? mergeIntoPublished(measured) : measured;
  const partial = !merge && (quick || only !== undefined);
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

/**
 * The published results with the parts of this partial run put in: the other parts, the first run's date and
 * duration kept; this run's date and duration recorded per part; the targets evaluated again on the whole.
 */
function mergeIntoPublished(run: BenchResults): BenchResults {
  const published = JSON.parse(readFileSync(join(root, 'bench', 'results.json'), 'utf8')) as BenchResults;
  const parts = {
    containment: run.containment ?? published.containment,
    sweep: run.sweep ?? published.sweep,
    coldStart: run.coldStart ?? published.coldStart,
    organization: run.organization ?? published.organization,
  };
  const names = only ?? [];
  const runLoad = Object.fromEntries(
    Object.entries(run.machine.loadAverage).map(([k, v]) => [k === 'end' ? `${names.join(', ')} end` : k, v]),
  );
  return {
    ...published,
    ...Object.fromEntries(Object.entries(parts).filter(([, v]) => v !== undefined)),
    machine: { ...published.machine, loadAverage: { ...published.machine.loadAverage, ...runLoad } },
    mergedParts: {
      ...published.mergedParts,
      ...Object.fromEntries(
        names.map((p) => [p, { generatedAt: run.generatedAt, wallSeconds: run.wallSeconds }]),
      ),
    },
    targets: checkTargets(parts),
  };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
