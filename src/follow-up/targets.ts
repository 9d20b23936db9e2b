import type { PrincipalReport, RevocationReport } from '../engine';
import type { IdcRevocationReport } from '../identity-center';

/** A run's report as the follow-up reads it: a revocation, with the departure's Identity Center share if any. */
export type FollowedReport = RevocationReport & { readonly identityCenter?: IdcRevocationReport };

/** IAM and STS events are recorded in us-east-1 (IAM's one control plane). */
export const IAM_EVENTS_REGION = 'us-east-1';

/** What one account's follow-up looks up (the target record without its keys and schedules). */
export interface AccountLookup {
  readonly accountId: string;
  readonly usernames: readonly string[];
  readonly accessKeyIds: readonly string[];
  readonly principals: readonly string[];
}

const unique = (list: readonly string[]): string[] => [...new Set(list.filter(Boolean))];

/** True when the run changed something in AWS (a step `done`), outside a dry run: only then is it followed up. */
export function changedSomething(report: FollowedReport): boolean {
  if (report.dryRun) return false;
  const iam = report.principals.some((p) => p.steps.some((s) => s.outcome === 'done'));
  return iam || (report.identityCenter?.steps ?? []).some((s) => s.outcome === 'done');
}

/** The account of a principal ARN (`arn:aws:iam::<account>:user/x`). */
const accountOf = (arn: string): string | undefined => /^arn:[\w-]+:iam::(\d{12}):/.exec(arn)?.[1];

/** The role session names of the SSM sessions the run found (owners `arn:...:assumed-role/<role>/<session>`). */
const sessionNames = (p: PrincipalReport): string[] =>
  p.sessions.flatMap((s) => (s.owner.includes(':assumed-role/') ? [s.owner.split('/').pop() ?? ''] : []));

/** The access keys the run deactivated or found inactive (never one it failed on: it is still active). */
const keysOf = (p: PrincipalReport): string[] =>
  p.steps
    .filter((s) => s.type === 'deactivate-access-key' && (s.outcome === 'done' || s.outcome === 'already'))
    .map((s) => s.subject);

/**
 * Per account, the identities to look up in its CloudTrail: each revoked user's name, the role session names
 * of its SSM sessions (a person's federated `assumed-role/*\/<email>`, a locked role's sessions), the person's
 * email (the session name of their federated and Identity Center role sessions), the Identity Center userName;
 * and the keys deactivated. `home` is the account of a run with no IAM principal (an Identity Center user only).
 * Pure.
 * @example
 * lookupsOf(report, '123456789012'); // [{ accountId: '123456789012', usernames: ['jane', 'jane@example.com'], ... }]
 */
export function lookupsOf(report: FollowedReport, home: string): AccountLookup[] {
  const people = unique([report.target.email ?? '', report.identityCenter?.user?.userName ?? '']);
  const byAccount = new Map<string, { usernames: string[]; keys: string[]; principals: string[] }>();
  const entry = (accountId: string) => {
    let e = byAccount.get(accountId);
    if (!e) {
      e = { usernames: [...people], keys: [], principals: [] };
      byAccount.set(accountId, e);
    }
    return e;
  };
  for (const p of report.principals) {
    if (!p.steps.some((s) => s.outcome === 'done' || s.outcome === 'already')) continue;
    const e = entry(accountOf(p.principal.arn) ?? report.accountId ?? home);
    if (p.principal.kind === 'user') e.usernames.push(p.principal.name);
    e.usernames.push(...sessionNames(p));
    e.keys.push(...keysOf(p));
    e.principals.push(p.principal.arn);
  }
  if (!byAccount.size && report.identityCenter?.user) entry(report.accountId ?? home);
  return [...byAccount].map(([accountId, e]) => ({
    accountId,
    usernames: unique(e.usernames),
    accessKeyIds: unique(e.keys),
    principals: unique(e.principals),
  }));
}

/** The regions a follow-up reads: us-east-1 (IAM, STS), then the session regions. */
export const followUpRegions = (sessionRegions: readonly string[]): string[] =>
  unique([IAM_EVENTS_REGION, ...sessionRegions]);
