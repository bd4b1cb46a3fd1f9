import { describe, expect, it, vi } from 'vitest';
import { deprecate } from '../src/index.js';

describe('deprecate', () => {
  it('emits one DeprecationWarning per code per process', () => {
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const notice = { code: 'KILN_DEP_TEST', symbol: 'old', since: '0.1.0 (2026-11-21)', replacement: '`fresh`' };
    deprecate(notice);
    deprecate(notice);
    expect(spy).toHaveBeenCalledTimes(1);
    expect((spy.mock.calls[0] as unknown[])[1]).toBe('DeprecationWarning');
    expect((spy.mock.calls[0] as unknown[])[2]).toBe('KILN_DEP_TEST');
    expect(String(spy.mock.calls[0]?.[0])).toContain('use `fresh` instead');
    spy.mockRestore();
  });
});
