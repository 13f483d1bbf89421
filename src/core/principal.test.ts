import { describe, expect, it } from 'vitest';
import { ROLES, roleAllows } from './principal.ts';

describe('roleAllows', () => {
  it('orders admin above editor above viewer', () => {
    expect(roleAllows('admin', 'editor')).toBe(true);
    expect(roleAllows('editor', 'editor')).toBe(true);
    expect(roleAllows('editor', 'admin')).toBe(false);
    expect(roleAllows('viewer', 'editor')).toBe(false);
    for (const r of ROLES) expect(roleAllows(r, 'viewer')).toBe(true);
  });
});
