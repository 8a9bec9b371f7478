/**
 * `load` run on the first call only, its promise shared by every caller. A failure is not kept: the
 * next call tries again (a cold start's failed import or client must not poison a warm container).
 */
export function onFirstUse<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
