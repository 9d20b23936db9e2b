import { createHash } from 'node:crypto';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { Clients, ScopedClients, TemporaryCredentials } from '../clients';
import type { Config } from '../config';
import { describeError, TransientError } from '../errors';

/** STS actions of reaching another account (the member role, and `ORG_ROLE_ARN`). */
export const ACCESS_PERMISSIONS = ['sts:AssumeRole'] as const;

/**
 * An account whose role could not be assumed (the member role missing, its trust refusing us, STS failing):
 * transient by nature, so the work item is retried through its queue and, past the redrive limit, reaches
 * the DLQ.
 */
export class AccountUnreachableError extends TransientError {}

/** One target account as the engine reaches it. */
export interface AccountScope {
  readonly accountId: string;
  /** The function's own account: its own credentials, and its records kept as in a single-account deployment. */
  readonly home: boolean;
  readonly clients: ScopedClients;
}

/** Credentials are renewed this long before they expire (a Lambda invocation lasts at most 15 minutes). */
export const RENEW_BEFORE_MS = 15 * 60_000;
/** Sessions kept per warm function (one per account and run): the oldest is dropped beyond this. */
const MAX_CACHED_SESSIONS = 256;

/**
 * The role session name of a run: the run id, in the characters STS accepts (`[\w+=,.@-]`, 2 to 64), so each
 * account's CloudTrail shows which run acted (`assumed-role/<member role>/<run id>`).
 * @example
 * sessionNameOf('standard:msg_2Kq'); // 'standard-msg_2Kq'
 */
export function sessionNameOf(runId: string): string {
  const name = runId.replace(/[^\w+=,.@-]/g, '-');
  // Over 64 characters: the start, then a hash of the whole id, so two long ids never share a session name.
  if (name.length > 64)
    return `${name.slice(0, 51)}.${createHash('sha256').update(runId).digest('hex').slice(0, 12)}`;
  return name.length >= 2 ? name : `${name}--`.slice(0, 2);
}

/** Assumes a role for a run. @throws AccountUnreachableError naming the role and STS's answer. */
async function assume(sts: Clients['sts'], roleArn: string, runId: string): Promise<TemporaryCredentials> {
  try {
    const r = await sts.send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionNameOf(runId) }),
    );
    const c = r.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error('no credentials returned');
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      ...(c.Expiration ? { expiration: c.Expiration } : {}),
    };
  } catch (err) {
    throw new AccountUnreachableError(`role ${roleArn} could not be assumed (${describeError(err)})`, {
      cause: err,
    });
  }
}

export interface AccountAccessDeps {
  readonly config: Pick<Config, 'memberRoleName'>;
  readonly clients: Pick<Clients, 'iam' | 'ssm' | 'organizations' | 'sts' | 'withCredentials'>;
  readonly clock?: () => Date;
}

/**
 * Reaching target accounts: the function's own account with its own clients, any other by assuming
 * `MEMBER_ROLE_NAME` there with the run id as session name. Credentials are cached per (account, run) until
 * {@link RENEW_BEFORE_MS} before they expire, so a batch of work items for one run assumes the role once.
 * STS: `sts:AssumeRole` (GetCallerIdentity needs no permission).
 * @example
 * const access = accountAccess({ config, clients });
 * const scope = await access.open('222222222222', report.runId); // scope.clients.iam acts in 2222...
 */
export function accountAccess(deps: AccountAccessDeps) {
  const clock = deps.clock ?? (() => new Date());
  type Session = { scope: AccountScope; credentials: TemporaryCredentials; renewAt: number };
  const cache = new Map<string, Session>();
  let identity: Promise<{ accountId: string; partition: string }> | undefined;

  /** The function's own account id and partition (GetCallerIdentity, once per warm function). */
  function self(): Promise<{ accountId: string; partition: string }> {
    identity ??= deps.clients.sts.send(new GetCallerIdentityCommand({})).then((r) => ({
      accountId: r.Account ?? '',
      partition: r.Arn?.split(':')[1] ?? 'aws',
    }));
    identity.catch(() => {
      identity = undefined;
    });
    return identity;
  }

  /** Clients signed by a role assumed for a run, cached until shortly before the credentials expire. */
  async function sessionAs(roleArn: string, runId: string, accountId: string): Promise<Session> {
    const key = `${roleArn}|${sessionNameOf(runId)}`;
    const now = clock().getTime();
    const hit = cache.get(key);
    if (hit && hit.renewAt > now) return hit;
    const credentials = await assume(deps.clients.sts, roleArn, runId);
    const scope: AccountScope = {
      accountId,
      home: false,
      clients: deps.clients.withCredentials(credentials),
    };
    const expires = credentials.expiration?.getTime() ?? now + 3600_000;
    const session = { scope, credentials, renewAt: expires - RENEW_BEFORE_MS };
    cache.delete(key);
    cache.set(key, session);
    if (cache.size > MAX_CACHED_SESSIONS) cache.delete(cache.keys().next().value as string);
    return session;
  }

  return {
    /** The function's own account id. */
    selfAccountId: async () => (await self()).accountId,

    /** The member role's ARN in an account. */
    async memberRoleArn(accountId: string): Promise<string> {
      const { partition } = await self();
      return `arn:${partition}:iam::${accountId}:role/${deps.config.memberRoleName}`;
    },

    /**
     * The clients that act in `accountId` for the run `runId`.
     * @throws AccountUnreachableError when the member role cannot be assumed.
     */
    async open(accountId: string, runId: string): Promise<AccountScope> {
      const { accountId: own, partition } = await self();
      if (accountId === own) {
        const { iam, ssm, organizations } = deps.clients;
        return { accountId, home: true, clients: { iam, ssm, organizations } };
      }
      const roleArn = `arn:${partition}:iam::${accountId}:role/${deps.config.memberRoleName}`;
      return (await sessionAs(roleArn, runId, accountId)).scope;
    },

    /** Clients signed by any role (`ORG_ROLE_ARN`), cached like the member roles'. */
    async as(roleArn: string, runId: string): Promise<ScopedClients> {
      const accountId = roleArn.split(':')[4] ?? '';
      return (await sessionAs(roleArn, runId, accountId)).scope.clients;
    },

    /** The credentials of any role (`IDC_ROLE_ARN`) for a run, cached like the member roles'. */
    async credentials(roleArn: string, runId: string): Promise<TemporaryCredentials> {
      return (await sessionAs(roleArn, runId, roleArn.split(':')[4] ?? '')).credentials;
    },
  };
}

export type AccountAccess = ReturnType<typeof accountAccess>;
