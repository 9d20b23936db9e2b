import { rateLimiter } from '../../../src/follow-up/limiter';

/** A clock that only moves when the limiter sleeps: what each call waited is what it slept. */
function fakeTime() {
  let t = 1_000_000;
  const slept: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      slept.push(ms);
      t += ms;
    },
    slept,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe('Function: rateLimiter', () => {
  it('spaces the calls of one key 500 ms apart at 2 per second, the first at once', async () => {
    const time = fakeTime();
    const limit = rateLimiter(2, time.sleep, time.now);
    for (let i = 0; i < 4; i++) await limit('111111111111|us-east-1');
    expect(time.slept).toEqual([500, 500, 500]);
  });

  it('reserves a slot per caller when calls are made at once (the fourth waits 1.5 s)', async () => {
    const waits: number[] = [];
    const t0 = 5_000;
    const limit = rateLimiter(
      2,
      async (ms) => void waits.push(ms),
      () => t0,
    );
    await Promise.all([1, 2, 3, 4].map(() => limit('k')));
    expect(waits).toEqual([500, 1000, 1500]);
  });

  it('keeps keys apart: another account or region does not wait for this one', async () => {
    const time = fakeTime();
    const limit = rateLimiter(2, time.sleep, time.now);
    await limit('111111111111|us-east-1');
    await limit('111111111111|eu-west-1');
    await limit('222222222222|us-east-1');
    expect(time.slept).toEqual([]);
  });

  it('does not wait when the interval has already passed', async () => {
    const time = fakeTime();
    const limit = rateLimiter(2, time.sleep, time.now);
    await limit('k');
    time.advance(700);
    await limit('k');
    expect(time.slept).toEqual([]);
  });
});
