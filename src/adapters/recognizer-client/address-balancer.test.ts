import { describe, expect, it } from 'vitest';
import { AddressBalancer, urlForAddress } from './address-balancer.ts';

/** A balancer over plain channel records, with a resolver and clock the test sets. */
function harness(first: string[] | Error, maxAgeMs = 0) {
  let answer: string[] | Error = first;
  let now = 1000;
  let opened = 0;
  const retired: string[] = [];
  const changes: string[][] = [];
  const errors: unknown[] = [];
  const balancer = new AddressBalancer<{ address: string; serial: number }>({
    host: 'recognizer.test',
    resolve: async (host) => {
      expect(host).toBe('recognizer.test');
      if (answer instanceof Error) throw answer;
      return answer;
    },
    open: (address) => ({ address, serial: ++opened }),
    retire: (channel) => retired.push(`${channel.address}#${channel.serial}`),
    maxAgeMs,
    now: () => now,
    onChange: (addresses) => changes.push(addresses),
    onResolveError: (error) => errors.push(error),
  });
  return {
    balancer,
    retired,
    changes,
    errors,
    answer: (next: string[] | Error) => {
      answer = next;
    },
    advance: (ms: number) => {
      now += ms;
    },
    take: (n: number) => Array.from({ length: n }, () => balancer.next().address),
  };
}

describe('AddressBalancer', () => {
  it('spreads calls round robin over every resolved address, one channel each', async () => {
    const h = harness(['10.0.0.2', '10.0.0.1', '10.0.0.3', '10.0.0.1']);
    await h.balancer.refresh();
    expect(h.balancer.addresses()).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    expect(h.take(6)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.1', '10.0.0.2', '10.0.0.3']);
    expect(new Set(Array.from({ length: 6 }, () => h.balancer.next().serial)).size).toBe(3);
    expect(h.changes).toEqual([['10.0.0.1', '10.0.0.2', '10.0.0.3']]);
  });

  it('adds new addresses and retires vanished ones, keeping the channels of those that stay', async () => {
    const h = harness(['10.0.0.1', '10.0.0.2']);
    await h.balancer.refresh();
    const kept = h.balancer.next();
    expect(kept.address).toBe('10.0.0.1');
    h.answer(['10.0.0.1', '10.0.0.3']);
    await h.balancer.refresh();
    expect(h.balancer.addresses()).toEqual(['10.0.0.1', '10.0.0.3']);
    expect(h.retired).toEqual(['10.0.0.2#2']);
    const channels = [h.balancer.next(), h.balancer.next()];
    expect(channels).toContain(kept);
    expect(channels.map((c) => c.address).sort()).toEqual(['10.0.0.1', '10.0.0.3']);
    expect(h.changes).toHaveLength(2);
  });

  it('keeps the known addresses when resolution fails or answers nothing', async () => {
    const h = harness(['10.0.0.1', '10.0.0.2']);
    await h.balancer.refresh();
    h.answer(new Error('ENOTFOUND'));
    await h.balancer.refresh();
    h.answer([]);
    await h.balancer.refresh();
    expect(h.balancer.addresses()).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(h.retired).toEqual([]);
    expect(h.errors).toHaveLength(2);
  });

  it('fails the first refresh when the name does not resolve, and next() before any address', async () => {
    const h = harness(new Error('ENOTFOUND'));
    await expect(h.balancer.refresh()).rejects.toThrow('ENOTFOUND');
    expect(() => h.balancer.next()).toThrow('no address known for recognizer.test');
    h.answer([]);
    await expect(h.balancer.refresh()).rejects.toThrow('resolves to no address');
  });

  it('replaces a connection older than the maximum age, even when its address stays', async () => {
    const h = harness(['10.0.0.1'], 60_000);
    await h.balancer.refresh();
    expect(h.balancer.next().serial).toBe(1);
    h.advance(30_000);
    await h.balancer.refresh();
    expect(h.balancer.next().serial).toBe(1);
    h.advance(30_000);
    await h.balancer.refresh();
    expect(h.retired).toEqual(['10.0.0.1#1']);
    expect(h.balancer.next().serial).toBe(2);
    expect(h.changes).toHaveLength(1);
  });

  it('retires every channel at close and ignores a refresh after it', async () => {
    const h = harness(['10.0.0.1', '10.0.0.2']);
    await h.balancer.refresh();
    h.balancer.close();
    expect(h.retired.sort()).toEqual(['10.0.0.1#1', '10.0.0.2#2']);
    h.answer(['10.0.0.5']);
    await h.balancer.refresh();
    expect(h.balancer.addresses()).toEqual([]);
  });

  it('coalesces concurrent refreshes into one resolution', async () => {
    let calls = 0;
    const balancer = new AddressBalancer({
      host: 'h',
      resolve: async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 5));
        return ['10.0.0.1'];
      },
      open: (address) => address,
      retire: () => {},
    });
    await Promise.all([balancer.refresh(), balancer.refresh(), balancer.refresh()]);
    expect(calls).toBe(1);
  });
});

describe('urlForAddress', () => {
  it('puts the address in place of the host, keeping scheme and port', () => {
    expect(urlForAddress('http://recognizer:50051', '10.1.2.3')).toBe('http://10.1.2.3:50051');
    expect(urlForAddress('https://recognizer.svc:443/', 'fd00::7')).toBe('https://[fd00::7]');
    expect(urlForAddress('http://recognizer:50051/', '127.0.0.2')).toBe('http://127.0.0.2:50051');
  });
});
