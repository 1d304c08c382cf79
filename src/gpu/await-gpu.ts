/**
 * Dawn in Node resolves GPU promises (mapAsync, onSubmittedWorkDone) from native callbacks that
 * do not hold Node's event loop open: with nothing else pending the process would exit, or
 * crash, mid-wait. Holding a timer while waiting keeps it alive; browsers need nothing.
 */
export async function awaitGpu<T>(promise: Promise<T>): Promise<T> {
  if (typeof process === 'undefined' || process.versions?.node === undefined) return promise;
  const holder = setInterval(() => undefined, 1000);
  try {
    return await promise;
  } finally {
    clearInterval(holder);
  }
}
