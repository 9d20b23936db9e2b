import type { ColdStartResult } from './cold-start';
import type { ContainmentResult } from './containment';
import { ms, seconds, table } from './markdown';
import type { OrganizationResult } from './organization';
import { organizationSection } from './report-organization';
import { CAPPED_OLD_SPACE_MIB, type SweepRun, type SweepScaleResult } from './sweep-scale';
import type { TargetCheck } from './targets';

/** Everything one `npm run bench` measured, as written to bench/results.json. */
export interface BenchResults {
  readonly generatedAt: string;
  readonly quick: boolean;
  readonly wallSeconds: number;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly memoryGiB: number;
    readonly node: string;
    readonly os: string;
    readonly moto: string;
    /** 1-minute load average when each part started, and at the end. */
    readonly loadAverage: Readonly<Record<string, number>>;
  };
  readonly containment?: ContainmentResult;
  readonly sweep?: SweepScaleResult;
  readonly coldStart?: ColdStartResult;
  readonly organization?: OrganizationResult;
  readonly targets: readonly TargetCheck[];
  /**
   * Parts measured by a later partial run merged into these results (`--only=<part> --merge`): when, and how
   * long that run took. The other parts' figures are those of the run of `generatedAt`.
   */
  readonly mergedParts?: Readonly<
    Record<string, { readonly generatedAt: string; readonly wallSeconds: number }>
  >;
}

const s = seconds;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
const mib = (k: number) => `${(k / 1024).toFixed(0)} MiB`;
const yes = (met: boolean) => (met ? 'met' : '**missed**');

