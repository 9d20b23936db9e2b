import { CreateAccessKeyCommand, CreateUserCommand, type IAMClient, type Tag } from '@aws-sdk/client-iam';
import { mapLimit } from '../src/util/concurrency';
import { seededRandom } from '../tools/local/proxy';

/**
 * Seeds IAM users for the sweep benchmark over the IAM API (bounded parallel CreateUser with tags, then
 * CreateAccessKey; or inside the benchmark moto server, in any account: {@link seedBatchInAccount}), then sets key dates through the benchmark moto server's `/bench/backdate` route (the
 * API cannot backdate a key). Half the users have one key, half two. In every batch, a fixed set of users
 * has a key the sweep must find, the rest have young, recently used keys:
 * 10 expired (100-400 days old), 5 idle (unused for 50 days), 5 never used (50 days old), 5 due (80 days
 * old: a warning), 2 protected and 2 exempt users with expired keys (never acted on).
 */

export type SeedRole = 'expired' | 'idle' | 'never-used' | 'due' | 'protected' | 'exempt' | 'ok';

export const ROLES_PER_BATCH: readonly (readonly [SeedRole, number])[] = [
  ['expired', 10],
  ['idle', 5],
  ['never-used', 5],
  ['due', 5],
  ['protected', 2],
  ['exempt', 2],
];

/** Keys the sweep deactivates per batch (expired, idle, never used). */
export const ACTIONABLE_PER_BATCH = 20;
/** Keys the sweep warns about per batch (due). */
export const DUE_PER_BATCH = 5;

export interface SeedBatch {
  readonly users: number;
  readonly keys: number;
  /** Wall time of the IAM calls (CreateUser, CreateAccessKey). */
  readonly apiMs: number;
  readonly apiCalls: number;
  /** Wall time of the backdating request. */
  readonly backdateMs: number;
}

export const userName = (i: number) => `u${String(i).padStart(6, '0')}`;
export const emailOf = (i: number) => `${userName(i)}@example.com`;

interface KeyDates {
  readonly createdDaysAgo: number;
  readonly lastUsedDaysAgo: number | null;
}

function datesFor(role: SeedRole, random: () => number): KeyDates {
  switch (role) {
    case 'expired':
      return { createdDaysAgo: 100 + Math.floor(random() * 300), lastUsedDaysAgo: 1 };
    case 'idle':
      return { createdDaysAgo: 60, lastUsedDaysAgo: 50 };
    case 'never-used':
      return { createdDaysAgo: 50, lastUsedDaysAgo: null };
    case 'due':
      return { createdDaysAgo: 80, lastUsedDaysAgo: 1 };
    case 'protected':
    case 'exempt':
      return { createdDaysAgo: 200, lastUsedDaysAgo: 1 };
    case 'ok': {
      const created = 1 + Math.floor(random() * 70);
      const lastUsedDaysAgo = Math.floor(random() * Math.min(created, 30));
      // At some second of that day, as real keys are: two keys of a user backdated by the same whole number of
      // days from one instant would share their creation second, which no two real keys of a user do.
      return { createdDaysAgo: created + Math.floor(random() * 43_200) / 86_400, lastUsedDaysAgo };
    }
  }
}

/** Roles of the users `from`..`to - 1`, chosen by a PRNG seeded with `from`. */
export function assignRoles(from: number, to: number): Map<number, SeedRole> {
  const random = seededRandom(from + 1);
  const roles = new Map<number, SeedRole>();
  const size = to - from;
  for (const [role, count] of ROLES_PER_BATCH) {
    for (let placed = 0; placed < count && roles.size < size; ) {
      const i = from + Math.floor(random() * size);
      if (!roles.has(i)) {
        roles.set(i, role);
        placed++;
      }
    }
  }
  return roles;
}

function tagsFor(i: number, role: SeedRole, now: Date): Tag[] {
  const tags: Tag[] = [
    { Key: 'employee-id', Value: `E${String(i).padStart(6, '0')}` },
    { Key: 'email', Value: emailOf(i) },
  ];
  if (role === 'protected') tags.push({ Key: 'offboarding:protected', Value: 'true' });
  if (role === 'exempt') {
    const until = new Date(now.getTime() + 30 * 86_400_000).toISOString().slice(0, 10);
    tags.push(
      { Key: 'offboarding:exempt-until', Value: until },
      { Key: 'offboarding:exempt-reason', Value: 'benchmark: vendor integration' },
    );
  }
  return tags;
}

