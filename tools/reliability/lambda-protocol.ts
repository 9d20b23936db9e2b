/** Messages between {@link LambdaFunction} (parent) and `lambda-runtime.ts` (one execution environment). */

export type ParentMessage = {
  readonly type: 'invoke';
  readonly id: number;
  readonly requestId: string;
  /** Epoch milliseconds at which the invocation times out (drives `getRemainingTimeInMillis`). */
  readonly deadline: number;
  readonly event: unknown;
};

export type ChildMessage =
  | { readonly type: 'ready'; readonly initMs: number }
  | { readonly type: 'init-error'; readonly errorType: string; readonly errorMessage: string }
  | { readonly type: 'result'; readonly id: number; readonly ok: true; readonly value: unknown }
  | {
      readonly type: 'result';
      readonly id: number;
      readonly ok: false;
      readonly errorType: string;
      readonly errorMessage: string;
    };
