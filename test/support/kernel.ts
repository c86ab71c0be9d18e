import { spawnSync } from 'node:child_process';

/**
 * Whether this host's kernel can create a link of `kind` (`team`, `bond`): probed by creating one in a
 * throwaway network namespace, as the sandbox test does. The integration tests that expect an activation to
 * fail assume a kernel without the driver (this project's build hosts); where the driver exists they are
 * skipped with that reason in their title, never passed without asserting (activation is proven in test:vm).
 */
export function kernelHasDriver(kind: 'team' | 'bond'): boolean {
  const r = spawnSync('unshare', ['--net', 'ip', 'link', 'add', 'probe0', 'type', kind], {
    stdio: 'ignore',
    timeout: 30_000,
  });
  return r.status === 0;
}

/**
 * `it` for a test whose assertions need activation of a `kind` link to fail; on a kernel with that driver,
 * `it.skip` with the reason appended to the title (jest reports it as skipped, not passed).
 *
 * @example
 *   itWithoutDriver('team')('reports NetworkManager's reason when activation fails', async () => { ... })
 */
export function itWithoutDriver(kind: 'team' | 'bond'): jest.It {
  if (!kernelHasDriver(kind)) return it;
  const skip = ((name: string, fn?: jest.ProvidesCallback, timeout?: number) =>
    it.skip(
      `${name} [skipped: this kernel has the ${kind} driver, so the activation this test needs to fail can succeed; npm run test:vm covers activation]`,
      fn,
      timeout,
    )) as jest.It;
  return Object.assign(skip, {
    skip: it.skip,
    only: it.only,
    todo: it.todo,
    each: it.each,
    failing: it.failing,
    concurrent: it.concurrent,
  });
}