/**
 * Creates users `from`..`to - 1` with their keys (at most `concurrency` users in flight), then backdates
 * every new key through `${motoEndpoint}/bench/backdate`.
 */
export async function seedBatch(
  iam: IAMClient,
  motoEndpoint: string,
  from: number,
  to: number,
  options: { concurrency?: number; now?: Date } = {},
): Promise<SeedBatch> {
  const now = options.now ?? new Date();
  const roles = assignRoles(from, to);
  const random = seededRandom(to);
  const indices = Array.from({ length: to - from }, (_, k) => from + k);
  const t0 = performance.now();
  let apiCalls = 0;
  const created = await mapLimit(indices, options.concurrency ?? 16, async (i) => {
    const role = roles.get(i) ?? 'ok';
    await iam.send(new CreateUserCommand({ UserName: userName(i), Tags: tagsFor(i, role, now) }));
    apiCalls++;
    const ids: string[] = [];
    for (let k = 0; k < (i % 2 === 0 ? 2 : 1); k++) {
      const key = await iam.send(new CreateAccessKeyCommand({ UserName: userName(i) }));
      apiCalls++;
      ids.push(key.AccessKey?.AccessKeyId ?? '');
    }
    return { role, ids };
  });
  const apiMs = performance.now() - t0;

  const spec: Record<string, KeyDates> = {};
  for (const { role, ids } of created) {
    ids.forEach((id, k) => {
      // The role's key is the first; a second key is a young, used one.
      spec[id] = datesFor(k === 0 ? role : 'ok', random);
    });
  }
  const t1 = performance.now();
  await benchRoute(motoEndpoint, 'backdate', spec);
  const backdateMs = performance.now() - t1;
  return { users: to - from, keys: Object.keys(spec).length, apiMs, apiCalls, backdateMs };
}

/** POSTs to a route of the benchmark moto server (bench/moto_server.py), in `accountId`'s IAM backend. */
async function benchRoute(
  motoEndpoint: string,
  route: 'backdate' | 'seed-users',
  body: unknown,
  accountId?: string,
): Promise<unknown> {
  const query = accountId ? `?account=${accountId}` : '';
  const res = await fetch(`${motoEndpoint}/bench/${route}${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${route} failed: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/**
 * The same users, keys, tags and key dates as {@link seedBatch}, in moto account `accountId`, created inside
 * the benchmark moto server (`/bench/seed-users`: the backend calls CreateUser and CreateAccessKey make) in
 * one request instead of 2.5 IAM calls a user: the organization benchmark seeds 20 accounts x 1000 users.
 * `apiCalls` is 0 (no IAM API call); `apiMs` is that request's time.
 */
export async function seedBatchInAccount(
  motoEndpoint: string,
  accountId: string,
  from: number,
  to: number,
  options: { now?: Date } = {},
): Promise<SeedBatch> {
  const now = options.now ?? new Date();
  const roles = assignRoles(from, to);
  const random = seededRandom(to);
  const users = Array.from({ length: to - from }, (_, k) => {
    const i = from + k;
    const role = roles.get(i) ?? 'ok';
    return { i, role, name: userName(i), tags: tagsFor(i, role, now), keys: i % 2 === 0 ? 2 : 1 };
  });
  const t0 = performance.now();
  const created = (await benchRoute(
    motoEndpoint,
    'seed-users',
    users.map(({ name, tags, keys }) => ({ name, tags, keys })),
    accountId,
  )) as { keys: Record<string, string[]> };
  const apiMs = performance.now() - t0;
  const spec: Record<string, KeyDates> = {};
  for (const u of users) {
    (created.keys[u.name] ?? []).forEach((id, k) => {
      spec[id] = datesFor(k === 0 ? u.role : 'ok', random);
    });
  }
  const t1 = performance.now();
  await benchRoute(motoEndpoint, 'backdate', spec, accountId);
  const backdateMs = performance.now() - t1;
  return { users: to - from, keys: Object.keys(spec).length, apiMs, apiCalls: 0, backdateMs };
}
