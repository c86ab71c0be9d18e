import { ActivationBoard, type ActivationProgress } from '../reconcile/progress';
import type { Plan } from '../reconcile/plan';
import type { Io } from '../transaction/common';

/** The status line is redrawn at most this often; the last state is always drawn. */
const REDRAW_MS = 100;

/**
 * applyPlan's onProgress for a run on a terminal: teams and ports up so far and what each activation waits on,
 * one status line on stderr rewritten in place (Io.progress). Nothing when stderr is not a terminal (no
 * Io.progress), with `-o json`, or when the plan activates nothing: then `onProgress` is absent.
 * `end()` erases the line; call it before printing the result.
 */
export function activationProgress(
  plan: Plan,
  io: Pick<Io, 'progress' | 'columns'>,
  json: boolean,
): { onProgress?: (e: ActivationProgress) => void; end(): void } {
  const show = io.progress;
  const board = new ActivationBoard(plan);
  if (!show || json || board.size === 0) return { end: () => undefined };
  let last = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = (): void => {
    timer = undefined;
    last = Date.now();
    show(board.line(io.columns?.() ?? 80));
  };
  return {
    onProgress: (e) => {
      board.update(e);
      if (timer) return;
      const wait = last + REDRAW_MS - Date.now();
      if (wait <= 0) draw();
      else timer = setTimeout(draw, wait).unref();
    },
    end: () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (last > 0) show(undefined);
    },
  };
}

/**
 * activationProgress for a run through reconcile(), which plans under the lock: the status line is set up
 * when the plan is known (`start`, from onPlan), and `onProgress` goes in the executor's options beforehand.
 */
export function progressForRun(
  io: Pick<Io, 'progress' | 'columns'>,
  json: boolean,
): { start(plan: Plan): void; onProgress(e: ActivationProgress): void; end(): void } {
  let run: ReturnType<typeof activationProgress> | undefined;
  return {
    start: (plan) => {
      run = activationProgress(plan, io, json);
    },
    onProgress: (e) => run?.onProgress?.(e),
    end: () => run?.end(),
  };
}
