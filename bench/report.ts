import type { ColdStartResult } from './cold-start';
import type { ContainmentResult } from './containment';
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
  readonly targets: readonly TargetCheck[];
}

const ms = (v: number) => `${v.toFixed(0)} ms`;
const s = (v: number) => `${(v / 1000).toFixed(2)} s`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
const mib = (k: number) => `${(k / 1024).toFixed(0)} MiB`;
const yes = (met: boolean) => (met ? 'met' : '**missed**');

function table(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

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

Every AWS call goes through the fault proxy (\`src/local/proxy.ts\`) adding **${c.latencyMs} ms** before it is
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
    `${z.sweepReport.candidateKeys} (${z.sweepReport.candidateUsers} users)`,
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
  const memRows = sw.sizes.map((z) => [
    z.users,
    mib(z.sweepReport.baselineRssKiB),
    mib(z.sweepReport.maxRssKiB),
    mib(z.sweepEnforce.maxRssKiB),
    mib(z.naive.maxRssKiB),
    mib(z.resolve.maxRssKiB),
    `${mib(z.credentialReport.maxRssKiB)} (heap ${reportParse(z).heapUsedAfterMiB} MiB right after the SDK parsed it; report CSV ${(reportParse(z).contentBytes / 1e6).toFixed(1)} MB)`,
  ]);
  const capped = largest?.sweepCappedHeap;
  const cappedText = !capped
    ? ''
    : 'failed' in capped
      ? `With V8's old generation capped (\`--max-old-space-size=${CAPPED_OLD_SPACE_MIB}\`), the report-mode sweep at ${largest?.users} users **did not complete**: ${capped.failed}`
      : `With V8's old generation capped (\`--max-old-space-size=${CAPPED_OLD_SPACE_MIB}\`), the report-mode sweep at ${largest?.users} users completed in ${s(capped.wallMs)} with a peak RSS of ${mib(capped.maxRssKiB)}.`;
  const gaklu = (z: (typeof sw.sizes)[number]) => z.naive.medianMsByOperation['iam:GetAccessKeyLastUsed'];
  const explanations: string[] = [];
  const overDiscovery = sw.sizes.filter((z) => z.sweepReport.discoveryCalls > 5);
  if (overDiscovery.length) {
    explanations.push(
      `- **Discovery grows with users**: ${overDiscovery
        .map(
          (z) =>
            `${z.sweepReport.discoveryCalls} calls at ${z.users} users (${z.sweepReport.byOperation['iam:GetAccountAuthorizationDetails'] ?? 0} GetAccountAuthorizationDetails pages)`,
        )
        .join(
          '; ',
        )}. The credential report costs 2 calls at any size, but the user inventory (tags for exemptions, protection, owners and drift; attached policies for the deny check) comes from GetAccountAuthorizationDetails, ${
        sw.pageSize.max
      } users a page at most: discovery is 2 + ceil(users / ${sw.pageSize.max}). On moto unpaged it would look constant (3), which is why the proxy pages. *What would meet it*: discovery from the credential report alone (2 calls), tags read only for candidate users (ListUserTags each), and revoked users for the drift check found in the state table rather than in tags. That trades ceil(users / ${sw.pageSize.max}) pages for one call per candidate user, which costs more calls whenever candidate users outnumber the pages (${largest ? `${largest.sweepReport.candidateUsers} candidate users against ${largest.sweepReport.byOperation['iam:GetAccountAuthorizationDetails'] ?? 0} pages at ${largest.users} users` : ''}): the current design is the cheaper one in total, and the target may be better stated as 2 + ceil(users / 1000).`,
    );
  }
  const overTotal = sw.sizes.flatMap((z) =>
    [z.sweepReport, z.sweepEnforce].filter((r) => r.calls > 5 + 2 * r.candidateKeys).map((r) => ({ z, r })),
  );
  if (overTotal.length) {
    explanations.push(
      `- **Total over 5 + 2 x candidate keys**: ${overTotal
        .map(
          ({ z, r }) =>
            `${r.task === 'sweep-report' ? 'report' : 'enforce'} mode at ${z.users} users: ${r.calls} calls for ${r.candidateKeys} candidate keys (discovery ${r.discoveryCalls}, re-check ${r.byOperation['iam:ListAccessKeys'] ?? 0} ListAccessKeys + ${r.byOperation['iam:GetAccessKeyLastUsed'] ?? 0} GetAccessKeyLastUsed, writes ${r.writeCalls}, notification ${r.notifyCalls})`,
        )
        .join(
          '; ',
        )}. Three causes: discovery above 5 (previous point); the re-check reads the last use of *every* Active key of a candidate user, so the unflagged second key of a two-key user costs a GetAccessKeyLastUsed too; enforce mode adds, per user acted on, the restore record (DynamoDB PutItem and UpdateItem) around the UpdateAccessKey. *What would fix the re-check*: match the report's flagged slot to a key id by creation date (\`access_key_N_last_rotated\` = the key's CreateDate) and read last use only for flagged keys, and not at all for keys flagged by age alone (age comes from ListAccessKeys): at most 2 calls per candidate key. The restore-record writes are the price of a restorable deactivation; counting writes apart is the honest reading of the target.`,
    );
  }
  const overRss = sw.sizes.filter((z) =>
    [z.sweepReport, z.sweepEnforce].some((r) => r.maxRssKiB / 1024 >= 256),
  );
  if (overRss.length) {
    explanations.push(
      `- **Peak RSS of 256 MiB or more**: ${overRss
        .map((z) => `${mib(Math.max(z.sweepReport.maxRssKiB, z.sweepEnforce.maxRssKiB))} at ${z.users} users`)
        .join(
          '; ',
        )}. A single GetCredentialReport through the SDK, in a process of its own, peaks at ${overRss
        .map((z) => `${mib(z.credentialReport.maxRssKiB)} at ${z.users} users`)
        .join('; ')} (heap ${overRss
        .map(
          (z) =>
            `${reportParse(z).heapUsedAfterMiB} MiB right after the SDK parsed a ${(reportParse(z).contentBytes / 1e6).toFixed(1)} MB report`,
        )
        .join(
          '; ',
        )}): the SDK's XML deserialization of that one multi-megabyte base64 element dominates the sweep's peak, and the sweep fetches it while it pages the inventory. ${cappedText} *What would fix it*: read GetCredentialReport without the generic XML parse (a deserialize-step middleware on the sweep's IAM client that takes the \`<Content>\` text out of the raw body and decodes it with \`Buffer.from(base64)\`), or give the sweep function 512 MB.`,
    );
  }
  return `## Sweep scale

${sw.note} Users are seeded over the IAM API (bounded parallel CreateUser with tags + CreateAccessKey, not timed
with the runs), half with one key and half with two; key dates are then set through a benchmark-only route of
the moto server (\`bench/moto_server.py\`; the API cannot backdate a key). Each batch of users holds 10 expired,
5 idle, 5 never-used and 5 due keys, 2 protected and 2 exempt users with old keys; every other key is young and
recently used. Sizes are cumulative: at each size the sweep runs in report mode (at the largest size a second
time with a capped V8 heap), then the naive peer, then the sweep in enforce mode (which deactivates the batch's
20 actionable keys, so the next size starts with them Inactive), then person resolution, then one
GetCredentialReport alone (what that response costs in memory). Each task runs in a child process of its own (bundled with esbuild, SDK
inside, plain \`node\`, logger at INFO), talking to the proxy; peak RSS is that process's \`maxRSS\`, start-up
included. Calls are counted by the proxy (SDK retries would count; there were none without faults).
The naive peer (\`bench/naive-sweep.ts\`) lists users, each user's keys and each key's last use, one call
after another, as AWS's key-rotation sample does; it reads no tags, so it cannot honour exemptions or
protection (a correct one would add a call per user): its counts are a lower bound.

Calls: total (discovery / re-check / writes / notification). Candidate keys: flagged by the credential report
(expired, idle, never used, due). Ratio: naive / sweep in report mode.

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
  ['users', 'start-up', 'sweep report', 'sweep enforce', 'naive', 'resolution', 'GetCredentialReport alone'],
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

/** BENCHMARKS.md from one run's results. */
export function renderMarkdown(r: BenchResults): string {
  const m = r.machine;
  const missed = r.targets.filter((t) => !t.met);
  return `# Benchmarks

Written by \`npm run bench\`${r.quick ? ' --quick (small sizes: not the published figures)' : ''} on ${r.generatedAt}, every figure from that one run
(${(r.wallSeconds / 60).toFixed(1)} minutes). Raw figures: \`bench/results.json\`.

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
## Method, in short

- The proxy (\`src/local/proxy.ts\`) forwards to moto, can add latency and seeded faults, counts requests per
  operation (\`Action=\` or \`X-Amz-Target\`) and keeps each request's start and end; waves are computed from
  that timeline. No fault was injected in these runs.
- Nothing here asserts on time in \`npm test\`: \`test/integration/bench-small.test.ts\` runs small versions and
  asserts on call counts and waves only.
`;
}
