import { join } from 'node:path';
import {
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
} from '@aws-sdk/client-iam';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describeError } from '../../src/errors';
import type { Credentials } from '../local/seed';

/**
 * The demo's own AWS environment: it never reads the user's AWS configuration or credentials, and every
 * request goes to the emulator.
 */

/**
 * Replaces every `AWS_*` variable of this process with the demo's: the emulator's endpoint, static
 * credentials, a region, and config/credentials file paths that do not exist (inside the repo's ignored
 * `.tmp/`), so no profile, SSO session or credential process of the user's can be picked up.
 */
export function isolateAwsEnvironment(
  env: NodeJS.ProcessEnv,
  repoRoot: string,
  values: Readonly<Record<string, string>>,
): void {
  for (const name of Object.keys(env)) {
    if (name.startsWith('AWS_')) delete env[name];
  }
  const nowhere = join(repoRoot, '.tmp', 'demo', 'no-such-aws-file');
  Object.assign(env, {
    AWS_CONFIG_FILE: nowhere,
    AWS_SHARED_CREDENTIALS_FILE: nowhere,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...values,
  });
}

export interface KeyProbe {
  /** True when the request was allowed. */
  readonly allowed: boolean;
  /** `iam:ListUsers -> 200 OK (3 users)` or `iam:ListUsers -> AccessDenied: ...`. */
  readonly line: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

/**
 * A real request signed with `credentials` (`iam:ListUsers`, which an explicit deny refuses;
 * `sts:GetCallerIdentity` never is). One attempt, no retry.
 */
export async function probeKey(
  endpoint: string,
  region: string,
  credentials: Credentials,
): Promise<KeyProbe> {
  const iam = new IAMClient({ endpoint, region, credentials, maxAttempts: 1 });
  try {
    const r = await iam.send(new ListUsersCommand({}));
    return { allowed: true, line: `iam:ListUsers -> 200 OK (${r.Users?.length ?? 0} users listed)` };
  } catch (err) {
    const code = (err as { name?: string }).name ?? 'Error';
    const message = (err as { message?: string }).message ?? describeError(err);
    return {
      allowed: false,
      line: `iam:ListUsers -> ${code}: ${message}`,
      errorCode: code,
      errorMessage: message,
    };
  } finally {
    iam.destroy();
  }
}

/** What IAM says of a user now, read with the operator's key. */
export interface UserState {
  readonly userName: string;
  readonly keys: Readonly<Record<string, string>>;
  readonly attachedPolicies: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
}

export async function readUserState(iam: IAMClient, userName: string): Promise<UserState> {
  const [keys, attached, tags] = await Promise.all([
    iam.send(new ListAccessKeysCommand({ UserName: userName })),
    iam.send(new ListAttachedUserPoliciesCommand({ UserName: userName })),
    iam.send(new ListUserTagsCommand({ UserName: userName })),
  ]);
  return {
    userName,
    keys: Object.fromEntries(
      (keys.AccessKeyMetadata ?? []).map((k) => [k.AccessKeyId ?? '', k.Status ?? '']),
    ),
    attachedPolicies: (attached.AttachedPolicies ?? []).map((p) => p.PolicyArn ?? ''),
    tags: Object.fromEntries((tags.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
  };
}

/**
 * The account an SDK client's credentials act on, as the emulator says (`sts:GetCallerIdentity` signed with
 * them: moto answers with the account owning the key), asked once per access key.
 */
export function accountOfClient(endpoint: string, region: string): (client: SSMClient) => Promise<string> {
  const byKey = new Map<string, Promise<string>>();
  return async (client) => {
    const credentials = await client.config.credentials();
    let account = byKey.get(credentials.accessKeyId);
    if (!account) {
      const sts = new STSClient({ endpoint, region, credentials, maxAttempts: 1 });
      account = sts
        .send(new GetCallerIdentityCommand({}))
        .then((r) => r.Account ?? '')
        .finally(() => sts.destroy());
      account.catch(() => byKey.delete(credentials.accessKeyId));
      byKey.set(credentials.accessKeyId, account);
    }
    return account;
  };
}
