/**
 * Runs `fn` over `items` with at most `limit` calls in flight and hands each result to `emit` in
 * input order as soon as it and all earlier ones are done (bounded memory for long inputs).
 */
export async function mapOrdered<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  emit: (result: R, index: number) => void,
): Promise<void> {
  const results = new Map<number, R>();
  let next = 0;
  let emitted = 0;
  const flush = () => {
    while (results.has(emitted)) {
      const value = results.get(emitted) as R;
      results.delete(emitted);
      emit(value, emitted++);
    }
  };
  const runner = async () => {
    while (next < items.length) {
      const index = next++;
      results.set(index, await fn(items[index] as T, index));
      flush();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, runner));
  flush();
}
