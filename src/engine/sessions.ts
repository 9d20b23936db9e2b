import { DescribeSessionsCommand, type Session, type SSMClient } from '@aws-sdk/client-ssm';
import type { SessionOwnerMatch, SsmSessionInfo } from './types';

/** Session states that no longer carry a data channel. */
const ENDED = new Set(['Terminated', 'Terminating', 'Failed']);

export function ownerMatches(owner: string | undefined, match: SessionOwnerMatch): boolean {
  if (!owner) return false;
  return (
    (match.exact ?? []).includes(owner) ||
    (match.prefixes ?? []).some((p) => owner.startsWith(p)) ||
    (match.suffixes ?? []).some((s) => owner.endsWith(s)) ||
    (match.containsAndEndsWith ?? []).some((m) => owner.includes(m.contains) && owner.endsWith(m.suffix))
  );
}

function toInfo(session: Session, region: string): SsmSessionInfo {
  return {
    sessionId: session.SessionId ?? '',
    region,
    owner: session.Owner ?? '',
    target: session.Target,
    status: session.Status,
    startDate: session.StartDate?.toISOString(),
  };
}

async function describeAll(ssm: SSMClient, region: string, owner?: string): Promise<SsmSessionInfo[]> {
  const found: SsmSessionInfo[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ssm.send(
      new DescribeSessionsCommand({
        State: 'Active',
        MaxResults: 200,
        NextToken,
        ...(owner ? { Filters: [{ key: 'Owner', value: owner }] } : {}),
      }),
    );
    for (const s of page.Sessions ?? []) found.push(toInfo(s, region));
    NextToken = page.NextToken;
  } while (NextToken);
  return found;
}

/**
 * Active Session Manager sessions in one region whose owner matches. Exact owners use DescribeSessions'
 * `Owner` filter (one paginated call each); prefixes and suffixes (assumed-role sessions) need the whole
 * active list, filtered here, because the API has no wildcard.
 * SSM: `ssm:DescribeSessions`.
 */
export async function findSessions(
  ssm: SSMClient,
  region: string,
  match: SessionOwnerMatch,
): Promise<SsmSessionInfo[]> {
  const wide =
    (match.prefixes?.length ?? 0) + (match.suffixes?.length ?? 0) + (match.containsAndEndsWith?.length ?? 0) >
    0;
  const lists = wide
    ? [await describeAll(ssm, region)]
    : await Promise.all((match.exact ?? []).map((owner) => describeAll(ssm, region, owner)));
  const byId = new Map<string, SsmSessionInfo>();
  for (const s of lists.flat()) {
    if (ownerMatches(s.owner, match) && !ENDED.has(s.status ?? '')) byId.set(s.sessionId, s);
  }
  return [...byId.values()];
}
