import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { InvalidStateRecordError } from '../engine';
import { queryPartition } from '../util/paging';
import { formatIssues } from '../util/zod';
import {
  type IdcRecord,
  type IdcRevocationRecord,
  type IdcStepResult,
  type IdcUserRef,
  idcRecordSchema,
  type RevokedUserEntry,
} from './schema';
import type { IdcDeps } from './types';

/**
 * The Identity Center records in the state table. Storage keys are known here only (and the lock's in
 * lock.ts): a user's runs under `principal#idc-user#<userId>`, sorted by `<ISO time>#<runId>` (a restore's
 * `~restore#` sorts after any run id); one entry per revoked id under `idc#revoked-users`.
 */

/** The partitions (`pk` values, as `dynamodb:LeadingKeys` patterns) the Identity Center area reads and writes. */
export const IDC_STATE_PARTITIONS = Object.freeze({
  /** An Identity Center user's revocation and restore records: `principal#idc-user#<userId>`. */
  userRecords: 'principal#idc-user#*',
  /** When each id entered the managed statements (`sk` = the user id): pruning and drift read it. */
  revokedUsers: 'idc#revoked-users',
  /** The permission sets' policy locks (`sk` = the permission set ARN). */
  permissionSetLocks: 'lock#permission-set',
});

/** DynamoDB actions of a revocation's records (written, completed, read for pruning). */
export const IDC_STATE_PERMISSIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'] as const;
/** DynamoDB actions of a restore's records (history read, restore record, revoked entry removed). */
export const IDC_RESTORE_STATE_PERMISSIONS = [
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:DeleteItem',
] as const;

type Table = Pick<IdcDeps, 'ddb' | 'stateTable'>;

const userPartition = (userId: string) => `principal#idc-user#${userId}`;

function keysOf(record: IdcRecord): { pk: string; sk: string } {
  switch (record.kind) {
    case 'idc-revocation':
      return { pk: userPartition(record.user.userId), sk: `${record.at}#${record.runId}` };
    case 'idc-restore':
      return { pk: userPartition(record.user.userId), sk: `${record.at}#~restore#${record.runId}` };
    case 'idc-revoked-user':
      return { pk: IDC_STATE_PARTITIONS.revokedUsers, sk: record.userId };
  }
}

/** Parses an item read back: its keys dropped, its shape checked. @throws InvalidStateRecordError */
function fromItem(item: Record<string, unknown>): IdcRecord {
  const { pk, sk, expiresAt: _ttl, ...rest } = item;
  const r = idcRecordSchema.safeParse(rest);
  if (r.success) return r.data;
  const why = formatIssues(r.error, '(item)').join('; ');
  throw new InvalidStateRecordError(`state record ${String(pk)} / ${String(sk)} is not valid: ${why}`);
}

export async function putIdcRecord(t: Table, record: IdcRecord): Promise<void> {
  await t.ddb.send(new PutCommand({ TableName: t.stateTable, Item: { ...keysOf(record), ...record } }));
}

/** Adds the outcome and step results to a revocation record written before the first write. */
export async function finishIdcRecord(
  t: Table,
  record: IdcRevocationRecord,
  outcome: NonNullable<IdcRevocationRecord['outcome']>,
  results: readonly IdcStepResult[],
): Promise<void> {
  await t.ddb.send(
    new UpdateCommand({
      TableName: t.stateTable,
      Key: keysOf(record),
      UpdateExpression: 'SET #status = :finished, outcome = :outcome, results = :results',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':finished': 'finished', ':outcome': outcome, ':results': results },
    }),
  );
}

/** A user's revocations newest first, and the runs a restore record with outcome `restored` undid. */
export interface IdcHistory {
  readonly revocations: readonly IdcRevocationRecord[];
  readonly restored: ReadonlySet<string>;
}

/**
 * Every record of an Identity Center user (paginated), parsed. A record naming another user (an edited or
 * forged item in the partition) is refused.
 * @throws InvalidStateRecordError
 */
export async function idcHistory(t: Table, user: IdcUserRef): Promise<IdcHistory> {
  const revocations: IdcRevocationRecord[] = [];
  const restored = new Set<string>();
  const table = { ddb: t.ddb, table: t.stateTable };
  for await (const item of queryPartition(table, userPartition(user.userId), true)) {
    const record = fromItem(item);
    if (record.kind === 'idc-revoked-user') continue;
    if (record.user.userId !== user.userId) {
      throw new InvalidStateRecordError(
        `state record of run ${record.runId} names Identity Center user ${record.user.userId}, not ${user.userId}: refused`,
      );
    }
    if (record.kind === 'idc-revocation') revocations.push(record);
    else if (record.outcome === 'restored') for (const id of record.undoes) restored.add(id);
  }
  return { revocations, restored };
}

/** Every revoked-id entry, by user id (a Query per 1 MB). */
export async function revokedUserEntries(t: Table): Promise<Map<string, RevokedUserEntry>> {
  const found = new Map<string, RevokedUserEntry>();
  const table = { ddb: t.ddb, table: t.stateTable };
  for await (const item of queryPartition(table, IDC_STATE_PARTITIONS.revokedUsers)) {
    const record = fromItem(item);
    if (record.kind === 'idc-revoked-user') found.set(record.userId, record);
  }
  return found;
}

/** Removes a restored user's revoked-id entry (idempotent). */
export async function removeRevokedUserEntry(t: Table, userId: string): Promise<void> {
  await t.ddb.send(
    new DeleteCommand({
      TableName: t.stateTable,
      Key: { pk: IDC_STATE_PARTITIONS.revokedUsers, sk: userId },
    }),
  );
}
