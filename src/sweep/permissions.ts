/**
 * Every IAM, SNS and DynamoDB action the sweep's own code calls (`src/sweep/**`). The actions it runs
 * through the engine (deactivating a key, the drift re-revocation) declare theirs in the action registry
 * (`src/engine/actions`) and the engine's `*_PERMISSIONS` constants; serverless.yml grants the union, and a
 * test checks it.
 */
export const SWEEP_PERMISSIONS = [
  // discovery: the credential report and every user with tags and attached policies, in pages
  'iam:GenerateCredentialReport',
  'iam:GetCredentialReport',
  'iam:GetAccountAuthorizationDetails',
  // re-check of each candidate before acting, by exact key id
  'iam:ListAccessKeys',
  'iam:GetAccessKeyLastUsed',
  // the deactivation of a qualifying key (through the engine's deactivate-access-key action)
  'iam:UpdateAccessKey',
  // the restore record written before each user's keys are deactivated, completed after
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  // the one summary per run
  'sns:Publish',
] as const;

export type SweepPermission = (typeof SWEEP_PERMISSIONS)[number];
