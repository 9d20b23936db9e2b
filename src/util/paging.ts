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
