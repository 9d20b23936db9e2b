/**
 * IAM actions the departure path's own code calls, declared next to the code so a test can check that
 * `serverless.yml` grants each one to the function that runs it.
 */

/**
 * `hrWebhook`: reads the provider's secret parameter (SecureString, `WithDecryption`) and queues departures
 * (`SendMessageBatch` is authorized as `sqs:SendMessage`). With the AWS managed key `aws/ssm` no KMS grant
 * is needed; a customer managed key on the parameter also needs `kms:Decrypt` on that key.
 */
export const WEBHOOK_PERMISSIONS = ['ssm:GetParameter', 'sqs:SendMessage'] as const;

/**
 * `revocationWorker`, beyond the engine's own actions: the Powertools idempotency records on the state
 * table, and the notification of a malformed message. Receiving and deleting messages is done by the SQS
 * event source mapping (the function role still needs `sqs:ReceiveMessage`, `sqs:DeleteMessage`,
 * `sqs:GetQueueAttributes` on the departure queue for it).
 */
export const WORKER_PERMISSIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'sns:Publish',
] as const;

/** What the SQS event source mapping needs on the departure queue (granted to the worker's role). */
export const WORKER_QUEUE_PERMISSIONS = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
] as const;
