'use strict';
/**
 * A local Serverless plugin (serverless.yml `plugins: ./infra/alarms.cjs`): the alarms every function and every
 * queue must have, generated from the template itself so that a function or a queue added later gets them too,
 * all on the alarm topic (resources.AlarmTopic). What each alarm means and what to do: docs/deploy.md, "Alarms".
 *
 * - per function: `Errors` > 0 (a failed invocation) and `Throttles` > 0 (an invocation refused: reserved
 *   concurrency or the account's limit), in 5 minutes;
 * - per queue with a RedrivePolicy (a work queue): the oldest message older than two visibility timeouts (a
 *   message failed at least twice, or a backlog the worker does not drain), for 15 minutes;
 * - per dead-letter queue (a RedrivePolicy's target): any message in it.
 *
 * It runs after the custom resources are merged into the compiled template (before it is saved), adds only
 * resources whose logical id is free (a clash fails the packaging), and never bundles into a handler.
 * Tested by test/unit/infra/hardening.test.ts on the packaged template.
 */

const PERIOD = 300;

function alarm({
  name,
  description,
  namespace,
  metric,
  dimensions,
  statistic,
  threshold,
  periods = 1,
  topic,
}) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: name,
      AlarmDescription: description,
      Namespace: namespace,
      MetricName: metric,
      Dimensions: dimensions,
      Statistic: statistic,
      Period: PERIOD,
      EvaluationPeriods: periods,
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topic }],
      OKActions: [{ Ref: topic }],
    },
  };
}

/** The alarms of every function and queue of `template`, keyed by logical id. */
function operationsAlarms({ template, functions, naming, prefix, topic }) {
  const alarms = {};
  for (const fn of functions) {
    const id = naming.getNormalizedFunctionName(fn);
    const dimensions = [{ Name: 'FunctionName', Value: { Ref: naming.getLambdaLogicalId(fn) } }];
    const common = { namespace: 'AWS/Lambda', dimensions, statistic: 'Sum', threshold: 0, topic };
    alarms[`${id}ErrorsAlarm`] = alarm({
      ...common,
      name: `${prefix}-${fn}-errors`,
      description: `The ${fn} function failed an invocation (docs/deploy.md, Alarms).`,
      metric: 'Errors',
    });
    alarms[`${id}ThrottlesAlarm`] = alarm({
      ...common,
      name: `${prefix}-${fn}-throttles`,
      description: `The ${fn} function was throttled: an invocation was refused (docs/deploy.md, Alarms).`,
      metric: 'Throttles',
    });
  }
  const queues = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::SQS::Queue');
  const dlqIds = new Set(
    queues.flatMap(([, r]) => {
      const target = r.Properties?.RedrivePolicy?.deadLetterTargetArn?.['Fn::GetAtt'];
      return Array.isArray(target) ? [target[0]] : [];
    }),
  );
  for (const [id, queue] of queues) {
    const name = queue.Properties?.QueueName;
    if (typeof name !== 'string') throw new Error(`alarms: queue ${id} needs a literal QueueName`);
    const dimensions = [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id, 'QueueName'] } }];
    if (dlqIds.has(id)) {
      alarms[`${id}DepthAlarm`] = alarm({
        name: `${name}-not-empty`,
        description: `Messages failed every retry and wait in ${name} (docs/deploy.md, Alarms).`,
        namespace: 'AWS/SQS',
        metric: 'ApproximateNumberOfMessagesVisible',
        dimensions,
        statistic: 'Maximum',
        threshold: 0,
        topic,
      });
    }
    if (queue.Properties?.RedrivePolicy) {
      const visibility = Number(queue.Properties.VisibilityTimeout ?? 30);
      alarms[`${id}AgeAlarm`] = alarm({
        name: `${name}-oldest-message-age`,
        description: `A message has waited in ${name} longer than two visibility timeouts (docs/deploy.md, Alarms).`,
        namespace: 'AWS/SQS',
        metric: 'ApproximateAgeOfOldestMessage',
        dimensions,
        statistic: 'Maximum',
        threshold: 2 * visibility,
        periods: 3,
        topic,
      });
    }
  }
  return alarms;
}

class OperationsAlarmsPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.addAlarms(),
    };
  }

  addAlarms() {
    const { service } = this.serverless;
    const template = service.provider.compiledCloudFormationTemplate;
    const provider = this.serverless.getProvider('aws');
    const topic = 'AlarmTopic';
    if (template.Resources[topic]?.Type !== 'AWS::SNS::Topic') {
      throw new Error(`alarms: resources.${topic} (the alarm topic) is missing`);
    }
    const alarms = operationsAlarms({
      template,
      functions: service.getAllFunctions(),
      naming: provider.naming,
      prefix: `${service.service}-${provider.getStage()}`,
      topic,
    });
    for (const [id, resource] of Object.entries(alarms)) {
      if (template.Resources[id]) throw new Error(`alarms: resource ${id} already exists`);
      template.Resources[id] = resource;
    }
  }
}

module.exports = OperationsAlarmsPlugin;
module.exports.operationsAlarms = operationsAlarms;
