import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Clients } from '../clients';
import { queryPartition } from '../util/paging';
import { type DepartureMessage, departureMessageSchema, issuesOf } from './message';

/**
 * Departures received while `DRY_RUN` is on, kept in the state table so they can be replayed for real once
 * it is off (`scripts/replay-dry-run.ts`). A dry run only plans: the worker deletes the queue message after
 * the planned run, and the departure (who, when, why) would otherwise survive only in the notification.
 *
 * Key: `pk = dry-run#departures`, `sk = <departure id>` (a redelivery overwrites its own item), TTL
 * `expiresAt`. The worker writes an item after each planned departure (`keepDryRunDeparture`) and deletes it
 * once the departure has been handled for real (`forgetDryRunDeparture`), so what is left is exactly what
 * was only planned.
 */
export const DRY_RUN_DEPARTURES_PK = 'dry-run#departures';

/** DynamoDB actions of keeping and forgetting planned departures (the worker). */
export const DRY_RUN_PERMISSIONS = ['dynamodb:PutItem', 'dynamodb:DeleteItem'] as const;

/** How long a planned departure waits for its replay; after that the table's TTL removes it. */
export const DRY_RUN_DEPARTURE_KEEP_SECONDS = 30 * 24 * 3600;

/** One kept departure. */
export interface DryRunDepartureItem {
  readonly pk: typeof DRY_RUN_DEPARTURES_PK;
  /** The departure id. */
  readonly sk: string;
  readonly kind: 'dry-run-departure';
  /** The queued message, unchanged: replaying it keeps its id, so the worker's dedupe still applies. */
  readonly message: DepartureMessage;
  /** When the dry-run worker planned it (ISO 8601). */
  readonly plannedAt: string;
  /** TTL, epoch seconds. */
  readonly expiresAt: number;
}

type Store = { readonly ddb: Clients['ddb']; readonly table: string };

/** The item that keeps a planned departure. */
export function dryRunDepartureItem(message: DepartureMessage, now: Date): DryRunDepartureItem {
  return {
    pk: DRY_RUN_DEPARTURES_PK,
    sk: message.id,
    kind: 'dry-run-departure',
    message,
    plannedAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + DRY_RUN_DEPARTURE_KEEP_SECONDS,
  };
}

/**
 * Keeps a departure the dry-run worker planned (idempotent: the same id overwrites its item).
 * DynamoDB: `dynamodb:PutItem`.
 * @example
 * if (report.dryRun) await keepDryRunDeparture({ ddb: clients.ddb, table: config.stateTable }, message, now);
 */
export async function keepDryRunDeparture(store: Store, message: DepartureMessage, now: Date): Promise<void> {
  await store.ddb.send(new PutCommand({ TableName: store.table, Item: dryRunDepartureItem(message, now) }));
}

/**
 * Forgets a kept departure once it has been handled for real (a no-op when none was kept).
 * DynamoDB: `dynamodb:DeleteItem`.
 */
export async function forgetDryRunDeparture(store: Store, departureId: string): Promise<void> {
  await store.ddb.send(
    new DeleteCommand({ TableName: store.table, Key: { pk: DRY_RUN_DEPARTURES_PK, sk: departureId } }),
  );
}

/** A kept item as read back: its departure, or why it cannot be replayed. */
export type KeptDeparture =
  | { readonly ok: true; readonly message: DepartureMessage; readonly plannedAt: string }
  | { readonly ok: false; readonly sk: string; readonly problems: readonly string[] };

/**
 * Every kept departure, page by page (a Query per 1 MB), oldest id first. Items whose message is no longer a
 * valid departure are returned as problems, not thrown: one bad item must not block the others' replay.
 * DynamoDB: `dynamodb:Query`.
 */
export async function* keptDryRunDepartures(store: Store): AsyncGenerator<KeptDeparture> {
  for await (const raw of queryPartition(store, DRY_RUN_DEPARTURES_PK)) {
    const item = raw as Partial<DryRunDepartureItem>;
    const r = departureMessageSchema.safeParse(item.message);
    if (r.success) yield { ok: true, message: r.data, plannedAt: String(item.plannedAt ?? '') };
    else yield { ok: false, sk: String(item.sk ?? '?'), problems: issuesOf(r.error) };
  }
}
