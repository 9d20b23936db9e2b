import { FUNCTION_PERMISSIONS, MEMBER_ROLE_FUNCTIONS } from './permissions';

/**
 * What the member role (deploy/member-role.yml) must grant in each member account of the organization: the
 * IAM and SSM Session Manager actions of the functions that assume it (MEMBER_ROLE_FUNCTIONS: the account
 * worker's share of a departure or a sweep, lockdown and restore of a request naming `accountId`, the CloudTrail
 * follow-up of a run in another account), which they
 * run inside that account with its credentials. Computed from FUNCTION_PERMISSIONS, never copied by hand;
 * test/unit/infra/member-role.test.ts proves the template grants exactly these. The state table, the topic, the
 * queues, the webhook secrets, STS and Organizations (DynamoDB, SNS, SQS, SSM parameters, KMS, sts:, organizations:)
 * are called with the central account's own credentials: nothing of theirs is here.
 * Outside src/: never bundled in a handler.
 */

/**
 * Actions run in the account being revoked: every `iam:` action but `iam:PassRole` (passing the central stack's
 * scheduler role to EventBridge Scheduler, for the follow-up schedules, is done at home), the session lookup and
 * termination, and the follow-up's CloudTrail lookups.
 */
const actsInMemberAccount = (action: string): boolean =>
  (action.startsWith('iam:') && action !== 'iam:PassRole') ||
  action === 'ssm:DescribeSessions' ||
  action === 'ssm:TerminateSession' ||
  action === 'cloudtrail:LookupEvents';

/**
 * The sorted, de-duplicated union, over the functions that assume the member role, of the actions they run
 * inside an account.
 * @example
 * MEMBER_PERMISSIONS.includes('iam:AttachUserPolicy'); // true
 * MEMBER_PERMISSIONS.includes('dynamodb:PutItem'); // false
 */
export const MEMBER_PERMISSIONS: readonly string[] = Object.freeze(
  [
    ...new Set(MEMBER_ROLE_FUNCTIONS.flatMap((fn) => FUNCTION_PERMISSIONS[fn].filter(actsInMemberAccount))),
  ].sort(),
);
