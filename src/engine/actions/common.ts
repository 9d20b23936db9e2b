import { isNoSuchEntity } from '../../errors';
import type { ActionOutcome } from './action';

/** Runs an IAM write; a `NoSuchEntity` means the thing is gone already, which is the goal of a revocation. */
export async function writeOrAlready(
  write: () => Promise<unknown>,
  goneDetail: string,
): Promise<ActionOutcome> {
  try {
    await write();
    return { outcome: 'done' };
  } catch (err) {
    if (isNoSuchEntity(err)) return { outcome: 'already', detail: goneDetail };
    throw err;
  }
}
