import { randomUUID } from 'node:crypto';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  type Account,
  AlreadyInOrganizationException,
  CreateAccountCommand,
  type CreateAccountStatus,
  CreateOrganizationCommand,
  DescribeCreateAccountStatusCommand,
  OrganizationsClient,
  paginateListAccounts,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { Clients } from '../../src/clients';
import type { Moto } from './moto';
import type { Interceptor, ProxiedRequest, ProxyResponse } from './proxy';
import { ALLOW_ALL, type Credentials, motoClients } from './seed';

/**
 * Several AWS accounts on one moto_server (an AWS Organization), for multi-account tests, the demo and the
 * benchmarks. Never bundled into a handler.
 *
 * moto (5.2.1) keeps separate state per account and picks a request's account from the header
 * `x-moto-account-id`, else from the account owning the access key (IAM user keys and STS temporary keys
 * alike), else `123456789012` (never set `MOTO_ACCOUNT_ID` in the server's environment: it overrides all of
 * these). `sts:AssumeRole` into `arn:aws:iam::<B>:role/<any>` answers credentials acting on account B even
 * when that role does not exist: moto checks no cross-account trust, so a refused AssumeRole has to be
 * injected ({@link denyAssumeRoleInto}).
 */

/** The request header moto reads to pick the account a request acts on. */
export const MOTO_ACCOUNT_HEADER = 'x-moto-account-id';

/** Any SDK v3 client (or DynamoDBDocumentClient, which shares its inner client's stack). */
export interface MiddlewareHost {
  middlewareStack: {
    // biome-ignore lint/suspicious/noExplicitAny: the SDK's middleware type differs per client
    add: (mw: any, options: { step: 'build'; name?: string; override?: boolean }) => void;
  };
}

/**
 * Makes every later request of `client` act on moto account `accountId` (header `x-moto-account-id`, set at
 * the build step, before signing). Returns the same client. Calling it again on a client re-scopes it (the
 * middleware is named and replaced). With IAM enforcement on, moto also looks the access key up in that
 * account: a key of another account answers `InvalidClientTokenId`, so seed before enforcing, or sign with a
 * key (or AssumeRole credentials) of the account itself.
 * @example
 * await createUser(forAccount(new IAMClient({ endpoint: moto.endpoint, ... }), '222222222222'), 'bob');
 */
export function forAccount<T extends MiddlewareHost>(client: T, accountId: string): T {
  if (!/^\d{12}$/.test(accountId)) throw new RangeError(`not a 12-digit account id: ${accountId}`);
  client.middlewareStack.add(
    (next: (args: { request?: unknown }) => Promise<unknown>) => async (args: { request?: unknown }) => {
      const request = args.request as { headers?: Record<string, string> } | undefined;
      if (request?.headers) request.headers[MOTO_ACCOUNT_HEADER] = accountId;
      return next(args);
    },
    { step: 'build', name: 'motoAccountId', override: true },
  );
  return client;
}

const hasMiddlewareStack = (x: unknown): x is MiddlewareHost =>
  typeof x === 'object' && x !== null && 'middlewareStack' in x;

/**
 * Clients (the shape of `motoClients`) whose every request acts on moto account `accountId`, for seeding and
 * inspecting a member account: every SDK client in it is scoped with {@link forAccount}, and so is each SSM
 * client `ssm(region)` returns. `credentials` default to moto's unauthenticated "testing". A function that
 * builds clients from assumed credentials (`withCredentials`, where `Clients` has it) is left as it is: such
 * credentials choose their own account.
 */
export function memberAccountClients(moto: Moto, accountId: string, credentials?: Credentials): Clients {
  const base = motoClients(moto, credentials);
  const scoped: Clients = { ...base, ssm: (region: string) => forAccount(base.ssm(region), accountId) };
  // The document client (ddb) shares the DynamoDBClient's middleware stack; ssmHome is base.ssm(its region).
  for (const client of Object.values(scoped)) if (hasMiddlewareStack(client)) forAccount(client, accountId);
  return scoped;
}

/**
 * Creates the member role in the account `iam` acts on (scope it with {@link forAccount}): trusted by the
 * central account's root, with an inline allow-all policy. moto checks neither the trust policy (any caller
 * may assume any role ARN, existing or not) nor, without IAM enforcement, the inline policy; the role is
 * there so code that reads it (GetRole, the trust policy) finds what a deployment would create. With
 * enforcement on it does matter: sessions of the role are authorized by its policies, and sessions of a role
 * that does not exist get HTTP 500 (an HTML page) from moto on their first call.
 * Returns the role's ARN.
 */
