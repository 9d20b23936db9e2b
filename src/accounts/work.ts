import * as z from 'zod';
import type { Clients } from '../clients';
import { type DepartureMessage, departureMessageSchema } from '../departures/message';
import { InvalidRequestError } from '../errors';
import { sendBatch } from '../util/queue';
import { formatIssues } from '../util/zod';

/**
 * One account's share of a departure or a sweep, queued on `ACCOUNT_QUEUE_URL` and handled by the account
 * worker. `id` (`<run id>@<account id>`) is what the account worker is idempotent on.
 */
export type AccountWorkItem =
  | {
      readonly kind: 'departure';
      readonly id: string;
      readonly accountId: string;
      /** The departure, as queued by the webhook: its id is the run id in every account. */
      readonly departure: DepartureMessage;
      /** The person's Identity Center userName, when known: its role sessions are ended in this account too. */
      readonly identityCenterUserName?: string;
    }
  | {
      readonly kind: 'sweep';
      readonly id: string;
      readonly accountId: string;
      /** The organization sweep's run id: each account's sweep runs under `<sweep id>@<account id>`. */
      readonly sweepId: string;
      readonly mode?: 'report' | 'enforce';
      readonly dryRun?: boolean;
    };

const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit account id');

const workItemSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('departure'),
    id: z.string().min(1).max(256),
    accountId,
    departure: departureMessageSchema,
    identityCenterUserName: z.string().min(1).max(128).optional(),
  }),
  z.object({
    kind: z.literal('sweep'),
    id: z.string().min(1).max(256),
    accountId,
    sweepId: z.string().regex(/^[A-Za-z0-9_.:=+@-]{1,200}$/),
    mode: z.enum(['report', 'enforce']).optional(),
    dryRun: z.boolean().optional(),
  }),
]);

/** The id of one account's share of a run. */
export const workItemId = (runId: string, account: string): string => `${runId}@${account}`;

/** One departure's work items, one per target account. */
export function departureItems(
  departure: DepartureMessage,
  accounts: readonly string[],
  identityCenterUserName?: string,
): AccountWorkItem[] {
  return accounts.map((a) => ({
    kind: 'departure',
    id: workItemId(departure.id, a),
    accountId: a,
    departure,
    ...(identityCenterUserName ? { identityCenterUserName } : {}),
  }));
}

/**
 * Parses a queued work item.
 * @throws InvalidRequestError when the body is not JSON or not a work item (never retried).
 */
export function parseWorkItem(body: string): AccountWorkItem {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new InvalidRequestError('account work item is not JSON');
  }
  const r = workItemSchema.safeParse(json);
  if (!r.success) throw new InvalidRequestError('invalid account work item', formatIssues(r.error, '(item)'));
  return r.data as AccountWorkItem;
}

/**
 * Queues work items on the account queue (SendMessageBatch, 10 at a time).
 * SQS: `sqs:SendMessage`.
 * @throws TransientError when the queue does not take every item (the caller's retry sends them again; the
 * account worker's dedupe on the item id absorbs duplicates).
 */
export async function queueWorkItems(
  clients: Pick<Clients, 'sqs'>,
  queueUrl: string,
  items: readonly AccountWorkItem[],
): Promise<void> {
  await sendBatch(
    clients,
    queueUrl,
    items.map((i) => ({
      id: i.id,
      body: JSON.stringify(i),
      attributes: { kind: i.kind, account: i.accountId },
    })),
    'account queue',
  );
}
