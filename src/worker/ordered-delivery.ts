/**
 * Posting to a page's callback across a worker without waiting for each call, yet never letting
 * the reply overtake it: a comlink callback proxy has its own message channel, so a call's reply
 * can arrive before the events posted just before it. The host posts through `post` and awaits
 * `delivered()` before it returns. (Load progress, engine outputs and chat chunks all go this way.)
 */
export interface OrderedDelivery<Args extends unknown[]> {
  /** undefined when there is no callback. */
  readonly post: ((...args: Args) => void) | undefined;
  /** Resolves once the last post has reached the callback (a failed one counts as delivered). */
  delivered(): Promise<void>;
}

export function orderedDelivery<Args extends unknown[]>(callback: ((...args: Args) => unknown) | undefined): OrderedDelivery<Args> {
  let last: Promise<unknown> = Promise.resolve();
  return {
    post: callback === undefined ? undefined : (...args: Args) => void (last = Promise.resolve(callback(...args))),
    delivered: () => last.then(() => undefined, () => undefined),
  };
}
