/**
 * Replays for real the departures the revocation worker only planned while `DRY_RUN` was on: reads them from
 * the state table (`pk = dry-run#departures`, see src/departures/dry-run.ts) and puts them back on the
 * departure queue, unchanged (same ids). Run it after redeploying with `--param dryRun=false`.
 *
 *   npx tsx scripts/replay-dry-run.ts --stage <stage> [--region <region>] [--list] [--id <departure id>]...
 *
 * `--list` prints what would be replayed and sends nothing; `--id` (repeatable) replays only those ids.
 * The table and queue are the stack's (`offboarding-<stage>-state`, `offboarding-<stage>-departures`), or
 * `--table` / `--queue-url`. Credentials and `AWS_ENDPOINT_URL` come from the environment, as for the CLI.
 *
 * Nothing is deleted here: the worker forgets a kept departure once it has handled it for real. Running the
 * replay twice, or while dry run is still on, is harmless: the worker revokes once per departure id (dry
 * runs and real runs are deduplicated apart), and a departure still only planned stays kept.
 * Needs `dynamodb:Query` on the table, `sqs:GetQueueUrl` and `sqs:SendMessage` on the queue.
 */
import { parseArgs } from 'node:util';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { type Clients, makeClients } from '../src/clients';
import { keptDryRunDepartures } from '../src/departures/dry-run';
import type { DepartureMessage } from '../src/departures/message';
import { queueDepartures } from '../src/webhooks/queue';

/** The `service` of serverless.yml: the stack's resources are named `<service>-<stage>-...`. */
const SERVICE = 'offboarding';

export const USAGE =
  'usage: npx tsx scripts/replay-dry-run.ts --stage <stage> [--region <region>] [--list] [--id <departure id>]... [--table <name>] [--queue-url <url>]';

export interface ReplayOptions {
  readonly region: string;
  readonly table: string;
  /** The departure queue's URL, or its name to look up. */
  readonly queue: { readonly url: string } | { readonly name: string };
  /** Print only, send nothing. */
  readonly list: boolean;
  /** Replay only these departure ids (all when empty). */
  readonly ids: readonly string[];
}

/**
 * Reads the command line.
 * @throws Error with the usage when neither `--stage` nor both `--table` and `--queue-url` are given.
 */
export function parseReplayArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): ReplayOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      stage: { type: 'string' },
      region: { type: 'string' },
      table: { type: 'string' },
      'queue-url': { type: 'string' },
      list: { type: 'boolean', default: false },
      id: { type: 'string', multiple: true, default: [] },
    },
  });
  const stage = values.stage;
  if (stage !== undefined && !/^[A-Za-z0-9-]+$/.test(stage)) throw new Error(`invalid stage\n${USAGE}`);
  const table = values.table ?? (stage ? `${SERVICE}-${stage}-state` : undefined);
  const queueUrl = values['queue-url'];
  if (!table || (!queueUrl && !stage)) throw new Error(USAGE);
  return {
    region: values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    table,
    queue: queueUrl ? { url: queueUrl } : { name: `${SERVICE}-${stage}-departures` },
    list: values.list,
    ids: values.id,
  };
}

export interface ReplayResult {
  /** Kept departures selected (sent, unless `list`). */
  readonly departures: readonly { readonly message: DepartureMessage; readonly plannedAt: string }[];
  readonly sent: boolean;
  readonly queueUrl?: string;
  /** Kept items that are not valid departures (left in place, reported). */
  readonly invalid: readonly { readonly sk: string; readonly problems: readonly string[] }[];
  /** `--id` values with no kept departure. */
  readonly unknownIds: readonly string[];
}

/**
 * Reads every kept departure (paginated Query) and, unless `list`, queues them with SendMessageBatch (10 per
 * call).
 * @throws TransientError when the queue refuses a message: nothing is lost, run it again.
 */
export async function replayDryRun(
  options: ReplayOptions,
  clients: Pick<Clients, 'ddb' | 'sqs'>,
): Promise<ReplayResult> {
  const departures: { message: DepartureMessage; plannedAt: string }[] = [];
  const invalid: { sk: string; problems: readonly string[] }[] = [];
  const wanted = new Set(options.ids);
  for await (const kept of keptDryRunDepartures({ ddb: clients.ddb, table: options.table })) {
    if (!kept.ok) {
      if (!wanted.size || wanted.has(kept.sk)) invalid.push({ sk: kept.sk, problems: kept.problems });
      continue;
    }
    if (!wanted.size || wanted.has(kept.message.id)) departures.push(kept);
  }
  const found = new Set([...departures.map((d) => d.message.id), ...invalid.map((i) => i.sk)]);
  const unknownIds = options.ids.filter((id) => !found.has(id));
  if (options.list || !departures.length) return { departures, sent: false, invalid, unknownIds };
  const queueUrl =
    'url' in options.queue
      ? options.queue.url
      : (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: options.queue.name }))).QueueUrl;
  if (!queueUrl) throw new Error(`no queue URL for ${JSON.stringify(options.queue)}`);
  await queueDepartures(
    clients,
    queueUrl,
    departures.map((d) => d.message),
  );
  return { departures, sent: true, queueUrl, invalid, unknownIds };
}

/** What the operator reads. */
export function renderReplay(result: ReplayResult, options: Pick<ReplayOptions, 'table'>): string {
  const lines = result.departures.map(({ message: m, plannedAt }) => {
    const person = [m.person.employeeId, m.person.email].filter(Boolean).join(' ');
    return `  ${m.id}  ${person}  occurred ${m.occurredAt}  planned ${plannedAt}`;
  });
  const n = result.departures.length;
  const head = result.sent
    ? `replayed ${n} departure(s) to ${result.queueUrl}:`
    : n
      ? `${n} departure(s) kept in ${options.table}, not sent (--list):`
      : `no departure to replay in ${options.table}`;
  const out = [head, ...lines];
  for (const i of result.invalid)
    out.push(`not a departure, left in place: ${i.sk} (${i.problems.join('; ')})`);
  for (const id of result.unknownIds) out.push(`no kept departure with id ${id}`);
  return out.join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  let options: ReplayOptions;
  try {
    options = parseReplayArgs(argv, process.env);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const result = await replayDryRun(options, makeClients({ region: options.region }));
  process.stdout.write(`${renderReplay(result, options)}\n`);
  return result.invalid.length || result.unknownIds.length ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`replay failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