function containmentSection(c: ContainmentResult): string {
  const row = (name: string, v: ContainmentResult['engine']) => [
    name,
    ms(v.denyMs),
    v.roundTripsBeforeDeny,
    ms(v.completeMs),
    v.waves,
    v.calls,
  ];
  const missed: string[] = [];
  if (c.engine.runs.some((r) => r.roundTripsBeforeDeny > 2)) {
    missed.push(
      `The deny came after more than 2 round trips in some runs (${c.engine.runs.map((r) => r.roundTripsBeforeDeny).join(', ')}).`,
    );
  }
  if (c.completionRatio > 0.4) {
    missed.push(
      `Full revocation took ${c.completionRatio.toFixed(2)} of the sequential time (target 0.4): the engine's critical path is ${c.engine.waves} waves for ${c.engine.calls} calls.`,
    );
  }
  return `## Containment latency

Every AWS call goes through the fault proxy (\`tools/local/proxy.ts\`) adding **${c.latencyMs} ms** before it is
answered by moto on loopback. The departing user has two access keys, a console login profile, an MFA device and
three open SSM sessions (and four sessions of colleagues exist); departure mode, one session region.
${c.ssmNote}

Medians of ${c.repetitions} runs each (fresh identical users, after one warm-up run per variant). A *round trip*
is a wave of calls in flight together: a call issued only after another's answer is in a later wave
(\`waveNumbers\` over the proxy's timeline). "Round trips before the deny" counts the waves completed before
\`iam:AttachUserPolicy\` was sent.

${table(
  ['variant', 'deny attached', 'round trips before deny', 'complete', 'waves (critical path)', 'AWS calls'],
  [
    row('engine, user name known', c.engine),
    row('engine, person by email', c.engineByEmail),
    row('sequential peer (bench/sequential-revocation.ts)', c.sequential),
  ],
)}

Engine / sequential completion: **${c.completionRatio.toFixed(2)}**. Deny: ${(c.engine.denyMs / c.sequential.denyMs).toFixed(2)} of the sequential
time. The sequential peer makes the same ${c.sequential.calls} calls one at a time through the engine's own functions and
action registry. At ${c.latencyMs} ms a call, the floor is ${c.engine.waves} x ${c.latencyMs} = ${c.engine.waves * c.latencyMs} ms for the engine's waves and
${c.sequential.calls} x ${c.latencyMs} = ${c.sequential.calls * c.latencyMs} ms for the peer; the rest is SDK, moto and proxy time.

Where the engine's round trips go (its first measured run, user name known):

${table(
  ['wave', 'calls in flight together'],
  (c.engine.runs[0]?.waveOps ?? []).map((ops, i) => [i + 1, ops.map((o) => `\`${o}\``).join(', ')]),
)}
${missed.length ? `\n**Missed:** ${missed.join(' ')}\n` : ''}`;
}

function callsCell(r: SweepRun): string {
  return `${r.calls} (${r.discoveryCalls} / ${r.recheckCalls} / ${r.writeCalls} / ${r.notifyCalls})`;
}

function sweepSection(sw: SweepScaleResult): string {
  const rows = sw.sizes.map((z) => [
    z.users,
    z.keys,
    `${z.sweepReport.candidateKeys} (${z.sweepReport.candidateUsers} users; ${z.sweepReport.listedKeys} listed)`,
    callsCell(z.sweepReport),
    s(z.sweepReport.wallMs),
    mib(z.sweepReport.maxRssKiB),
    callsCell(z.sweepEnforce),
    s(z.sweepEnforce.wallMs),
    mib(z.sweepEnforce.maxRssKiB),
    z.naive.calls,
    s(z.naive.wallMs),
    mib(z.naive.maxRssKiB),
    `${z.callRatio.toFixed(0)}x / ${z.timeRatio.toFixed(1)}x`,
  ]);
  const ops = [
    ...new Set(
      sw.sizes.flatMap((z) =>
        [z.sweepReport, z.sweepEnforce, z.naive].flatMap((r) => Object.keys(r.byOperation)),
      ),
    ),
  ].sort();
  const opRows = ops.map((op) => [
    `\`${op}\``,
    ...sw.sizes.flatMap((z) => [
      z.sweepReport.byOperation[op] ?? 0,
      z.sweepEnforce.byOperation[op] ?? 0,
      z.naive.byOperation[op] ?? 0,
    ]),
  ]);
  const seedRows = sw.sizes.map((z) => [
    z.users,
    z.seeding.users,
    z.seeding.apiCalls,
    s(z.seeding.apiMs),
    `${((z.seeding.apiMs / z.seeding.apiCalls) * 1).toFixed(1)} ms`,
    ms(z.seeding.backdateMs),
  ]);
  const largest = sw.sizes[sw.sizes.length - 1];
  const reportParse = (z: (typeof sw.sizes)[number]) =>
    z.credentialReport.result as { heapUsedAfterMiB: number; contentBytes: number };
  const rawParse = (z: (typeof sw.sizes)[number]) =>
    z.credentialReportRaw?.result as { heapUsedAfterMiB: number; contentBytes: number } | undefined;
  const memRows = sw.sizes.map((z) => [
    z.users,
    mib(z.sweepReport.baselineRssKiB),
    mib(z.sweepReport.maxRssKiB),
    mib(z.sweepEnforce.maxRssKiB),
    mib(z.naive.maxRssKiB),
    mib(z.resolve.maxRssKiB),
    `${mib(z.credentialReport.maxRssKiB)} (heap ${reportParse(z).heapUsedAfterMiB} MiB after; report CSV ${(reportParse(z).contentBytes / 1e6).toFixed(1)} MB)`,
    z.credentialReportRaw
      ? `${mib(z.credentialReportRaw.maxRssKiB)} (heap ${rawParse(z)?.heapUsedAfterMiB} MiB after)`
      : '-',
  ]);
  const capped = largest?.sweepCappedHeap;
  const cappedText = !capped
    ? ''
    : 'failed' in capped
      ? `With V8's old generation capped (\`--max-old-space-size=${CAPPED_OLD_SPACE_MIB}\`), the report-mode sweep at ${largest?.users} users **did not complete**: ${capped.failed}`
      : `With V8's old generation capped (\`--max-old-space-size=${CAPPED_OLD_SPACE_MIB}\`), the report-mode sweep at ${largest?.users} users completed in ${s(capped.wallMs)} with a peak RSS of ${mib(capped.maxRssKiB)}.`;
  const gaklu = (z: (typeof sw.sizes)[number]) => z.naive.medianMsByOperation['iam:GetAccessKeyLastUsed'];
  const explanations: string[] = [];
  const overDiscovery = sw.sizes.filter((z) =>
    [z.sweepReport, z.sweepEnforce].some((r) => r.discoveryCalls > 5),
  );
  if (overDiscovery.length) {
    explanations.push(
      `- **Discovery over 5 calls**: ${overDiscovery
        .map(
          (z) =>
            `${Math.max(z.sweepReport.discoveryCalls, z.sweepEnforce.discoveryCalls)} calls at ${z.users} users (${['iam:GenerateCredentialReport', 'iam:GetCredentialReport', 'dynamodb:Query', 'iam:GetAccountAuthorizationDetails'].map((op) => `${op} ${z.sweepReport.byOperation[op] ?? 0}`).join(', ')})`,
        )
        .join(
          '; ',
        )}. Discovery is GenerateCredentialReport + GetCredentialReport, one more GenerateCredentialReport per poll while IAM builds a report, and one Query per 1 MB page of the revoked-users index.`,
    );
  }
  const overTotal = sw.sizes.flatMap((z) =>
    [z.sweepReport, z.sweepEnforce].filter((r) => r.calls > 5 + 2 * r.candidateKeys).map((r) => ({ z, r })),
  );
  if (overTotal.length) {
    const op = (r: SweepRun, name: string) => r.byOperation[name] ?? 0;
    explanations.push(
      `- **Total over 5 + 2 x candidate keys**: ${overTotal
        .map(
          ({ z, r }) =>
            `${r.task === 'sweep-report' ? 'report' : 'enforce'} mode at ${z.users} users: ${r.calls} calls for ${r.candidateKeys} candidate keys, limit ${5 + 2 * r.candidateKeys} (discovery ${r.discoveryCalls}; reads about users ${r.recheckCalls}: ${op(r, 'iam:ListUserTags')} ListUserTags, ${op(r, 'iam:ListAccessKeys')} ListAccessKeys, ${op(r, 'iam:GetAccessKeyLastUsed')} GetAccessKeyLastUsed; writes ${r.writeCalls}: ${op(r, 'iam:UpdateAccessKey')} UpdateAccessKey, ${op(r, 'dynamodb:BatchWriteItem')} BatchWriteItem; notification ${r.notifyCalls}; reads alone ${r.calls - r.writeCalls})`,
        )
        .join(
          '; ',
        )}. What a candidate key costs: its user's tags (1 ListUserTags per candidate user, in every mode: protection and exemptions are known only from them); in enforce mode, for a user with a key to act on, the re-read of its keys (1 ListAccessKeys) and, for a key flagged idle or never used, its last use (1 GetAccessKeyLastUsed); then the writes through the engine, recorded and verified like every revocation (1 UpdateAccessKey per key deactivated; 2 BatchWriteItem per 25 records, before the writes and completed after; 1 ListAccessKeys per user acted on that verifies the writes by re-reading). So a key deactivated for its age costs 3 reads and 1 write, one deactivated as idle or never used 4 reads and 1 write (a user's second key shares the verifying read), and a due, protected or exempt key 1 read, against 2 calls allowed per candidate key: the cheap candidates make room for the reads of the others, not for the writes and the verification as well. The verifying read is what the engine asks of every write path (a run is reported revoked only when a re-read shows it): it is the whole difference from the sweep's previous figures (one ListAccessKeys per user acted on, one BatchWriteItem more), discovery and report mode unchanged. ${
        overTotal.every(({ r }) => r.calls - r.writeCalls <= 5 + 2 * r.candidateKeys)
          ? 'Counted apart from the writes, the reads are within the limit in every one of these runs (the "reads ... writes apart" rows of the targets table).'
          : 'Even counted apart from the writes, the reads exceed the limit in some of these runs (the "reads ... writes apart" rows of the targets table).'
      } Candidate keys here are every key the credential report flags, those of protected and exempt users included: the sweep reads their users' tags, so they are candidates. Counted as only the keys the summary lists (acted on or warned about, as the previous run of this benchmark counted them), the limit would be ${overTotal
        .map(({ z, r }) => `${5 + 2 * r.listedKeys} at ${z.users} users (${r.calls - r.writeCalls} reads)`)
        .join(', ')}.`,
    );
  }
  const overRss = sw.sizes.filter((z) =>
    [z.sweepReport, z.sweepEnforce].some((r) => r.maxRssKiB / 1024 >= 256),
  );
  if (overRss.length) {
    explanations.push(
      `- **Peak RSS of 256 MiB or more**: ${overRss
        .map((z) => `${mib(Math.max(z.sweepReport.maxRssKiB, z.sweepEnforce.maxRssKiB))} at ${z.users} users`)
        .join('; ')}. One GetCredentialReport alone, in a process of its own: ${overRss
        .map(
          (z) =>
            `${mib(z.credentialReport.maxRssKiB)} through the SDK's XML parse, ${z.credentialReportRaw ? mib(z.credentialReportRaw.maxRssKiB) : '-'} read raw, at ${z.users} users`,
        )
        .join('; ')}. ${cappedText}`,
    );
  }
  return `## Sweep scale

