import type { Interceptor, ProxiedRequest, ProxyResponse } from '../../tools/local/proxy';

/**
 * DynamoDB's eventually consistent reads, which moto (always strongly consistent) cannot produce, as an
 * interceptor for the fault proxy (tools/local/proxy.ts).
 *
 * DynamoDB documents that a read without `ConsistentRead: true` "might not reflect the results of a recently
 * completed write operation". This stand-in gives the worst answer that rule allows, deterministically: a Query
 * of a watched partition that does not ask for a consistent read is answered without the item last written
 * there (PutItem or UpdateItem seen through the proxy), as if that write had not reached the replica read yet.
 * A `ConsistentRead: true` Query, and every other request, is forwarded unchanged.
 * @example
 * const stale = staleReadsOf((pk) => pk.startsWith('coverage#'));
 * proxy.configure({ intercept: chain(stale.intercept, ...) });
 * stale.hidden; // how many items stale answers left out
 */
export function staleReadsOf(watched: (pk: string) => boolean): {
  readonly intercept: Interceptor;
  /** Items left out of stale answers so far. */
  readonly hidden: number;
  /** Queries of watched partitions seen, with whether each asked for a consistent read. */
  readonly queries: readonly { readonly pk: string; readonly consistent: boolean }[];
} {
  const lastWritten = new Map<string, string>();
  const queries: { pk: string; consistent: boolean }[] = [];
  let hidden = 0;

  const body = (req: ProxiedRequest) => JSON.parse(req.body.toString('utf8') || '{}');
  const s = (v: unknown): string | undefined => (v as { S?: string } | undefined)?.S;

  const intercept: Interceptor = async (req, forward) => {
    if (req.service !== 'dynamodb') return undefined;
    if (req.operation === 'dynamodb:PutItem' || req.operation === 'dynamodb:UpdateItem') {
      const input = body(req);
      const key = req.operation === 'dynamodb:PutItem' ? input.Item : input.Key;
      const pk = s(key?.pk);
      const sk = s(key?.sk);
      const answer = await forward();
      if (pk && sk && watched(pk) && answer.status === 200) lastWritten.set(pk, sk);
      return answer;
    }
    if (req.operation !== 'dynamodb:Query') return undefined;
    const input = body(req);
    const pk = s(input.ExpressionAttributeValues?.[':pk']);
    if (!pk || !watched(pk)) return undefined;
    const consistent = input.ConsistentRead === true;
    queries.push({ pk, consistent });
    const answer = await forward();
    const sk = lastWritten.get(pk);
    if (consistent || !sk || answer.status !== 200) return answer;
    const out = JSON.parse(answer.body.toString()) as { Items?: { sk?: unknown }[]; Count?: number };
    const items = out.Items ?? [];
    const kept = items.filter((i) => s(i.sk) !== sk);
    hidden += items.length - kept.length;
    // The SDK checks x-amz-crc32 when present: the body changes, so the header goes.
    const { 'x-amz-crc32': _crc, ...headers } = answer.headers;
    return {
      status: 200,
      headers,
      body: JSON.stringify({ ...out, Items: kept, Count: kept.length }),
    } satisfies ProxyResponse;
  };

  return {
    intercept,
    get hidden() {
      return hidden;
    },
    queries,
  };
}
