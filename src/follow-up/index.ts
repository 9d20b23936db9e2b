/**
 * The CloudTrail follow-up after a revocation, as the revoking functions use it: scheduling a run's follow-ups.
 * The follow-up function's own entry is ./run.ts (handlers/follow-up.ts): kept out of this index so the revoking
 * functions' bundles carry no CloudTrail client, and the follow-up's no Scheduler one.
 */
export { classify, outcomeOf } from './classify';
export {
  FOLLOW_UP_SCHEDULE_PERMISSIONS,
  FOLLOW_UP_SCHEDULE_PREFIX,
  FOLLOW_UP_TARGET_PERMISSIONS,
  followUpSchedule,
  followUpsConfigured,
  scheduleFollowUps,
} from './schedule';
export { changedSomething, followUpRegions, lookupsOf } from './targets';
export * from './types';
