import type { Interceptor, ProxiedRequest, ProxyResponse } from '../tools/local/proxy';

/**
 * IAM list pagination as AWS does it, for the benchmarks: moto 5.2.1 answers `ListUsers` and
 * `GetAccountAuthorizationDetails` with every user in one response whatever `MaxItems` says, which would
 * make any call count at scale meaningless. This proxy interceptor fetches moto's full list once per
 * listing and serves it in pages: `MaxItems` (default 100, at most `maxPageSize`, 1000 in AWS), `Marker`,
 * `IsTruncated`. AWS documents that IAM may return fewer items than `MaxItems`; here every page is full
 * (the best case for the caller). Only the user list is paged (`GetAccountAuthorizationDetails` with
 * `Filter=User`); other requests pass through.
 */
export interface AwsPagingOptions {
  /** Largest page served (AWS: 1000). A smaller value forces paging with few users (tests). */
  readonly maxPageSize?: number;
  /** Page size when the request names no `MaxItems` (AWS: 100). */
  readonly defaultPageSize?: number;
}

/** Operation -> the XML element holding the paged list. */
const PAGED: Readonly<Record<string, string>> = {
  'iam:ListUsers': 'Users',
  'iam:GetAccountAuthorizationDetails': 'UserDetailList',
};

interface Listing {
  readonly head: string;
  readonly members: string[];
  readonly tail: string;
}

/** Splits `<List><member>...</member>...</List>` into its top-level members (members nest). */
export function splitList(xml: string, element: string): Listing | undefined {
  const open = `<${element}>`;
  const start = xml.indexOf(open);
  if (start < 0) return undefined;
  const bodyStart = start + open.length;
  const end = xml.indexOf(`</${element}>`, bodyStart);
  if (end < 0) return undefined;
  const members: string[] = [];
  const token = /<(\/?)member>/g;
  token.lastIndex = bodyStart;
  let depth = 0;
  let memberStart = 0;
  for (let m = token.exec(xml); m && m.index < end; m = token.exec(xml)) {
    if (m[1] === '') {
      if (depth === 0) memberStart = m.index;
      depth++;
    } else {
      depth--;
      if (depth === 0) members.push(xml.slice(memberStart, m.index + m[0].length));
    }
  }
  return { head: xml.slice(0, bodyStart), members, tail: xml.slice(end) };
}

/**
 * The interceptor. Markers are `bench-page:<listing>:<offset>`; a listing is dropped once its last page
 * is served.
 * @example
 * const proxy = await startFaultProxy({ upstream: moto.endpoint, intercept: awsPaging() });
 */
export function awsPaging(options: AwsPagingOptions = {}): Interceptor {
  const maxPage = options.maxPageSize ?? 1000;
  const defaultPage = options.defaultPageSize ?? 100;
  const listings = new Map<string, Listing>();
  let nextId = 1;

  return async (req: ProxiedRequest, forward): Promise<ProxyResponse | undefined> => {
    const element = PAGED[req.operation];
    if (!element) return undefined;
    const params = new URLSearchParams(req.body.toString('utf8'));
    if (req.operation === 'iam:GetAccountAuthorizationDetails') {
      const filters = [...params.entries()].filter(([k]) => k.startsWith('Filter.member.')).map(([, v]) => v);
      if (filters.length !== 1 || filters[0] !== 'User') return undefined;
    }
    const requested = Number(params.get('MaxItems') ?? defaultPage);
    const size = Math.min(Math.max(Number.isFinite(requested) ? requested : defaultPage, 1), maxPage);
    const marker = /^bench-page:(\d+):(\d+)$/.exec(params.get('Marker') ?? '');

    let id: string;
    let offset: number;
    let listing: Listing | undefined;
    if (marker) {
      id = marker[1] as string;
      offset = Number(marker[2]);
      listing = listings.get(id);
      if (!listing) {
        return {
          status: 400,
          headers: { 'content-type': 'text/xml' },
          body: '<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Invalid Marker</Message></Error><RequestId>bench</RequestId></ErrorResponse>',
        };
      }
    } else {
      const full = await forward();
      if (full.status !== 200) return full;
      listing = splitList(full.body.toString(), element);
      if (!listing) return full;
      id = String(nextId++);
      offset = 0;
      listings.set(id, listing);
      // A listing abandoned by its caller must not be kept for ever.
      if (listings.size > 16) listings.delete(listings.keys().next().value as string);
    }
    const page = listing.members.slice(offset, offset + size);
    const more = offset + size < listing.members.length;
    if (!more) listings.delete(id);
    const tail = listing.tail.replace(
      '<IsTruncated>false</IsTruncated>',
      more
        ? `<IsTruncated>true</IsTruncated><Marker>bench-page:${id}:${offset + size}</Marker>`
        : '<IsTruncated>false</IsTruncated>',
    );
    return {
      status: 200,
      headers: { 'content-type': 'text/xml' },
      body: listing.head + page.join('') + tail,
    };
  };
}
