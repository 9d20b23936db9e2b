import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { awsErrorCode, describeError } from '../errors';
import { logger } from '../logger';
import { PermissionSetBusyError } from './errors';
import { IDC_STATE_PARTITIONS } from './state';
import type { IdcDeps, IdcTiming } from './types';

/**
 * A lock per permission set in the state table, guarding the read-modify-write of its inline policy: two
 * departures at once each add their id to the one managed statement, and neither may write over the other's.
 * The lock is one item (`pk` `lock#permission-set`, `sk` the permission set ARN, the `owner`, `expiresAt` in
 * epoch seconds, the table's TTL attribute) put only when absent or expired (a conditional PutItem), retried
 * with bounded backoff, and deleted only by its owner (a conditional DeleteItem). A run that dies holding it
 * delays the next writer by the lock's time to live at most.
 */

/** DynamoDB actions of the lock. */
export const LOCK_PERMISSIONS = ['dynamodb:PutItem', 'dynamodb:DeleteItem'] as const;

type Table = Pick<IdcDeps, 'ddb' | 'stateTable'>;
type LockTiming = Pick<IdcTiming, 'sleep' | 'clock' | 'lockTtlMs' | 'lockAttempts' | 'lockRetryMs'>;

const isConditionFailed = (err: unknown) => awsErrorCode(err) === 'ConditionalCheckFailedException';
const seconds = (ms: number) => Math.floor(ms / 1000);

async function tryAcquire(t: Table, key: { pk: string; sk: string }, owner: string, timing: LockTiming) {
  const now = timing.clock();
  try {
    await t.ddb.send(
      new PutCommand({
        TableName: t.stateTable,
        Item: {
          ...key,
          owner,
          acquiredAt: new Date(now).toISOString(),
          expiresAt: seconds(now + timing.lockTtlMs),
        },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
        ExpressionAttributeValues: { ':now': seconds(now) },
      }),
    );
    return true;
  } catch (err) {
    if (isConditionFailed(err)) return false;
    throw err;
  }
}

async function release(t: Table, key: { pk: string; sk: string }, owner: string): Promise<void> {
  try {
    await t.ddb.send(
      new DeleteCommand({
        TableName: t.stateTable,
        Key: key,
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': owner },
      }),
    );
  } catch (err) {
    // Expired and taken by another writer meanwhile: the verification re-read says whether our id stayed.
    logger.warn('permission set lock was no longer ours at release', {
      lock: key.sk,
      owner,
      error: describeError(err),
    });
  }
}

/**
 * Runs `critical` holding the permission set's lock, and releases it whatever `critical` does.
 * @throws PermissionSetBusyError when the lock stays taken through every attempt (nothing was run)
 * @example
 * await withPermissionSetLock(deps, psArn, `${runId}#${randomUUID()}`, timing, async () => readModifyWrite());
 */
export async function withPermissionSetLock<T>(
  t: Table,
  permissionSetArn: string,
  owner: string,
  timing: LockTiming,
  critical: () => Promise<T>,
): Promise<T> {
  const key = { pk: IDC_STATE_PARTITIONS.permissionSetLocks, sk: permissionSetArn };
  let delay = timing.lockRetryMs;
  for (let attempt = 1; ; attempt++) {
    if (await tryAcquire(t, key, owner, timing)) break;
    if (attempt >= timing.lockAttempts) {
      throw new PermissionSetBusyError(
        `the policy lock of ${permissionSetArn} stayed taken through ${attempt} attempts: nothing written`,
      );
    }
    await timing.sleep(delay / 2 + Math.random() * (delay / 2));
    delay = Math.min(delay * 2, 2_000);
  }
  try {
    return await critical();
  } finally {
    await release(t, key, owner);
  }
}
