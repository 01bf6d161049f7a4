// Work over many items with a bound on how much is in flight: names pulled together, engines of a fleet.

/** Runs `task` for each index with at most `limit` in flight, keeping results in order. */
export async function boundedAll<T>(count: number, limit: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count)
  let next = 0
  const worker = async () => {
    while (next < count) {
      const index = next++
      results[index] = await task(index)
    }
  }

  await Promise.all(Array.from({length: Math.min(limit, count)}, worker))
  return results
}

