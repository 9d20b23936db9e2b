import type { Tag } from '@aws-sdk/client-iam';
import { TagRoleCommand, TagUserCommand } from '@aws-sdk/client-iam';
import type { Action, ActionContext } from './action';

function tag(ctx: ActionContext, tags: Readonly<Record<string, string>>): Promise<unknown> {
  const Tags: Tag[] = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  return ctx.principal.kind === 'user'
    ? ctx.clients.iam.send(new TagUserCommand({ UserName: ctx.principal.name, Tags }))
    : ctx.clients.iam.send(new TagRoleCommand({ RoleName: ctx.principal.name, Tags }));
}

/**
 * Marks the principal (`offboarding:state`, `offboarding:run`, `offboarding:at`, `offboarding:trigger`): the
 * sweep re-checks principals marked revoked; restore marks them `restored`.
 * IAM: `iam:TagUser`, `iam:TagRole`.
 */
export const tagPrincipal: Action<'tag-principal'> = {
  type: 'tag-principal',
  description: 'tag the principal with the revocation state',
  permissions: ['iam:TagUser', 'iam:TagRole'],
  subject: (step) => `offboarding:state=${step.tags['offboarding:state'] ?? '?'}`,
  async execute(step, ctx) {
    await tag(ctx, step.tags);
    return { outcome: 'done' };
  },
  undo: {
    permissions: ['iam:TagUser', 'iam:TagRole'],
    async execute(_step, ctx) {
      await tag(ctx, {
        'offboarding:state': 'restored',
        'offboarding:run': ctx.runId,
        'offboarding:at': ctx.now.toISOString(),
      });
      return { outcome: 'done', detail: 'offboarding:state=restored' };
    },
  },
};
