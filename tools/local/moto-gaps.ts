import type { Interceptor, ProxiedRequest, ProxyResponse } from './proxy';

/**
 * What moto 5.2.1 lacks, served by the fault proxy (tools/local/proxy.ts) so the real handlers run unchanged
 * (reliability scenarios and benchmarks): Session Manager
 * (`DescribeSessions`, `TerminateSession`) from an in-memory store, and `ListServiceSpecificCredentials`
 * answered empty (moto has no such API; without it the SDK would retry moto's error on every snapshot).
 * Faults are drawn before the interceptor runs, so these calls are faulted like any other.
 * Never bundled into a handler.
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

/** Session Manager as AWS behaves: `TerminateSession` succeeds for any id; describe pages by `MaxResults`. */
export class FakeSessionManager {
  readonly sessions = new Map<string, FakeSession>();
  #next = 1;

  /** Opens a session for `owner` (a principal ARN) on `target` (an instance id); returns its id. */
  open(owner: string, target: string): string {
    const id = `${owner.split('/').pop() ?? 'session'}-${String(this.#next++).padStart(6, '0')}`;
    this.sessions.set(id, {
      SessionId: id,
      Target: target,
      Owner: owner,
      Status: 'Connected',
      StartDate: Math.floor(Date.now() / 1000),
    });
    return id;
  }

  /** Sessions still open. */
  active(): FakeSession[] {
    return [...this.sessions.values()].filter((s) => s.Status !== 'Terminated');
  }

  /** Sessions of `owner` that are still connected. */
  activeOf(owner: string): FakeSession[] {
    return [...this.sessions.values()].filter((s) => s.Owner === owner && s.Status === 'Connected');
  }

  #describe(input: {
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
    return json({ Sessions: page, ...(from + size < all.length ? { NextToken: String(from + size) } : {}) });
  }

  readonly intercept: Interceptor = (req: ProxiedRequest) => {
    if (req.service !== 'ssm') return undefined;
    if (req.operation !== 'ssm:DescribeSessions' && req.operation !== 'ssm:TerminateSession')
      return undefined;
    const input = JSON.parse(req.body.toString('utf8') || '{}');
    if (req.operation === 'ssm:DescribeSessions') return this.#describe(input);
    const s = this.sessions.get(input.SessionId);
    if (s) s.Status = 'Terminated';
    return json({ SessionId: input.SessionId });
  };
}

/** `ListServiceSpecificCredentials` as AWS answers for a user with none. */
export const noServiceCredentials: Interceptor = (req) => {
  if (req.operation !== 'iam:ListServiceSpecificCredentials') return undefined;
  return {
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body: '<ListServiceSpecificCredentialsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListServiceSpecificCredentialsResult><ServiceSpecificCredentials/></ListServiceSpecificCredentialsResult><ResponseMetadata><RequestId>local</RequestId></ResponseMetadata></ListServiceSpecificCredentialsResponse>',
  };
};

/** Runs interceptors in order; the first that answers wins, else the request is forwarded. */
export function chain(...interceptors: Interceptor[]): Interceptor {
  return async (req, forward) => {
    for (const i of interceptors) {
      const answer = await i(req, forward);
      if (answer) return answer;
    }
    return undefined;
  };
}
