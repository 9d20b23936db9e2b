/**
 * The reliability scenarios of docs/reliability.md in their reduced configuration (tools/reliability/run.ts,
 * REDUCED_CONFIG): the same code `npm run reliability` runs, smaller. One run in `beforeAll`; each test
 * asserts one scenario's figures as read back from moto, so a lost departure, a second run or notification,
 * a crash the retry does not complete, a 5xx or an unsigned message queued, a write from a malformed admin
 * input or to a protected principal fails it.
 */
import { HOSTILE_KINDS } from '../../tools/reliability/hostile';
import { REDUCED_CONFIG, type ReliabilityResults, runReliability } from '../../tools/reliability/run';

let results: ReliabilityResults;

beforeAll(async () => {
  results = await runReliability(REDUCED_CONFIG);
  // About 90-130 s on a 2-core machine (the scenarios one after another); the margin absorbs a busy one.
}, 300_000);

describe('Reliability (reduced): scenario 1, departures under faults', () => {
  // A revocation write with all 5 SDK attempts faulted (0.2^5 per command, some 60 writes here: about 1 run
  // in 50) leaves a user partial; the worker sends such a departure back to the queue, so this still holds.
  // The always-failing key deactivation scenario below makes that case deterministic.
  it('loses no departure: each person is verified revoked on moto, protected-only people are untouched', () => {
    const d = results.departures;
    expect(d.failures).toEqual([]);
    expect(d.lost).toBe(0);
    expect(d.halfDoneSilently).toBe(0);
    expect(d.outcomes['protected-touched']).toBe(0);
    expect(d.outcomes.revoked + d.outcomes.protected + d.outcomes['dlq-notified']).toBe(
      REDUCED_CONFIG.people,
    );
    // The seeding makes person 9 of 10 protected-only: the count proves the protected path ran.
    expect(d.outcomes.protected).toBe(1);
  });

  it('ran under the configured fault rate, with faults of every kind the proxy injects and the SDK retrying them', () => {
    const p = results.departures.proxy;
    const injected = Object.values(p.faults).reduce((a, b) => a + b, 0);
    expect(injected / p.requests).toBeGreaterThan(0.12);
    expect(injected / p.requests).toBeLessThan(0.28);
    for (const kind of ['throttle', 'http500', 'http503', 'reset', 'reset-after-forward'] as const) {
      expect(p.faults[kind]).toBeGreaterThan(0);
    }
    expect(p.retries.retries).toBeGreaterThan(0);
  });
});

describe('Reliability (reduced): the always-failing key deactivation', () => {
  it('injected exactly the SDK attempt limit of 503s into one key deactivation', () => {
    expect(results.writeFailure.injected).toBe(5);
  });

  // A partial run goes back to the queue (src/departures/worker.ts `needsRetry`): the retry deactivates the key.
  it('ends the departure verified revoked or in the DLQ with a failure notification', () => {
    expect(['revoked', 'dlq-notified']).toContain(results.writeFailure.outcome);
  });
});

describe('Reliability (reduced): scenario 2, duplicates', () => {
  it('runs one revocation and sends one notification for every copy of a departure delivered at once', () => {
    const dup = results.duplicates;
    expect(dup.accepted).toBe(REDUCED_CONFIG.duplicates);
    expect(dup.departureIds).toBe(1);
    expect(dup.queued).toBe(REDUCED_CONFIG.duplicates);
    expect(dup.runs).toBe(1);
    expect(dup.denyWrites).toBe(1);
    expect(dup.notifications).toBe(1);
    expect(dup.notificationOutcomes).toEqual(['revoked']);
    expect(dup.verified).toBe(true);
    expect(dup.dlq).toBe(0);
  });
});

describe('Reliability (reduced): scenario 3, crash after the deny', () => {
  it('leaves the deny alone in place when the worker is killed right after it', () => {
    const c = results.crash;
    expect(c.afterCrash.denyAttached).toBe(true);
    expect(c.afterCrash.activeKeys).toBe(2);
    expect(c.afterCrash.loginProfile).toBe(true);
    expect(c.idempotencyAfterCrash).toBe('INPROGRESS');
  });

  it('completes the remaining steps on the redelivery, after the in-progress record expired', () => {
    const c = results.crash;
    expect(c.problems).toEqual([]);
    expect(c.completed).toBe(true);
    expect(c.afterRetry).toMatchObject({
      activeKeys: 0,
      loginProfile: false,
      mfaDevices: 0,
      connectedSessions: 0,
    });
    expect(c.receiveCounts).toEqual([1, 2]);
    expect(c.redeliveredAfterMs).toBeGreaterThan(c.inProgressExpiresAfterMs);
    expect(c.idempotencyAfterRetry).toBe('COMPLETED');
    expect([...c.runs].sort()).toEqual(['finished', 'started']);
    expect(c.notifications).toEqual(['revoked']);
    expect(c.dlq).toBe(0);
  });
});

describe('Reliability (reduced): scenario 4, hostile inputs', () => {
  it('answers every hostile webhook request with the expected status, never 5xx, and queues only signed departures', () => {
    const h = results.hostileWebhook;
    expect(h.requests).toBeGreaterThanOrEqual(100);
    expect(h.mismatches).toEqual([]);
    expect(h.fiveXx).toBe(0);
    expect(h.unsignedQueued).toBe(0);
    expect(h.acceptedNotQueued).toBe(0);
    // Valid controls reach the queue: the property is not vacuous.
    expect(h.queued).toBeGreaterThan(0);
    expect(Object.keys(h.byKind).sort()).toEqual(Object.keys(HOSTILE_KINDS).sort());
  });

  it('rejects every malformed lockdown and restore input with InvalidRequestError before any AWS call', () => {
    const a = results.malformedAdmin;
    expect(a.invocations).toBe(REDUCED_CONFIG.adminInputs);
    expect(a.otherOutcomes).toEqual([]);
    expect(a.invalidRequestErrors).toBe(a.invocations);
    expect(a.awsRequests).toBe(0);
    expect(a.awsWrites).toBe(0);
  });
});

describe('Reliability (reduced): scenario 5, protected principals', () => {
  it('sends no write naming a protected principal in any scenario', () => {
    expect(results.protected.principals).toBeGreaterThan(0);
    expect(results.protected.writes).toBe(0);
    expect(results.protected.unattributedIamWrites).toBe(0);
  });

  it('reports a valid lockdown of each protected principal as protected and writes nothing to it', () => {
    const l = results.protectedLockdowns;
    expect(l.attempts.length).toBeGreaterThan(0);
    expect(l.attempts.filter((a) => a.outcome !== 'protected')).toEqual([]);
    expect(l.protectedWrites).toBe(0);
  });
});
