import { coverageOutcome } from '../accounts/coverage';
import { targetAccounts } from '../accounts/targets';
import type { Config } from '../config';
import type { EngineDeps, RevocationReport } from '../engine';
import { describeError } from '../errors';
import { mapLimit } from '../util/concurrency';

/** Accounts locked down at once (each account's IAM writes are bounded by the engine itself). */
const ACCOUNTS_AT_ONCE = 4;

type AccountPart =
  | { readonly accountId: string; readonly report: RevocationReport }
  | { readonly accountId: string; readonly error: string };

/** The coverage line and each account's notes, prefixed with the account. */
function coverageNotes(parts: readonly AccountPart[]): string[] {
  const unreachable = parts.filter((p) => 'error' in p).map((p) => p.accountId);
  const withUsers = parts.filter((p) => 'report' in p && p.report.principals.length).length;
  return [
    `coverage: targeted ${parts.length}, reached ${parts.length - unreachable.length}, unreachable ${unreachable.length}${unreachable.length ? ` (${unreachable.join(', ')})` : ''}; the person has users in ${withUsers}`,
    ...parts.flatMap((p) =>
      'error' in p
        ? [`account ${p.accountId} unreachable: ${p.error}`]
        : p.report.notes.map((n) => `account ${p.accountId}: ${n}`),
    ),
  ];
}

/**
 * A person's lockdown over every target account (`TARGET_ACCOUNTS` other than `self`, no `accountId` named):
 * the same request run in each account (its own account with its own credentials, the others through their
 * member role), a few accounts at once, combined in one report with a section per account (`accounts`) and a
 * coverage line. An account that cannot be reached is named with the reason and makes the run `partial`.
 * @example
 * const report = await acrossAccounts(config, access, runId, (d) => runRevocation(request, d), depsFor, skeleton);
 */
export async function acrossAccounts(
  config: Pick<Config, 'targetAccounts' | 'excludedAccounts' | 'orgRoleArn'>,
  access: Parameters<typeof targetAccounts>[1],
  runId: string,
  run: (deps: EngineDeps) => Promise<RevocationReport>,
  depsFor: (accountId: string) => Promise<EngineDeps>,
  skeleton: Omit<RevocationReport, 'outcome' | 'principals' | 'notes' | 'finishedAt' | 'runId'>,
): Promise<RevocationReport> {
  const accounts = await targetAccounts(config, access, runId);
  const parts = await mapLimit(accounts, ACCOUNTS_AT_ONCE, async (accountId): Promise<AccountPart> => {
    try {
      return { accountId, report: await run(await depsFor(accountId)) };
    } catch (err) {
      return { accountId, error: describeError(err) };
    }
  });
  const results = parts.map((p) =>
    'error' in p
      ? { accountId: p.accountId, outcome: 'unreachable' as const, error: p.error }
      : { accountId: p.accountId, outcome: p.report.outcome },
  );
  const outcome = coverageOutcome(
    results.map((r) => ({ ...r, at: '', attempts: 1, principals: [], notes: [] })),
  );
  return {
    ...skeleton,
    runId,
    accounts: results,
    outcome,
    principals: parts.flatMap((p) => ('report' in p ? p.report.principals : [])),
    notes: coverageNotes(parts),
    finishedAt: new Date().toISOString(),
  };
}
