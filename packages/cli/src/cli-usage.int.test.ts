import { describe, expect, it } from 'vitest';
import { runFlowra } from './test-support/run-flowra.js';

// Needs the built bin (`pnpm test` builds it first), not a MongoDB server.
const COMMANDS = ['migrate', 'stats', 'read', 'tail', 'verify', 'export', 'import'];

describe('flowra usage', () => {
  it.each([[[]], ...COMMANDS.map((c) => [[c]])])(
    'flowra %j --help prints usage and exits 0',
    async (args) => {
      const result = await runFlowra([...args, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^Usage: flowra/);
      expect(result.stdout).toContain('--uri');
      if (args.length > 0) expect(result.stdout).toContain(`flowra ${args[0]}`);
    },
  );

  it('flowra help <command> prints that command’s usage', async () => {
    const result = await runFlowra(['help', 'import']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: flowra import');
  });

  it('an unknown command prints usage on stderr and exits 2', async () => {
    const result = await runFlowra(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'frobnicate'");
    expect(result.stderr).toContain('Usage: flowra');
    expect(result.stdout).toBe('');
  });

  it('an unknown flag prints the command’s usage on stderr and exits 2', async () => {
    const result = await runFlowra(['stats', '--bogus']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--bogus'");
    expect(result.stderr).toContain('Usage: flowra stats');
  });

  it.each([
    [['read']],
    [['read', 'Chat-1', '--limit', 'lots']],
    [['tail', '--from', '-1']],
    [['import']],
  ])('bad arguments %j exit 2', async (args) => {
    const result = await runFlowra(args);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toBe('');
  });

  it('no command prints usage on stderr and exits 2', async () => {
    const result = await runFlowra([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: flowra');
  });

  it('an unreachable server: one line naming the host and the fix, exit 2, within seconds', async () => {
    const result = await runFlowra(['stats', '--uri', 'mongodb://127.0.0.1:1/x'], {
      timeoutMs: 15_000,
    });
    expect(result.code).toBe(2);
    expect(result.ms).toBeLessThan(10_000);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('127.0.0.1:1');
    expect(lines[0]).toContain('--uri');
    expect(lines[0]).toContain('MONGODB_URI');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('MONGODB_URI is used when --uri is absent, and named in the message', async () => {
    const result = await runFlowra(['verify'], {
      env: { MONGODB_URI: 'mongodb://127.0.0.1:1' },
      timeoutMs: 15_000,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('127.0.0.1:1 (from MONGODB_URI)');
  });

  it('an unreadable import file exits 2 before connecting', async () => {
    const result = await runFlowra(['import', '/nonexistent/flowra-export.ndjson']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot read /nonexistent/flowra-export.ndjson');
  });
});
