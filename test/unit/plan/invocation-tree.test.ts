import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../shared/errors/index.ts';
import {
  allocatorCount,
  fitTree,
  InvocationTree,
  TREE_ROOT,
  type TreeNode,
} from '../../../shared/plan/invocation-tree.ts';

/** Every node reached from the root by `children`, in visiting (pre-)order. */
function walk(tree: InvocationTree): TreeNode[] {
  const out: TreeNode[] = [];
  const visit = (node: TreeNode) => {
    for (const child of tree.children(node)) {
      out.push(child);
      visit(child);
    }
  };
  visit(TREE_ROOT);
  return out;
}

describe('InvocationTree numbering (reference §4.2)', () => {
  const shapes: [number, number, number][] = [
    [4, 3, 84],
    [5, 3, 155],
    [6, 3, 258],
    [4, 4, 340],
    [10, 1, 10],
    [4, 2, 20],
    [1, 3, 3],
    [3, 1, 3],
  ];
  for (const [b, l, expected] of shapes) {
    it(`(${b}, ${l}): ids cover 0..${expected - 1} exactly once, in pre-order`, () => {
      const tree = new InvocationTree(b, l);
      expect(allocatorCount(b, l)).toBe(expected);
      expect(tree.allocators).toBe(expected);
      const ids = walk(tree).map((node) => node.id);
      expect(ids).toEqual(Array.from({ length: expected }, (_, i) => i));
      expect(tree.nodes().map((node) => node.id)).toEqual(ids);
    });
  }

  it('numbers (4, 3) like the reference: level 1 at 0, 21, 42, 63; children of 0 and 1', () => {
    const tree = new InvocationTree(4, 3);
    expect(tree.children(TREE_ROOT)).toEqual([0, 21, 42, 63].map((id) => ({ id, level: 1 })));
    expect(tree.children({ id: 0, level: 1 }).map((node) => node.id)).toEqual([1, 6, 11, 16]);
    expect(tree.children({ id: 1, level: 2 }).map((node) => node.id)).toEqual([2, 3, 4, 5]);
    expect(tree.children({ id: 2, level: 3 })).toEqual([]);
    expect([0, 1, 2, 3].map((level) => tree.subtreeSize(level))).toEqual([85, 21, 5, 1]);
  });

  it('gives each subtree the contiguous run of slices of its ids', () => {
    const tree = new InvocationTree(4, 2);
    const n = 103;
    const own = tree.nodes().map((node) => tree.ownSlice(node.id, n));
    // Own slices tile 0..n−1 in id order and none is empty.
    expect(own[0]!.start).toBe(0);
    expect(own.at(-1)!.end).toBe(n);
    own.forEach((slice, i) => {
      expect(slice.end).toBeGreaterThan(slice.start);
      if (i > 0) expect(slice.start).toBe(own[i - 1]!.end);
    });
    // A subtree's slice is its node's own slice followed by its children's subtrees.
    for (const node of [TREE_ROOT, ...tree.nodes()]) {
      const children = tree.children(node);
      if (children.length === 0) continue;
      const whole = tree.subtreeSlice(node, n);
      const first = node.level === 0 ? whole.start : tree.ownSlice(node.id, n).end;
      expect(tree.subtreeSlice(children[0]!, n).start).toBe(first);
      expect(tree.subtreeSlice(children.at(-1)!, n).end).toBe(whole.end);
    }
    expect(tree.subtreeSlice({ id: 5, level: 1 }, n)).toEqual({ start: 25, end: 51 });
  });

  it('rejects nodes that are not in the tree and batches smaller than the tree', () => {
    const tree = new InvocationTree(4, 3);
    expect(() => tree.children({ id: 2, level: 1 })).toThrow(
      'tree node 2 at level 1 is not in the (4, 3) tree of 84 allocators',
    );
    expect(() => tree.subtreeSlice({ id: 84, level: 3 }, 100)).toThrow(InvalidInputError);
    expect(() => tree.ownSlice(0, 83)).toThrow(
      'a tree of 84 allocators needs a batch of at least 84 queries, received 83',
    );
    expect(() => new InvocationTree(0, 2)).toThrow(
      'an allocator tree needs a positive integer branching and depth, received (0, 2)',
    );
  });
});

describe('fitTree', () => {
  it('keeps the branching and shrinks the depth, then the branching, to fit', () => {
    const shape = (max: number) => {
      const tree = fitTree(4, 3, max);
      return tree && [tree.branching, tree.depth, tree.allocators];
    };
    expect(shape(0)).toBeUndefined();
    expect(shape(1)).toEqual([1, 1, 1]);
    expect(shape(3)).toEqual([3, 1, 3]);
    expect(shape(4)).toEqual([4, 1, 4]);
    expect(shape(19)).toEqual([4, 1, 4]);
    expect(shape(20)).toEqual([4, 2, 20]);
    expect(shape(84)).toEqual([4, 3, 84]);
    expect(shape(10_000)).toEqual([4, 3, 84]);
  });
});
