/** The CloudTrail follow-up after a revocation: its schedules (the revoking functions) and its run (followUp). */
export { classify, outcomeOf } from './classify';
export { rateLimiter } from './limiter';
export { LOOKUP_PERMISSIONS, lookupEvents } from './lookup';
export {
  FOLLOW_UP_STATE_PERMISSIONS,
  type FollowUpDeps,
  followUp,
  KEY_LAST_USED_PERMISSIONS,
  LOOKUPS_PER_SECOND,
} from './run';
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