${sw.note} Users are seeded over the IAM API (bounded parallel CreateUser with tags + CreateAccessKey, not timed
with the runs), half with one key and half with two; key dates are then set through a benchmark-only route of
the moto server (\`bench/moto_server.py\`; the API cannot backdate a key). Each batch of users holds 10 expired,
5 idle, 5 never-used and 5 due keys, 2 protected and 2 exempt users with old keys; every other key is young and
recently used, created at some second of its day (two keys backdated by whole days from one instant would
share a creation second, which the sweep treats as ambiguous: no two real keys of a user do). Sizes are cumulative: at each size the sweep runs in report mode (at the largest size a second
time with a capped V8 heap), then the naive peer, then the sweep in enforce mode (which deactivates the batch's
20 actionable keys, so the next size starts with them Inactive), then person resolution, then one
GetCredentialReport alone, twice: through the SDK's XML parse, and read raw as the sweep reads it (what that response costs in memory). Each task runs in a child process of its own (bundled with esbuild, SDK
inside, plain \`node\`, logger at INFO), talking to the proxy; peak RSS is that process's \`maxRSS\`, start-up
included. Calls are counted by the proxy (SDK retries would count; there were none without faults).
The account holds no revoked user, so the sweep's drift check costs nothing here; each user of the
revoked-users index costs at least one more call (ListAttachedUserPolicies), outside the target's formula.
The naive peer (\`bench/naive-sweep.ts\`) lists users, each user's keys and each key's last use, one call
after another, as AWS's key-rotation sample does; it reads no tags, so it cannot honour exemptions or
protection (a correct one would add a call per user): its counts are a lower bound.

Calls: total (discovery / reads about one user / writes / notification). Discovery: GenerateCredentialReport,
GetCredentialReport and the Query of the revoked-users index. Reads about one user: a candidate's tags
(ListUserTags), in enforce mode its keys (ListAccessKeys) and the last use of a key flagged idle or never used
(GetAccessKeyLastUsed); a revoked user's deny (ListAttachedUserPolicies, ListUserPolicies). Writes:
UpdateAccessKey, and BatchWriteItem for the restore records (25 a call). Candidate keys: the keys the credential
report flags (expired, idle, never used, due), before any tag is read, so those of protected and exempt users
too (the sweep cannot know them before reading their tags); "listed": the keys the summary lists as acted on
or warned about (candidates less the protected and exempt ones). Ratio: naive / sweep in report mode.

${table(
  [
    'users',
    'keys',
    'candidate keys',
    'sweep report: calls',
    'time',
    'peak RSS',
    'sweep enforce: calls',
    'time',
    'peak RSS',
    'naive: calls',
    'time',
    'peak RSS',
    'ratio calls / time',
  ],
  rows,
)}

Time ratios are local: loopback, a few milliseconds of moto per call. They say nothing of AWS's latency per
call; with a network round trip per call, a peer that makes one call after another spends at least its call
count times that round trip (the containment section measures the same effect at 50 ms a call).

### AWS calls by operation

${table(['operation', ...sw.sizes.flatMap((z) => [`${z.users}: report`, `${z.users}: enforce`, `${z.users}: naive`])], opRows)}

### Memory (peak RSS of each child process, start-up included)

${table(
  [
    'users',
    'start-up',
    'sweep report',
    'sweep enforce',
    'naive',
    'resolution',
    'GetCredentialReport alone, SDK XML parse',
    'GetCredentialReport alone, raw read (as the sweep)',
  ],
  memRows,
)}

${cappedText}

### moto's own time per call

moto 5.2.1's GetAccessKeyLastUsed finds the key by scanning every access key of the account (moto's source), and
its time rose with the account (median as the proxy saw it, naive peer: ${sw.sizes.map((z) => `${gaklu(z) ?? '-'} ms at ${z.users} users`).join(', ')}). AWS has no
such cost; the naive peer's time at large sizes is inflated by it, its call count is not.

### Seeding (not in the figures above)

${table(['size', 'users added', 'IAM calls', 'time', 'per call', 'backdating'], seedRows)}
${explanations.length ? `\n### Where a sweep target is missed, and why\n\n${explanations.join('\n')}\n` : ''}`;
}

