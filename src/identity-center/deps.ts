import type { AccountAccess } from '../accounts/access';
import type { Clients } from '../clients';
import type { Config } from '../config';
import { ConfigError } from '../errors';
import type { IdcDeps } from './types';

/** True when Identity Center is configured (both ids set): otherwise no identitystore or sso-admin call is made. */
export const identityCenterConfigured = (
  config: Pick<Config, 'identityStoreId' | 'ssoInstanceArn'>,
): boolean => !!config.identityStoreId && !!config.ssoInstanceArn;

/**
 * The Identity Center dependencies of one run, or undefined when Identity Center is not configured: the
 * clients in `IDC_REGION`, signed by `IDC_ROLE_ARN` (assumed for the run, the session named after it) or the
 * function's own credentials, and the settings.
 * @throws ConfigError when `IDC_ROLE_ARN` is set and the caller cannot assume roles.
 * @example
 * const idc = await identityCenterDeps(config, clients, access, runId, now);
 * if (idc) await revokeIdentityCenterUser(request, idc);
 */
export async function identityCenterDeps(
  config: Config,
  clients: Pick<Clients, 'ddb' | 'identityCenter'>,
  access: Pick<AccountAccess, 'credentials'> | undefined,
  runId: string,
  now: Date,
): Promise<IdcDeps | undefined> {
  const { identityStoreId, ssoInstanceArn } = config;
  if (!identityStoreId || !ssoInstanceArn) return undefined;
  if (config.idcRoleArn && !access)
    throw new ConfigError('IDC_ROLE_ARN is set but this function cannot assume roles');
  const credentials =
    config.idcRoleArn && access ? await access.credentials(config.idcRoleArn, runId) : undefined;
  const { identitystore, ssoAdmin } = clients.identityCenter(config.idcRegion, credentials);
  return {
    identitystore,
    ssoAdmin,
    ddb: clients.ddb,
    stateTable: config.stateTable,
    identityStoreId,
    instanceArn: ssoInstanceArn,
    protectedPrincipals: config.protectedPrincipals,
    dryRun: config.dryRun,
    maxConcurrency: config.maxConcurrency,
    now,
  };
}
