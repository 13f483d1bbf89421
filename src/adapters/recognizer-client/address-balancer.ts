import { lookup } from 'node:dns/promises';

/** Every address a host name resolves to (A and AAAA records, or /etc/hosts). */
export type Resolver = (host: string) => Promise<string[]>;

export interface AddressBalancerOptions<T> {
  host: string;
  resolve: Resolver;
  /** Opens the channel (a transport with its own HTTP/2 connection) to one address. */
  open: (address: string) => T;
  /** Retires a channel: its address is gone, it is too old, or the balancer closes. */
  retire: (channel: T, address: string) => void;
  /** A channel older than this is replaced by a fresh one at the next refresh (0: never). */
  maxAgeMs?: number;
  now?: () => number;
  /** Told when the set of addresses changed. */
  onChange?: (addresses: string[]) => void;
  /** Told when a re-resolution failed (the last known addresses stay in use). */
  onResolveError?: (error: unknown) => void;
}

interface Slot<T> {
  address: string;
  channel: T;
  openedAt: number;
}

/**
 * Round robin over one channel per address of a host. `refresh()` resolves the name again, opens
 * channels for new addresses and retires those whose address is gone or that are older than
 * `maxAgeMs`, so one long-lived HTTP/2 connection never pins every call on one pod and new pods
 * get traffic. A failed resolution keeps the channels in use; an empty answer does too (a DNS blip
 * must not leave the caller with nothing to call).
 */
export class AddressBalancer<T> {
  private slots: Slot<T>[] = [];
  private cursor = 0;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly options: AddressBalancerOptions<T>) {}

  /** The addresses in use, in round-robin order. */
  addresses(): string[] {
    return this.slots.map((s) => s.address);
  }

  /** The channel for the next call; throws before the first successful refresh. */
  next(): T {
    if (this.slots.length === 0) throw new Error(`no address known for ${this.options.host}`);
    const slot = this.slots[this.cursor % this.slots.length] as Slot<T>;
    this.cursor = (this.cursor + 1) % this.slots.length;
    return slot.channel;
  }

  /** Resolves the host again and reconciles the channels; concurrent calls share one resolution. */
  refresh(): Promise<void> {
    this.refreshing ??= this.reconcile().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async reconcile(): Promise<void> {
    let resolved: string[];
    try {
      resolved = [...new Set(await this.options.resolve(this.options.host))].sort();
    } catch (error) {
      if (this.slots.length === 0) throw error;
      this.options.onResolveError?.(error);
      return;
    }
    if (this.closed) return;
    if (resolved.length === 0) {
      const error = new Error(`${this.options.host} resolves to no address`);
      if (this.slots.length === 0) throw error;
      this.options.onResolveError?.(error);
      return;
    }
    const now = (this.options.now ?? Date.now)();
    const maxAge = this.options.maxAgeMs ?? 0;
    const before = this.addresses().join(',');
    const kept: Slot<T>[] = [];
    for (const slot of this.slots) {
      const tooOld = maxAge > 0 && now - slot.openedAt >= maxAge;
      if (resolved.includes(slot.address) && !tooOld) kept.push(slot);
      else this.options.retire(slot.channel, slot.address);
    }
    const present = new Set(kept.map((s) => s.address));
    for (const address of resolved)
      if (!present.has(address)) kept.push({ address, channel: this.options.open(address), openedAt: now });
    kept.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
    this.slots = kept;
    this.cursor %= kept.length;
    if (this.addresses().join(',') !== before) this.options.onChange?.(this.addresses());
  }

  /** Refreshes every `intervalMs` until `close()` (the timer does not keep the process alive). */
  startRefreshing(intervalMs: number): void {
    if (this.timer || intervalMs <= 0) return;
    this.timer = setInterval(() => {
      this.refresh().catch((error) => this.options.onResolveError?.(error));
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops refreshing and retires every channel. */
  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    for (const slot of this.slots) this.options.retire(slot.channel, slot.address);
    this.slots = [];
  }
}

/** `node:dns` lookup of every address (what the OS resolver answers, /etc/hosts included). */
export async function lookupAll(host: string): Promise<string[]> {
  return (await lookup(host, { all: true })).map((a) => a.address);
}

/** The base URL of one address of `url` (IPv6 in brackets), keeping scheme, port and path. */
export function urlForAddress(url: string, address: string): string {
  const parsed = new URL(url);
  parsed.hostname = address.includes(':') ? `[${address}]` : address;
  return parsed.toString().replace(/\/$/, '');
}