export async function createMemberRole(
  iam: IAMClient,
  roleName: string,
  centralAccountId: string,
): Promise<string> {
  const trust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${centralAccountId}:root` },
        Action: 'sts:AssumeRole',
      },
    ],
  });
  const created = await iam.send(
    new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: trust }),
  );
  await iam.send(
    new PutRolePolicyCommand({ RoleName: roleName, PolicyName: 'allow-all', PolicyDocument: ALLOW_ALL }),
  );
  return created.Role?.Arn ?? '';
}

const xmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The form (or query-string) parameters of a query-protocol request. */
function queryParams(req: ProxiedRequest): URLSearchParams {
  const params = new URLSearchParams(req.path.includes('?') ? req.path.slice(req.path.indexOf('?') + 1) : '');
  for (const [k, v] of new URLSearchParams(req.body.toString('utf8'))) params.set(k, v);
  return params;
}

/**
 * An interceptor for the fault proxy (tools/local/proxy.ts) that refuses `sts:AssumeRole` into a role of
 * any of `accountIds` with the answer AWS gives: HTTP 403, `Sender` / `AccessDenied`, "User: <caller> is not
 * authorized to perform: sts:AssumeRole on resource: <role ARN>" (the SDK throws an error named
 * `AccessDenied`). A stand-in for "member role missing / trust refused", which moto cannot produce: it lets
 * anyone assume any role ARN. Other requests are left alone (return undefined: forwarded, or the next
 * interceptor in `chain`). The proxy does not know the caller's ARN: pass `callerArn` to put it in the
 * message, else the message names the signing access key id.
 * @example
 * const proxy = await startFaultProxy({ upstream: moto.endpoint, intercept: denyAssumeRoleInto(['333333333333']) });
 */
export function denyAssumeRoleInto(
  accountIds: readonly string[],
  options: { callerArn?: string } = {},
): Interceptor {
  const denied = new Set(accountIds);
  return (req) => {
    if (req.operation !== 'sts:AssumeRole') return undefined;
    const roleArn = queryParams(req).get('RoleArn') ?? '';
    const account = roleArn.split(':')[4] ?? '';
    if (!denied.has(account)) return undefined;
    const auth = req.headers.authorization ?? '';
    const caller = options.callerArn ?? /Credential=([^/,\s]+)\//.exec(auth)?.[1] ?? 'anonymous';
    const requestId = randomUUID();
    const message = `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`;
    return {
      status: 403,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
      body: `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    } satisfies ProxyResponse;
  };
}

/** An Organizations client on the emulator (`credentials` default to moto's "testing": the default account). */
export function motoOrganizations(moto: Moto, credentials?: Credentials): OrganizationsClient {
  return new OrganizationsClient({
    region: 'us-east-1', // Organizations is a global service signed in us-east-1.
    endpoint: moto.endpoint,
    credentials: credentials ?? { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  });
}

/** Every account of the organization (ListAccounts, all pages), as `organizations`' account sees it. */
export async function listOrganizationAccounts(organizations: OrganizationsClient): Promise<Account[]> {
  const out: Account[] = [];
  for await (const page of paginateListAccounts({ client: organizations }, {}))
    out.push(...(page.Accounts ?? []));
  return out;
}

/**
 * Creates an organization (FeatureSet ALL) with the caller's account as its management account (moto's
 * default account unless `credentials` belong to another; an existing organization is kept), then one member
 * account per name (email `<name>@example.com`, lower-cased, other characters than letters, digits, `.`, `-`,
 * `_` made `-`). Returns the new account ids in the order of `names`. moto answers CreateAccount SUCCEEDED at
 * once (and creates `OrganizationAccountAccessRole` in the new account, trusting the management account, with
 * no policy); an IN_PROGRESS answer is polled with DescribeCreateAccountStatus.
 */
export async function createOrganizationAccounts(
  moto: Moto,
  names: readonly string[],
  credentials?: Credentials,
): Promise<string[]> {
  const organizations = motoOrganizations(moto, credentials);
  try {
    await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  } catch (err) {
    if (!(err instanceof AlreadyInOrganizationException)) throw err;
  }
  const ids: string[] = [];
  for (const name of names) {
    const local = name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-') || 'account';
    let status: CreateAccountStatus | undefined = (
      await organizations.send(new CreateAccountCommand({ AccountName: name, Email: `${local}@example.com` }))
    ).CreateAccountStatus;
    for (let i = 0; status?.State === 'IN_PROGRESS' && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (
        await organizations.send(
          new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: status.Id }),
        )
      ).CreateAccountStatus;
    }
    if (status?.State !== 'SUCCEEDED' || !status.AccountId) {
      const reason = status?.FailureReason ? ` (${status.FailureReason})` : '';
      throw new Error(`CreateAccount ${name}: ${status?.State ?? 'no status'}${reason}`);
    }
    ids.push(status.AccountId);
  }
  return ids;
}

/**
 * An IAM client acting in another account through its member role, assumed with `credentials` (the
 * operator's: the stack's), for reading what the handlers did there (the demo and the integration tests).
 */
export async function memberRoleIam(
  endpoint: string,
  region: string,
  credentials: Credentials,
  roleArn: string,
  options: { readonly sessionName?: string; readonly maxAttempts?: number } = {},
): Promise<IAMClient> {
  const maxAttempts = options.maxAttempts ?? 3;
  const sts = new STSClient({ endpoint, region, credentials, maxAttempts });
  try {
    const r = await sts.send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: options.sessionName ?? 'reader' }),
    );
    const c = r.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
      throw new Error(`AssumeRole ${roleArn}: no credentials returned`);
    }
    return new IAMClient({
      endpoint,
      region,
      maxAttempts,
      credentials: {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
      },
    });
  } finally {
    sts.destroy();
  }
}
