/**
 * The tool runner's event emitter: typed listeners per event type. A listener that throws is
 * reported on the console and skipped, so a UI bug cannot stop the run.
 */
import type { ToolRunEvent, ToolRunEventOf, ToolRunEventType } from './tool-types.ts';

type Listener = (event: ToolRunEvent) => void;

export class ToolEvents {
  private readonly listeners = new Map<ToolRunEventType, Set<Listener>>();

  on<T extends ToolRunEventType>(type: T, listener: (event: ToolRunEventOf<T>) => void): () => void {
    let set = this.listeners.get(type);
    if (set === undefined) this.listeners.set(type, (set = new Set()));
    // Wrapped so that adding the same function twice gives two independent subscriptions.
    const entry: Listener = (event) => listener(event as ToolRunEventOf<T>);
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  emit(event: ToolRunEvent): void {
    for (const listener of [...(this.listeners.get(event.type) ?? [])]) {
      try {
        listener(event);
      } catch (error) {
        console.error(`tool runner: a '${event.type}' listener threw`, error);
      }
    }
  }
}
