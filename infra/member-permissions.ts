import { FUNCTION_NAMES, FUNCTION_PERMISSIONS } from './permissions';

/**
 * What the member role (deploy/member-role.yml) must grant in each member account of the organization: the
 * IAM and SSM Session Manager actions of the functions that act inside an account (the revocation of users and
 * roles, lockdown, restore, the sweep's credential report, key re-reads, drift checks, deactivations).
 * Computed from FUNCTION_PERMISSIONS, never copied by hand; test/unit/infra/member-role.test.ts proves the
 * template grants exactly these. The state table, the topic, the queue and the webhook secrets (DynamoDB,
 * SNS, SQS, SSM parameters, KMS) stay in the central account: nothing of theirs is here.
 * Outside src/: never bundled in a handler.
 */

/** Actions run in the account being revoked: every `iam:` action, and the session lookup and termination. */
const actsInMemberAccount = (action: string): boolean =>
  action.startsWith('iam:') || action === 'ssm:DescribeSessions' || action === 'ssm:TerminateSession';

/**
 * The sorted, de-duplicated union, over every function, of the actions it runs inside an account (functions
 * with none, such as hrWebhook, add nothing).
 * @example
 * MEMBER_PERMISSIONS.includes('iam:AttachUserPolicy'); // true
 * MEMBER_PERMISSIONS.includes('dynamodb:PutItem'); // false
 */
export const MEMBER_PERMISSIONS: readonly string[] = Object.freeze(
  [...new Set(FUNCTION_NAMES.flatMap((fn) => FUNCTION_PERMISSIONS[fn].filter(actsInMemberAccount)))].sort(),
);
