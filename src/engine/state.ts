import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Clients } from '../clients';
import type {
  PlannedStep,
  PrincipalKind,
  PrincipalRef,
  RevocationMode,
  RunOutcome,
  Snapshot,
  StepResult,
  Trigger,
} from './types';

/** DynamoDB actions the state store uses. */
export const STATE_PERMISSIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'] as const;

/**
 * One revocation of one principal, written before its first write (the restore plan) and completed after.
 * Key: `pk = principal#<kind>#<name>`, `sk = <ISO time>#<runId>`, so a principal's runs sort by time.
 */
export interface RevocationRecord {
  readonly pk: string;
  readonly sk: string;
  readonly kind: 'revocation';
  readonly runId: string;
  readonly trigger: Trigger;
  readonly mode: RevocationMode;
  readonly at: string;
  readonly principal: PrincipalRef;
  readonly requestedBy: string;
  readonly reason: string;
  readonly snapshot: Snapshot;
  readonly plan: readonly PlannedStep[];
  readonly status: 'started' | 'finished';
  readonly outcome?: RunOutcome;
  readonly results?: readonly StepResult[];
}

/** A restore of a principal: older revocation records are undone and no longer count. */
export interface RestoreRecord {
  readonly pk: string;
  readonly sk: string;
  readonly kind: 'restore';
  readonly runId: string;
  readonly at: string;
  readonly principal: PrincipalRef;
  readonly requestedBy: string;
  readonly reason: string;
  readonly undoes: readonly string[];
  readonly outcome: string;
  readonly results: readonly StepResult[];
}

/**
 * The index of revoked users: one item per user under a single partition, written with the revocation
 * record (before the first write) and deleted by restore. The sweep's drift check reads it with one Query
 * (a page per 1 MB) instead of listing every user's tags.
 */
export interface RevokedIndexEntry {
  readonly pk: typeof REVOKED_INDEX_PK;
  readonly sk: string;
  readonly kind: 'revoked-index';
  readonly userName: string;
  readonly runId: string;
  readonly at: string;
  readonly trigger: Trigger;
  readonly mode: RevocationMode;
}

export const REVOKED_INDEX_PK = 'index#revoked-users';

/** DynamoDB actions restore adds: it removes the user from the revoked index. */
export const RESTORE_STATE_PERMISSIONS = ['dynamodb:DeleteItem'] as const;

export type StateRecord = RevocationRecord | RestoreRecord | RevokedIndexEntry;

export const principalKey = (kind: PrincipalKind, name: string) => `principal#${kind}#${name}`;
export const recordSortKey = (at: string, runId: string) => `${at}#${runId}`;

type Store = { readonly ddb: Clients['ddb']; readonly table: string };

export async function putRecord(store: Store, record: StateRecord): Promise<void> {
  await store.ddb.send(new PutCommand({ TableName: store.table, Item: record }));
}

export async function finishRevocationRecord(
  store: Store,
  record: Pick<RevocationRecord, 'pk' | 'sk'>,
  outcome: RunOutcome,
  results: readonly StepResult[],
): Promise<void> {
  await store.ddb.send(
    new UpdateCommand({
      TableName: store.table,
      Key: { pk: record.pk, sk: record.sk },
      UpdateExpression: 'SET #status = :finished, outcome = :outcome, results = :results',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':finished': 'finished', ':outcome': outcome, ':results': results },
    }),
  );
}

/** The items of one partition, page by page (`ScanIndexForward` false: newest `sk` first). */
async function* partition(store: Store, pk: string, newestFirst = false): AsyncGenerator<StateRecord> {
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await store.ddb.send(
      new QueryCommand({
        TableName: store.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ScanIndexForward: !newestFirst,
        ExclusiveStartKey,
      }),
    );
    yield* (page.Items ?? []) as StateRecord[];
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
}

/**
 * The principal's revocation records since its last restore, newest first (paginated, stops at the restore).
 */
export async function unrestoredRevocations(
  store: Store,
  kind: PrincipalKind,
  name: string,
): Promise<RevocationRecord[]> {
  const found: RevocationRecord[] = [];
  for await (const item of partition(store, principalKey(kind, name), true)) {
    if (item.kind === 'restore') break;
    if (item.kind === 'revocation') found.push(item);
  }
  return found;
}

/** The index entry that goes with a user's revocation record. */
export function revokedIndexEntry(record: RevocationRecord): RevokedIndexEntry {
  return {
    pk: REVOKED_INDEX_PK,
    sk: record.principal.name,
    kind: 'revoked-index',
    userName: record.principal.name,
    runId: record.runId,
    at: record.at,
    trigger: record.trigger,
    mode: record.mode,
  };
}

/** Removes a restored user from the revoked index (idempotent). */
export async function removeFromRevokedIndex(store: Store, userName: string): Promise<void> {
  await store.ddb.send(
    new DeleteCommand({ TableName: store.table, Key: { pk: REVOKED_INDEX_PK, sk: userName } }),
  );
}

/** Every user in the revoked index (paginated Query: one call per 1 MB, about 5000 entries). */
export async function listRevokedUsers(store: Store): Promise<RevokedIndexEntry[]> {
  const found: RevokedIndexEntry[] = [];
  for await (const item of partition(store, REVOKED_INDEX_PK)) {
    if (item.kind === 'revoked-index') found.push(item);
  }
  return found;
}
