import { type Account, paginateListAccounts } from '@aws-sdk/client-organizations';
import type { Config } from '../config';
import { ConfigError } from '../errors';
import type { AccountAccess } from './access';

/** Organizations actions of listing the target accounts (`TARGET_ACCOUNTS=organization`). */
export const TARGET_PERMISSIONS = ['organizations:ListAccounts'] as const;

/**
 * ACTIVE, whichever field the answer carries: `State` (current) or `Status` (deprecated, what older
 * endpoints and emulators return).
 */
const isActive = (a: Account): boolean => (a.State ?? a.Status) === 'ACTIVE';

/** Every ACTIVE account of the organization (ListAccounts, every page), through `ORG_ROLE_ARN` when set. */
async function organizationAccounts(
  config: Pick<Config, 'orgRoleArn'>,
  access: AccountAccess,
  runId: string,
): Promise<string[]> {
  const client = config.orgRoleArn
    ? (await access.as(config.orgRoleArn, runId)).organizations
    : (await access.open(await access.selfAccountId(), runId)).clients.organizations;
  const ids: string[] = [];
  for await (const page of paginateListAccounts({ client }, {})) {
    for (const a of page.Accounts ?? []) if (a.Id && isActive(a)) ids.push(a.Id);
  }
  return ids;
}

/**
 * The accounts a departure or a sweep reaches, sorted: `self` is the function's own account; `organization`
 * every ACTIVE account of the organization; a list, those ids. `EXCLUDED_ACCOUNTS` are removed in every case.
 * Organizations: `organizations:ListAccounts` (and `sts:AssumeRole` on `ORG_ROLE_ARN` when set).
 * @throws ConfigError when no account is left to target (said, never an empty run).
 * @example
 * const accounts = await targetAccounts(config, access, runId); // ['111111111111', '222222222222']
 */
export async function targetAccounts(
  config: Pick<Config, 'targetAccounts' | 'excludedAccounts' | 'orgRoleArn'>,
  access: AccountAccess,
  runId: string,
): Promise<string[]> {
  const target = config.targetAccounts;
  const listed =
    target.kind === 'self'
      ? [await access.selfAccountId()]
      : target.kind === 'list'
        ? [...target.accountIds]
        : await organizationAccounts(config, access, runId);
  const excluded = new Set(config.excludedAccounts);
  const accounts = [...new Set(listed)].filter((id) => !excluded.has(id)).sort();
  if (!accounts.length) {
    throw new ConfigError(
      `no target account: TARGET_ACCOUNTS=${target.kind === 'list' ? target.accountIds.join(',') : target.kind} leaves none once EXCLUDED_ACCOUNTS (${config.excludedAccounts.join(',') || 'none'}) are removed`,
    );
  }
  return accounts;
}
