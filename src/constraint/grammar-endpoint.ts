/**
 * What the grammar thread serves over comlink: one GrammarService, its errors returned as data
 * (`Outcome`), so a typed LlmError keeps its code and field without a transfer handler on either
 * side, and a runtime that may be corrupt says so (`dead`).
 */
import * as Comlink from 'comlink';
import type { ConstraintSpec } from './constraint-spec.ts';
import { GrammarService, type CompiledStart, type GrammarSetup, type MaskStep } from './grammar-service.ts';

export interface FailedOutcome {
  readonly error: {
    readonly name: string;
    readonly message: string;
    readonly code?: string;
    readonly subject?: string | undefined;
    /** The runtime may be corrupt: the thread must be replaced. */
    readonly dead?: boolean;
  };
}
export type Outcome<T> = { readonly value: T } | FailedOutcome;

export function outcome<T>(fn: () => T, service: GrammarService): Outcome<T> {
  try {
    const value = fn();
    const mask = (value as Partial<MaskStep> | undefined)?.mask;
    // The mask's buffer moves to the engine's thread rather than being copied.
    return mask === undefined ? { value } : Comlink.transfer({ value }, [mask.buffer]);
  } catch (error) {
    const { name, message, code, subject } = error as { name?: string; message?: string; code?: string; subject?: string };
    return { error: { name: String(name ?? 'Error'), message: String(message ?? error), ...(code === undefined ? {} : { code, subject }), dead: service.isDead } };
  }
}

/** What the engine's side calls (comlink makes each a promise). */
export class GrammarEndpoint {
  private readonly service = new GrammarService();

  async start(setup: GrammarSetup): Promise<Outcome<true>> {
    try {
      await this.service.start(setup);
      return { value: true };
    } catch (error) {
      return outcome(() => { throw error; }, this.service);
    }
  }

  compile(spec: ConstraintSpec): Outcome<CompiledStart> {
    return outcome(() => this.service.compile(spec), this.service);
  }

  resume(spec: ConstraintSpec, tokens: readonly number[]): Outcome<CompiledStart> {
    return outcome(() => this.service.resume(spec, tokens), this.service);
  }

  advance(id: number, token: number): Outcome<MaskStep | undefined> {
    return outcome(() => this.service.advance(id, token), this.service);
  }

  release(id: number): void {
    this.service.release(id);
  }

  size(): number {
    return this.service.size;
  }
}
