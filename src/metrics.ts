import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * The custom metrics the stack's alarms watch (docs/contract.md, "Metrics"), written as CloudWatch Embedded Metric
 * Format log lines by Powertools Metrics: no API call, no IAM grant. Namespace `POWERTOOLS_METRICS_NAMESPACE`
 * (deployed: `offboarding-<stage>`), default dimension `service` (`POWERTOOLS_SERVICE_NAME`). Each metric is
 * written at once (a single metric), so a batch of several runs, or an invocation that fails later, loses none.
 */
export const METRIC_NAMES = {
  /** One per run that ends: dimensions `trigger` and `outcome`, and `outcome` alone (the alarms on any trigger). */
  runs: 'Runs',
  /** One per notification that could not be published (the run's report says so in its notes). */
  publishFailures: 'NotificationPublishFailures',
  /** One per key sweep that completed (the heartbeat: no sweep completed in 26 hours alarms). */
  sweepCompleted: 'SweepCompleted',
} as const;

/** The run outcomes an alarm fires on (any trigger): access may remain. */
export const ALARMED_OUTCOMES = ['partial', 'failed'] as const;

/** The one Metrics instance (namespace and service from the environment). */
export const metrics = new Metrics();

/**
 * Counts a run that ended, by trigger and outcome (the `trigger` and `outcome` of its notification).
 * @example
 * recordRun('lockdown', report.outcome); // Runs +1 {service, trigger: lockdown, outcome} and {service, outcome}
 */
export function recordRun(trigger: string, outcome: string): void {
  const single = metrics.singleMetric();
  // `outcome` in every dimension set (a default of this one metric): {service, outcome, trigger}, and, through an
  // empty set, {service, outcome}. One key in two sets would be written once and warned about on every run.
  single.setDefaultDimensions({ outcome });
  single.addDimension('trigger', trigger);
  single.addDimensions({});
  single.addMetric(METRIC_NAMES.runs, MetricUnit.Count, 1);
}

/** Counts a notification that failed to publish (src/notify `publishOrNote`). */
export function recordPublishFailure(): void {
  metrics.singleMetric().addMetric(METRIC_NAMES.publishFailures, MetricUnit.Count, 1);
}

/** The key sweep's heartbeat: written once a sweep completed (whatever its outcome), never when it threw. */
export function recordSweepCompleted(): void {
  metrics.singleMetric().addMetric(METRIC_NAMES.sweepCompleted, MetricUnit.Count, 1);
}
