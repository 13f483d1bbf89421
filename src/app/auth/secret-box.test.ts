import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box.ts';

const KEY = 'k'.repeat(40);

describe('SecretBox', () => {
  it('seals with a fresh nonce each time and opens only with the same key and owner', () => {
    const box = new SecretBox(KEY);
    const a = box.seal('JBSWY3DPEHPK3PXP', 'usr_1');
    const b = box.seal('JBSWY3DPEHPK3PXP', 'usr_1');
    expect(a).not.toBe(b);
    expect(a).not.toContain('JBSWY3DPEHPK3PXP');
    expect(a).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(box.open(a, 'usr_1')).toBe('JBSWY3DPEHPK3PXP');
    expect(() => box.open(a, 'usr_2')).toThrow(/cannot be decrypted/);
    expect(() => new SecretBox('x'.repeat(40)).open(a, 'usr_1')).toThrow(/cannot be decrypted/);
    const [v, iv, body, tag] = a.split('.') as [string, string, string, string];
    const flipped = `${body.slice(0, -2)}${body.endsWith('AA') ? 'AB' : 'AA'}`;
    expect(() => box.open([v, iv, flipped, tag].join('.'), 'usr_1')).toThrow(/cannot be decrypted/);
    expect(() => box.open('plain', 'usr_1')).toThrow(/cannot be decrypted/);
  });

  it('refuses key material shorter than 32 characters', () => {
    expect(() => new SecretBox('short')).toThrow(/at least 32/);
  });
});
