interface Waiter<I, O> {
  items: readonly I[];
  resolve(results: O[]): void;
  reject(error: unknown): void;
}

/**
 * Collects items submitted by concurrent callers and commits them in groups: whatever arrived in
 * the same turn of the event loop, or while `maxInFlight` commits were under way, goes into the
 * next commit (up to `maxBatch` items, a caller's items never split). An idle group commit adds no
 * wait beyond one turn of the event loop. Each caller's promise settles after the commit holding
 * its items; when a group fails, each caller is committed alone, so only the one at fault fails.
 */
export class GroupCommit<I, O> {
  private readonly waiting: Array<Waiter<I, O>> = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly commit: (items: readonly I[]) => Promise<O[]>,
    private readonly opts: { maxBatch: number; maxInFlight: number },
  ) {}

  submit(items: readonly I[]): Promise<O[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<O[]>((resolve, reject) => {
      this.waiting.push({ items, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    while (this.inFlight < this.opts.maxInFlight && this.waiting.length) {
      const group: Array<Waiter<I, O>> = [this.waiting.shift()!];
      let size = group[0]!.items.length;
      while (this.waiting.length && size + this.waiting[0]!.items.length <= this.opts.maxBatch) {
        const w = this.waiting.shift()!;
        size += w.items.length;
        group.push(w);
      }
      this.inFlight++;
      void this.run(group).finally(() => {
        this.inFlight--;
        this.drain();
      });
    }
  }

  private async run(group: Array<Waiter<I, O>>): Promise<void> {
    let results: O[];
    try {
      results = await this.commit(group.flatMap((w) => w.items));
    } catch (error) {
      if (group.length === 1) return group[0]!.reject(error);
      for (const w of group) await this.commit(w.items).then(w.resolve, w.reject);
      return;
    }
    let at = 0;
    for (const w of group) {
      w.resolve(results.slice(at, at + w.items.length));
      at += w.items.length;
    }
  }
}
