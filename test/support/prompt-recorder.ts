/**
 * The prompt token ids an in-process engine (`worker: false`) is given, request by request: the
 * chat and completions layers hand every request to `Engine.submit`, which this wraps.
 */
import { vi } from 'vitest';
import { Engine } from '../../src/engine/engine.ts';

export interface PromptRecorder {
  /** Every prompt submitted since the last `take`, in order, and forgets them. */
  take(): number[][];
  restore(): void;
}

export function recordPrompts(): PromptRecorder {
  const spy = vi.spyOn(Engine.prototype, 'submit');
  let seen = 0;
  return {
    take() {
      const prompts = spy.mock.calls.slice(seen).map(([request]) => [...request.promptIds]);
      seen = spy.mock.calls.length;
      return prompts;
    },
    restore: () => spy.mockRestore(),
  };
}
