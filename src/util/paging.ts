import { QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';

/**
 * Every item of a paginated listing: the SDK's `paginate*` iterators (or any async iterable of pages), each
 * page's items picked out and concatenated. The one paging loop of the project.
 * @example
 * const keys = await collectPages(paginateListAccessKeys({ client: iam }, { UserName }), (p) => p.AccessKeyMetadata);
 */
export async function collectPages<P, T>(
  pages: AsyncIterable<P>,
  pick: (page: P) => readonly T[] | undefined,
): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...(pick(page) ?? []));
  return out;
}

/** A DynamoDB document client and the table it reads. */
export interface TableRef {
  readonly ddb: { send(command: QueryCommand): Promise<QueryCommandOutput> };
  readonly table: string;
}

/**
 * Every item of one partition of a table, page by page (a Query per 1 MB), oldest sort key first unless
 * `newestFirst`. The one partition reader of the project: the state records, the revoked-users index and
 * the kept dry-run departures are read through it. `consistent`: a strongly consistent read (sees every
 * write that finished before it; twice the read cost), for a decision taken right after a write.
 * DynamoDB: `dynamodb:Query`.
 */
export async function* queryPartition(
  store: TableRef,
  pk: string,
  newestFirst = false,
  consistent = false,
): AsyncGenerator<Record<string, unknown>> {
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await store.ddb.send(
      new QueryCommand({
        TableName: store.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ScanIndexForward: !newestFirst,
        ...(consistent ? { ConsistentRead: true } : {}),
        ExclusiveStartKey,
      }),
    );
    yield* page.Items ?? [];
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
}
