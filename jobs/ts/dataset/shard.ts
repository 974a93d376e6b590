/** Which deterministic slice of the work one process does (request.shard). */
export interface ShardSpec {
  index: number;
  count: number;
}

/**
 * The contiguous slice `[floor(i·n/k), floor((i+1)·n/k))` of `n` items for shard `i` of `k`:
 * every item in exactly one shard, sizes differing by at most one, neighbours on disk together.
 */
export function shardRange(total: number, shard: ShardSpec): { start: number; end: number } {
  if (!Number.isInteger(shard.count) || shard.count < 1) throw new Error(`shard count must be ≥ 1, got ${shard.count}`);
  if (!Number.isInteger(shard.index) || shard.index < 0 || shard.index >= shard.count) {
    throw new Error(`shard index must be in [0, ${shard.count}), got ${shard.index}`);
  }
  return {
    start: Math.floor((shard.index * total) / shard.count),
    end: Math.floor(((shard.index + 1) * total) / shard.count),
  };
}

export function shardSlice<T>(items: readonly T[], shard: ShardSpec): T[] {
  const { start, end } = shardRange(items.length, shard);
  return items.slice(start, end);
}
