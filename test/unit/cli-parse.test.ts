/**
 * `cli parse` as a user runs it (a child process, text on stdin): the reasoning split, tool calls
 * from the content part only, `tool_calls: []` when there are none, and a usage error for an
 * unknown flag.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;

function cli(args: string[], stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', '--import', './tools/register-wgsl.mjs', 'tools/cli.ts', ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

interface Parsed {
  content: string | null;
  reasoning_content: string | null;
  tool_calls: { id: string; type: string; function: { name: string; arguments: string } }[];
}

const parsed = (stdout: string) => JSON.parse(stdout.trim()) as Parsed;

describe('cli parse', () => {
  it('splits reasoning, then parses tool calls from the content only', async () => {
    const text = '<think>\nMaybe <tool_call>\n{"name": "no", "arguments": {}}\n</tool_call> here?\n</think>\n\nChecking.'
      + '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>';
    const [withReasoning, plain, noCalls] = await Promise.all([
      cli(['parse', '--reasoning'], text),
      cli(['parse'], 'Just text, no calls.'),
      cli(['parse', '--reasoning'], '<think>only thinking'),
    ]);
    expect(withReasoning.code).toBe(0);
    const result = parsed(withReasoning.stdout);
    expect(result.reasoning_content).toBe('\nMaybe <tool_call>\n{"name": "no", "arguments": {}}\n</tool_call> here?\n');
    expect(result.content).toBe('\n\nChecking.');
    expect(result.tool_calls).toHaveLength(1);
    expect(result.tool_calls[0]).toMatchObject({ type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } });
    expect(result.tool_calls[0]!.id).toMatch(/^chatcmpl-tool-[0-9a-f]{32}$/);

    expect(parsed(plain.stdout)).toEqual({ content: 'Just text, no calls.', reasoning_content: null, tool_calls: [] });
    expect(parsed(noCalls.stdout)).toEqual({ content: null, reasoning_content: 'only thinking', tool_calls: [] });
  }, 60_000);

  it('without --reasoning the think block stays in the content, so its calls are not split out', async () => {
    const text = '<think>hmm</think><tool_call>\n{"name": "f", "arguments": {}}\n</tool_call>';
    const [plain, badFlag] = await Promise.all([cli(['parse'], text), cli(['parse', '--nope'], text)]);
    expect(parsed(plain.stdout)).toMatchObject({ content: '<think>hmm</think>', reasoning_content: null, tool_calls: [{ function: { name: 'f', arguments: '{}' } }] });
    expect(badFlag.code).toBe(1);
    expect(badFlag.stderr).toMatch(/usage:/);
  }, 60_000);
});
