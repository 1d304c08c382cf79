/** An in-process engine on one of test/fixtures/, with the adapter printed as every GPU test does. */
import { createEngine, type CreateEngineOptions } from '../../src/api/create-engine.ts';
import type { LlmEngine } from '../../src/api/llm-engine.ts';

const fixturePath = (name: string): string => new URL(`../fixtures/${name}/`, import.meta.url).pathname;

export async function loadFixtureEngine(name: string, options: Omit<CreateEngineOptions, 'model' | 'worker'> = {}): Promise<LlmEngine> {
  const engine = await createEngine({ model: fixturePath(name), worker: false, ...options });
  console.log(`[webgpu] adapter: ${engine.info.adapterName}`);
  return engine;
}
