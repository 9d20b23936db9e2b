/**
 * Every IAM, SNS and DynamoDB action the sweep's own code calls (`src/sweep/**`). The actions it runs
 * through the engine (deactivating a key, the drift re-revocation) declare theirs in the action registry
 * (`src/engine/actions`) and the engine's `*_PERMISSIONS` constants; serverless.yml grants the union, and a
 * test checks it.
 */
export const SWEEP_PERMISSIONS = [
  // discovery: the credential report (no user listing: GetAccountAuthorizationDetails is not needed)
  'iam:GenerateCredentialReport',
  'iam:GetCredentialReport',
  // discovery: the revoked-users index in the state table (one Query, a page per 1 MB)
  'dynamodb:Query',
  // per candidate user: its tags (protection, exemption, owner)
  'iam:ListUserTags',
  // enforce mode, per user with a key to act on: its keys by exact id, the last use of keys flagged by use
  'iam:ListAccessKeys',
  'iam:GetAccessKeyLastUsed',
  // per revoked user: the deny still attached (managed, or the inline fallback)
  'iam:ListAttachedUserPolicies',
  'iam:ListUserPolicies',
  // the deactivation of a qualifying key (through the engine's deactivate-access-key action)
  'iam:UpdateAccessKey',
  // the restore records written before the keys are deactivated, 25 per call
  'dynamodb:BatchWriteItem',
  // the one summary per run
  'sns:Publish',
] as const;

export type SweepPermission = (typeof SWEEP_PERMISSIONS)[number];
