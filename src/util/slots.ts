/**
 * At most `size` holders at once; the others wait in order (FIFO), and a
 * released slot is handed straight to the next waiter, so work goes out in
 * the order it asked. Bounds NmBus's calls in flight and the executor's
 * profile writes.
 *
 * @example
 *   const slots = new Slots(32)
 *   await slots.acquire()
 *   try { await write() } finally { slots.release() }
 */
export class Slots {
  private readonly waiting: (() => void)[] = [];
  constructor(private free: number) {}

  async acquire(): Promise<void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve)); // the slot is handed over
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}
