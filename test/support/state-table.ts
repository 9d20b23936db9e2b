import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Mocks } from './iam-mock';

/**
 * A fake state table on the mocked DynamoDB document client: keeps the items the engine puts, applies its
 * record completion (UpdateItem: SET status, outcome, results), and answers a partition's Query newest first,
 * like the table. Returns the items, for tests to read or edit (a forged record).
 */
export function answerStateTable(m: Pick<Mocks, 'ddb'>): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [];
  m.ddb.on(PutCommand).callsFake(async (input: { Item: Record<string, unknown> }) => {
    items.push(input.Item);
    return {};
  });
  m.ddb
    .on(UpdateCommand)
    .callsFake(
      async (input: {
        Key: { pk: string; sk: string };
        ExpressionAttributeValues: Record<string, unknown>;
      }) => {
        const item = items.find((i) => i.pk === input.Key.pk && i.sk === input.Key.sk);
        const v = input.ExpressionAttributeValues;
        if (item)
          Object.assign(item, { status: v[':finished'], outcome: v[':outcome'], results: v[':results'] });
        return {};
      },
    );
  m.ddb.on(QueryCommand).callsFake(async (input: { ExpressionAttributeValues: Record<string, string> }) => ({
    Items: items
      .filter((i) => i.pk === input.ExpressionAttributeValues[':pk'])
      .sort((a, b) => String(b.sk).localeCompare(String(a.sk))),
  }));
  return items;
}
