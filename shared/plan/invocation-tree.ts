/**
 * The allocator tree (DESIGN §5, reference §4.2): a complete tree of fan-out b and depth l whose root is
 * the coordinator (id −1, level 0, not an allocator) and whose A(b,l) = b + b² + … + b^l nodes are the
 * allocator invocations, numbered 0..A−1 in pre-order with the reference's steps:
 * s_1 = ⌈A/b⌉, s_{L+1} = ⌈(s_L − 1)/b⌉, and child j of node x at level L is x + 1 + j·s_{L+1}.
 *
 * Design decisions:
 * - Pre-order numbering makes every subtree a contiguous id range [x, x + s_L), so giving node i the
 *   contiguous batch slice [⌊i·n/A⌋, ⌊(i+1)·n/A⌋) makes every subtree's queries contiguous too: a node
 *   receives its subtree's queries and forwards each child its sub-range, with no per-query routing table.
 * - Slices are never empty when n ≥ A; `fitTree` shrinks the tree (depth first, then branching) so that a
 *   small batch never leaves an allocator without queries.
 */
import { InvalidInputError } from '../errors/index.ts';

export interface TreeNode {
  /** Pre-order id, 0..A−1 (−1 for the root). */
  readonly id: number;
  /** 1..depth (0 for the root). */
  readonly level: number;
}

export interface PositionRange {
  /** First batch position, inclusive. */
  readonly start: number;
  /** Last batch position, exclusive. */
  readonly end: number;
}

/** The root: the coordinator, parent of the level-1 allocators. */
export const TREE_ROOT: TreeNode = Object.freeze({ id: -1, level: 0 });

/** A(b,l) = b + b² + … + b^l. */
export function allocatorCount(branching: number, depth: number): number {
  checkShape(branching, depth);
  let total = 0;
  let width = 1;
  for (let level = 1; level <= depth; level++) {
    width *= branching;
    total += width;
  }
  return total;
}

export class InvocationTree {
  /** A: allocator invocations in the tree. */
  readonly allocators: number;
  /** steps[L] = s_L, the subtree size of a node at level L (itself included), for L = 1..depth. */
  readonly #steps: number[];

  constructor(
    readonly branching: number,
    readonly depth: number,
  ) {
    this.allocators = allocatorCount(branching, depth);
    const steps = [this.allocators + 1, Math.ceil(this.allocators / branching)];
    for (let level = 1; level < depth; level++) steps.push(Math.ceil((steps[level]! - 1) / branching));
    this.#steps = steps;
  }

  /** s_L: nodes in the subtree of a node at `level` (itself included); the root's subtree is A + 1. */
  subtreeSize(level: number): number {
    this.#checkLevel(level, 0);
    return this.#steps[level]!;
  }

  /** The children of `node` in order j = 0..b−1; none for a leaf. */
  children(node: TreeNode): TreeNode[] {
    this.#checkNode(node);
    if (node.level === this.depth) return [];
    const step = this.#steps[node.level + 1]!;
    return Array.from({ length: this.branching }, (_, j) => ({
      id: node.id + 1 + j * step,
      level: node.level + 1,
    }));
  }

  /** Every allocator node in pre-order (ids 0..A−1 in order). */
  nodes(): TreeNode[] {
    const out: TreeNode[] = [];
    const visit = (node: TreeNode) => {
      if (node.level > 0) out.push(node);
      for (const child of this.children(node)) visit(child);
    };
    visit(TREE_ROOT);
    return out;
  }

  /** The batch positions node `id` serves itself, out of `batchSize` queries. */
  ownSlice(id: number, batchSize: number): PositionRange {
    return this.#positions(id, id + 1, batchSize);
  }

  /** The batch positions served by the subtree of `node` (the root's is the whole batch). */
  subtreeSlice(node: TreeNode, batchSize: number): PositionRange {
    this.#checkNode(node);
    if (node.level === 0) return { start: 0, end: batchSize };
    return this.#positions(node.id, node.id + this.#steps[node.level]!, batchSize);
  }

  #positions(firstId: number, endId: number, batchSize: number): PositionRange {
    if (!Number.isSafeInteger(batchSize) || batchSize < this.allocators) {
      throw new InvalidInputError(
        `a tree of ${this.allocators} allocators needs a batch of at least ${this.allocators} queries, received ${batchSize}`,
      );
    }
    const at = (id: number) => Math.floor((id * batchSize) / this.allocators);
    return { start: at(firstId), end: at(endId) };
  }

  #checkLevel(level: number, min: number): void {
    if (!Number.isInteger(level) || level < min || level > this.depth) {
      throw new InvalidInputError(`tree level ${level} is outside ${min}..${this.depth}`);
    }
  }

  /** Walks down from the root along the child steps: true when `node` is exactly a node of the tree. */
  #contains(node: TreeNode): boolean {
    if (!Number.isInteger(node.id)) return false;
    let parent = TREE_ROOT.id;
    for (let level = 1; level <= node.level; level++) {
      const step = this.#steps[level]!;
      const offset = node.id - (parent + 1);
      const j = Math.floor(offset / step);
      if (offset < 0 || j >= this.branching) return false;
      parent += 1 + j * step;
    }
    return parent === node.id;
  }

  #checkNode(node: TreeNode): void {
    this.#checkLevel(node.level, 0);
    if (!this.#contains(node)) {
      throw new InvalidInputError(
        `tree node ${node.id} at level ${node.level} is not in the (${this.branching}, ${this.depth}) tree of ${this.allocators} allocators`,
      );
    }
  }
}

/**
 * The largest tree with at most `maxAllocators` nodes: full branching with the greatest depth ≤ `depth`
 * that fits, or a single level of `maxAllocators` nodes when even b does not fit. `undefined` when not one
 * allocator fits (`maxAllocators` < 1).
 */
export function fitTree(branching: number, depth: number, maxAllocators: number): InvocationTree | undefined {
  checkShape(branching, depth);
  const max = Math.floor(maxAllocators);
  if (!(max >= 1)) return undefined;
  if (branching > max) return new InvocationTree(max, 1);
  let fitting = 1;
  while (fitting < depth && allocatorCount(branching, fitting + 1) <= max) fitting++;
  return new InvocationTree(branching, fitting);
}

function checkShape(branching: number, depth: number): void {
  if (!Number.isSafeInteger(branching) || branching < 1 || !Number.isSafeInteger(depth) || depth < 1) {
    throw new InvalidInputError(
      `an allocator tree needs a positive integer branching and depth, received (${branching}, ${depth})`,
    );
  }
}
