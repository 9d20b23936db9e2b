/**
 * `npm run reliability`: runs the reliability scenarios (docs/reliability.md) on a local AWS emulator (moto_server) and
 * writes RELIABILITY.md from that run. `--reduced` runs the configuration `npm test` uses (and writes
 * nothing unless `--out` is given); `--json <file>` also saves the raw results. See docs/reliability.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../tools/reliability/lambda';
import { renderReport } from '../tools/reliability/report';
import { FULL_CONFIG, REDUCED_CONFIG, runReliability } from '../tools/reliability/run';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

function option(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(args: readonly string[]): Promise<number> {
  const reduced = args.includes('--reduced');
  const logDir = join(
    REPO_ROOT,
    '.tmp',
    'reliability',
    'logs',
    new Date().toISOString().replace(/[:.]/g, '-'),
  );
  mkdirSync(logDir, { recursive: true });
  const config = { ...(reduced ? REDUCED_CONFIG : FULL_CONFIG), logDir };
  const started = Date.now();
  const results = await runReliability(config, (line) =>
    process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`),
  );
  const out = option(args, '--out') ?? (reduced ? undefined : join(REPO_ROOT, 'RELIABILITY.md'));
  if (out) writeFileSync(out, renderReport(results));
  const json = option(args, '--json');
  if (json) writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
  const d = results.departures;
  process.stderr.write(
    [
      `done in ${(results.durationMs / 1000).toFixed(0)} s${out ? `: ${out}` : ''} (function logs in ${logDir})`,
      `1. lost ${d.lost} of ${d.people} under ${config.faultRate * 100}% faults`,
      `1'. the always-failing key deactivation (every SDK attempt fails): ${results.writeFailure.outcome}`,
      `2. ${results.duplicates.runs} run(s), ${results.duplicates.notifications} notification(s) of ${results.duplicates.copies} duplicates`,
      `3. crash after the deny completed: ${results.crash.completed}`,
      `4. ${results.hostileWebhook.fiveXx} 5xx, ${results.hostileWebhook.unsignedQueued} unsigned queued of ${results.hostileWebhook.requests}; ${results.malformedAdmin.awsWrites} writes from ${results.malformedAdmin.invocations} malformed admin inputs`,
      `5. ${results.protected.writes} writes to protected principals`,
      '',
    ].join('\n'),
  );
  const held =
    d.lost === 0 &&
    ['revoked', 'dlq-notified'].includes(results.writeFailure.outcome) &&
    results.duplicates.runs === 1 &&
    results.duplicates.notifications === 1 &&
    results.crash.completed &&
    results.hostileWebhook.fiveXx === 0 &&
    results.hostileWebhook.unsignedQueued === 0 &&
    results.malformedAdmin.awsWrites === 0 &&
    results.protected.writes === 0;
  return held ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `reliability run failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  },
);