function resolutionSection(sw: SweepScaleResult): string {
  return `## Person resolution

\`usersOfPerson\` (src/engine/resolve.ts) for one email among all users (child process, through the paging
proxy; GetAccountAuthorizationDetails with \`Filter=User\`, \`MaxItems\` 1000):

${table(
  ['users', 'calls', 'limit ceil(n/100)+1', 'time', 'peak RSS'],
  sw.sizes.map((z) => [
    z.users,
    z.resolve.calls,
    Math.ceil(z.users / 100) + 1,
    s(z.resolve.wallMs),
    mib(z.resolve.maxRssKiB),
  ]),
)}
`;
}

function coldStartSection(cs: ColdStartResult): string {
  const handlers = [...new Set(cs.bundles.map((b) => b.handler))];
  const get = (h: string, sdk: string) => cs.bundles.find((b) => b.handler === h && b.sdk === sdk);
  const rows = handlers.map((h) => {
    const b = get(h, 'bundled');
    const e = get(h, 'external');
    const load = (x: typeof b) =>
      x
        ? `${x.loadMsMedian.toFixed(0)} ms (${x.loadMsMin.toFixed(0)}-${x.loadMsMax.toFixed(0)}); CPU ${x.loadCpuMsMedian.toFixed(0)} ms`
        : '-';
    return [
      `\`handlers/${h}.ts\``,
      b ? `${kib(b.bytes)} (${(b.bytes / 1e6).toFixed(2)} MB)` : '-',
      load(b),
      e ? `${kib(e.bytes)} (${(e.bytes / 1e6).toFixed(2)} MB)` : '-',
      load(e),
    ];
  });
  const sample = cs.bundles.find((b) => b.sdk === 'bundled');
  const sampleExt = cs.bundles.find((b) => b.sdk === 'external');
  const parts = (b: typeof sample) =>
    b ? b.topInputs.map((t) => `${t.input} ${kib(t.bytes)}`).join(', ') : '';
  const node = cs.bundles.map((b) => b.nodeStartMsMedian);
  const notes: string[] = [];
  if (cs.bundles.some((b) => b.bytes > 1_000_000)) {
    notes.push(
      `- **Bundle over 1 MB with the SDK inside.** Largest parts of \`${sample?.handler}\`: ${parts(sample)}. zod is the largest single part of every bundle (the config schema and request parsing import the full \`zod\` API, which does not tree-shake), and every handler carries all five SDK clients because \`makeClients\` builds them all.`,
    );
  }
  if (cs.bundles.some((b) => b.loadMsMedian > 150)) {
    const slow = cs.bundles.filter((b) => b.loadMsMedian > 150);
    notes.push(
      `- **Load over 150 ms**: ${slow.map((b) => `${b.handler} (SDK ${b.sdk}) ${b.loadMsMedian.toFixed(0)} ms`).join(', ')}. With the SDK external, \`require\` resolves and compiles hundreds of separate SDK files from node_modules (as the Lambda runtime would from its own copy); bundled, it parses one file. Largest parts with the SDK external (\`${sampleExt?.handler}\`): ${parts(sampleExt)}.`,
    );
  }
  return `## Cold start

esbuild ${'`'}bundle, minify, platform node, target node22, mainFields module,main, format cjs${'`'}, written to
\`${cs.outDir}\`; once with the AWS SDK in the bundle, once with \`@aws-sdk/*\` external (resolved here from the
repository's node_modules, version 3.1169.0; in Lambda, the runtime's own SDK). Load time: the \`require()\` of
the bundle in a fresh \`node\` process (handler environment set, clients built at module load as the handlers
do), median of ${cs.bundles[0]?.processes ?? 0} processes each, min-max in brackets, and the median CPU time (user + system) of
the same \`require()\`. Node's own start before the require:
median ${Math.min(...node).toFixed(0)}-${Math.max(...node).toFixed(0)} ms (not included). Lambda's init adds the runtime's own work.

${table(['handler', 'SDK bundled: size', 'load', 'SDK external: size', 'load'], rows)}
${notes.length ? `\n${notes.join('\n')}\n` : ''}`;
}

