import { BatchWriteCommand, DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Clients } from '../clients';
import { describeError, RevocationError } from '../errors';
import { queryPartition } from '../util/paging';
import { formatIssues } from '../util/zod';
import { stateRecordSchema } from './schema';
import type {
  Caller,
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
/** DynamoDB actions restore adds: it removes the user from the revoked index. */
export const RESTORE_STATE_PERMISSIONS = ['dynamodb:DeleteItem'] as const;
/** DynamoDB actions of records written in batches (the sweep's key deactivations). */
export const BATCH_STATE_PERMISSIONS = ['dynamodb:BatchWriteItem'] as const;

/** One revocation of one principal, saved before its first write (the restore plan) and completed after. */
export interface RevocationRecord {
  readonly kind: 'revocation';
  readonly runId: string;
  readonly trigger: Trigger;
  readonly mode: RevocationMode;
  readonly at: string;
  readonly principal: PrincipalRef;
  readonly requestedBy: string;
  readonly caller?: Caller;
  readonly reason: string;
  readonly snapshot: Snapshot;
  readonly plan: readonly PlannedStep[];
  readonly status: 'started' | 'finished';
  readonly outcome?: RunOutcome;
  readonly results?: readonly StepResult[];
}

/** A restore of a principal: older revocation records are undone and no longer count. */
export interface RestoreRecord {
  readonly kind: 'restore';
  readonly runId: string;
  readonly at: string;
  readonly principal: PrincipalRef;
  readonly requestedBy: string;
  readonly caller?: Caller;
  readonly reason: string;
  readonly undoes: readonly string[];
  readonly outcome: string;
  readonly results: readonly StepResult[];
}

/**
 * The index of revoked users: one entry per user, written with the revocation record (before the first write)
 * and deleted by restore. The sweep's drift check reads it with one Query (a page per 1 MB).
 */
export interface RevokedIndexEntry {
  readonly kind: 'revoked-index';
  readonly userName: string;
  readonly runId: string;
  readonly at: string;
  readonly trigger: Trigger;
  readonly mode: RevocationMode;
}

export type StateRecord = RevocationRecord | RestoreRecord | RevokedIndexEntry;

/** A state table item that is not a record of this project's shape (edited, forged or from another version). */
export class InvalidStateRecordError extends RevocationError {}

/**
 * Where records are kept: the state table, and the target account when it is not the function's own (its
 * records then live under `account#<id>#...` partitions, so one table holds every account's records apart).
 */
export type Store = { readonly ddb: Clients['ddb']; readonly table: string; readonly accountId?: string };

/**
 * The store of a run: the function's own account when `accountId` is absent (the partitions of a single-account
 * deployment), else that account's partitions.
 */
export const storeOf = (deps: {
  readonly config: { readonly stateTable: string };
  readonly clients: Pick<Clients, 'ddb'>;
  readonly accountId?: string | undefined;
}): Store => ({
  ddb: deps.clients.ddb,
  table: deps.config.stateTable,
  ...(deps.accountId ? { accountId: deps.accountId } : {}),
});

/**
 * The partitions (`pk` values) the engine's records live in, as `dynamodb:LeadingKeys` patterns: each function's
 * role may read and write only the partitions its path uses (infra/permissions.ts, serverless.yml).
 */
export const STATE_PARTITIONS = Object.freeze({
  /** A user's revocation and restore records: `principal#user#<name>`. */
  userRecords: 'principal#user#*',
  /** A role's revocation and restore records: `principal#role#<name>`. */
  roleRecords: 'principal#role#*',
  /** The revoked-users index the sweep's drift check reads (one item per user). */
  revokedIndex: 'index#revoked-users',
  /** The same three, of another target account: `account#<id>#principal#...`, `account#<id>#index#...`. */
  accountRecords: 'account#*',
});

// Storage keys: known here only. A principal's runs sort by time under `principal#<kind>#<name>`; a restore's
// `~` sorts after any run id, so a restore stays newer than a revocation stamped the same millisecond.
// Another target account's partitions carry its id first (`account#<id>#`); the own account's carry none, as
// in a single-account deployment.
const accountPrefix = (store: Store) => (store.accountId ? `account#${store.accountId}#` : '');
const revokedIndexKey = (store: Store) => `${accountPrefix(store)}${STATE_PARTITIONS.revokedIndex}`;
const principalKey = (store: Store, kind: PrincipalKind, name: string) =>
  `${accountPrefix(store)}principal#${kind}#${name}`;

function keysOf(store: Store, record: StateRecord): { pk: string; sk: string } {
  switch (record.kind) {
    case 'revocation':
      return {
        pk: principalKey(store, record.principal.kind, record.principal.name),
        sk: `${record.at}#${record.runId}`,
      };
    case 'restore':
      return {
        pk: principalKey(store, record.principal.kind, record.principal.name),
        sk: `${record.at}#~restore#${record.runId}`,
      };
    case 'revoked-index':
      return { pk: revokedIndexKey(store), sk: record.userName };
  }
}

/** Parses an item read back: its keys dropped, its shape checked. @throws InvalidStateRecordError */
function fromItem(item: Record<string, unknown>): StateRecord {
  const { pk, sk, expiresAt: _ttl, ...rest } = item;
  const r = stateRecordSchema.safeParse(rest);
  if (!r.success) {
    const why = formatIssues(r.error, '(item)').join('; ');
    throw new InvalidStateRecordError(`state record ${String(pk)} / ${String(sk)} is not valid: ${why}`);
  }
  const data = r.data;
  // The snapshot is parsed loosely (evidence, never acted on): its full type is the writer's.
  return data.kind === 'revocation' ? { ...data, snapshot: data.snapshot as unknown as Snapshot } : data;
}

export async function putRecord(store: Store, record: StateRecord): Promise<void> {
  await store.ddb.send(
    new PutCommand({ TableName: store.table, Item: { ...keysOf(store, record), ...record } }),
  );
}

export interface BatchOptions {
  /** Attempts at items DynamoDB leaves unprocessed (throttling); default 4. */
  readonly attempts?: number;
  /** First wait before retrying unprocessed items, doubled each time; default 100 ms. */
  readonly retryDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** DynamoDB's limit of items per BatchWriteItem. */
export const BATCH_SIZE = 25;
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Writes one batch of at most 25 records, retrying what DynamoDB leaves unprocessed; returns why the rest failed. */
async function putBatch<R extends StateRecord>(store: Store, batch: readonly R[], options: BatchOptions) {
  const failed = new Map<R, string>();
  const attempts = options.attempts ?? 4;
  let pending = batch;
  let why = 'left unprocessed by DynamoDB (throttled)';
  let delay = options.retryDelayMs ?? 100;
  for (let attempt = 1; pending.length && attempt <= attempts; attempt++) {
    if (attempt > 1) {
      await (options.sleep ?? defaultSleep)(delay);
      delay *= 2;
    }
    try {
      const items = pending.map((r) => ({ ...keysOf(store, r), ...r }));
      const out = await store.ddb.send(
        new BatchWriteCommand({
          RequestItems: { [store.table]: items.map((Item) => ({ PutRequest: { Item } })) },
        }),
      );
      const left = new Set(
        (out.UnprocessedItems?.[store.table] ?? []).map(
          (w) => `${w.PutRequest?.Item?.pk}|${w.PutRequest?.Item?.sk}`,
        ),
      );
      pending = pending.filter((r) => left.has(`${keysOf(store, r).pk}|${keysOf(store, r).sk}`));
    } catch (err) {
      // The SDK has already retried throttling and 5xx: what is left is not written.
      why = describeError(err);
      break;
    }
  }
  for (const r of pending) failed.set(r, why);
  return failed;
}

/**
 * Writes records with BatchWriteItem, 25 per call, retrying what DynamoDB leaves unprocessed.
 * @returns why each record that could not be written was not (absent: written).
 */
export async function putRecords<R extends StateRecord>(
  store: Store,
  records: readonly R[],
  options: BatchOptions = {},
): Promise<Map<R, string>> {
  const failed = new Map<R, string>();
  for (let i = 0; i < records.length; i += BATCH_SIZE) {
    for (const [r, why] of await putBatch(store, records.slice(i, i + BATCH_SIZE), options))
      failed.set(r, why);
  }
  return failed;
}

export async function finishRevocationRecord(
  store: Store,
  record: RevocationRecord,
  outcome: RunOutcome,
  results: readonly StepResult[],
): Promise<void> {
  await store.ddb.send(
    new UpdateCommand({
      TableName: store.table,
      Key: keysOf(store, record),
      UpdateExpression: 'SET #status = :finished, outcome = :outcome, results = :results',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':finished': 'finished', ':outcome': outcome, ':results': results },
    }),
  );
}

/** The records of one partition, page by page, each parsed (`newestFirst`: newest `sk` first). */
async function* partition(store: Store, pk: string, newestFirst = false): AsyncGenerator<StateRecord> {
  for await (const item of queryPartition(store, pk, newestFirst)) yield fromItem(item);
}

/** A principal's revocations, each with whether a completed restore undid it, newest first. */
export interface PrincipalHistory {
  readonly revocations: readonly RevocationRecord[];
  /** Run ids a restore record with outcome `restored` undid. */
  readonly restored: ReadonlySet<string>;
}

/**
 * Every record of a principal (paginated), parsed: its revocations newest first and the runs restored. A
 * record whose principal is not the one asked for (an edited or forged item in the partition) is refused.
 * @throws InvalidStateRecordError when a record is not of this project's shape or names another principal.
 */
export async function principalHistory(store: Store, principal: PrincipalRef): Promise<PrincipalHistory> {
  const revocations: RevocationRecord[] = [];
  const restored = new Set<string>();
  for await (const item of partition(store, principalKey(store, principal.kind, principal.name), true)) {
    if (item.kind === 'revoked-index') continue;
    if (item.principal.kind !== principal.kind || item.principal.name !== principal.name) {
      throw new InvalidStateRecordError(
        `state record of run ${item.runId} names ${item.principal.kind} ${item.principal.name}, not ${principal.kind} ${principal.name}: refused`,
      );
    }
    if (item.kind === 'revocation') revocations.push(item);
    else if (item.outcome === 'restored') for (const id of item.undoes) restored.add(id);
  }
  return { revocations, restored };
}

/** The index entry that goes with a user's revocation record. */
export function revokedIndexEntry(record: RevocationRecord): RevokedIndexEntry {
  return {
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
    new DeleteCommand({ TableName: store.table, Key: { pk: revokedIndexKey(store), sk: userName } }),
  );
}

/** Every user in the revoked index (paginated Query: one call per 1 MB, about 5000 entries). */
export async function listRevokedUsers(store: Store): Promise<RevokedIndexEntry[]> {
  const found: RevokedIndexEntry[] = [];
  for await (const item of partition(store, revokedIndexKey(store))) {
    if (item.kind === 'revoked-index') found.push(item);
  }
  return found;
}
