import type { Interceptor, ProxiedRequest, ProxyResponse } from '../src/local/proxy';

/**
 * A fake Session Manager for the benchmarks, served by the proxy in front of moto (moto implements neither
 * DescribeSessions nor TerminateSession). The real SDK SSM client talks to it through the proxy, so each
 * call costs the proxy's added latency like any AWS call and appears in the same timeline. It keeps
 * sessions in memory: `DescribeSessions` (State `Active`|`History`, `Owner` filter, pages of `MaxResults`)
 * and `TerminateSession` (the session moves to `Terminated`; any id succeeds, as in AWS).
 */
export interface FakeSession {
  readonly SessionId: string;
  readonly Target: string;
  readonly Owner: string;
  Status: 'Connected' | 'Terminated';
  readonly StartDate: number;
}

const json = (body: unknown): ProxyResponse => ({
  status: 200,
  headers: { 'content-type': 'application/x-amz-json-1.1' },
  body: JSON.stringify(body),
});

export class FakeSessionManager {
  readonly sessions = new Map<string, FakeSession>();
  private next = 1;

  /** Opens a session for `owner` (a principal ARN) on `target` (an instance id). */
  open(owner: string, target: string): string {
    const id = `${owner.split('/').pop() ?? 'session'}-${String(this.next++).padStart(6, '0')}`;
    this.sessions.set(id, {
      SessionId: id,
      Target: target,
      Owner: owner,
      Status: 'Connected',
      StartDate: Math.floor(Date.now() / 1000),
    });
    return id;
  }

  /** Sessions still open, for assertions. */
  active(): FakeSession[] {
    return [...this.sessions.values()].filter((s) => s.Status !== 'Terminated');
  }

  private describe(input: {
    State?: string;
    MaxResults?: number;
    NextToken?: string;
    Filters?: { key: string; value: string }[];
  }): ProxyResponse {
    const owner = input.Filters?.find((f) => f.key === 'Owner')?.value;
    const all = [...this.sessions.values()].filter(
      (s) =>
        (input.State === 'History' ? s.Status === 'Terminated' : s.Status !== 'Terminated') &&
        (owner === undefined || s.Owner === owner),
    );
    const from = input.NextToken ? Number(input.NextToken) : 0;
    const size = Math.min(Math.max(input.MaxResults ?? 20, 1), 200);
    const page = all.slice(from, from + size);
    return json({
      Sessions: page,
      ...(from + size < all.length ? { NextToken: String(from + size) } : {}),
    });
  }

  /** The proxy interceptor that serves `ssm:DescribeSessions` and `ssm:TerminateSession`. */
  readonly intercept: Interceptor = (req: ProxiedRequest) => {
    if (req.service !== 'ssm') return undefined;
    const input = JSON.parse(req.body.toString('utf8') || '{}');
    if (req.operation === 'ssm:DescribeSessions') return this.describe(input);
    if (req.operation === 'ssm:TerminateSession') {
      const s = this.sessions.get(input.SessionId);
      if (s) s.Status = 'Terminated';
      return json({ SessionId: input.SessionId });
    }
    return undefined;
  };
}
