/**
 * `cli parse` as a user runs it (a child process, text on stdin): the reasoning split, tool calls
 * from the content part only, `tool_calls: []` when there are none, the parser chosen with
 * --reasoning-parser (qwen3's implicit end at <tool_call> and its --no-thinking, deepseek_r1's
 * empty "" reasoning), and usage errors for an unknown flag or parser.
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
    expect(badFlag.stderr).toMatch(/--reasoning-parser qwen3\|deepseek_r1/);
  }, 60_000);

  it('--reasoning-parser picks the rules: qwen3 ends reasoning at a call, deepseek_r1 does not', async () => {
    const call = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>';
    const text = `I should check the weather.\n${call}`;
    const [qwen3, noThinking, deepseek, emptyThought, badParser] = await Promise.all([
      cli(['parse', '--reasoning-parser', 'qwen3'], text),
      cli(['parse', '--reasoning-parser', 'qwen3', '--no-thinking'], text),
      cli(['parse', '--reasoning-parser', 'deepseek_r1'], text),
      cli(['parse', '--reasoning-parser', 'deepseek_r1'], '</think>\n\nParis is sunny.'),
      cli(['parse', '--reasoning-parser', 'qwen2'], text),
    ]);
    expect(parsed(qwen3.stdout)).toMatchObject({ content: null, reasoning_content: 'I should check the weather.\n', tool_calls: [{ function: { name: 'get_weather', arguments: '{"city": "Paris"}' } }] });
    expect(parsed(noThinking.stdout)).toMatchObject({ content: 'I should check the weather.\n', reasoning_content: null, tool_calls: [{ function: { name: 'get_weather' } }] });
    expect(parsed(deepseek.stdout)).toEqual({ content: null, reasoning_content: text, tool_calls: [] });
    expect(parsed(emptyThought.stdout)).toEqual({ content: '\n\nParis is sunny.', reasoning_content: '', tool_calls: [] });
    expect(badParser.code).toBe(1);
    expect(JSON.parse(badParser.stderr.trim())).toMatchObject({ error: { code: 'invalid_argument', subject: 'reasoning-parser' } });
    expect(badParser.stderr).toMatch(/qwen3, deepseek_r1/);
  }, 60_000);

  it('--tool-parser reads each family\'s call format; an unknown one is a typed error', async () => {
    const args = (call: Parsed['tool_calls'][number]) => JSON.parse(call.function.arguments) as unknown;
    const [llama, pythonic, mistral, deepseekThenLlama, unknown] = await Promise.all([
      cli(['parse', '--tool-parser', 'llama3_json'], '{"name": "get_weather", "parameters": {"city": "Paris"}}'),
      cli(['parse', '--tool-parser', 'pythonic'], "[get_weather(city='Paris', days=2), get_time(tz=None)]"),
      cli(['parse', '--tool-parser', 'mistral'], 'Checking. [TOOL_CALLS] [{"name": "get_weather", "arguments": {"city": "Paris"}}]'),
      cli(['parse', '--tool-parser', 'llama3_json', '--reasoning-parser', 'deepseek_r1'], 'Paris, then.</think>{"name": "f", "parameters": {}}'),
      cli(['parse', '--tool-parser', 'xml'], 'x'),
    ]);
    const llamaOut = parsed(llama.stdout);
    expect(llamaOut.content).toBeNull();
    expect(llamaOut.tool_calls.map((call) => [call.function.name, args(call)])).toEqual([['get_weather', { city: 'Paris' }]]);
    const pythonicOut = parsed(pythonic.stdout);
    expect(pythonicOut.tool_calls.map((call) => [call.function.name, args(call)])).toEqual([['get_weather', { city: 'Paris', days: 2 }], ['get_time', { tz: null }]]);
    const mistralOut = parsed(mistral.stdout);
    expect(mistralOut.content).toBe('Checking. ');
    expect(mistralOut.tool_calls.map((call) => [call.function.name, args(call)])).toEqual([['get_weather', { city: 'Paris' }]]);
    expect(mistralOut.tool_calls[0]!.id).toMatch(/^[A-Za-z0-9]{9}$/);
    expect(parsed(deepseekThenLlama.stdout)).toMatchObject({ reasoning_content: 'Paris, then.', content: null, tool_calls: [{ function: { name: 'f', arguments: '{}' } }] });
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stderr.trim())).toMatchObject({ error: { code: 'invalid_argument', subject: 'tool-parser' } });
    expect(unknown.stderr).toMatch(/hermes, llama3_json, pythonic, mistral/);
  }, 60_000);
});