/** Which run wrote which figures. */
function header(r: BenchResults): string {
  const first = `Written by \`npm run bench\`${r.quick ? ' --quick (small sizes: not the published figures)' : ''} on ${r.generatedAt}`;
  const merged = Object.entries(r.mergedParts ?? {});
  if (!merged.length) {
    return `${first}, every figure from that one run\n(${(r.wallSeconds / 60).toFixed(1)} minutes).`;
  }
  const later = merged
    .map(
      ([part, run]) =>
        `the ${part} section by \`npm run bench -- --only=${part} --merge\` on ${run.generatedAt} (${(run.wallSeconds / 60).toFixed(1)} minutes)`,
    )
    .join('; ');
  return `${first} (${(r.wallSeconds / 60).toFixed(1)} minutes); ${later}. Every other figure is from the first run,\nas it measured them.`;
}

/** BENCHMARKS.md from one run's results. */
export function renderMarkdown(r: BenchResults): string {
  const m = r.machine;
  const missed = r.targets.filter((t) => !t.met);
  return `# Benchmarks

${header(r)} Raw figures: \`bench/results.json\`.

Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB.toFixed(0)} GiB memory, Node ${m.node}, ${m.os}, moto ${m.moto}.
The machine was shared with other work: 1-minute load average ${Object.entries(m.loadAverage)
    .map(([k, v]) => `${v} (${k})`)
    .join(', ')} on ${m.cores} cores. Wall times, cold-start load times most of all, are inflated by that
load; call counts, round trips and bundle sizes are not.

## Targets

${table(
  ['area', 'target', 'measured', ''],
  r.targets.map((t) => [t.area, t.target, t.measured, yes(t.met)]),
)}

${missed.length ? `${missed.length} of ${r.targets.length} targets missed; the sections below say why.` : `All ${r.targets.length} targets met.`}

${r.containment ? containmentSection(r.containment) : ''}
${r.sweep ? sweepSection(r.sweep) : ''}
${r.sweep ? resolutionSection(r.sweep) : ''}
${r.coldStart ? coldStartSection(r.coldStart) : ''}
${r.organization ? `${organizationSection(r.organization, r.sweep)}\n` : ''}## Method, in short

- The proxy (\`tools/local/proxy.ts\`) forwards to moto, can add latency and seeded faults, counts requests per
  operation (\`Action=\` or \`X-Amz-Target\`) and keeps each request's start and end; waves are computed from
  that timeline. No fault was injected in these runs.
- Nothing here asserts on time in \`npm test\`: \`test/integration/bench-small.test.ts\` runs small versions and
  asserts on call counts and waves only.
`;
}
