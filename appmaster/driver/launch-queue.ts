/**
 * Pending tasks of one task set, indexed for locality: by preferred host, "no preference", and
 * all. A task may sit in several lists; a list entry whose task is no longer pending is stale and
 * skipped (lazy deletion: taking a task makes every other entry for it stale at no cost).
 */

/** Whether a task index is no longer pending (stale entry). */
type Stale = (index: number) => boolean;
/** Whether a pending task should not go to the executor being offered. */
type Avoid = (index: number) => boolean;

class IndexList {
  private items: number[] = [];
  private head = 0;

  push(i: number): void {
    this.items.push(i);
  }

  take(stale: Stale, avoid: Avoid): number | undefined {
    this.dropStale(stale);
    for (let j = this.head; j < this.items.length; j++) {
      const i = this.items[j]!;
      if (stale(i) || avoid(i)) continue;
      if (j === this.head) this.head++;
      return i;
    }
    return undefined;
  }

  hasLive(stale: Stale): boolean {
    this.dropStale(stale);
    return this.head < this.items.length;
  }

  private dropStale(stale: Stale): void {
    while (this.head < this.items.length && stale(this.items[this.head]!)) this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}

export class LaunchQueue {
  private readonly all = new IndexList();
  private readonly noPreference = new IndexList();
  private readonly byHost = new Map<string, IndexList>();

  add(index: number, hosts: readonly string[]): void {
    this.all.push(index);
    if (hosts.length === 0) this.noPreference.push(index);
    for (const h of hosts) {
      let list = this.byHost.get(h);
      if (!list) this.byHost.set(h, (list = new IndexList()));
      list.push(index);
    }
  }

  takeLocal(host: string, stale: Stale, avoid: Avoid): number | undefined {
    return this.byHost.get(host)?.take(stale, avoid);
  }

  takeNoPreference(stale: Stale, avoid: Avoid): number | undefined {
    return this.noPreference.take(stale, avoid);
  }

  takeAny(stale: Stale, avoid: Avoid): number | undefined {
    return this.all.take(stale, avoid);
  }

  /** Whether a pending task prefers one of `hosts`. */
  hasLocalFor(hosts: ReadonlySet<string>, stale: Stale): boolean {
    for (const h of hosts) if (this.byHost.get(h)?.hasLive(stale)) return true;
    return false;
  }

  hasAny(stale: Stale): boolean {
    return this.all.hasLive(stale);
  }
}
