import type { ColdStartResult } from './cold-start';
import type { ContainmentResult } from './containment';
import type { OrganizationResult } from './organization';
import type { SweepScaleResult } from './sweep-scale';

/** The benchmark targets (the "Targets" table of BENCHMARKS.md), evaluated on one run's figures. */
export interface TargetCheck {
  readonly area: 'containment' | 'sweep' | 'resolution' | 'cold start' | 'organization';
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

/** 1 MB, in bytes. */
export const BUNDLE_LIMIT_BYTES = 1_000_000;
export const LOAD_LIMIT_MS = 150;
export const RSS_LIMIT_MIB = 256;

const mib = (kib: number) => kib / 1024;

export function checkTargets(results: {
  containment?: ContainmentResult;
  sweep?: SweepScaleResult;
  coldStart?: ColdStartResult;
  organization?: OrganizationResult;
}): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const c = results.containment;
  if (c) {
    const worst = Math.max(...c.engine.runs.map((r) => r.roundTripsBeforeDeny));
    checks.push({
      area: 'containment',
      target: 'deny attached after <= 2 round trips (user name known)',
      measured: `${worst} (every run)`,
      met: worst <= 2,
    });
    checks.push({
      area: 'containment',
      target: 'full revocation <= 0.4 x the sequential time',
      measured: `${c.completionRatio.toFixed(2)} (${c.engine.completeMs.toFixed(0)} ms / ${c.sequential.completeMs.toFixed(0)} ms, medians)`,
      met: c.completionRatio <= 0.4,
    });
  }
  const s = results.sweep;
  if (s) {
    for (const size of s.sizes) {
      const runs = [size.sweepReport, size.sweepEnforce];
      const discovery = Math.max(...runs.map((r) => r.discoveryCalls));
      checks.push({
        area: 'sweep',
        target: `discovery <= 5 calls (${size.users} users)`,
        measured: String(discovery),
        met: discovery <= 5,
      });
      for (const r of runs) {
        const limit = 5 + 2 * r.candidateKeys;
        const mode = r.task === 'sweep-report' ? 'report' : 'enforce';
        checks.push({
          area: 'sweep',
          target: `total <= 5 + 2 x candidate keys (${size.users} users, ${mode} mode, ${r.candidateKeys} candidate keys)`,
          measured: `${r.calls} (limit ${limit}; ${r.calls - r.writeCalls} reads + ${r.writeCalls} writes)`,
          met: r.calls <= limit,
        });
        if (r.writeCalls > 0) {
          // The writes (one UpdateAccessKey per key deactivated, one BatchWriteItem per 25 restore records)
          // are counted apart: the same target on the reads alone.
          const reads = r.calls - r.writeCalls;
          checks.push({
            area: 'sweep',
            target: `reads <= 5 + 2 x candidate keys, writes apart (${size.users} users, ${mode} mode)`,
            measured: `${reads} (limit ${limit})`,
            met: reads <= limit,
          });
        }
      }
      const rss = Math.max(...runs.map((r) => mib(r.maxRssKiB)));
      checks.push({
        area: 'sweep',
        target: `peak RSS < ${RSS_LIMIT_MIB} MiB (${size.users} users)`,
        measured: `${rss.toFixed(0)} MiB`,
        met: rss < RSS_LIMIT_MIB,
      });
    }
    const largest = s.sizes[s.sizes.length - 1];
    if (largest) {
      checks.push({
        area: 'sweep',
        target: `>= 50x fewer calls than the naive peer (${largest.users} users)`,
        measured: `${largest.callRatio.toFixed(0)}x (${largest.naive.calls} / ${largest.sweepReport.calls})`,
        met: largest.callRatio >= 50,
      });
      const limit = Math.ceil(largest.users / 100) + 1;
      checks.push({
        area: 'resolution',
        target: `person resolution <= ceil(${largest.users}/100) + 1 = ${limit} calls`,
        measured: String(largest.resolve.calls),
        met: largest.resolve.calls <= limit,
      });
    }
  }
  const cs = results.coldStart;
  if (cs) {
    for (const sdk of ['bundled', 'external'] as const) {
      const bundles = cs.bundles.filter((b) => b.sdk === sdk);
      if (!bundles.length) continue;
      const biggest = bundles.reduce((a, b) => (b.bytes > a.bytes ? b : a));
      const slowest = bundles.reduce((a, b) => (b.loadMsMedian > a.loadMsMedian ? b : a));
      checks.push({
        area: 'cold start',
        target: `every handler bundle <= 1 MB (SDK ${sdk})`,
        measured: `largest ${(biggest.bytes / 1_000_000).toFixed(3)} MB (${biggest.handler})`,
        met: bundles.every((b) => b.bytes <= BUNDLE_LIMIT_BYTES),
      });
      checks.push({
        area: 'cold start',
        target: `every handler median load <= ${LOAD_LIMIT_MS} ms (SDK ${sdk})`,
        measured: `slowest ${slowest.loadMsMedian.toFixed(0)} ms (${slowest.handler})`,
        met: bundles.every((b) => b.loadMsMedian <= LOAD_LIMIT_MS),
      });
    }
  }
  checks.push(...organizationTargets(results.organization));
  return checks;
}

/** The organization targets: deny time at the largest size, calls per account, sweep discovery per account. */
function organizationTargets(o: OrganizationResult | undefined): TargetCheck[] {
  if (!o) return [];
  const checks: TargetCheck[] = [];
  const sizes = o.departure.sizes;
  const one = sizes[0];
  const most = sizes[sizes.length - 1];
  if (one && most && most !== one) {
    checks.push({
      area: 'organization',
      target: `every deny attached within 2 x the single-account time (${most.accounts} accounts, concurrent)`,
      measured: `${o.departure.denyRatio.toFixed(2)} x (${most.denyAllMs.toFixed(0)} ms / ${one.denyAllMs.toFixed(0)} ms, medians)`,
      met: o.departure.denyRatio <= 2,
    });
  }
  // The completing account(s) add the coverage claim and the one notification: counted apart.
  const work = sizes.map((z) => z.workCallsPerAccount);
  const constant = work.every((w) => w.min === w.max && w.min === work[0]?.min);
  checks.push({
    area: 'organization',
    target: `AWS calls per account constant (${sizes.map((z) => z.accounts).join(' / ')} accounts)`,
    measured: `${sizes.map((z) => (z.workCallsPerAccount.min === z.workCallsPerAccount.max ? z.workCallsPerAccount.min : `${z.workCallsPerAccount.min}-${z.workCallsPerAccount.max}`)).join(' / ')} (assume-role included; + coverage claim and notification on the completing account)`,
    met: constant,
  });
  if (o.sweep) {
    for (const r of [o.sweep.report, o.sweep.enforce]) {
      const { max } = r.discoveryPerAccount;
      const assume = r.assumeRolePerAccount.max;
      checks.push({
        area: 'organization',
        target: `sweep discovery per account <= 3 calls + the assume-role (${r.accounts} accounts x ${o.sweep.usersPerAccount} users, ${r.mode} mode)`,
        measured: `${max} + ${assume} (every account)`,
        met: max <= 3 && assume <= 1,
      });
    }
  }
  return checks;
}
