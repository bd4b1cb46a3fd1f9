import { describe, expect, it } from 'vitest';
import { KilnError } from '@kiln/common';
import { checkFlags, main, parseArgs } from '../src/index.js';

describe('kiln argument parsing', () => {
  it('reads trtexec-style flags', () => {
    const parsed = parseArgs(['build', '--onnx=m.onnx', '--shapes=x:1x3', '--verbose', 'extra']);
    expect(parsed.command).toBe('build');
    expect(parsed.flags.get('onnx')).toBe('m.onnx');
    expect(parsed.flags.get('shapes')).toBe('x:1x3');
    expect(parsed.switches.has('verbose')).toBe(true);
    expect(parsed.positionals).toEqual(['extra']);
  });

  it('rejects unknown flags with a suggestion', () => {
    const parsed = parseArgs(['build', '--saveengine=x']);
    try {
      checkFlags('build', parsed, ['onnx', 'saveEngine']);
      expect.unreachable();
    } catch (error) {
      expect(KilnError.isInstance(error, 'ERR_CLI_USAGE')).toBe(true);
      expect(String((error as Error).message)).toContain('--saveEngine');
    }
  });

  it('returns non-zero for an unknown command', async () => {
    expect(await main(['frobnicate'])).toBe(1);
    expect(await main(['version'])).toBe(0);
  });
});
